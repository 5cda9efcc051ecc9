using System;
using System.Linq;
using System.Reflection;
using Xunit;

namespace AutoDiffGen.Runtime.Tests;

/// <summary>
/// Pullbacks registered with <c>AcceptsEmptyGradients = true</c> skip a gradient passed as an empty span and
/// compute the other exactly as with a full buffer; a wrong non-empty length still throws.
/// </summary>
public sealed class EmptyGradientTests
{
    private static double[] Random(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (random.NextDouble() * 2) - 1).ToArray();
    }

    [Theory]
    [InlineData(3, 4, 5, false, false)]
    [InlineData(3, 4, 5, true, true)]
    [InlineData(64, 40, 33, false, true)]
    public void MatMulPullback_EmptyGradient_SkipsItAndKeepsTheOther(int m, int k, int n, bool ta, bool tb)
    {
        double[] a = Random(m * k, 1), b = Random(k * n, 2), s = Random(m * n, 3), result = new double[m * n];
        Kernels.MatMul(a, b, m, k, n, ta, tb, result);
        double[] fullA = new double[a.Length], fullB = new double[b.Length];
        Kernels.MatMulPullback(a, b, m, k, n, ta, tb, result, s, fullA, fullB);

        double[] onlyB = new double[b.Length];
        Kernels.MatMulPullback(a, b, m, k, n, ta, tb, result, s, Span<double>.Empty, onlyB);
        Assert.Equal(fullB, onlyB);

        double[] onlyA = new double[a.Length];
        Kernels.MatMulPullback(a, b, m, k, n, ta, tb, result, s, onlyA, Span<double>.Empty);
        Assert.Equal(fullA, onlyA);

        Assert.Throws<ArgumentException>(() => Kernels.MatMulPullback(a, b, m, k, n, ta, tb, result, s, new double[1], onlyB));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MatVecPullback_EmptyGradient_SkipsItAndKeepsTheOther(bool transpose)
    {
        const int rows = 7, columns = 5;
        double[] a = Random(rows * columns, 4), x = Random(transpose ? rows : columns, 5);
        double[] result = new double[transpose ? columns : rows];
        double[] s = Random(result.Length, 6);
        Kernels.MatVec(a, x, rows, columns, transpose, result);
        double[] fullA = new double[a.Length], fullX = new double[x.Length];
        Kernels.MatVecPullback(a, x, rows, columns, transpose, result, s, fullA, fullX);

        double[] onlyX = new double[x.Length];
        Kernels.MatVecPullback(a, x, rows, columns, transpose, result, s, Span<double>.Empty, onlyX);
        Assert.Equal(fullX, onlyX);

        double[] onlyA = new double[a.Length];
        Kernels.MatVecPullback(a, x, rows, columns, transpose, result, s, onlyA, Span<double>.Empty);
        Assert.Equal(fullA, onlyA);
    }

    [Theory]
    [InlineData(nameof(Kernels.MatMulPullback))]
    [InlineData(nameof(Kernels.MatVecPullback))]
    public void MatrixPullbacks_AreRegisteredAsAcceptingEmptyGradients(string name)
    {
        MethodInfo[] overloads = typeof(Kernels).GetMethods().Where(m => m.Name == name).ToArray();
        Assert.Equal(2, overloads.Length);
        Assert.All(overloads, m => Assert.True(m.GetCustomAttribute<DerivativeOfAttribute>()!.AcceptsEmptyGradients));
    }
}
