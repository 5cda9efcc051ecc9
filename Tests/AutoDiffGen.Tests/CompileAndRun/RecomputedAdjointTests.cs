using System;
using System.Linq;
using Xunit;

namespace AutoDiffGen.Tests.CompileAndRun;

/// <summary>
/// Two reverse-sweep rewrites measured on the GMM objective. Recomputed block adjoints (AdjointForwarding): the adjoint
/// of a scratch block that the reverse fills in one loop is recomputed where it is read instead of stored, read back
/// and cleared. Adjacent loop fusion (AdjacentLoopFusion): element-wise loops over the same range that follow each
/// other run as one. Every subject, those rewritten and those each rule must leave alone, is checked against central
/// finite differences at several sizes, and the text shows which rule fired.
/// </summary>
public sealed class RecomputedAdjointTests
{
    private const string Source = """
        using System;
        using AutoDiffGen;

        namespace Recomputed;

        public static partial class Subjects
        {
            // A scratch block per component, filled and then reduced to its squared norm: the adjoint of q is
            // _d_sq * 2 * q[j], recomputed in the reverse of the fill.
            [Differentiable]
            public static double Norms(double[] w, int k, int d)
            {
                double[] q = new double[k * d];
                double total = 0;
                for (int c = 0; c < k; c++)
                {
                    for (int j = 0; j < d; j++)
                    {
                        q[(c * d) + j] = w[(c + j) % w.Length] * w[j % w.Length];
                    }

                    double sq = 0;
                    for (int j = 0; j < d; j++)
                    {
                        sq += q[(c * d) + j] * q[(c * d) + j];
                    }

                    total += Math.Exp(-0.5 * sq);
                }

                return total;
            }

            // The same in float: the recomputed value is rounded to float where it is read, as the stored one was.
            [Differentiable]
            public static float NormsF(float[] w, int k, int d)
            {
                float[] q = new float[k * d];
                float total = 0;
                for (int c = 0; c < k; c++)
                {
                    for (int j = 0; j < d; j++)
                    {
                        q[(c * d) + j] = w[(c + j) % w.Length] * w[j % w.Length];
                    }

                    float sq = 0;
                    for (int j = 0; j < d; j++)
                    {
                        sq += q[(c * d) + j] * q[(c * d) + j];
                    }

                    total += MathF.Exp(-0.5f * sq);
                }

                return total;
            }

            // A plain sum: the adjoint of every element is the same, _d_s, taken once.
            [Differentiable]
            public static double Sum(double[] w, int k, int d)
            {
                double[] q = new double[k * d];
                double total = 0;
                for (int c = 0; c < k; c++)
                {
                    for (int j = 0; j < d; j++)
                    {
                        q[(c * d) + j] = Math.Sin(w[(c + j) % w.Length]);
                    }

                    double s = 0;
                    for (int j = 0; j < d; j++)
                    {
                        s += q[(c * d) + j];
                    }

                    total += s * s;
                }

                return total;
            }

            // q is read after the loop over components: not a scratch, its adjoint is stored.
            [Differentiable]
            public static double ReadAfter(double[] w, int k, int d)
            {
                double[] q = new double[(k * d) + 1];
                double total = 0;
                for (int c = 0; c < k; c++)
                {
                    for (int j = 0; j < d; j++)
                    {
                        q[(c * d) + j] = w[(c + j) % w.Length] * w[j % w.Length];
                    }

                    double sq = 0;
                    for (int j = 0; j < d; j++)
                    {
                        sq += q[(c * d) + j] * q[(c * d) + j];
                    }

                    total += sq;
                }

                return total + (3 * q[0]);
            }

            // The adjoint needs a call (cos q): recomputing it would cost more than storing it.
            [Differentiable]
            public static double Called(double[] w, int k, int d)
            {
                double[] q = new double[k * d];
                double total = 0;
                for (int c = 0; c < k; c++)
                {
                    for (int j = 0; j < d; j++)
                    {
                        q[(c * d) + j] = w[(c + j) % w.Length] * w[j % w.Length];
                    }

                    for (int j = 0; j < d; j++)
                    {
                        total += Math.Sin(q[(c * d) + j]);
                    }
                }

                return total;
            }

            // Two loops add into the adjoint of q: the first one's sum is not all there is.
            [Differentiable]
            public static double TwoUses(double[] w, int k, int d)
            {
                double[] q = new double[k * d];
                double total = 0;
                for (int c = 0; c < k; c++)
                {
                    for (int j = 0; j < d; j++)
                    {
                        q[(c * d) + j] = w[(c + j) % w.Length] * w[j % w.Length];
                    }

                    double sq = 0;
                    for (int j = 0; j < d; j++)
                    {
                        sq += q[(c * d) + j] * q[(c * d) + j];
                    }

                    double lin = 0;
                    for (int j = 0; j < d; j++)
                    {
                        lin += q[(c * d) + j] * w[j % w.Length];
                    }

                    total += sq * lin;
                }

                return total;
            }

            // Copied, centred, then scaled values: the reverses of the last two element-wise loops over j follow each
            // other and fuse (the second reads back the adjoint the first adds to); the copy's reverse adds into dw at
            // another index, so it stays apart.
            [Differentiable]
            public static double Centred(double[] w, int k, int d)
            {
                double[] z = new double[k * d];
                double[] xc = new double[k * d];
                double[] y = new double[k * d];
                double total = 0;
                for (int c = 0; c < k; c++)
                {
                    for (int j = 0; j < d; j++)
                    {
                        z[(c * d) + j] = w[(c + j) % w.Length];
                    }

                    for (int j = 0; j < d; j++)
                    {
                        xc[(c * d) + j] = (2 * z[(c * d) + j]) - 0.25;
                    }

                    for (int j = 0; j < d; j++)
                    {
                        y[(c * d) + j] = xc[(c * d) + j] * z[(c * d) + j];
                    }

                    double sq = 0;
                    for (int j = 0; j < d; j++)
                    {
                        sq += y[(c * d) + j] * y[(c * d) + j];
                    }

                    total += Math.Log(1 + sq);
                }

                return total;
            }

            // The GMM's shape: a centred block, its product with a triangle (walked with a running index), the squared
            // norm. The adjoint of q is recomputed; the first write into the adjoint of xc (the triangle's reverse,
            // accumulated in a register per column) is an assignment, and xc's adjoint is never cleared.
            [Differentiable]
            public static double Triangle(double[] w, int k, int d)
            {
                double[] xc = new double[k * d];
                double[] q = new double[k * d];
                double total = 0;
                for (int c = 0; c < k; c++)
                {
                    for (int j = 0; j < d; j++)
                    {
                        xc[(c * d) + j] = w[(c + j) % w.Length] - 0.1;
                    }

                    for (int j = 0; j < d; j++)
                    {
                        q[(c * d) + j] = 1.5 * xc[(c * d) + j];
                    }

                    int l = 0;
                    for (int i = 0; i < d; i++)
                    {
                        for (int j = i + 1; j < d; j++)
                        {
                            q[(c * d) + j] += w[(l + c) % w.Length] * xc[(c * d) + i];
                            l++;
                        }
                    }

                    double sq = 0;
                    for (int j = 0; j < d; j++)
                    {
                        sq += q[(c * d) + j] * q[(c * d) + j];
                    }

                    total += Math.Exp(-0.5 * sq);
                }

                return total;
            }

            // The same in float: the first write is an assignment rounded to float.
            [Differentiable]
            public static float TriangleF(float[] w, int k, int d)
            {
                float[] xc = new float[k * d];
                float[] q = new float[k * d];
                float total = 0;
                for (int c = 0; c < k; c++)
                {
                    for (int j = 0; j < d; j++)
                    {
                        xc[(c * d) + j] = w[(c + j) % w.Length] - 0.1f;
                    }

                    for (int j = 0; j < d; j++)
                    {
                        q[(c * d) + j] = 1.5f * xc[(c * d) + j];
                    }

                    int l = 0;
                    for (int i = 0; i < d; i++)
                    {
                        for (int j = i + 1; j < d; j++)
                        {
                            q[(c * d) + j] += w[(l + c) % w.Length] * xc[(c * d) + i];
                            l++;
                        }
                    }

                    float sq = 0;
                    for (int j = 0; j < d; j++)
                    {
                        sq += q[(c * d) + j] * q[(c * d) + j];
                    }

                    total += MathF.Exp(-0.5f * sq);
                }

                return total;
            }

            // The second loop reads the element before its own: its iterations would see values of the first loop's
            // later iterations, so the loops stay apart.
            [Differentiable]
            public static double Shifted(double[] w, int n)
            {
                double[] a = new double[n];
                double total = 0;
                for (int i = 0; i < n; i++)
                {
                    a[i] = w[i % w.Length] * w[(i + 1) % w.Length];
                }

                for (int i = 1; i < n; i++)
                {
                    total += a[i] * a[i - 1];
                }

                return total;
            }
        }

        public static class Drivers
        {
            public static double Primal(string name, double[] w, int k, int d) => name switch
            {
                "Norms" => Subjects.Norms(w, k, d),
                "Sum" => Subjects.Sum(w, k, d),
                "ReadAfter" => Subjects.ReadAfter(w, k, d),
                "Called" => Subjects.Called(w, k, d),
                "TwoUses" => Subjects.TwoUses(w, k, d),
                "Centred" => Subjects.Centred(w, k, d),
                "Triangle" => Subjects.Triangle(w, k, d),
                _ => Subjects.Shifted(w, k * d),
            };

            public static double Gradient(string name, double[] w, int k, int d, double[] dw) => name switch
            {
                "Norms" => Subjects.NormsGradient(w, k, d, dw),
                "Sum" => Subjects.SumGradient(w, k, d, dw),
                "ReadAfter" => Subjects.ReadAfterGradient(w, k, d, dw),
                "Called" => Subjects.CalledGradient(w, k, d, dw),
                "TwoUses" => Subjects.TwoUsesGradient(w, k, d, dw),
                "Centred" => Subjects.CentredGradient(w, k, d, dw),
                "Triangle" => Subjects.TriangleGradient(w, k, d, dw),
                _ => Subjects.ShiftedGradient(w, k * d, dw),
            };

            public static float GradientF(float[] w, int k, int d, float[] dw) => Subjects.NormsFGradient(w, k, d, dw);

            public static float TriangleGradientF(float[] w, int k, int d, float[] dw) => Subjects.TriangleFGradient(w, k, d, dw);
        }
        """;

    private static readonly Lazy<CompiledAssembly> Compiled = new(() => TestCompiler.Compile(Source, "RecomputedAdjointTests"));

    private static string Generated(string method)
        => Compiled.Value.GeneratedSources.Single(kv => kv.Key.Contains("." + method + "_", StringComparison.Ordinal)).Value;

    private static double Primal(string method, double[] w, int k, int d)
        => (double)Compiled.Value.Method("Recomputed.Drivers", "Primal").Invoke(null, new object[] { method, w, k, d })!;

    private static double Gradient(string method, double[] w, int k, int d, double[] dw)
        => (double)Compiled.Value.Method("Recomputed.Drivers", "Gradient").Invoke(null, new object[] { method, w, k, d, dw })!;

    public static TheoryData<string, int, int> Cases()
    {
        var data = new TheoryData<string, int, int>();
        foreach (string method in new[] { "Norms", "Sum", "ReadAfter", "Called", "TwoUses", "Centred", "Triangle", "Shifted" })
        {
            data.Add(method, 1, 1);
            data.Add(method, 2, 3);
            data.Add(method, 4, 2);
            data.Add(method, 3, 0);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradient_MatchesCentralDifferences(string method, int k, int d)
    {
        var random = new Random((17 * k) + d);
        double[] w = Enumerable.Range(0, 5).Select(_ => Math.Round((random.NextDouble() * 1.6) - 0.8, 3)).ToArray();
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
    public void Norms_ExactValue()
    {
        // k = 1, d = 1: q = w0^2, total = exp(-q^2 / 2) = exp(-w0^4 / 2), d/dw0 = -2 w0^3 exp(-w0^4 / 2).
        double[] w = { 0.9 };
        double[] dw = new double[1];
        double value = Gradient("Norms", w, 1, 1, dw);
        double w4 = Math.Pow(0.9, 4);
        Assert.Equal(Math.Exp(-w4 / 2), value, 14);
        Assert.Equal(-2 * Math.Pow(0.9, 3) * Math.Exp(-w4 / 2), dw[0], 14);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    [InlineData(4, 2)]
    [InlineData(2, 4)]
    public void FloatTriangle_MatchesTheDoubleOne(int k, int d)
    {
        float[] wf = { 0.4f, -0.7f, 0.25f, 0.9f, -0.3f };
        double[] w = wf.Select(v => (double)v).ToArray();
        float[] dwf = new float[wf.Length];
        double[] dw = new double[w.Length];
        float valueF = (float)Compiled.Value.Method("Recomputed.Drivers", "TriangleGradientF").Invoke(null, new object[] { wf, k, d, dwf })!;
        double value = Gradient("Triangle", w, k, d, dw);
        Assert.Equal(value, valueF, 5);
        for (int i = 0; i < w.Length; i++)
        {
            Assert.True(Math.Abs(dwf[i] - dw[i]) <= 1e-5 * Math.Max(1, Math.Abs(dw[i])), $"k={k} d={d} dw[{i}]: float {dwf[i]:R}, double {dw[i]:R}");
        }

        Assert.Contains("_v_d_xc[i] = (float)(_a0);", Generated("TriangleF").Split("Pullback(")[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    [InlineData(4, 2)]
    public void FloatGradient_MatchesTheDoubleOne(int k, int d)
    {
        float[] wf = { 0.4f, -0.7f, 0.25f, 0.9f, -0.3f };
        double[] w = wf.Select(v => (double)v).ToArray();
        float[] dwf = new float[wf.Length];
        double[] dw = new double[w.Length];
        var gradientF = Compiled.Value.Method("Recomputed.Drivers", "GradientF");
        float valueF = (float)gradientF.Invoke(null, new object[] { wf, k, d, dwf })!;
        double value = Gradient("Norms", w, k, d, dw);
        Assert.Equal(value, valueF, 5);
        for (int i = 0; i < w.Length; i++)
        {
            Assert.True(Math.Abs(dwf[i] - dw[i]) <= 1e-5 * Math.Max(1, Math.Abs(dw[i])), $"k={k} d={d} dw[{i}]: float {dwf[i]:R}, double {dw[i]:R}");
        }
    }

    [Theory]
    [InlineData("Norms", "The adjoint of q's block is _f0 * _v_q[j_1]", "var _f0 = _d_sq * 2;")]
    [InlineData("Sum", "The adjoint of q's block is _f0", "var _f0 = _d_s;")]
    [InlineData("NormsF", "The adjoint of q's block is _f0 * _v_q[j_1]", "var _f0 = _d_sq * 2")]
    public void ScratchAdjoint_IsRecomputedWhereItIsRead(string method, string comment, string hoisted)
    {
        string generated = Generated(method);
        Assert.Contains("// " + comment + ": recomputed where it is read, never stored.", generated, StringComparison.Ordinal);
        Assert.Contains(hoisted, generated, StringComparison.Ordinal);

        // No view of the adjoint, and no adjoint array at all: nothing is rented, stored, read back or cleared.
        Assert.DoesNotContain("_v_d_q", generated, StringComparison.Ordinal);
        Assert.DoesNotContain("_d_q", generated, StringComparison.Ordinal);
    }

    [Fact]
    public void FloatScratch_IsReadWithItsRounding()
    {
        // The stored value was rounded to float; so is the recomputed one.
        Assert.Contains("(float)(_f0 * _v_q[", Generated("NormsF"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ReadAfter")]
    [InlineData("Called")]
    [InlineData("TwoUses")]
    public void OtherAdjoints_AreStored(string method)
    {
        string generated = Generated(method);
        Assert.DoesNotContain("recomputed where it is read", generated, StringComparison.Ordinal);
        Assert.Contains("_v_d_q[", generated, StringComparison.Ordinal);
    }

    [Fact]
    public void AdjacentElementwiseLoops_AreFused()
    {
        string generated = Generated("Centred");
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(generated.Split("Pullback(")[0], "fused with the loop above: for \\(int j = 0; j < d; j\\+\\+\\)"));

        // The adjoint the first body adds to is read back in the same iteration, in one load.
        Assert.Matches(@"double _r\d+ = _v_d_xc\[j_\d\] \+ ", generated);
    }

    [Fact]
    public void FirstWriteIntoAScratchAdjoint_IsAnAssignment_AndNothingClearsIt()
    {
        string generated = Generated("Triangle").Split("Pullback(")[0];
        Assert.Contains("_v_d_xc[i] = _a0;", generated, StringComparison.Ordinal);
        Assert.DoesNotContain("if (_a0 != 0)", generated, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"_v_d_xc\[\w+\] = 0;", generated);
        Assert.Contains("The adjoint of q's block is _f0 * _v_q[", generated, StringComparison.Ordinal);
    }

    [Fact]
    public void Triangle_ExactValue()
    {
        // k = 1, d = 1: no triangle; q = 1.5 (w0 - 0.1), total = exp(-q^2 / 2), d/dw0 = -1.5 q exp(-q^2 / 2).
        double[] w = { 0.6 };
        double[] dw = new double[1];
        double value = Gradient("Triangle", w, 1, 1, dw);
        double q = 1.5 * (0.6 - 0.1);
        Assert.Equal(Math.Exp(-q * q / 2), value, 14);
        Assert.Equal(-1.5 * q * Math.Exp(-q * q / 2), dw[0], 14);
    }

    [Fact]
    public void ShiftedLoops_AreNotFused()
        => Assert.DoesNotContain("fused with the loop above", Generated("Shifted"), StringComparison.Ordinal);
}
