using System;
using System.Linq;
using System.Reflection;
using Xunit;

namespace AutoDiffGen.Tests.CompileAndRun;

/// <summary>
/// Block views proved to lie inside their array: a local array created with length <c>C * B</c> and viewed in a
/// counted loop <c>c = 0 .. C - 1</c> (C and B reading only parameters that are never assigned) is viewed with exactly
/// B elements (<c>BlockView.Inside</c>, and <c>InsideArray</c> for its pooled adjoint), so the JIT drops the bounds
/// checks of the loops over the block. Anything the proof does not cover keeps the clamped view. Every method is
/// checked against central finite differences at several sizes.
/// </summary>
public sealed class InsideViewTests
{
    private const string Source = """
        using System;
        using AutoDiffGen;

        namespace InsideViews;

        public static partial class Subjects
        {
            // k rows of d in a local buffer, filled and then read row by row: the proof holds.
            [Differentiable]
            public static double Rows(double[] w, int k, int d)
            {
                double[] buf = new double[k * d];
                for (int c = 0; c < k; c++)
                {
                    for (int j = 0; j < d; j++)
                    {
                        buf[(c * d) + j] = Math.Sin(w[((c * d) + j) % w.Length]) * (j + 1);
                    }
                }

                double s = 0;
                for (int c = 0; c < k; c++)
                {
                    for (int j = 0; j < d; j++)
                    {
                        s += buf[(c * d) + j] * buf[(c * d) + j] * w[c % w.Length];
                    }
                }

                return s;
            }

            // The length written d * k: the same product.
            [Differentiable]
            public static double Commuted(double[] w, int k, int d)
            {
                double[] buf = new double[d * k];
                double s = 0;
                for (int c = 0; c < k; c++)
                {
                    for (int j = 0; j < d; j++)
                    {
                        buf[(c * d) + j] = w[j % w.Length] * (c + 1);
                    }

                    for (int j = 0; j < d; j++)
                    {
                        s += Math.Exp(0.1 * buf[(c * d) + j]);
                    }
                }

                return s;
            }

            // Constant sizes: 2 blocks of 3 in 6 elements.
            [Differentiable]
            public static double Constant(double[] w, int k, int d)
            {
                double[] buf = new double[6];
                double s = 0;
                for (int c = 0; c < 2; c++)
                {
                    for (int j = 0; j < 3; j++)
                    {
                        buf[(c * 3) + j] = w[(c + j) % w.Length] * w[0];
                    }

                    for (int j = 0; j < 3; j++)
                    {
                        s += buf[(c * 3) + j] * (j - c);
                    }
                }

                return s;
            }

            // The loop starts at 1: block c - 1 is not the first, so nothing is proved (the clamped view is used).
            [Differentiable]
            public static double FromOne(double[] w, int k, int d)
            {
                double[] buf = new double[k * d];
                double s = 0;
                for (int c = 1; c < k; c++)
                {
                    for (int j = 0; j < d; j++)
                    {
                        buf[(c * d) + j] = w[j % w.Length] * c;
                        s += buf[(c * d) + j] * buf[(c * d) + j];
                    }
                }

                return s;
            }

            // k is assigned after the buffer is created: the loop bound is not the length's factor.
            [Differentiable]
            public static double Reassigned(double[] w, int k, int d)
            {
                double[] buf = new double[k * d];
                k = k + 1;
                double s = 0;
                for (int c = 0; c < k - 1; c++)
                {
                    for (int j = 0; j < d; j++)
                    {
                        buf[(c * d) + j] = w[j % w.Length] + c;
                        s += Math.Sin(buf[(c * d) + j]);
                    }
                }

                return s;
            }

            // The buffer is created only on one path: an early return skips it (its pooled arrays are then never
            // rented, and must not be returned).
            [Differentiable]
            public static double Skipped(double[] w, int k, int d)
            {
                if (w[0] > 0)
                {
                    return w[0] * w[1];
                }

                double[] buf = new double[k * d];
                double s = 0;
                for (int c = 0; c < k; c++)
                {
                    for (int j = 0; j < d; j++)
                    {
                        buf[(c * d) + j] = w[(c + j) % w.Length] * w[0];
                        s += buf[(c * d) + j];
                    }
                }

                return s;
            }

            // Rows of d in a buffer of k * d + 1: inside, but not by the product rule; the clamped view is kept.
            [Differentiable]
            public static double Longer(double[] w, int k, int d)
            {
                double[] buf = new double[(k * d) + 1];
                double s = 0;
                for (int c = 0; c < k; c++)
                {
                    for (int j = 0; j < d; j++)
                    {
                        buf[(c * d) + j] = w[(c + j) % w.Length] * 0.5;
                        s += buf[(c * d) + j] * w[j % w.Length];
                    }
                }

                return s;
            }
        }

        public static class Drivers
        {
            public static double Primal(string name, double[] w, int k, int d) => name switch
            {
                "Rows" => Subjects.Rows(w, k, d),
                "Commuted" => Subjects.Commuted(w, k, d),
                "Constant" => Subjects.Constant(w, k, d),
                "FromOne" => Subjects.FromOne(w, k, d),
                "Reassigned" => Subjects.Reassigned(w, k, d),
                "Skipped" => Subjects.Skipped(w, k, d),
                _ => Subjects.Longer(w, k, d),
            };

            public static double Gradient(string name, double[] w, int k, int d, double[] dw) => name switch
            {
                "Rows" => Subjects.RowsGradient(w, k, d, dw),
                "Commuted" => Subjects.CommutedGradient(w, k, d, dw),
                "Constant" => Subjects.ConstantGradient(w, k, d, dw),
                "FromOne" => Subjects.FromOneGradient(w, k, d, dw),
                "Reassigned" => Subjects.ReassignedGradient(w, k, d, dw),
                "Skipped" => Subjects.SkippedGradient(w, k, d, dw),
                _ => Subjects.LongerGradient(w, k, d, dw),
            };
        }
        """;

    private static readonly Lazy<CompiledAssembly> Compiled = new(() => TestCompiler.Compile(Source, "InsideViewTests"));

    private static string Generated(string method)
        => Compiled.Value.GeneratedSources.Single(kv => kv.Key.Contains("." + method + "_", StringComparison.Ordinal)).Value;

    private static double Primal(string method, double[] w, int k, int d)
        => (double)Compiled.Value.Method("InsideViews.Drivers", "Primal").Invoke(null, new object[] { method, w, k, d })!;

    private static double Gradient(string method, double[] w, int k, int d, double[] dw)
        => (double)Compiled.Value.Method("InsideViews.Drivers", "Gradient").Invoke(null, new object[] { method, w, k, d, dw })!;

    public static TheoryData<string, int, int> Cases()
    {
        var data = new TheoryData<string, int, int>();
        foreach (string method in new[] { "Rows", "Commuted", "Constant", "FromOne", "Reassigned", "Longer", "Skipped" })
        {
            data.Add(method, 1, 1);
            data.Add(method, 2, 3);
            data.Add(method, 5, 2);
            data.Add(method, 3, 0);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradient_MatchesCentralDifferences(string method, int k, int d)
    {
        var random = new Random((31 * k) + d);
        double[] w = Enumerable.Range(0, 7).Select(_ => Math.Round((random.NextDouble() * 1.6) - 0.8, 3)).ToArray();
        double[] dw = Enumerable.Repeat(99.0, w.Length).ToArray();
        double value = Gradient(method, w, k, d, dw);
        Assert.Equal(Primal(method, w, k, d), value, 12);
        for (int i = 0; i < w.Length; i++)
        {
            const double h = 1e-6;
            double[] plus = (double[])w.Clone();
            double[] minus = (double[])w.Clone();
            plus[i] += h;
            minus[i] -= h;
            double fd = (Primal(method, plus, k, d) - Primal(method, minus, k, d)) / (2 * h);
            Assert.True(Math.Abs(dw[i] - fd) <= 1e-6 * Math.Max(1, Math.Abs(fd)), $"{method} k={k} d={d} dw[{i}] = {dw[i]:R}, central differences {fd:R}");
        }
    }

    [Fact]
    public void Rows_ExactValue()
    {
        // k = 1, d = 1: s = sin(w0)^2 * w0, ds/dw0 = 2 sin cos w0 + sin^2.
        double[] w = { 0.7 };
        double[] dw = new double[1];
        double value = Gradient("Rows", w, 1, 1, dw);
        Assert.Equal(Math.Sin(0.7) * Math.Sin(0.7) * 0.7, value, 14);
        Assert.Equal((2 * Math.Sin(0.7) * Math.Cos(0.7) * 0.7) + (Math.Sin(0.7) * Math.Sin(0.7)), dw[0], 14);
    }

    [Theory]
    [InlineData("Rows", "buf, c * d, d", true)]
    [InlineData("Commuted", "buf, c * d, d", true)]
    [InlineData("Constant", "buf, c * 3, 3", false)]
    public void ProvedBlocks_AreViewedWithTheirExactSize(string method, string arguments, bool adjointStored)
    {
        string generated = Generated(method);
        Assert.Contains("global::AutoDiffGen.CompilerServices.BlockView.Inside(" + arguments + ");", generated, StringComparison.Ordinal);
        Assert.DoesNotContain("BlockView.Of(buf", generated, StringComparison.Ordinal);

        // Constant's buffer is a scratch whose adjoint block the reverse fills in one loop: it is recomputed where it
        // is read (AdjointForwarding), so no view of the adjoint is taken at all.
        string adjointView = "global::AutoDiffGen.CompilerServices.BlockView.InsideArray(_d_" + arguments + ");";
        if (adjointStored)
        {
            Assert.Contains(adjointView, generated, StringComparison.Ordinal);
        }
        else
        {
            Assert.DoesNotContain(adjointView, generated, StringComparison.Ordinal);
            Assert.Contains("recomputed where it is read, never stored", generated, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("FromOne")]
    [InlineData("Reassigned")]
    [InlineData("Longer")]
    public void UnprovedBlocks_KeepTheClampedView(string method)
    {
        string generated = Generated(method);
        Assert.Contains("BlockView.Of(buf, ", generated, StringComparison.Ordinal);
        Assert.DoesNotContain("BlockView.Inside", generated, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(-0.5)]
    public void BufferNotCreated_OnTheTakenPath_IsNotReturnedToThePool(double w0)
    {
        // w0 > 0 returns w0 * w1 before the buffer exists: dw = { w1, w0, 0 }. Otherwise (k = 1, d = 2) the result
        // is w0 * w0 + w1 * w0: dw = { 2 w0 + w1, w0, 0 }.
        double[] w = { w0, 3.0, 7.0 };
        double[] dw = new double[3];
        double value = Gradient("Skipped", w, 1, 2, dw);
        Assert.Equal(w0 > 0 ? w0 * 3.0 : (w0 * w0) + (3.0 * w0), value, 14);
        Assert.Equal(w0 > 0 ? 3.0 : (2 * w0) + 3.0, dw[0], 14);
        Assert.Equal(w0, dw[1], 14);
        Assert.Equal(0.0, dw[2]);
        Assert.Contains("is not null) global::System.Buffers.ArrayPool<double>.Shared.Return(", Generated("Skipped"), StringComparison.Ordinal);
    }

    [Fact]
    public void OverflowedLength_ThrowsInsteadOfLeavingTheArray()
    {
        // 65537 * 65536 wraps to 65536: the primal's second row runs off its 65536 elements, and so does the view.
        double[] w = { 0.5, -0.25 };
        Exception primal = Assert.Throws<TargetInvocationException>(() => Primal("Rows", w, 65537, 65536)).InnerException!;
        Exception gradient = Assert.Throws<TargetInvocationException>(() => Gradient("Rows", w, 65537, 65536, new double[2])).InnerException!;
        Assert.IsType<IndexOutOfRangeException>(primal);
        Assert.IsType<ArgumentOutOfRangeException>(gradient);
    }
}
