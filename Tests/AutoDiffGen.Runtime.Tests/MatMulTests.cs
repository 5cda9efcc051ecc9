using System;
using System.Linq;
using Xunit;

namespace AutoDiffGen.Runtime.Tests;

/// <summary>MatMul at sizes that exercise the blocked engine's edges, against the naive triple loop.</summary>
public class MatMulTests
{
    public static TheoryData<int, int, int, bool, bool> Shapes()
    {
        var data = new TheoryData<int, int, int, bool, bool>();
        // 1x1x1; an exact 8x16 tile; ragged tiles; k > 256 (two depth slices); m > 96 (two row blocks); n > 2048.
        foreach ((int m, int k, int n) in new[] { (1, 1, 1), (8, 512, 16), (37, 300, 45), (100, 20, 70), (9, 3, 2050) })
        {
            foreach (bool ta in new[] { false, true })
            {
                foreach (bool tb in new[] { false, true })
                {
                    data.Add(m, k, n, ta, tb);
                }
            }
        }

        return data;
    }

    private static double[] Random(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (random.NextDouble() * 2) - 1).ToArray();
    }

    /// <summary>Transposes a rows x columns row-major matrix.</summary>
    private static double[] Transpose(double[] x, int rows, int columns)
    {
        var t = new double[x.Length];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++)
            {
                t[(j * rows) + i] = x[(i * columns) + j];
            }
        }

        return t;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatMul_AllTransposes_MatchesTripleLoop(int m, int k, int n, bool ta, bool tb)
    {
        double[] a = Random(m * k, 1), b = Random(k * n, 2);
        double[] expected = Naive.MatMul(a, b, m, k, n, ta, tb);
        var actual = new double[m * n];
        Array.Fill(actual, double.NaN); // the primal overwrites
        Kernels.MatMul(a, b, m, k, n, ta, tb, actual);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12 * k, $"C[{i}]: {expected[i]} vs {actual[i]}");
        }

        float[] af = a.Select(v => (float)v).ToArray(), bf = b.Select(v => (float)v).ToArray();
        var actualF = new float[m * n];
        Kernels.MatMul(af, bf, m, k, n, ta, tb, actualF);
        double[] expectedF = Naive.MatMul(af.Select(v => (double)v).ToArray(), bf.Select(v => (double)v).ToArray(), m, k, n, ta, tb);
        for (int i = 0; i < expectedF.Length; i++)
        {
            Assert.True(Math.Abs(expectedF[i] - actualF[i]) <= 1e-6 * k, $"float C[{i}]: {expectedF[i]} vs {actualF[i]}");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatMulPullback_AllTransposes_MatchesNaiveProductsAndAccumulates(int m, int k, int n, bool ta, bool tb)
    {
        double[] a = Random(m * k, 3), b = Random(k * n, 4), s = Random(m * n, 5);
        double[] result = Naive.MatMul(a, b, m, k, n, ta, tb);

        // In op-space: d op(A) = S op(B)^T  [m x k], d op(B) = op(A)^T S  [k x n].
        double[] opA = ta ? Transpose(a, k, m) : a;
        double[] opB = tb ? Transpose(b, n, k) : b;
        double[] dOpA = Naive.MatMul(s, opB, m, n, k, false, true);
        double[] dOpB = Naive.MatMul(opA, s, k, m, n, true, false);
        double[] expectedDa = ta ? Transpose(dOpA, m, k) : dOpA;
        double[] expectedDb = tb ? Transpose(dOpB, k, n) : dOpB;

        double[] da = Enumerable.Repeat(1.0, a.Length).ToArray(), db = Enumerable.Repeat(-1.0, b.Length).ToArray();
        Kernels.MatMulPullback(a, b, m, k, n, ta, tb, result, s, da, db);
        for (int i = 0; i < da.Length; i++)
        {
            Assert.True(Math.Abs(expectedDa[i] + 1 - da[i]) <= 1e-12 * n, $"dA[{i}]");
        }

        for (int i = 0; i < db.Length; i++)
        {
            Assert.True(Math.Abs(expectedDb[i] - 1 - db[i]) <= 1e-12 * m, $"dB[{i}]");
        }
    }

    [Fact]
    public void MatMul_ZeroSizes_ProduceZeros()
    {
        var c = new double[6];
        Array.Fill(c, 5.0);
        Kernels.MatMul(ReadOnlySpan<double>.Empty, ReadOnlySpan<double>.Empty, 2, 0, 3, false, false, c);
        Assert.All(c, v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void MatMul_NegativeSize_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.MatMul(new double[1], new double[1], -1, 1, 1, false, false, new double[1]));
    }
}
