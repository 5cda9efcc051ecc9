using System;
using System.Linq;
using Xunit;

namespace AutoDiffGen.Tests.CompileAndRun;

/// <summary>
/// Local arrays declared inside a loop (<c>double[] t = new double[n];</c> in the body, a fresh zeroed array every
/// iteration): when every iteration asks for the same length, the generated code creates the array once before the
/// outermost loop (pooled) and clears it where the user declared it. Each subject relies on the fresh zeros (it adds
/// into the array, or leaves elements unwritten), so a missing clear changes the value as well as the gradient.
/// </summary>
public sealed class FreshArrayTests
{
    private static readonly string[] Methods =
    {
        "RowScratch", "Accumulated", "Stackalloc", "Nested", "InBranch", "WhileLoop", "Foreach", "BreakAfter",
        "LengthOfInput", "TwoArrays", "Float", "Twin", "ZeroTrips", "ReturnInside", "KernelOutput",
        "ManualReset", "ForeachLocal", "PerComponent", "ConditionOnBuffer",
    };

    private const string Subjects = """
        using System;
        using AutoDiffGen;

        namespace Fresh;

        public static partial class Subjects
        {
            // One scratch row per row of w (rows of 3): squares, then their sum, through exp.
            [Differentiable]
            public static double RowScratch(double[] w, double a)
            {
                double total = 0;
                for (int r = 0; r + 3 <= w.Length; r += 3)
                {
                    double[] t = new double[3];
                    for (int j = 0; j < 3; j++)
                    {
                        t[j] = w[r + j] * a;
                    }

                    double sq = 0;
                    for (int j = 0; j < 3; j++)
                    {
                        sq += t[j] * t[j];
                    }

                    total += Math.Exp(-0.5 * sq);
                }

                return total;
            }

            // Adds into the fresh array: without the zeros of each iteration the sums would carry over.
            [Differentiable]
            public static double Accumulated(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < 4; i++)
                {
                    double[] acc = new double[w.Length];
                    for (int j = 0; j < w.Length; j++)
                    {
                        acc[j] += w[j] * (a + i);
                        acc[(j + i) % w.Length] += w[j] * w[j];
                    }

                    for (int j = 0; j < w.Length; j++)
                    {
                        s += Math.Sin(acc[j]) * (j + 1);
                    }
                }

                return s;
            }

            [Differentiable]
            public static double Stackalloc(double[] w, double a)
            {
                double s = 0;
                foreach (double v in w)
                {
                    Span<double> t = stackalloc double[2];
                    t[0] += v * a;
                    t[1] = t[0] * v;
                    s += t[1] * t[0];
                }

                return s;
            }

            // Declared in the inner of two loops; its length is a parameter-derived local set before both.
            [Differentiable]
            public static double Nested(double[] w, double a)
            {
                int n = w.Length - 1;
                double s = 0;
                for (int i = 0; i < 3; i++)
                {
                    for (int k = 0; k < 2; k++)
                    {
                        double[] t = new double[n];
                        for (int j = 0; j < n; j++)
                        {
                            t[j] = w[j] * w[j + 1] * (i + k + a);
                        }

                        for (int j = 1; j < n; j++)
                        {
                            s += t[j] * t[j - 1];
                        }
                    }
                }

                return s;
            }

            // Declared under a branch; odd iterations write only some elements, the others must read zero.
            [Differentiable]
            public static double InBranch(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    if (w[i] > -0.5)
                    {
                        double[] t = new double[w.Length];
                        for (int j = i; j < w.Length; j += 2)
                        {
                            t[j] = w[j] * a + w[i];
                        }

                        for (int j = 0; j < w.Length; j++)
                        {
                            s += t[j] * t[j] + t[j];
                        }
                    }
                }

                return s;
            }

            [Differentiable]
            public static double WhileLoop(double[] w, double a)
            {
                double s = 0;
                int i = 0;
                while (i < w.Length)
                {
                    double[] t = new double[2];
                    t[i % 2] = w[i] * a;
                    t[1] += w[i] * t[0];
                    s += t[0] * t[1];
                    i++;
                }

                return s;
            }

            [Differentiable]
            public static double Foreach(double[] w, double a)
            {
                double s = 0;
                foreach (double v in w)
                {
                    double[] t = new double[w.Length];
                    int j = 0;
                    foreach (double u in w)
                    {
                        t[j] = u * v + t[(j + w.Length - 1) % w.Length] * a;
                        j++;
                    }

                    s += t[w.Length - 1];
                }

                return s;
            }

            [Differentiable]
            public static double BreakAfter(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    double[] t = new double[3];
                    t[0] = w[i] * a;
                    t[2] = t[0] * t[0];
                    s += t[2] + t[1];
                    if (s > 2)
                    {
                        break;
                    }
                }

                return s;
            }

            [Differentiable]
            public static double LengthOfInput(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < 3; i++)
                {
                    double[] t = new double[w.Length + 1];
                    for (int j = 0; j < w.Length; j++)
                    {
                        t[j + 1] = t[j] + w[j] * (a - i);
                    }

                    s += t[w.Length] * t[w.Length];
                }

                return s;
            }

            [Differentiable]
            public static double TwoArrays(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < 3; i++)
                {
                    double[] p = new double[w.Length];
                    double[] q = new double[w.Length];
                    for (int j = 0; j < w.Length; j++)
                    {
                        p[j] = w[j] * (a + i);
                        q[(j + i) % w.Length] += p[j] * w[j];
                    }

                    for (int j = 0; j < w.Length; j++)
                    {
                        s += p[j] * q[j];
                    }
                }

                return s;
            }

            [Differentiable]
            public static float FloatCore(float[] w, float a)
            {
                float s = 0;
                for (int i = 0; i < 3; i++)
                {
                    float[] t = new float[w.Length];
                    for (int j = 0; j < w.Length; j++)
                    {
                        t[j] += w[j] * (a + i);
                        t[(j + 1) % w.Length] += w[j];
                    }

                    for (int j = 0; j < w.Length; j++)
                    {
                        s += MathF.Cos(t[j]);
                    }
                }

                return s;
            }

            // FloatCore in double, to check the float gradient against.
            [Differentiable]
            public static double Twin(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < 3; i++)
                {
                    double[] t = new double[w.Length];
                    for (int j = 0; j < w.Length; j++)
                    {
                        t[j] += w[j] * (a + i);
                        t[(j + 1) % w.Length] += w[j];
                    }

                    for (int j = 0; j < w.Length; j++)
                    {
                        s += Math.Cos(t[j]);
                    }
                }

                return s;
            }

            [Differentiable]
            public static double Float(double[] w, double a)
            {
                float[] wf = new float[w.Length];
                for (int j = 0; j < w.Length; j++)
                {
                    wf[j] = (float)w[j];
                }

                return FloatCore(wf, (float)a);
            }

            // The loop runs zero times when a > 1: the array, created before it, is never used.
            [Differentiable]
            public static double ZeroTrips(double[] w, double a)
            {
                double s = a;
                for (int i = 0; i < (a > 1 ? 0 : 2); i++)
                {
                    double[] t = new double[w.Length];
                    t[i] = w[i] * a;
                    s += t[i] * t[0];
                }

                return s;
            }

            [Differentiable]
            public static double ReturnInside(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    double[] t = new double[2];
                    t[1] = w[i] * a;
                    s += t[1] * t[1] + t[0];
                    if (w[i] > 0.9)
                    {
                        return s * t[1];
                    }
                }

                return s;
            }

            // What the generated code does, written by hand: an array created once and reset with constants. The
            // reverse of t[j] = 1 reads j to clear the adjoint, though the value 1 reads nothing.
            [Differentiable]
            public static double ManualReset(double[] w, double a)
            {
                double[] t = new double[w.Length];
                double s = 0;
                for (int i = 0; i < 3; i++)
                {
                    for (int j = 0; j < w.Length; j++)
                    {
                        t[j] = 1;
                    }

                    for (int j = 0; j < w.Length; j++)
                    {
                        t[j] *= w[j] * (a + i);
                        t[(j + i) % w.Length] += w[j];
                    }

                    for (int j = 0; j < w.Length; j++)
                    {
                        s += t[j] * t[j];
                    }
                }

                return s;
            }

            // foreach over a fresh local array: the loop does not write it, so its element local is recomputed in the
            // reverse sweep (v = t[_i0]), not recorded.
            [Differentiable]
            public static double ForeachLocal(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < 3; i++)
                {
                    double[] t = new double[w.Length];
                    for (int j = 0; j < w.Length; j++)
                    {
                        t[j] += w[j] * (a + i);
                    }

                    double q = 0;
                    foreach (double v in t)
                    {
                        q += v * v;
                    }

                    s += Math.Exp(-q);
                }

                return s;
            }

            // The GMM shape: a fresh buffer per point, and one per component refilled by += (the reverse of each
            // component needs its own contents, so the clearing saves them; the += after it need not).
            [Differentiable]
            public static double PerComponent(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < 2; i++)
                {
                    double[] m = new double[3];
                    for (int c = 0; c < 3; c++)
                    {
                        double[] t = new double[w.Length];
                        for (int j = 0; j < w.Length; j++)
                        {
                            t[j] += w[j] * (a + c - i);
                            t[(j + 1) % w.Length] += w[j] * w[j];
                        }

                        double q = 0;
                        foreach (double v in t)
                        {
                            q += v * v;
                        }

                        m[c] = -q;
                    }

                    s += Kernels.LogSumExp(m);
                }

                return s;
            }

            // A branch on the fresh buffer inside a loop that does not write it, in a loop that carries t (not one
            // pass): the branch taken is recorded, not re-evaluated on a buffer later iterations overwrote (seed
            // 95512467, program 2170).
            [Differentiable]
            public static double ConditionOnBuffer(double[] w, double a)
            {
                double t = a;
                for (int i = 0; i < w.Length; i++)
                {
                    double[] b = new double[2];
                    for (int j = 0; j < 2; j++)
                    {
                        b[j] += w[(i + j) % w.Length];
                    }

                    for (int j = 0; j < 2; j++)
                    {
                        if (b[j] > 0.2)
                        {
                            t = (t * 0.9) + b[j];
                        }
                        else
                        {
                            t = (t * t * 0.3) - a;
                        }
                    }
                }

                return t;
            }

            // A vector-valued kernel writes the fresh array every iteration.
            [Differentiable]
            public static double KernelOutput(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < 2; i++)
                {
                    double[] z = new double[w.Length];
                    for (int j = 0; j < w.Length; j++)
                    {
                        z[j] = w[j] * (a + i);
                    }

                    double[] h = new double[w.Length];
                    Kernels.Tanh(z, h);
                    for (int j = 0; j < w.Length; j++)
                    {
                        s += h[j] * w[j];
                    }
                }

                return s;
            }
        }
        """;

    private static readonly ArrayMethodCheck Check = new(Subjects, Methods, "Fresh", "FreshArrayTests");

    // Float's central differences in float are too coarse; FloatGradient_MatchesItsDoubleTwin checks it instead.
    public static TheoryData<string, int> Cases() => ArrayMethodCheck.Cases(Methods.Where(m => m != "Float").ToArray(), points: 4);

    private static (double[] W, double A) Point(int index)
    {
        var random = new Random(4100 + index);
        double[] w = Enumerable.Range(0, 6).Select(_ => Math.Round((random.NextDouble() * 1.8) - 0.8, 3)).ToArray();
        return (w, Math.Round(0.3 + (random.NextDouble() * 1.2), 3));
    }

    private static string Generated(string method)
        => Check.Compiled.GeneratedSources.Single(kv => kv.Key.Contains("." + method + "_", StringComparison.Ordinal)).Value;

    [Theory]
    [MemberData(nameof(Cases))]
    public void FreshArray_AtPoint_GradientAndPullbackMatchFiniteDifferences(string method, int pointIndex)
    {
        (double[] w, double a) = Point(pointIndex);
        Check.AgreesWithFiniteDifferences(method, w, a);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void FloatGradient_MatchesItsDoubleTwin(int pointIndex)
    {
        // Inputs exact in float, so both see the same point; the float sweep rounds, the double one barely does.
        (double[] w, double a) = Point(pointIndex);
        w = w.Select(v => (double)(float)v).ToArray();
        a = (float)a;
        (double value, double[] dw, double da) = Check.Gradient("Float", w, a);
        (double twin, double[] dwTwin, double daTwin) = Check.Gradient("Twin", w, a);
        Assert.Equal(twin, value, 4);
        for (int i = 0; i < w.Length; i++)
        {
            Assert.True(Math.Abs(dw[i] - dwTwin[i]) <= 1e-4 * Math.Max(1, Math.Abs(dwTwin[i])), $"dw[{i}]: float {dw[i]:R}, double {dwTwin[i]:R}");
        }

        Assert.True(Math.Abs(da - daTwin) <= 1e-4 * Math.Max(1, Math.Abs(daTwin)), $"da: float {da:R}, double {daTwin:R}");
    }

    [Fact]
    public void Accumulated_ExactValueAtASmallPoint()
    {
        // w = (u), one element: acc[0] = u (a + i) + u^2 in iteration i, s = sum_i sin(acc[0]).
        double u = 0.7, a = 0.4;
        (double value, double[] dw, double da) = Check.Gradient("Accumulated", new[] { u }, a);
        double expected = 0, du = 0, dA = 0;
        for (int i = 0; i < 4; i++)
        {
            double acc = (u * (a + i)) + (u * u);
            expected += Math.Sin(acc);
            du += Math.Cos(acc) * (a + i + (2 * u));
            dA += Math.Cos(acc) * u;
        }

        Assert.Equal(expected, value, 14);
        Assert.Equal(du, dw[0], 13);
        Assert.Equal(dA, da, 13);
    }

    [Theory]
    [InlineData("RowScratch", "t")]
    [InlineData("Accumulated", "acc")]
    [InlineData("Nested", "t")]
    [InlineData("InBranch", "t")]
    public void FreshArray_IsCreatedOnceAndClearedEachIteration(string method, string array)
    {
        string gradient = Generated(method).Split("Pullback(")[0];
        string code = string.Join("\n", gradient.Split('\n').Where(line => !line.TrimStart().StartsWith("//", StringComparison.Ordinal)));

        // One creation (rented from the pool) before the loops, however many iterations there are.
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(code, @"_p_" + array + @"0 = global::System\.Buffers\.ArrayPool<double>\.Shared\.Rent\("));
        Assert.DoesNotContain("new double[", code, StringComparison.Ordinal);

        // The declaration became a loop that clears it.
        Assert.Matches(@"// double\[\] " + array + @" = new double\[[^\]]+\];", gradient);
        Assert.Matches(array + @"\[_z\d*\] = 0(\.0)?;", code);
    }

    [Fact]
    public void ForeachOverALocalArray_RecomputesItsElement()
    {
        string gradient = Generated("ForeachLocal").Split("Pullback(")[0];
        Assert.Contains("v = t[_i0];", gradient.Split("Reverse of this iteration")[1], StringComparison.Ordinal);
        Assert.DoesNotContain("_tapeTop++] = v;", gradient, StringComparison.Ordinal);
        Assert.Contains("// One pass", gradient, StringComparison.Ordinal);
    }

    [Fact]
    public void PerComponentBuffer_IsSavedByItsClearingOnly()
    {
        // Its clearing saves what the previous component's reverse reads; the updates after it save nothing.
        string gradient = Generated("PerComponent").Split("Pullback(")[0];
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(gradient, @"_tapeTop\+\+\] = t\["));
        Assert.Contains("_tapeTop++] = t[_z", gradient, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("RowScratch")]
    [InlineData("Accumulated")]
    [InlineData("Stackalloc")]
    [InlineData("TwoArrays")]
    public void FreshArray_SteadyState_AllocatesNothing(string method)
    {
        // The primal allocates a new array every iteration; the gradient rents one per call and returns it.
        (double[] w, double a) = Point(0);
        long extra = Check.BytesFor4000Calls(method, w, a);
        Assert.True(extra < 64, $"{method}: {extra} bytes for 4000 extra calls");
    }

    [Fact]
    public void ZeroTrips_NeverEnteringTheLoop_GivesTheGradientOfTheRest()
    {
        (double value, double[] dw, double da) = Check.Gradient("ZeroTrips", new[] { 0.5, 0.25 }, 1.5);
        Assert.Equal(1.5, value);
        Assert.Equal(new double[] { 0, 0 }, dw);
        Assert.Equal(1.0, da);
    }
}
