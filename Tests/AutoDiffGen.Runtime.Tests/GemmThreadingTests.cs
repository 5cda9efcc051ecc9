using System;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace AutoDiffGen.Runtime.Tests;

/// <summary>
/// Large products split their columns between the caller and a pool thread: the result must match the naive
/// product, be bitwise repeatable, and stay correct when many threads multiply at once.
/// </summary>
public sealed class GemmThreadingTests
{
    private static double[] Random(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (random.NextDouble() * 2) - 1).ToArray();
    }

    [Theory]
    [InlineData(64, 784, 128, false, true)]
    [InlineData(128, 64, 784, true, false)]
    [InlineData(70, 300, 131, false, false)]
    [InlineData(33, 257, 200, true, true)]
    public void SplitProduct_MatchesNaiveAndRepeatsBitwise(int m, int k, int n, bool ta, bool tb)
    {
        double[] a = Random(m * k, 1), b = Random(k * n, 2);
        double[] expected = Naive.MatMul(a, b, m, k, n, ta, tb);
        double[] first = new double[m * n], second = new double[m * n];
        Kernels.MatMul(a, b, m, k, n, ta, tb, first);
        Kernels.MatMul(a, b, m, k, n, ta, tb, second);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - first[i]) <= 1e-12 * k, $"C[{i}]: {expected[i]} vs {first[i]}");
        }

        Assert.Equal(first, second);
    }

    [Fact]
    public void ConcurrentSplitProducts_AreAllCorrect()
    {
        const int m = 64, k = 400, n = 96;
        double[] a = Random(m * k, 3), b = Random(k * n, 4);
        double[] expected = new double[m * n];
        Kernels.MatMul(a, b, m, k, n, false, false, expected);
        double[][] results = new double[8][];
        Parallel.For(0, results.Length, i =>
        {
            double[] c = new double[m * n];
            for (int repeat = 0; repeat < 20; repeat++)
            {
                Kernels.MatMul(a, b, m, k, n, false, false, c);
            }

            results[i] = c;
        });
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public void SplitProduct_SteadyState_AllocatesAtMostAWorkItemPerCall()
    {
        const int m = 64, k = 784, n = 128;
        double[] a = Random(m * k, 5), b = Random(k * n, 6), c = new double[m * n];
        for (int i = 0; i < 5; i++)
        {
            Kernels.MatMul(a, b, m, k, n, false, true, c);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            Kernels.MatMul(a, b, m, k, n, false, true, c);
        }

        // Nothing when the pool keeps up; one small work item now and then when a pool thread has not yet run the
        // previous call's (stale) queue entry, e.g. while other tests keep the pool busy.
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before <= 20 * 256);
    }
}
