using System;
using System.Linq;
using System.Reflection;
using Xunit;

namespace AutoDiffGen.Tests.CompileAndRun;

/// <summary>
/// Exact-size views of parameters (ViewVersioning): a parameter read in blocks <c>x[c * B + j]</c> in a counted loop
/// <c>c = 0 .. C - 1</c> gets one check on entry, <c>(long)C * B &lt;= x.Length</c>. When it holds, the code runs with
/// views of exactly B elements; otherwise with the clamped views, which throw exactly where the original code throws
/// and not before. Both copies are checked against central finite differences, and the exceptions against the primal's.
/// </summary>
public sealed class ParameterViewTests
{
    private const string Source = """
        using System;
        using AutoDiffGen;

        namespace ParameterViews;

        public static partial class Subjects
        {
            // k rows of d in two parameters, one a span and one an array.
            [Differentiable]
            public static double RowNorms(ReadOnlySpan<double> x, double[] mu, int k, int d)
            {
                double total = 0;
                for (int c = 0; c < k; c++)
                {
                    double s = 0;
                    for (int j = 0; j < d; j++)
                    {
                        double v = x[(c * d) + j] - mu[(c * d) + j];
                        s += v * v;
                    }

                    total += Math.Sqrt(1 + s);
                }

                return total;
            }

            // Only the first element of each row is read: an array too short for whole rows still works.
            [Differentiable]
            public static double FirstOfRows(double[] x, int k, int d)
            {
                double total = 0;
                for (int c = 0; c < k; c++)
                {
                    for (int j = 0; j < d; j++)
                    {
                        if (j == 0)
                        {
                            total += x[(c * d) + j] * x[(c * d) + j];
                        }
                    }
                }

                return total;
            }
        }

        public static class Drivers
        {
            public static double Primal(string name, double[] x, double[] mu, int k, int d)
                => name == "RowNorms" ? Subjects.RowNorms(x, mu, k, d) : Subjects.FirstOfRows(x, k, d);

            public static double Gradient(string name, double[] x, double[] mu, int k, int d, double[] dx, double[] dmu)
                => name == "RowNorms" ? Subjects.RowNormsGradient(x, mu, k, d, dx, dmu) : Subjects.FirstOfRowsGradient(x, k, d, dx);
        }
        """;

    private static readonly Lazy<CompiledAssembly> Compiled = new(() => TestCompiler.Compile(Source, "ParameterViewTests"));

    private static string Generated(string method)
        => Compiled.Value.GeneratedSources.Single(kv => kv.Key.Contains("." + method + "_", StringComparison.Ordinal)).Value;

    private static double Primal(string method, double[] x, double[] mu, int k, int d)
        => (double)Compiled.Value.Method("ParameterViews.Drivers", "Primal").Invoke(null, new object[] { method, x, mu, k, d })!;

    private static double Gradient(string method, double[] x, double[] mu, int k, int d, double[] dx, double[] dmu)
        => (double)Compiled.Value.Method("ParameterViews.Drivers", "Gradient").Invoke(null, new object[] { method, x, mu, k, d, dx, dmu })!;

    [Theory]
    [InlineData("RowNorms", 3, 2, 6)] // exactly k * d: the exact-size copy
    [InlineData("RowNorms", 2, 3, 9)] // longer than k * d: the exact-size copy
    [InlineData("RowNorms", 1, 1, 1)]
    [InlineData("RowNorms", 0, 4, 2)]
    [InlineData("FirstOfRows", 3, 2, 6)]
    [InlineData("FirstOfRows", 3, 2, 5)] // too short for whole rows: the clamped copy, which reads only what the primal reads
    [InlineData("FirstOfRows", 4, 3, 10)]
    public void Gradient_MatchesCentralDifferences(string method, int k, int d, int length)
    {
        var random = new Random((13 * k) + d + length);
        double[] x = Enumerable.Range(0, length).Select(_ => Math.Round((random.NextDouble() * 1.6) - 0.8, 3)).ToArray();
        double[] mu = Enumerable.Range(0, length).Select(_ => Math.Round((random.NextDouble() * 1.6) - 0.8, 3)).ToArray();
        double[] dx = Enumerable.Repeat(99.0, length).ToArray();
        double[] dmu = Enumerable.Repeat(99.0, length).ToArray();
        double value = Gradient(method, x, mu, k, d, dx, dmu);
        Assert.Equal(Primal(method, x, mu, k, d), value, 12);
        for (int i = 0; i < length; i++)
        {
            const double h = 1e-6;
            double[] plus = (double[])x.Clone();
            double[] minus = (double[])x.Clone();
            plus[i] += h;
            minus[i] -= h;
            double fd = (Primal(method, plus, mu, k, d) - Primal(method, minus, mu, k, d)) / (2 * h);
            Assert.True(Math.Abs(dx[i] - fd) <= 1e-6 * Math.Max(1, Math.Abs(fd)), $"{method} k={k} d={d} n={length} dx[{i}] = {dx[i]:R}, central differences {fd:R}");
            if (method == "RowNorms")
            {
                double[] mp = (double[])mu.Clone();
                double[] mm = (double[])mu.Clone();
                mp[i] += h;
                mm[i] -= h;
                double fdm = (Primal(method, x, mp, k, d) - Primal(method, x, mm, k, d)) / (2 * h);
                Assert.True(Math.Abs(dmu[i] - fdm) <= 1e-6 * Math.Max(1, Math.Abs(fdm)), $"k={k} d={d} n={length} dmu[{i}] = {dmu[i]:R}, central differences {fdm:R}");
            }
        }
    }

    [Fact]
    public void RowNorms_ExactValue()
    {
        // k = 1, d = 2: sqrt(1 + (x0 - m0)^2 + (x1 - m1)^2); dx_j = (x_j - m_j) / that, dmu_j = -dx_j.
        double[] x = { 0.5, -1.0 };
        double[] mu = { 0.25, 1.0 };
        double[] dx = new double[2];
        double[] dmu = new double[2];
        double value = Gradient("RowNorms", x, mu, 1, 2, dx, dmu);
        double r = Math.Sqrt(1 + 0.0625 + 4);
        Assert.Equal(r, value, 14);
        Assert.Equal(0.25 / r, dx[0], 14);
        Assert.Equal(-2 / r, dx[1], 14);
        Assert.Equal(-0.25 / r, dmu[0], 14);
        Assert.Equal(2 / r, dmu[1], 14);
    }

    [Fact]
    public void ShortArray_ThrowsWhatThePrimalThrows()
    {
        // mu has 5 elements for 3 rows of 2: the primal throws IndexOutOfRangeException at mu[5]; so does the gradient.
        double[] x = { 0.1, 0.2, 0.3, 0.4, 0.5, 0.6 };
        double[] mu = { 0.0, 0.1, 0.2, 0.3, 0.4 };
        Exception primal = Assert.Throws<TargetInvocationException>(() => Primal("RowNorms", x, mu, 3, 2)).InnerException!;
        Exception gradient = Assert.Throws<TargetInvocationException>(() => Gradient("RowNorms", x, mu, 3, 2, new double[6], new double[5])).InnerException!;
        Assert.IsType<IndexOutOfRangeException>(primal);
        Assert.IsType<IndexOutOfRangeException>(gradient);
    }

    [Fact]
    public void GuardedCode_HasBothCopies()
    {
        string generated = Generated("RowNorms");
        Assert.Contains("bool _blocksInside = d >= 0 && (long)k * d <= x.Length && mu is not null && (long)k * d <= mu.Length;", generated, StringComparison.Ordinal);
        Assert.Contains("if (_blocksInside)", generated, StringComparison.Ordinal);
        Assert.Contains("BlockView.InsideReadOnly(x, c * d, d);", generated, StringComparison.Ordinal);
        Assert.Contains("BlockView.InsideArray(mu, c * d, d);", generated, StringComparison.Ordinal);
        Assert.Contains("BlockView.OfReadOnly(x, c * d, d);", generated, StringComparison.Ordinal);
        Assert.Contains("BlockView.OfArray(mu, c * d, d);", generated, StringComparison.Ordinal);
    }
}
