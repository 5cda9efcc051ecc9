using System;
using System.Linq;
using Xunit;

namespace AutoDiffGen.Tests.CompileAndRun;

/// <summary>
/// Tuple assignments of locals (<c>(a, b) = (b, a + b)</c>, <c>var (s, c) = (Math.Sin(x), Math.Cos(x))</c>, discards):
/// every value is evaluated before any local changes, as in C#, and the gradient matches central differences.
/// </summary>
public class TupleAssignmentTests
{
    private const string Subjects = """
        using System;
        using AutoDiffGen;

        namespace Tuples;

        public static partial class Subjects
        {
            // A recurrence that shifts two values every iteration: the old b feeds the new a.
            [Differentiable]
            public static double Recurrence(double[] w, double a)
            {
                double p = 1, q = a;
                for (int i = 0; i < w.Length; i++)
                {
                    (p, q) = (q, (0.5 * p) + (q * w[i]));
                }

                return q;
            }

            // A rotation by each angle: both new coordinates read both old ones.
            [Differentiable]
            public static double Rotation(double[] w, double a)
            {
                double x = a, y = 1 - a;
                foreach (double angle in w)
                {
                    double c = Math.Cos(angle), s = Math.Sin(angle);
                    (x, y) = ((c * x) - (s * y), (s * x) + (c * y));
                }

                return (x * x * y) + y;
            }

            // Declarations, var, and discards.
            [Differentiable]
            public static double Declared(double[] w, double a)
            {
                (double s, double c) = (Math.Sin(a * w[0]), Math.Cos(a));
                var (p, q) = (s * c, s + w[1]);
                (_, double t) = (p, q * q);
                return t + p;
            }

            // Integers swapped by a tuple choose which elements are read.
            [Differentiable]
            public static double IndexSwap(double[] w, double a)
            {
                int i = 0, j = w.Length - 1;
                double s = 0;
                while (i < j)
                {
                    s += w[i] * w[j] * a;
                    (i, j) = (i + 1, j - 1);
                }

                return s;
            }
        }
        """;

    private static readonly string[] Methods = { "Recurrence", "Rotation", "Declared", "IndexSwap" };

    private static readonly ArrayMethodCheck Check = new(Subjects, Methods, "Tuples", "TupleAssignmentTests");

    public static TheoryData<string, int> Cases() => ArrayMethodCheck.Cases(Methods, points: 4);

    private static (double[] W, double A) Point(int index)
    {
        var random = new Random(8100 + index);
        double[] w = Enumerable.Range(0, 5).Select(_ => Math.Round((random.NextDouble() * 1.6) - 0.8, 3)).ToArray();
        return (w, Math.Round(0.2 + random.NextDouble(), 3));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Tuple_AtPoint_GradientAndPullbackMatchFiniteDifferences(string method, int pointIndex)
    {
        (double[] w, double a) = Point(pointIndex);
        Check.AgreesWithFiniteDifferences(method, w, a);
    }

    [Fact]
    public void Recurrence_ExactValueAndGradient()
    {
        // Two steps: (p, q) = (a, 0.5 + a w0), then q = 0.5 a + (0.5 + a w0) w1.
        double[] w = { 0.3, -0.4 };
        double a = 0.8;
        (double value, double[] dw, double da) = Check.Gradient("Recurrence", w, a);
        Assert.Equal((0.5 * a) + ((0.5 + (a * w[0])) * w[1]), value, 14);
        Assert.Equal(a * w[1], dw[0], 14);
        Assert.Equal(0.5 + (a * w[0]), dw[1], 14);
        Assert.Equal(0.5 + (w[0] * w[1]), da, 14);
    }

    [Fact]
    public void Rotation_UsesTheOldValuesOfBoth()
    {
        // Rotating (a, 1 - a) by one angle, then the result: a wrong order (x first, y from the new x) differs.
        double[] w = { 0.7 };
        double a = 0.4;
        double c = Math.Cos(0.7), s = Math.Sin(0.7);
        double x = (c * a) - (s * (1 - a)), y = (s * a) + (c * (1 - a));
        Assert.Equal((x * x * y) + y, Check.Gradient("Rotation", w, a).Value, 14);
    }

    [Fact]
    public void NoReadOfAnEarlierTarget_AssignsInPlace()
    {
        string declared = Check.Generated("Declared").Split("Pullback(")[0];
        Assert.Contains("c = global::System.Math.Cos(a);", declared, StringComparison.Ordinal);
        Assert.DoesNotContain("_v0", declared, StringComparison.Ordinal);
        string recurrence = Check.Generated("Recurrence").Split("Pullback(")[0];
        Assert.Contains("_v0 = q;", recurrence, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Recurrence")]
    [InlineData("Rotation")]
    public void Tuple_SteadyState_AllocatesNothing(string method)
    {
        (double[] w, double a) = Point(0);
        long extra = Check.BytesFor4000Calls(method, w, a);
        Assert.True(extra < 64, $"{method}: {extra} bytes for 4000 extra calls");
    }
}
