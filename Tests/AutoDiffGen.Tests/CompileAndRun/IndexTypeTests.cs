using System;
using System.Linq;
using Xunit;

namespace AutoDiffGen.Tests.CompileAndRun;

/// <summary>
/// Indices of other shapes than an int: <c>long</c> and <c>uint</c> values (which C# allows for arrays, not for
/// spans: the generated adjoint, which indexes spans, narrows them) and <c>^k</c> from the end (written out as
/// <c>Length - k</c> of the primal array, since a local array's adjoint is a longer rented array). The gradients
/// match central differences.
/// </summary>
public class IndexTypeTests
{
    private const string Subjects = """
        using System;
        using AutoDiffGen;

        namespace IndexTypes;

        public static partial class Subjects
        {
            [Differentiable]
            public static double LongCounter(double[] w, double a)
            {
                double s = a;
                for (long i = 0; i < w.Length; i++)
                {
                    s += w[i] * i * a;
                }

                return s;
            }

            [Differentiable]
            public static double UintIndex(double[] w, double a)
            {
                double s = 0;
                for (int k = 0; k < w.Length; k++)
                {
                    uint u = (uint)k;
                    s += w[u] * w[u] * a;
                }

                return s;
            }

            [Differentiable]
            public static double LocalArrayLongIndex(double[] w, double a)
            {
                double[] t = new double[w.Length];
                for (long i = 0; i < w.Length; i++)
                {
                    t[i] = Math.Sin(w[i] * a);
                }

                double s = 0;
                for (long i = 0; i < t.Length; i++)
                {
                    s += t[i] * w[i];
                }

                return s;
            }

            private static readonly double[] Table = { 0.5, 1.5, 2.5 };

            [Differentiable]
            public static double FromEnd(double[] w, double a) => (w[^1] * w[0] * a) + (w[^2] * Table[^1]);

            [Differentiable]
            public static double LocalFromEnd(double[] w, double a)
            {
                double[] t = new double[w.Length];
                for (int i = 0; i < w.Length; i++)
                {
                    t[i] = w[i] * w[i] * a;
                }

                t[^1] += w[0];
                return t[^1] * t[^2];
            }

            [Differentiable]
            public static double LoopFromEnd(double[] w, double a)
            {
                double s = 0;
                for (int k = 1; k <= w.Length; k++)
                {
                    s += w[^k] * k * a;
                }

                return s;
            }
        }
        """;

    private static readonly string[] Methods = { "LongCounter", "UintIndex", "LocalArrayLongIndex", "FromEnd", "LocalFromEnd", "LoopFromEnd" };

    private static readonly ArrayMethodCheck Check = new(Subjects, Methods, "IndexTypes", "IndexTypeTests");

    public static TheoryData<string, int> Cases() => ArrayMethodCheck.Cases(Methods, points: 3);

    private static (double[] W, double A) Point(int index)
    {
        var random = new Random(9100 + index);
        double[] w = Enumerable.Range(0, 4).Select(_ => Math.Round((random.NextDouble() * 1.6) - 0.8, 3)).ToArray();
        return (w, Math.Round(0.2 + random.NextDouble(), 3));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void IndexType_AtPoint_GradientAndPullbackMatchFiniteDifferences(string method, int pointIndex)
    {
        (double[] w, double a) = Point(pointIndex);
        Check.AgreesWithFiniteDifferences(method, w, a);
    }

    [Fact]
    public void LongCounter_GradientBufferIndexIsNarrowed()
        => Assert.Contains("dw[global::AutoDiffGen.CompilerServices.SliceBounds.Narrow(i)]", Check.Generated("LongCounter"), StringComparison.Ordinal);

    [Fact]
    public void FromEnd_IsWrittenOutFromTheLength()
    {
        Assert.Contains("dw[w.Length - 1] +=", Check.Generated("FromEnd"), StringComparison.Ordinal);
        Assert.Contains("_d_t[t.Length - 1]", Check.Generated("LocalFromEnd"), StringComparison.Ordinal);
    }
}
