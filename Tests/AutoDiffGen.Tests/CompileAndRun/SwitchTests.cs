using System;
using System.Linq;
using System.Reflection;
using Xunit;

namespace AutoDiffGen.Tests.CompileAndRun;

/// <summary>
/// Switch statements, switch expressions and pattern tests (<c>x is &gt; 0 and &lt; 1</c>) in differentiable code:
/// each becomes an if/else chain in C#'s order of evaluation, so the gradient follows the case the primal took and
/// matches central differences; a switch expression that matches nothing throws the primal's exception.
/// </summary>
public class SwitchTests
{
    private const string Subjects = """
        using System;
        using AutoDiffGen;

        namespace Switches;

        public enum Shape { Square, Cube, Sine }

        public static partial class Subjects
        {
            // A switch statement in a loop: constant cases, an or-pattern with a guard, a default section that
            // continues the loop on one path.
            [Differentiable]
            public static double StatementInLoop(double[] w, double a)
            {
                double s = a;
                for (int i = 0; i < w.Length; i++)
                {
                    switch (i % 4)
                    {
                        case 0:
                            s += w[i] * w[i] * a;
                            break;
                        case 1 or 2 when i > 1:
                            s += Math.Sin(w[i] * s);
                            break;
                        default:
                            if (w[i] > 0.1005)
                            {
                                s *= 1.5;
                                continue;
                            }

                            s -= w[i] * a;
                            break;
                    }

                    s += 0.1 * w[i];
                }

                return s;
            }

            // A switch expression on an int, producing an active value.
            [Differentiable]
            public static double ExpressionOnInt(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    s += (i % 3) switch
                    {
                        0 => w[i] * a,
                        1 => Math.Sin(w[i] + a),
                        _ => w[i] * w[i],
                    };
                }

                return s;
            }

            // A switch expression on an active value: relational patterns choose the formula.
            [Differentiable]
            public static double ExpressionOnValue(double[] w, double a)
            {
                double s = 0;
                foreach (double v in w)
                {
                    double y = v switch
                    {
                        > 0.4555 => v * v,
                        < -0.5005 => -v * a,
                        >= -0.1005 and <= 0.1005 => Math.Exp(v * a),
                        _ => 2 * v * a,
                    };
                    s += y * y;
                }

                return s;
            }

            // is-patterns in conditions.
            [Differentiable]
            public static double PatternCondition(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    if (w[i] is (> 0.2505 and < 0.7005) or < -0.6005)
                    {
                        s += w[i] * a;
                    }
                    else if (i is not 0 && a is > 0.5)
                    {
                        s += Math.Cos(w[i]) * a;
                    }
                    else
                    {
                        s -= w[i] * w[i];
                    }
                }

                return s;
            }

            // A switch over an enum, with a return inside a section.
            [Differentiable]
            public static double EnumWithReturn(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    switch ((Shape)(i % 3))
                    {
                        case Shape.Square:
                            s += w[i] * w[i];
                            break;
                        case Shape.Cube:
                            s += w[i] * w[i] * w[i] * a;
                            break;
                        case Shape.Sine when s > 5:
                            return s * a;
                        default:
                            s += Math.Sin(w[i] * a);
                            break;
                    }
                }

                return s + a;
            }

            // An int chosen by a switch expression scales an active value (the switch itself is inactive).
            [Differentiable]
            public static double InactiveExpression(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    int n = (i % 3) switch { 0 => 1, 1 => 3, _ => 5 };
                    s += n * w[i] * a;
                }

                return s;
            }

            // A throw on some paths only: the rest needs no flag.
            [Differentiable]
            public static double ThrowOnSomePath(double[] w, double a)
            {
                double s = a;
                if (w.Length > 0)
                {
                    if (a > 100)
                    {
                        throw new ArgumentOutOfRangeException(nameof(a));
                    }

                    s = a * a;
                }

                return s * w[0];
            }

            // Switches on computed values: each is evaluated once, into a temporary, then tested.
            [Differentiable]
            public static double SwitchOnCall(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    switch (Math.Abs(w[i]) * 2)
                    {
                        case > 1.0005:
                            s += w[i] * w[i] * a;
                            break;
                        default:
                            s -= Math.Sin(w[i] * a);
                            break;
                    }

                    s += Math.Cos(a * s) switch { > 0.5 => a, _ => -a * w[i] };
                }

                return s;
            }

            private static readonly string? Mode = null;

            // Null patterns: a null check of an input, a switch on a string field.
            [Differentiable]
            public static double NullPattern(double[] w, double a)
            {
                double s = w is null ? 0 : w[0] * a;
                s += Mode switch
                {
                    null => w![1] * w[1],
                    "x" => a,
                    _ => 0,
                };
                return s;
            }

            // Without a catch-all arm: an unmatched value throws SwitchExpressionException, as in the primal.
            [Differentiable]
            public static double NotExhaustive(double[] w, double a)
            {
                int k = w.Length;
                return k switch
                {
                    5 => w[0] * a,
                    6 => w[1] * a,
                };
            }
        }
        """;

    private static readonly string[] Methods = { "StatementInLoop", "ExpressionOnInt", "ExpressionOnValue", "PatternCondition", "EnumWithReturn", "InactiveExpression", "ThrowOnSomePath", "NotExhaustive", "NullPattern", "SwitchOnCall" };

    private static readonly ArrayMethodCheck Check = new(Subjects, Methods, "Switches", "SwitchTests");

    public static TheoryData<string, int> Cases() => ArrayMethodCheck.Cases(Methods, points: 5);

    private static (double[] W, double A) Point(int index)
    {
        var random = new Random(7300 + index);
        double[] w = Enumerable.Range(0, 5).Select(_ => Math.Round((random.NextDouble() * 1.8) - 0.9, 3)).ToArray();
        return (w, Math.Round(0.2 + random.NextDouble(), 3));
    }

    private static string Generated(string method) => Check.Generated(method);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Switch_AtPoint_GradientAndPullbackMatchFiniteDifferences(string method, int pointIndex)
    {
        (double[] w, double a) = Point(pointIndex);
        Check.AgreesWithFiniteDifferences(method, w, a);
    }

    [Fact]
    public void Points_ReachEveryArm()
    {
        // The points above cover each arm of ExpressionOnValue and each branch of PatternCondition.
        double[] all = Enumerable.Range(0, 5).SelectMany(p => Point(p).W).ToArray();
        Assert.Contains(all, v => v > 0.4555);
        Assert.Contains(all, v => v < -0.5005);
        Assert.Contains(all, v => v is >= -0.1005 and <= 0.1005);
        Assert.Contains(all, v => v is > -0.5005 and < -0.1005 or > 0.1005 and <= 0.4555);
        Assert.Contains(all, v => v is > 0.2505 and < 0.7005);
        Assert.Contains(all, v => v is > -0.6005 and < 0.2505);
    }

    [Fact]
    public void ExpressionOnValue_ExactGradientOfEachArm()
    {
        double a = 0.75;
        double[] w = { 0.8, -0.9, 0.05, -0.3 };
        (double value, double[] dw, double da) = Check.Gradient("ExpressionOnValue", w, a);

        // y = v^2, y = -v a, y = exp(v a), y = 2 v a; the sum of y^2.
        double[] y = { 0.64, 0.675, Math.Exp(0.05 * a), -0.6 * a };
        Assert.Equal(y.Sum(t => t * t), value, 13);
        Assert.Equal(2 * y[0] * 2 * 0.8, dw[0], 13);
        Assert.Equal(2 * y[1] * -a, dw[1], 13);
        Assert.Equal(2 * y[2] * y[2] * a, dw[2], 13);
        Assert.Equal(2 * y[3] * 2 * a, dw[3], 13);
        Assert.Equal((2 * y[1] * 0.9) + (2 * y[2] * y[2] * 0.05) + (2 * y[3] * 2 * -0.3), da, 13);
    }

    [Fact]
    public void StatementInLoop_ExactValueOnEachPath()
    {
        double a = 0.5;
        double[] w = { 0.4, 0.3, -0.2, 0.6, 0.7 };
        (double value, double[] dw, double da) = Check.Gradient("StatementInLoop", w, a);

        // i = 0: case 0; i = 1: default (1 matches, but not i > 1), w > 0.1005 so scale and continue;
        // i = 2: case 2; i = 3: default, scale and continue; i = 4: case 0.
        double s = a + (0.16 * a) + 0.04;
        s *= 1.5;
        s += Math.Sin(-0.2 * s) - 0.02;
        s *= 1.5;
        s += (0.49 * a) + 0.07;
        Assert.Equal(Check.Primal("StatementInLoop", w, a), value, 15);
        Assert.Equal(s, value, 13);
        Assert.True(double.IsFinite(da) && dw.All(double.IsFinite));
    }

    [Fact]
    public void NotExhaustive_UnmatchedValue_ThrowsLikeThePrimal()
    {
        var w = new double[] { 0.5, 0.25, 1.0 };
        Exception primal = Assert.ThrowsAny<Exception>(() => Check.Primal("NotExhaustive", w, 0.5));
        Exception gradient = Assert.ThrowsAny<Exception>(() => Check.Gradient("NotExhaustive", w, 0.5));
        Assert.IsType<System.Runtime.CompilerServices.SwitchExpressionException>(Unwrap(primal));
        var thrown = Assert.IsType<System.Runtime.CompilerServices.SwitchExpressionException>(Unwrap(gradient));
        Assert.Equal(3, thrown.UnmatchedValue);
    }

    [Fact]
    public void ThrowOnSomePath_ThrowsWhereThePrimalThrows()
    {
        var w = new double[] { 0.5 };
        Assert.IsType<ArgumentOutOfRangeException>(Unwrap(Assert.ThrowsAny<Exception>(() => Check.Gradient("ThrowOnSomePath", w, 150))));
        Assert.DoesNotContain("!()", Generated("ThrowOnSomePath"), StringComparison.Ordinal);
    }

    [Fact]
    public void Generated_KeepsThePatternsAsWritten()
    {
        Assert.Contains("if (w[i] is > 0.2505 and < 0.7005 or < -0.6005)", Generated("PatternCondition"), StringComparison.Ordinal);
        Assert.Contains("if (v is >= -0.1005 and <= 0.1005)", Generated("ExpressionOnValue"), StringComparison.Ordinal);
        Assert.Contains("((i % 3) switch { 0 => 1, 1 => 3, _ => 5 })", Generated("InactiveExpression"), StringComparison.Ordinal);
        Assert.Contains("if ((i % 4 is 1 or 2) && i > 1)", Generated("StatementInLoop"), StringComparison.Ordinal);
        Assert.Contains("if (w is null)", Generated("NullPattern"), StringComparison.Ordinal);
        Assert.Contains("_s0 = global::System.Math.Abs(w[i]) * 2.0;", Generated("SwitchOnCall"), StringComparison.Ordinal);
        Assert.Contains("global::Switches.Subjects.Mode is null", Generated("NullPattern"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("StatementInLoop")]
    [InlineData("ExpressionOnValue")]
    [InlineData("EnumWithReturn")]
    public void Switch_SteadyState_AllocatesNothing(string method)
    {
        (double[] w, double a) = Point(0);
        long extra = Check.BytesFor4000Calls(method, w, a);
        Assert.True(extra < 64, $"{method}: {extra} bytes for 4000 extra calls");
    }

    private static Exception Unwrap(Exception e) => e is TargetInvocationException { InnerException: { } inner } ? inner : e;
}
