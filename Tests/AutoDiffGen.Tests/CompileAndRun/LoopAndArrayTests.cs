using System;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text;
using Xunit;

namespace AutoDiffGen.Tests.CompileAndRun;

/// <summary>
/// Loops, array and span inputs, local arrays and recursion: every method has the shape (double[] w, double a);
/// the test source adds drivers that take arrays (spans cannot be passed through reflection).
/// </summary>
public sealed class LoopAndArrayTests
{
    private static readonly string[] Methods =
    {
        "Dot", "ExtendedRosenbrock", "SpanWhileBreakContinue", "ForeachSpan", "DoWhile", "NestedCounted", "ReturnInsideLoop",
        "OverwrittenEveryIteration", "LocalSoftmax", "LocalCompoundWrites", "Recursive", "NoDiffArrayRead", "RuntimeKernels",
        "CountedWithBreak", "ShiftingStart", "DescendingInclusive", "ForeachInsideCounted", "RunningIndex", "MutatedTable",
        "OffsetConditions",
    };

    private const string Subjects = """
        using System;
        using AutoDiffGen;

        namespace Loops;

        public static partial class Subjects
        {
            [Differentiable]
            public static double Dot(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    s += w[i] * w[(i + 1) % w.Length] * a;
                }

                return s;
            }

            [Differentiable]
            public static double ExtendedRosenbrock(double[] w, double a)
            {
                double sum = 0;
                for (int i = 0; i < w.Length - 1; i++)
                {
                    double p = 1 - w[i];
                    double q = w[i + 1] - w[i] * w[i];
                    sum += p * p + 100 * q * q;
                }

                return sum * a;
            }

            [Differentiable]
            public static double SpanWhileBreakContinue(double[] w, double a)
            {
                return Walk(w, a);
            }

            [Differentiable]
            public static double Walk(ReadOnlySpan<double> v, double a)
            {
                double acc = a;
                int k = 0;
                while (k < v.Length)
                {
                    if (v[k] < -0.5)
                    {
                        k++;
                        continue;
                    }

                    acc = acc * Math.Sin(v[k]) + v[k];
                    if (acc > 3)
                    {
                        break;
                    }

                    k++;
                }

                return acc;
            }

            [Differentiable]
            public static double ForeachSpan(double[] w, double a)
            {
                double acc = 0;
                foreach (double x in w)
                {
                    acc += Math.Exp(x * a) - x;
                }

                return acc;
            }

            [Differentiable]
            public static double DoWhile(double[] w, double a)
            {
                double y = a;
                int i = 0;
                do
                {
                    y = y * 0.5 + Math.Tanh(w[i] * y);
                    i++;
                }
                while (i < w.Length);
                return y;
            }

            [Differentiable]
            public static double NestedCounted(double[] w, double a)
            {
                double total = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    double row = a;
                    for (int j = w.Length - 1; j > i; j--)
                    {
                        row = row * Math.Cos(w[j]) + w[i] * w[j];
                    }

                    total += row * row;
                }

                return total;
            }

            [Differentiable]
            public static double ReturnInsideLoop(double[] w, double a)
            {
                double s = a;
                for (int i = 0; i < w.Length; i++)
                {
                    s = s * w[i] + 1;
                    if (s > 2.5)
                    {
                        return s * s;
                    }
                }

                return -s;
            }

            [Differentiable]
            public static double OverwrittenEveryIteration(double[] w, double a)
            {
                double t = 0;
                double acc = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    t = Math.Exp(w[i] * a);
                    t = t * t + w[i];
                    acc = acc * 0.9 + t / (1 + t * t);
                }

                return acc;
            }

            [Differentiable]
            public static double LocalSoftmax(double[] w, double a)
            {
                int n = w.Length;
                double[] e = new double[n];
                double max = w[0];
                for (int i = 1; i < n; i++)
                {
                    max = Math.Max(max, w[i]);
                }

                double sum = 0;
                for (int i = 0; i < n; i++)
                {
                    e[i] = Math.Exp(w[i] - max);
                    sum += e[i];
                }

                double acc = 0;
                for (int i = 0; i < n; i++)
                {
                    acc += e[i] / sum * w[i] * a;
                }

                return acc;
            }

            [Differentiable]
            public static double LocalCompoundWrites(double[] w, double a)
            {
                double[] buffer = new double[w.Length + 1];
                for (int i = 0; i < w.Length; i++)
                {
                    buffer[i] = w[i] * a;
                    buffer[i + 1] += buffer[i] * buffer[i];
                    buffer[i] *= Math.Sin(buffer[i + 1]);
                }

                double s = 0;
                foreach (double b in buffer)
                {
                    s += b;
                }

                return s;
            }

            [Differentiable]
            public static double Recursive(double[] w, double a) => Power(a, w[0], 4);

            [Differentiable]
            public static double Power(double x, double y, int n)
            {
                if (n == 0)
                {
                    return y;
                }

                return x * Power(x, y * 1.1, n - 1);
            }

            [Differentiable]
            public static double NoDiffArrayRead(double[] w, double a) => Weighted(w, a, new[] { 1.0, 2.0, 3.0, 4.0, 5.0, 6.0 });

            // Pullbacks registered with [DerivativeOf] in a referenced assembly (AutoDiffGen.Runtime's kernels).
            [Differentiable]
            public static double RuntimeKernels(double[] w, double a)
            {
                double[] shifted = new double[w.Length];
                for (int i = 0; i < w.Length; i++)
                {
                    shifted[i] = w[i] * a - 0.5;
                }

                return Kernels.Dot(w, shifted) * a + Kernels.LogSumExp(shifted) + Kernels.Mean(w);
            }

            // counter + c < bound and counter - c >= bound: iteration counts computed from the shifted bound.
            [Differentiable]
            public static double OffsetConditions(double[] w, double a)
            {
                double s = a;
                for (int i = 0; i + 1 < w.Length; i++)
                {
                    s += w[i] * w[i + 1] * s;
                }

                for (int j = w.Length - 1; j - 2 >= 0; j--)
                {
                    s = s * 0.5 + Math.Sin(w[j] * a);
                }

                return s;
            }

            // Inclusive bound, step 2, and a break: the count is recorded, the start is not.
            [Differentiable]
            public static double CountedWithBreak(double[] w, double a)
            {
                double s = a;
                for (int k = 0; k < 2; k++)
                {
                    for (int i = 1; i <= w.Length; i += 2)
                    {
                        if (w[i - 1] * a > 0.9)
                        {
                            break;
                        }

                        s = s * Math.Sin(w[i - 1] + s) + a;
                    }
                }

                return s;
            }

            // An inner start that changes between outer iterations: recorded, not re-evaluated.
            [Differentiable]
            public static double ShiftingStart(double[] w, double a)
            {
                double s = 0;
                int start = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    for (int j = start; j < w.Length; j += 3)
                    {
                        s = s * 0.5 + w[j] * a * w[i];
                    }

                    start = (start + 1) % 2;
                }

                return s * s;
            }

            [Differentiable]
            public static double DescendingInclusive(double[] w, double a)
            {
                double s = 1;
                for (int k = 0; k < 2; k++)
                {
                    for (int i = w.Length - 1; i >= 0; i -= 2)
                    {
                        s = s * Math.Exp(w[i] * a * 0.3) - w[i];
                    }
                }

                return s;
            }

            [Differentiable]
            public static double ForeachInsideCounted(double[] w, double a)
            {
                double[] t = new double[3];
                t[0] = a;
                t[1] = w[0] * a;
                t[2] = w[1];
                double s = 0;
                for (int k = 0; k < w.Length; k++)
                {
                    foreach (double v in t)
                    {
                        s = s * 0.7 + v * w[k];
                    }
                }

                return s;
            }

            // A running index (l += e, undone in the reverse sweep) and conditions on counters (re-evaluated).
            [Differentiable]
            public static double RunningIndex(double[] w, double a)
            {
                double s = 0;
                int l = 0;
                for (int j = 0; j < 3; j++)
                {
                    double row = a;
                    l = j;
                    for (int i = 0; i < j + 1; i++)
                    {
                        row = row * w[l % 6] + a;
                        l += 1 + (i % 2);
                        l++;
                    }

                    if (j == 1)
                    {
                        s += row * row;
                    }
                    else
                    {
                        s += Math.Sin(row) * w[l % 6];
                    }
                }

                return s;
            }

            [Differentiable]
            public static double MutatedTable(double[] w, double a) => MutatedCore(w, a, new double[] { 1, -1, 2 });

            // A [NoDiff] table changed by a call: its elements are not stable, so the branch taken is recorded.
            [Differentiable]
            public static double MutatedCore(double[] w, double a, [NoDiff] double[] table)
            {
                double s = 0;
                for (int i = 0; i < 3; i++)
                {
                    if (table[i] > 0)
                    {
                        s += w[i] * a;
                    }
                    else
                    {
                        s -= Math.Exp(w[i]) * a;
                    }

                    Negate(table, i);
                }

                return s;
            }

            private static void Negate(double[] table, int i) => table[i] = -table[i];

            [Differentiable]
            public static double Weighted(double[] w, double a, [NoDiff] double[] c)
            {
                double s = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    s += c[i] * w[i] * w[i] * a;
                }

                return s;
            }
        }
        """;

    private static readonly ArrayMethodCheck Check = new(Subjects, Methods, "Loops", "LoopAndArrayTests");

    public static TheoryData<string, int> Cases() => ArrayMethodCheck.Cases(Methods, points: 3);

    private static (double[] W, double A) Point(int index)
    {
        var random = new Random(1000 + index);
        double[] w = Enumerable.Range(0, 6).Select(_ => Math.Round((random.NextDouble() * 2) - 0.8, 3)).ToArray();
        return (w, Math.Round(0.4 + random.NextDouble(), 3));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LoopMethod_AtPoint_GradientAndPullbackMatchFiniteDifferences(string method, int pointIndex)
    {
        (double[] w, double a) = Point(pointIndex);
        Check.AgreesWithFiniteDifferences(method, w, a);
    }

    [Fact]
    public void GradientBuffer_WrongLength_ThrowsNamingBothBeforeWriting()
    {
        double[] w = { 0.1, 0.2, 0.3 };
        double[] dw = { 7, 7 };
        var e = Assert.Throws<TargetInvocationException>(() =>
            Check.Compiled.Method("Loops.Drivers", "DotGradient").Invoke(null, new object[] { w, 1.0, dw, new double[1] }));
        var argument = Assert.IsType<ArgumentException>(e.InnerException);
        Assert.Contains("'dw'", argument.Message, StringComparison.Ordinal);
        Assert.Contains("'w'", argument.Message, StringComparison.Ordinal);
        Assert.Equal(new double[] { 7, 7 }, dw);
    }

    [Theory]
    [InlineData("NestedCounted")]
    [InlineData("OverwrittenEveryIteration")]
    [InlineData("SpanWhileBreakContinue")]
    public void LoopGradient_SteadyState_AllocatesNothing(string method)
    {
        (double[] w, double a) = Point(0);
        long extra = Check.BytesFor4000Calls(method, w, a);
        Assert.True(extra < 64, $"{method}: {extra} bytes for 4000 extra calls");
    }

    [Fact]
    public void LocalArrays_SteadyState_AllocateNothing()
    {
        // The primal allocates its new double[n]; the generated adjoint rents it (and its adjoint) from the pool.
        (double[] w, double a) = Point(1);
        Assert.True(Check.Primal("LocalSoftmax", w, a) != 0);
        long extra = Check.BytesFor4000Calls("LocalSoftmax", w, a);
        Assert.True(extra < 64, $"LocalSoftmax: {extra} bytes for 4000 extra calls");
        Assert.Contains("ArrayPool<double>.Shared.Rent(_l", Check.Compiled.GeneratedSources.Single(kv => kv.Key.Contains(".LocalSoftmax_", StringComparison.Ordinal)).Value, StringComparison.Ordinal);
    }

    [Fact]
    public void NoDiffArray_GetsNoGradientParameter()
    {
        MethodInfo weighted = Check.Compiled.Type("Loops.Subjects").GetMethods().Single(m => m.Name == "WeightedGradient");
        Assert.Equal(new[] { "w", "a", "c", "dw", "da" }, weighted.GetParameters().Select(p => p.Name));
    }

    [Fact]
    public void CountedLoop_CounterIsRecomputedNotRecorded()
    {
        string generated = Check.Compiled.GeneratedSources.Single(kv => kv.Key.Contains("NestedCounted", StringComparison.Ordinal)).Value;
        Assert.DoesNotContain("++] = i;", generated, StringComparison.Ordinal);
        Assert.DoesNotContain("++] = j;", generated, StringComparison.Ordinal);

        string running = Check.Compiled.GeneratedSources.Single(kv => kv.Key.Contains(".RunningIndex_", StringComparison.Ordinal)).Value;
        // The j loop is fused (its reverse runs right after each iteration): the kill l = j needs no save.
        Assert.DoesNotContain("++] = l;", running, StringComparison.Ordinal);
        Assert.Contains("// One pass", running, StringComparison.Ordinal);
        Assert.Contains("l = l - (1 + i % 2);", running, StringComparison.Ordinal);
                Assert.DoesNotContain("++] = _c", running, StringComparison.Ordinal);
        Assert.Contains("++] = _c", Check.Compiled.GeneratedSources.Single(kv => kv.Key.Contains(".MutatedCore_", StringComparison.Ordinal)).Value, StringComparison.Ordinal);

        string offsets = Check.Compiled.GeneratedSources.Single(kv => kv.Key.Contains(".OffsetConditions_", StringComparison.Ordinal)).Value;
        Assert.DoesNotContain("++;", offsets, StringComparison.Ordinal);
        Assert.Contains("int _n0 = (w.Length - 1) > 0 ? (w.Length - 1) : 0;", offsets, StringComparison.Ordinal);
        Assert.Contains("int _n1 = (w.Length - 1) >= 2 ? (w.Length - 1) - 2 + 1 : 0;", offsets, StringComparison.Ordinal);

        // Starts and bounds read only stable values: iteration counts are computed, not recorded.
        Assert.DoesNotContain("_tapeInts[--", generated, StringComparison.Ordinal);
        Assert.Contains("// One pass", generated, StringComparison.Ordinal); // the outer loop is fused: i is current
        Assert.DoesNotContain("i = _n1 - 1;", generated, StringComparison.Ordinal);
        Assert.Contains("j = w.Length - 1 - (_n0 - 1);", generated, StringComparison.Ordinal);
        Assert.Contains("int _n0 = (w.Length - 1) > i ? (w.Length - 1) - i : 0;", generated, StringComparison.Ordinal);
    }
}
