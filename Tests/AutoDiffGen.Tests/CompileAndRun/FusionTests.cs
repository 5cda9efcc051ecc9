using System;
using System.Linq;
using Xunit;

namespace AutoDiffGen.Tests.CompileAndRun;

/// <summary>
/// Sweep fusion: loops whose reversed iterations are independent run forward and reverse in one pass. Every method
/// is checked against finite differences (fused or not), and the generated text shows which loops were fused; the
/// ones that must not be fused (a value carried between iterations, a non-linear use after the loop, ...) are here
/// too, with the reason.
/// </summary>
public sealed class FusionTests
{
    private static readonly string[] Fused =
    {
        "ScaledSum", "TwoAccumulators", "Mean", "GuardedLoop", "LocalArrayPerIteration", "ContinueInside", "AccumulatorSetBefore",
        "CallInside", "NestedAccumulation", "TailChain", "AccumulatorNeededBefore", "RowBuffers", "TriangularProduct",
        "ScratchPerComponent",
    };

    private static readonly string[] NotFused =
    {
        "NonLinearTail", "CarriedValue", "PartialOverwrite", "TailRescalesInput", "BreakInside", "ProductLoop", "TailConditional",
        "AccumulatorReadInside", "LocalReadAfter", "LongCarried", "OverlappingBlocks", "ScratchReadAfterComponents",
    };

    private const string Subjects = """
        using System;
        using AutoDiffGen;

        namespace Fusion;

        public static partial class Subjects
        {
            [Differentiable]
            public static double ScaledSum(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    double t = (w[i] * a) - 1;
                    s += t * t;
                }

                return 0.5 * s;
            }

            [Differentiable]
            public static double TwoAccumulators(double[] w, double a)
            {
                double s = 0;
                double q = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    s += w[i];
                    q -= w[i] * w[i] * a;
                }

                return (3 * s) - (q / 2) + a;
            }

            [Differentiable]
            public static double Mean(double[] w, double a)
            {
                double s = 0;
                foreach (double v in w)
                {
                    s += Math.Exp(v * a);
                }

                return s / w.Length;
            }

            [Differentiable]
            public static double GuardedLoop(double[] w, double a)
            {
                if (w.Length == 0)
                {
                    return 0;
                }

                double s = 0;
                for (int i = 1; i < w.Length; i++)
                {
                    double d = w[i] - w[i - 1];
                    s += Math.Sqrt((d * d) + a);
                }

                return s;
            }

            [Differentiable]
            public static double LocalArrayPerIteration(double[] w, double a)
            {
                double[] h = new double[3];
                double s = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    for (int j = 0; j < 3; j++)
                    {
                        h[j] = (w[i] * (j + 1)) + a;
                    }

                    s += (h[0] * h[1]) + Math.Sin(h[2]);
                }

                return s;
            }

            [Differentiable]
            public static double ContinueInside(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    if (w[i] < 0)
                    {
                        continue;
                    }

                    double t = w[i] * a;
                    s += t * t * t;
                }

                return s;
            }

            [Differentiable]
            public static double AccumulatorSetBefore(double[] w, double a)
            {
                double s = a * a;
                for (int i = 0; i < w.Length; i++)
                {
                    s += w[i] * a;
                }

                return 2 * s;
            }

            [Differentiable]
            public static double CallInside(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    s += Helper(w[i], a);
                }

                return s - a;
            }

            [Differentiable]
            public static double Helper(double x, double a) => Math.Log(1 + (x * x * a));

            [Differentiable]
            public static double NestedAccumulation(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    double row = 0;
                    for (int j = 0; j <= i; j++)
                    {
                        row += w[j] * a;
                        row = row * 0.5;
                    }

                    s += row * row;
                }

                return s;
            }

            [Differentiable]
            public static double TailChain(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    s += Math.Cos(w[i]) * a;
                }

                double scaled = 4 * s;
                double shifted = scaled - a;
                return (shifted / 3) + (a * a);
            }

            // The reverse of u = s * s reads s before the loop: saved once before the fused loop, restored after.
            [Differentiable]
            public static double AccumulatorNeededBefore(double[] w, double a)
            {
                double s = a * w[0];
                double u = s * s;
                for (int i = 0; i < w.Length; i++)
                {
                    s -= w[i] * a;
                }

                return (s * 2) + u;
            }

            // A scratch buffer refilled by every component of every point (as in GradBench's GMM objective): each
            // iteration of the loop over components overwrites it whole before reading it, so nothing flows from one
            // point to the next and the loop over points is fused (the components' old values stay on the tape for
            // one point only).
            [Differentiable]
            public static double ScratchPerComponent(double[] w, double a)
            {
                double[] centred = new double[3];
                double s = 0;
                for (int p = 0; p + 3 <= w.Length; p++)
                {
                    for (int c = 0; c < 2; c++)
                    {
                        for (int j = 0; j < 3; j++)
                        {
                            centred[j] = w[p + j] - (a * c);
                        }

                        double norm = 0;
                        for (int j = 0; j < 3; j++)
                        {
                            norm += centred[j] * centred[j] * (j + 1);
                        }

                        s += Math.Log(1 + norm);
                    }
                }

                return s;
            }

            // The same buffer read after the loop over components: were that loop to run no iteration, the read would
            // see the previous point's values, so the loop over points is not fused.
            [Differentiable]
            public static double ScratchReadAfterComponents(double[] w, double a)
            {
                double[] centred = new double[3];
                double s = 0;
                for (int p = 0; p + 3 <= w.Length; p++)
                {
                    for (int c = 0; c < 2; c++)
                    {
                        for (int j = 0; j < 3; j++)
                        {
                            centred[j] = w[p + j] - (a * c);
                        }

                        double norm = 0;
                        for (int j = 0; j < 3; j++)
                        {
                            norm += centred[j] * centred[j];
                        }

                        s += Math.Log(1 + norm);
                    }

                    s += centred[0] * a;
                }

                return s;
            }

            // Per-row buffers: row r of buf is buf[r * 3 + j], 0 <= j < 3. Rows are disjoint, so nothing is saved.
            [Differentiable]
            public static double RowBuffers(double[] w, double a)
            {
                double[] buf = new double[2 * 3];
                double s = 0;
                for (int p = 0; p < w.Length; p++)
                {
                    for (int r = 0; r < 2; r++)
                    {
                        for (int j = 0; j < 3; j++)
                        {
                            buf[(r * 3) + j] = (w[p] * (j + 1)) + (a * r);
                        }

                        double t = 0;
                        for (int j = 0; j < 3; j++)
                        {
                            t += buf[(r * 3) + j] * buf[(r * 3) + j];
                        }

                        s += Math.Sqrt(t + 1);
                    }
                }

                return s;
            }

            // GMM's shape: y = L x per block with a running index into a packed triangle (x[i] is read in the whole
            // inner loop: its adjoint accumulates in a register).
            [Differentiable]
            public static double TriangularProduct(double[] w, double a)
            {
                int m = 3;
                double[] xs = new double[2 * 3];
                double[] ys = new double[2 * 3];
                double s = 0;
                for (int p = 0; p + 3 <= w.Length; p++)
                {
                    for (int c = 0; c < 2; c++)
                    {
                        for (int j = 0; j < 3; j++)
                        {
                            xs[(c * 3) + j] = w[p + j] - (a * c);
                        }

                        for (int j = 0; j < 3; j++)
                        {
                            ys[(c * 3) + j] = a * xs[(c * 3) + j];
                        }

                        int l = p;
                        for (int i = 0; i < 3; i++)
                        {
                            for (int j = i + 1; j < 3; j++)
                            {
                                ys[(c * 3) + j] += w[l % w.Length] * xs[(c * 3) + i];
                                l++;
                            }
                        }

                        for (int j = 0; j < 3; j++)
                        {
                            s += ys[(c * 3) + j] * ys[(c * 3) + j] / m;
                        }
                    }
                }

                return s;
            }

            // Blocks of 3 written with offsets up to 3: row r spills into row r + 1, so the old values are saved.
            [Differentiable]
            public static double OverlappingBlocks(double[] w, double a)
            {
                double[] buf = new double[3 * 3 + 1];
                double s = 0;
                for (int r = 0; r < 3; r++)
                {
                    for (int j = 0; j < 4; j++)
                    {
                        buf[(r * 3) + j] = w[(r + j) % w.Length] * a;
                    }

                    s += buf[r * 3] * buf[(r * 3) + 1];
                }

                return s * s;
            }

            [Differentiable]
            public static double NonLinearTail(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    s += w[i] * a;
                }

                return s * s;
            }

            [Differentiable]
            public static double CarriedValue(double[] w, double a)
            {
                double s = 0;
                double previous = a;
                for (int i = 0; i < w.Length; i++)
                {
                    s += previous * w[i];
                    previous = w[i] * previous;
                }

                return s;
            }

            [Differentiable]
            public static double PartialOverwrite(double[] w, double a)
            {
                double[] h = new double[2];
                double s = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    h[i % 2] = w[i] * a;
                    s += h[0] * h[1];
                }

                return s;
            }

            [Differentiable]
            public static double TailRescalesInput(double[] w, double a)
            {
                double b = a * 2;
                double s = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    s += b * w[i];
                }

                b = b * b;
                return s + b;
            }

            [Differentiable]
            public static double BreakInside(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    if (s > 2)
                    {
                        break;
                    }

                    s += w[i] * w[i] * a;
                }

                return s;
            }

            [Differentiable]
            public static double ProductLoop(double[] w, double a)
            {
                double p = a;
                for (int i = 0; i < w.Length; i++)
                {
                    p *= 1 + (w[i] * w[i]);
                }

                return p;
            }

            [Differentiable]
            public static double TailConditional(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    s += w[i] * a;
                }

                if (a > 0.5)
                {
                    s = s * 3;
                }

                return s;
            }

            [Differentiable]
            public static double AccumulatorReadInside(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    s += w[i] * a * Math.Tanh(s);
                }

                return s;
            }

            // p is carried and read by the reverse sweep: one tape entry per iteration.
            [Differentiable]
            public static double LongCarried(double[] w, double a)
            {
                double p = a;
                for (int i = 0; i < w.Length; i++)
                {
                    p = Math.Sin(p + w[i]);
                }

                return p;
            }

            [Differentiable]
            public static double LocalReadAfter(double[] w, double a)
            {
                double s = 0;
                double t = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    t = w[i] * a;
                    s += t * t;
                }

                return s + t;
            }
        }
        """;

    private static readonly ArrayMethodCheck Check = new(Subjects, Fused.Concat(NotFused).ToArray(), "Fusion", "FusionTests");

    public static TheoryData<string, int> Cases() => ArrayMethodCheck.Cases(Fused.Concat(NotFused).ToArray(), points: 4);

    private static (double[] W, double A) Point(int index)
    {
        var random = new Random(2000 + index);
        double[] w = Enumerable.Range(0, 5 + index).Select(_ => Math.Round((random.NextDouble() * 2) - 0.7, 3)).ToArray();
        return (w, Math.Round(0.3 + random.NextDouble(), 3));
    }

    private static string Generated(string method)
        => Check.Compiled.GeneratedSources.Single(kv => kv.Key.Contains("." + method + "_", StringComparison.Ordinal)).Value;

    [Theory]
    [MemberData(nameof(Cases))]
    public void Method_AtPoint_GradientAndPullbackMatchFiniteDifferences(string method, int pointIndex)
    {
        (double[] w, double a) = Point(pointIndex);
        Check.AgreesWithFiniteDifferences(method, w, a);
    }

    [Theory]
    [MemberData(nameof(FusedNames))]
    public void IndependentIterations_AreFused(string method)
    {
        string generated = Generated(method);
        Assert.Contains("// One pass: each iteration runs forward, then in reverse", generated, StringComparison.Ordinal);

        // Nothing goes on a tape across iterations: a fused loop records at most one iteration.
        Assert.DoesNotContain("for (; _n", generated.Split("// Reverse sweep")[1].Split("return")[0], StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(NotFusedNames))]
    public void DependentIterations_AreNotFused(string method)
        => Assert.DoesNotContain("// One pass", Generated(method), StringComparison.Ordinal);

    public static TheoryData<string> FusedNames() => new(Fused);

    public static TheoryData<string> NotFusedNames() => new(NotFused);

    [Fact]
    public void ExitAdjoint_IsTheLinearCoefficientOfTheTail()
    {
        Assert.Contains("_d_s = _d_result * 0.5;", Generated("ScaledSum"), StringComparison.Ordinal);
        string two = Generated("TwoAccumulators");
        Assert.Contains("_d_q = -(_d_result / 2.0);", two, StringComparison.Ordinal);
        Assert.Contains("_d_s = _d_result * 3.0;", two, StringComparison.Ordinal);
        Assert.Contains("_d_s = _d_result / (double)w.Length;", Generated("Mean"), StringComparison.Ordinal);
        string before = Generated("AccumulatorNeededBefore");
        Assert.Contains("_d_s = _d_result * 2.0;", before, StringComparison.Ordinal);
        Assert.Contains("s back to its value before the loop", before, StringComparison.Ordinal);
    }

    [Fact]
    public void BlockIndexedBuffers_AreNotSaved()
    {
        // (RowBuffers records Math.Sqrt's result, which its derivative reads; nothing of buf.)
        Assert.DoesNotContain("_tapeValues[_tapeTop++] = buf[", Generated("RowBuffers"), StringComparison.Ordinal);
        Assert.DoesNotContain("_tapeValues[_tapeTop++]", Generated("TriangularProduct"), StringComparison.Ordinal);

        // Nor the running index l: the triangle's reverse runs in the forward order and sets l again from p, so the
        // value l = p overwrote is never read (no int recorded per block).
        string triangular = Generated("TriangularProduct");
        Assert.DoesNotContain("_tapeInts[_tapeIntTop++]", triangular, StringComparison.Ordinal);
        Assert.Contains("int _s0 = p;", triangular, StringComparison.Ordinal);

        // Offsets up to 3 in blocks of 3 overlap the next block: the analysis must not claim they are disjoint.
        Assert.Contains("_tapeValues[_tapeTop++] = buf[", Generated("OverlappingBlocks"), StringComparison.Ordinal);
    }

    [Fact]
    public void InvariantAdjointAccumulation_GoesThroughALocal()
    {
        // ys[c * 3 + j] += w[l] * xs[c * 3 + i]: the adjoint of xs[c * 3 + i] does not move in the j loop.
        string generated = Generated("TriangularProduct");
        Assert.Contains("_a0 += ", generated, StringComparison.Ordinal);
        Assert.Contains("if (_a0 != 0) _v_d_xs[i] += _a0;", generated, StringComparison.Ordinal);
    }

    [Fact]
    public void RepeatedContributionsToOneElement_AreAddedOnce()
    {
        // TwoAccumulators adds into dw[i] from s += w[i] and from q -= w[i] * w[i] * a: one load and store of dw[i].
        string generated = Generated("TwoAccumulators");
        Assert.Contains("double _g0 = ", generated, StringComparison.Ordinal);
        Assert.Contains("dw[i] -= _g0;", generated, StringComparison.Ordinal); // the first contribution subtracts: no negation
        Assert.Equal(2, generated.Split("dw[i] ").Length - 1); // once in Gradient, once in Pullback
    }

    [Fact]
    public void ExactValues_SumOfSquares()
    {
        // ScaledSum = 1/2 sum (w_i a - 1)^2: d/dw_i = (w_i a - 1) a, d/da = sum (w_i a - 1) w_i.
        double[] w = { 1, 2, -1 };
        (double value, double[] dw, double da) = Check.Gradient("ScaledSum", w, 2);
        Assert.Equal(0.5 * (1 + 9 + 9), value);
        Assert.Equal(new[] { 2.0, 6, -6 }, dw);
        Assert.Equal(1 + 6 + 3, da);
    }

    [Fact]
    public void LongCarriedLoop_TapeGrowsPastItsInitialSize_GradientStillMatches()
    {
        // 700 saved values: the tape's arrays (256 to start) grow twice while the generated code holds them in locals.
        var random = new Random(7);
        double[] w = Enumerable.Range(0, 700).Select(_ => (random.NextDouble() * 2) - 1).ToArray();
        Check.AgreesWithFiniteDifferences("LongCarried", w, 0.3);
        Assert.Contains("GrowValues()", Generated("LongCarried"), StringComparison.Ordinal);
    }

    [Fact]
    public void FusedLoops_SteadyState_AllocateNothing()
    {
        (double[] w, double a) = Point(0);
        foreach (string method in new[] { "ScaledSum", "LocalArrayPerIteration", "CallInside" })
        {
            long extra = Check.BytesFor4000Calls(method, w, a);
            Assert.True(extra < 64, $"{method}: {extra} bytes for 4000 extra calls");
        }
    }
}
