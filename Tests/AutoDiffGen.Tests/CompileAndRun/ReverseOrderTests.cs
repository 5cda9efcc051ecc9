using System;
using System.Linq;
using Xunit;

namespace AutoDiffGen.Tests.CompileAndRun;

/// <summary>
/// A counted loop whose reversed iterations do not depend on each other (each writes only its own elements, and
/// accumulates into sums nothing else in the loop reads) is reversed in the forward order, as a plain counted loop.
/// Loops whose iterations do depend on each other (a recurrence, a running index, a sum read inside the loop) keep
/// the mirror order. Every method is checked against finite differences; the generated text shows the order chosen.
/// </summary>
public sealed class ReverseOrderTests
{
    private static readonly string[] Ascending = { "ElementWise", "SumOfSquares", "StepTwo", "Downward", "SameIndexUpdate", "TriangularRunning", "RunningStep", "RowTriangles", "RowTrianglesReadAfter" };

    private static readonly string[] Mirrored = { "Recurrence", "RunningIndex", "SumReadInside", "OtherIndexRead", "TwoAdvancingLoops", "RunningReadAfterInner" };

    private const string Subjects = """
        using System;
        using AutoDiffGen;

        namespace Order;

        public static partial class Subjects
        {
            [Differentiable]
            public static double ElementWise(double[] w, double a)
            {
                double[] buf = new double[w.Length];
                for (int j = 0; j < w.Length; j++)
                {
                    buf[j] = w[j] * a - 1;
                }

                double s = 0;
                for (int j = 0; j < w.Length; j++)
                {
                    s += Math.Sin(buf[j]) * buf[j];
                }

                return s;
            }

            [Differentiable]
            public static double SumOfSquares(double[] w, double a)
            {
                double s = 0;
                double q = 0;
                for (int j = 0; j < w.Length; j++)
                {
                    s += w[j] * w[j] * a;
                    q -= w[j] / (1 + a * a);
                }

                return Math.Sin(s) + q * q;
            }

            [Differentiable]
            public static double StepTwo(double[] w, double a)
            {
                double s = 0;
                for (int j = 0; j < w.Length; j += 2)
                {
                    s += w[j] * a * a;
                }

                return Math.Cos(s);
            }

            [Differentiable]
            public static double Downward(double[] w, double a)
            {
                double s = 0;
                for (int j = w.Length - 1; j >= 0; j--)
                {
                    s += w[j] * w[j] * a;
                }

                return Math.Exp(0.1 * s);
            }

            // buf[j] read and written at the same index: still one element per iteration.
            [Differentiable]
            public static double SameIndexUpdate(double[] w, double a)
            {
                double[] buf = new double[w.Length];
                for (int j = 0; j < w.Length; j++)
                {
                    buf[j] = w[j] + a;
                }

                for (int j = 0; j < w.Length; j++)
                {
                    buf[j] = buf[j] * buf[j] * a;
                }

                double s = 0;
                for (int j = 0; j < w.Length; j++)
                {
                    s += buf[j];
                }

                return s;
            }

            // buf[j] depends on buf[j - 1]: the reverse must run from the last iteration.
            [Differentiable]
            public static double Recurrence(double[] w, double a)
            {
                double[] buf = new double[w.Length];
                buf[0] = w[0] * a;
                for (int j = 1; j < w.Length; j++)
                {
                    buf[j] = (buf[j - 1] * w[j]) + a;
                }

                return buf[w.Length - 1];
            }

            // l moves with the loop: the reverse undoes it step by step.
            [Differentiable]
            public static double RunningIndex(double[] w, double a)
            {
                double s = 0;
                int l = 0;
                for (int j = 0; j < w.Length; j++)
                {
                    s += w[l] * a * (j + 1);
                    l = (l + 1) % w.Length;
                }

                return Math.Sin(s);
            }

            // s is read by the update of t: the adjoint of s changes from one reversed iteration to the next.
            [Differentiable]
            public static double SumReadInside(double[] w, double a)
            {
                double s = 0;
                double t = 0;
                for (int j = 0; j < w.Length; j++)
                {
                    s += w[j] * a;
                    t += s * w[j];
                }

                return t;
            }

            // A running index through a triangle, as in a packed lower-triangular matrix: advanced at the end of each
            // reversed iteration from its value before the nest.
            [Differentiable]
            public static double TriangularRunning(double[] w, double a)
            {
                double[] buf = new double[w.Length];
                int l = 1;
                for (int i = 0; i < w.Length; i++)
                {
                    for (int j = i + 1; j < w.Length; j++)
                    {
                        buf[j] += w[l % w.Length] * w[i] * a;
                        l++;
                    }
                }

                double s = l;
                for (int j = 0; j < w.Length; j++)
                {
                    s += Math.Sin(buf[j]);
                }

                return s;
            }

            [Differentiable]
            public static double RunningStep(double[] w, double a)
            {
                double s = 0;
                int l = 0;
                for (int j = 0; j < w.Length; j++)
                {
                    s += w[l % w.Length] * w[j] * a;
                    l += 3;
                }

                return Math.Sin(s) + (l * a);
            }

            // A packed 3 x 3 triangle per row, its running index set at the start of each row (as in the GMM objective):
            // the nest's reverse sets l again itself, so nothing records the value that l = r * 3 + 1 overwrites.
            [Differentiable]
            public static double RowTriangles(double[] w, double a)
            {
                int n = w.Length;
                double[] xs = new double[3 * 3];
                double[] ys = new double[3 * 3];
                double s = 0;
                int l = 0;
                for (int r = 0; r < 3; r++)
                {
                    for (int j = 0; j < 3; j++)
                    {
                        xs[(r * 3) + j] = w[j % n] - (a * r);
                    }

                    for (int j = 0; j < 3; j++)
                    {
                        ys[(r * 3) + j] = a * xs[(r * 3) + j];
                    }

                    l = (r * 3) + 1;
                    for (int i = 0; i < 3; i++)
                    {
                        for (int j = i + 1; j < 3; j++)
                        {
                            ys[(r * 3) + j] += w[l % n] * xs[(r * 3) + i];
                            l++;
                        }
                    }

                    for (int j = 0; j < 3; j++)
                    {
                        s += ys[(r * 3) + j] * ys[(r * 3) + j];
                    }

                    s = Math.Sin(s);
                }

                return s;
            }

            // The same, but l is also read outside the nest (at the top of each row): that reader needs the value the
            // previous row left, so l = r * 3 + 1 still records it.
            [Differentiable]
            public static double RowTrianglesReadAfter(double[] w, double a)
            {
                int n = w.Length;
                double[] xs = new double[3 * 3];
                double[] ys = new double[3 * 3];
                double s = 0;
                int l = 0;
                for (int r = 0; r < 3; r++)
                {
                    s += w[l % n] * a;
                    for (int j = 0; j < 3; j++)
                    {
                        xs[(r * 3) + j] = w[j % n] - (a * r);
                    }

                    for (int j = 0; j < 3; j++)
                    {
                        ys[(r * 3) + j] = a * xs[(r * 3) + j];
                    }

                    l = (r * 3) + 1;
                    for (int i = 0; i < 3; i++)
                    {
                        for (int j = i + 1; j < 3; j++)
                        {
                            ys[(r * 3) + j] += w[l % n] * xs[(r * 3) + i];
                            l++;
                        }
                    }

                    for (int j = 0; j < 3; j++)
                    {
                        s += ys[(r * 3) + j] * ys[(r * 3) + j];
                    }

                    s = Math.Sin(s);
                }

                return s;
            }

            // Two inner loops advance l: the second starts where the first ended.
            [Differentiable]
            public static double TwoAdvancingLoops(double[] w, double a)
            {
                double s = 0;
                int l = 0;
                for (int i = 0; i < 2; i++)
                {
                    for (int j = 0; j < w.Length; j++)
                    {
                        s += w[l % w.Length] * a * (j + 1);
                        l++;
                    }

                    for (int j = 0; j < w.Length; j++)
                    {
                        s += w[l % w.Length] * w[j];
                        l++;
                    }
                }

                return Math.Sin(s);
            }

            // l is read after the inner loop that advances it.
            [Differentiable]
            public static double RunningReadAfterInner(double[] w, double a)
            {
                double s = 0;
                int l = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    for (int j = 0; j < i; j++)
                    {
                        l++;
                    }

                    s += w[l % w.Length] * a;
                }

                return Math.Sin(s);
            }

            // buf[j] = ... buf[0]: iteration 0's element is read by every later iteration.
            [Differentiable]
            public static double OtherIndexRead(double[] w, double a)
            {
                double[] buf = new double[w.Length];
                for (int j = 0; j < w.Length; j++)
                {
                    buf[j] = (w[j] * a) + (buf[0] * 0.5);
                }

                double s = 0;
                for (int j = 0; j < w.Length; j++)
                {
                    s += buf[j] * buf[j];
                }

                return s;
            }
        }
        """;

    private static readonly string[] All = Ascending.Concat(Mirrored).ToArray();

    private static readonly ArrayMethodCheck Check = new(Subjects, All, "Order", "ReverseOrderTests");

    public static TheoryData<string, int> Cases() => ArrayMethodCheck.Cases(All, points: 4);

    public static TheoryData<string> AscendingNames() => new(Ascending);

    public static TheoryData<string> MirroredNames() => new(Mirrored);

    private static string Generated(string method)
        => Check.Compiled.GeneratedSources.Single(kv => kv.Key.Contains("." + method + "_", StringComparison.Ordinal)).Value;

    [Theory]
    [MemberData(nameof(Cases))]
    public void Method_AtPoint_GradientAndPullbackMatchFiniteDifferences(string method, int pointIndex)
    {
        var random = new Random(5000 + pointIndex);
        double[] w = Enumerable.Range(0, 2 + pointIndex).Select(_ => Math.Round((random.NextDouble() * 1.6) - 0.7, 3)).ToArray();
        Check.AgreesWithFiniteDifferences(method, w, Math.Round(0.3 + random.NextDouble(), 3));
    }

    [Theory]
    [MemberData(nameof(AscendingNames))]
    public void IndependentIterations_AreReversedInTheForwardOrder(string method)
        => Assert.Contains("(iterations independent: in the forward order)", Generated(method), StringComparison.Ordinal);

    [Theory]
    [MemberData(nameof(MirroredNames))]
    public void DependentIterations_KeepTheMirrorOrder(string method)
    {
        // The dependent loop (the outer one where inner loops advance l: each inner loop alone may still run forward).
        string header = method is "TwoAdvancingLoops" ? "for (int i = 0; i < 2; i++)"
            : method is "RunningReadAfterInner" ? "for (int i = 0; i < w.Length; i++)"
            : method is "Recurrence" ? "for (int j = 1; j < w.Length; j++)"
            : "for (int j = 0; j < w.Length; j++)";
        string generated = Generated(method);
        Assert.Matches(@"// " + System.Text.RegularExpressions.Regex.Escape(header) + @"\n\s*for \(; _n\d+ > 0; _n\d+--\)", generated);
    }

    [Fact]
    public void Headers_RepeatTheForwardLoop()
    {
        Assert.Contains("for (j = 0; j < w.Length; j += 2)", Generated("StepTwo"), StringComparison.Ordinal);
        Assert.Contains("for (j = w.Length - 1; j >= 0; j--)", Generated("Downward"), StringComparison.Ordinal);
    }

    [Fact]
    public void RunningIndex_StartsFromItsValueBeforeTheNest()
    {
        string generated = Generated("TriangularRunning");
        Assert.Matches(@"l = _s\d+;\s*// for \(int i = 0; i < w\.Length; i\+\+\) \(iterations independent: in the forward order\)", generated);
        Assert.Matches(@"for \(j = i \+ 1; j < w\.Length; j\+\+\)\s*\{[^}]*l = l \+ 1;\s*\}", generated);
        Assert.DoesNotContain("l = l - 1;", generated, StringComparison.Ordinal);
        Assert.Contains("l = l + 3;", Generated("RunningStep"), StringComparison.Ordinal);
    }

    [Fact]
    public void RunningIndexSetJustBeforeTheNest_IsSetAgainInTheReverse()
    {
        // TriangularRunning sets l = 1 before its nest (stable): the reverse sets it again rather than recording it.
        string generated = Generated("TriangularRunning");
        Assert.Matches(@"int _s\d+ = 1;\s*l = _s\d+;", generated);
        Assert.DoesNotContain("_tapeInts", generated, StringComparison.Ordinal);

        // RunningStep's l = 0 is also stable, but its nest sits at the method's top level: no tape either way.
        Assert.Matches(@"int _s\d+ = 0;\s*l = _s\d+;", Generated("RunningStep"));
    }

    [Fact]
    public void RunningIndexReadOnlyInsideItsNest_IsNotRecorded()
    {
        // The nest sets l from (r * 3) + 1 in the reverse: the value that statement overwrites is never read there.
        string rows = Generated("RowTriangles");
        Assert.DoesNotContain("_tapeInts[_tapeIntTop++]", rows, StringComparison.Ordinal);
        Assert.Matches(@"int _s\d+ = r \* 3 \+ 1;\s*l = _s\d+;", rows);

        // A reader of l outside the nest (s += w[l % n] * a at the top of the row) still needs the previous row's value.
        Assert.Contains("_tapeInts[_tapeIntTop++] = l;", Generated("RowTrianglesReadAfter"), StringComparison.Ordinal);
    }

    [Fact]
    public void SumOfSquares_ExactGradient()
    {
        double[] w = { 0.3, -0.2, 0.5 };
        const double a = 0.7;
        double s = w.Sum(x => x * x * a);
        double q = -w.Sum() / (1 + (a * a));
        (double value, double[] dw, double da) = Check.Gradient("SumOfSquares", w, a);
        Assert.Equal(Math.Sin(s) + (q * q), value, 14);
        for (int i = 0; i < w.Length; i++)
        {
            Assert.Equal((Math.Cos(s) * 2 * w[i] * a) - (2 * q / (1 + (a * a))), dw[i], 13);
        }

        double dqda = w.Sum() * 2 * a / ((1 + (a * a)) * (1 + (a * a)));
        Assert.Equal((Math.Cos(s) * w.Sum(x => x * x)) + (2 * q * dqda), da, 13);
    }
}
