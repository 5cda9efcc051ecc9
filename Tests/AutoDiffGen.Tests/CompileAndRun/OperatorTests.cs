using System;
using System.Linq;
using Xunit;

namespace AutoDiffGen.Tests.CompileAndRun;

/// <summary>Arithmetic operators, locals, constants, assignments, conversions and control flow.</summary>
public sealed class OperatorTests
{
    private const string Source = """
        using System;
        using AutoDiffGen;

        namespace Subjects;

        public static partial class Ops
        {
            private const double Scale = 2.5;

            [Differentiable]
            public static double Add(double x, double y) { return x + y; }

            [Differentiable]
            public static double Subtract(double x, double y) { return x - y; }

            [Differentiable]
            public static double Multiply(double x, double y) { return x * y; }

            [Differentiable]
            public static double Divide(double x, double y) { return x / y; }

            [Differentiable]
            public static double UnaryMinus(double x, double y) { return -(x * y) + -x; }

            [Differentiable]
            public static double SameOperandTwice(double x) { return x * x / x + x - x * 0.5; }

            [Differentiable]
            public static double Literals(double x) { return 3 * x + 0.5 * x * x - 1e-3 + 2f * x; }

            [Differentiable]
            public static double ClassConstant(double x) { return Scale * x * x; }

            // c * x * x: the derivative 2 c x, with 2 c folded by the compiler (no product c * x kept).
            [Differentiable]
            public static double ScaledSquares(double x, double y) { return 100 * x * x - 0.5 * y * y + -3.0 * x * x * y + Scale * y * y; }

            [Differentiable]
            public static double LocalConstant(double x)
            {
                const double k = 1.5;
                return k / x;
            }

            [Differentiable]
            public static double Locals(double x, double y)
            {
                double a = x * y;
                double b = a + x;
                return a * b;
            }

            [Differentiable]
            public static double Reassignment(double x, double y)
            {
                double a = x * y;
                a = a * x + y;
                a = Math.Sin(a);
                return a * y;
            }

            [Differentiable]
            public static double SelfReassignment(double x)
            {
                double a = x;
                a = a * a;
                a = a * a;
                return a;
            }

            [Differentiable]
            public static double ParameterReassignment(double x, double y)
            {
                x = x * y;
                y = x + y;
                return x * y;
            }

            [Differentiable]
            public static double AddAssign(double x, double y)
            {
                double a = x;
                a += x * y;
                a += 2;
                return a * y;
            }

            [Differentiable]
            public static double SubtractAssign(double x, double y)
            {
                double a = y;
                a -= x * x;
                return a * a;
            }

            [Differentiable]
            public static double MultiplyAssign(double x, double y)
            {
                double a = x;
                a *= y;
                a *= a;
                return a;
            }

            [Differentiable]
            public static double DivideAssign(double x, double y)
            {
                double a = x;
                a /= y;
                a /= 1 + x * x;
                return a;
            }

            [Differentiable]
            public static double Increment(double x, double y)
            {
                double a = x;
                a++;
                a *= x;
                ++a;
                return a * y;
            }

            [Differentiable]
            public static double Decrement(double x, double y)
            {
                double a = x * y;
                a--;
                --a;
                return a * a;
            }

            [Differentiable]
            public static double IntToDouble(double x, int n)
            {
                double k = n;
                int m = 3;
                double c = m;
                return k * x * x + c * x + n;
            }

            [Differentiable]
            public static double IfElse(double x)
            {
                double y;
                if (x > 0)
                {
                    y = x * x;
                }
                else
                {
                    y = -3 * x;
                }

                return y;
            }

            [Differentiable]
            public static double IfWithoutElse(double x, double y)
            {
                double a = x * y;
                if (x > y)
                {
                    a = a * x;
                }

                return a + y;
            }

            [Differentiable]
            public static double NestedIf(double x)
            {
                double r = x;
                if (x > 0)
                {
                    if (x > 2)
                    {
                        r = Math.Log(x) * r;
                    }
                    else
                    {
                        r = x * r;
                    }
                }
                else
                {
                    r = Math.Exp(x) + r;
                }

                return r;
            }

            [Differentiable]
            public static double Ternary(double x) { return x > 1 ? Math.Sin(x) * x : x * x * x; }

            [Differentiable]
            public static double TernaryInExpression(double x, double y)
            {
                double a = (x < y ? x : y) * 2 + (x > 0 ? y : -y);
                return a * x;
            }

            [Differentiable]
            public static double EarlyReturn(double x)
            {
                if (x < 0)
                {
                    return x * x;
                }

                if (x > 2)
                    return Math.Exp(x);

                double z = 3 * x;
                return z * z;
            }

            [Differentiable]
            public static double EarlyReturnInElse(double x, double y)
            {
                double a = x * y;
                if (a > 1)
                {
                    a = a * a;
                }
                else
                {
                    return a + y;
                }

                return a * x;
            }

            [Differentiable]
            public static double AndCondition(double x, double y)
            {
                if (x > 0 && y > 0)
                {
                    return x * y;
                }

                return x + y;
            }

            [Differentiable]
            public static double OrCondition(double x, double y)
            {
                if (x > 1 || y < 0)
                {
                    return x * x * y;
                }

                return x - y;
            }

            [Differentiable]
            public static double NotCondition(double x)
            {
                if (!(x > 1))
                {
                    return Math.Sin(x);
                }

                return x * x;
            }

            [Differentiable]
            public static double CombinedCondition(double x, double y)
            {
                if ((x > 0 && !(y > 2)) || x < -3)
                {
                    return x * y * y;
                }
                else
                {
                    return y / x;
                }
            }
        }
        """;

    private static readonly Lazy<CompiledAssembly> Compiled = new(() => TestCompiler.Compile(Source, "OperatorTests"));

    public static TheoryData<string, double[]> Cases() => new()
    {
        { "Add", new[] { 1.5, -2.0 } }, { "Add", new[] { 0.0, 3.0 } }, { "Add", new[] { -7.25, 0.5 } },
        { "Subtract", new[] { 1.5, -2.0 } }, { "Subtract", new[] { 0.0, 3.0 } }, { "Subtract", new[] { -7.25, 0.5 } },
        { "Multiply", new[] { 1.5, -2.0 } }, { "Multiply", new[] { 0.0, 3.0 } }, { "Multiply", new[] { -7.25, 0.5 } },
        { "Divide", new[] { 1.5, -2.0 } }, { "Divide", new[] { 0.0, 3.0 } }, { "Divide", new[] { -7.25, 0.5 } },
        { "UnaryMinus", new[] { 1.5, -2.0 } }, { "UnaryMinus", new[] { 0.0, 3.0 } }, { "UnaryMinus", new[] { -7.25, 0.5 } },
        { "SameOperandTwice", new[] { 1.5 } }, { "SameOperandTwice", new[] { -0.5 } }, { "SameOperandTwice", new[] { 4.0 } },
        { "Literals", new[] { 1.5 } }, { "Literals", new[] { -0.5 } }, { "Literals", new[] { 4.0 } },
        { "ClassConstant", new[] { 1.5 } }, { "ClassConstant", new[] { -0.5 } }, { "ClassConstant", new[] { 4.0 } },
        { "ScaledSquares", new[] { 1.5, -2.0 } }, { "ScaledSquares", new[] { 0.0, 3.0 } }, { "ScaledSquares", new[] { -7.25, 0.5 } },
        { "LocalConstant", new[] { 1.5 } }, { "LocalConstant", new[] { -0.5 } }, { "LocalConstant", new[] { 4.0 } },
        { "Locals", new[] { 1.5, -2.0 } }, { "Locals", new[] { 0.2, 3.0 } }, { "Locals", new[] { -1.25, 0.5 } },
        { "Reassignment", new[] { 1.5, -2.0 } }, { "Reassignment", new[] { 0.2, 3.0 } }, { "Reassignment", new[] { -1.25, 0.5 } },
        { "SelfReassignment", new[] { 1.5 } }, { "SelfReassignment", new[] { -0.5 } }, { "SelfReassignment", new[] { 2.0 } },
        { "ParameterReassignment", new[] { 1.5, -2.0 } }, { "ParameterReassignment", new[] { 0.2, 3.0 } }, { "ParameterReassignment", new[] { -1.25, 0.5 } },
        { "AddAssign", new[] { 1.5, -2.0 } }, { "AddAssign", new[] { 0.2, 3.0 } }, { "AddAssign", new[] { -1.25, 0.5 } },
        { "SubtractAssign", new[] { 1.5, -2.0 } }, { "SubtractAssign", new[] { 0.2, 3.0 } }, { "SubtractAssign", new[] { -1.25, 0.5 } },
        { "MultiplyAssign", new[] { 1.5, -2.0 } }, { "MultiplyAssign", new[] { 0.2, 3.0 } }, { "MultiplyAssign", new[] { -1.25, 0.5 } },
        { "DivideAssign", new[] { 1.5, -2.0 } }, { "DivideAssign", new[] { 0.2, 3.0 } }, { "DivideAssign", new[] { -1.25, 0.5 } },
        { "Increment", new[] { 1.5, -2.0 } }, { "Increment", new[] { 0.2, 3.0 } }, { "Increment", new[] { -1.25, 0.5 } },
        { "Decrement", new[] { 1.5, -2.0 } }, { "Decrement", new[] { 0.2, 3.0 } }, { "Decrement", new[] { -1.25, 0.5 } },
        { "IntToDouble", new[] { 1.5, 2 } }, { "IntToDouble", new[] { -0.5, -3 } }, { "IntToDouble", new[] { 4.0, 0 } },
        { "IfElse", new[] { -1.5 } }, { "IfElse", new[] { 0.7 } }, { "IfElse", new[] { 2.0 } },
        { "IfWithoutElse", new[] { 1.5, -2.0 } }, { "IfWithoutElse", new[] { 0.2, 3.0 } }, { "IfWithoutElse", new[] { -1.25, 0.5 } },
        { "NestedIf", new[] { -1.5 } }, { "NestedIf", new[] { 0.7 } }, { "NestedIf", new[] { 3.0 } },
        { "Ternary", new[] { -1.5 } }, { "Ternary", new[] { 0.7 } }, { "Ternary", new[] { 3.0 } },
        { "TernaryInExpression", new[] { 1.5, -2.0 } }, { "TernaryInExpression", new[] { 0.2, 3.0 } }, { "TernaryInExpression", new[] { -1.25, 0.5 } },
        { "EarlyReturn", new[] { -1.5 } }, { "EarlyReturn", new[] { 0.7 } }, { "EarlyReturn", new[] { 3.0 } },
        { "EarlyReturnInElse", new[] { 1.5, 2.0 } }, { "EarlyReturnInElse", new[] { 0.2, 3.0 } }, { "EarlyReturnInElse", new[] { -1.25, 0.5 } },
        { "AndCondition", new[] { 1.5, 2.0 } }, { "AndCondition", new[] { 0.2, -3.0 } }, { "AndCondition", new[] { -1.25, 0.5 } },
        { "OrCondition", new[] { 1.5, 2.0 } }, { "OrCondition", new[] { 0.2, -3.0 } }, { "OrCondition", new[] { -1.25, 0.5 } },
        { "NotCondition", new[] { -1.5 } }, { "NotCondition", new[] { 0.7 } }, { "NotCondition", new[] { 3.0 } },
        { "CombinedCondition", new[] { 1.5, 2.5 } }, { "CombinedCondition", new[] { 0.2, -3.0 } }, { "CombinedCondition", new[] { -4.0, 0.5 } },
        { "CombinedCondition", new[] { -1.25, 0.5 } },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Construct_AtPoint_GradientAndPullbackMatchFiniteDifferences(string method, double[] point)
        => GradientAssert.MatchesFiniteDifferences(Compiled.Value.Diff("Subjects.Ops", method), point);

    [Fact]
    public void ScaledSquares_Generated_UseTwiceTheConstantAndMatchExactGradient()
    {
        // f = 100 x^2 - 0.5 y^2 - 3 x^2 y + 2.5 y^2: df/dx = 200 x - 6 x y, df/dy = -y - 3 x^2 + 5 y.
        double x = 1.25, y = -0.75;
        _ = Compiled.Value.Diff("Subjects.Ops", "ScaledSquares").ValueAndGradient(new[] { x, y }, out double[] gradient);
        Assert.Equal((200 * x) - (6 * x * y), gradient[0], 12);
        Assert.Equal(-y - (3 * x * x) + (5 * y), gradient[1], 12);

        string generated = Compiled.Value.GeneratedSources.Single(kv => kv.Key.Contains(".ScaledSquares_", StringComparison.Ordinal)).Value;
        Assert.Contains("* (2 * 100.0) * x", generated, StringComparison.Ordinal);
        Assert.Contains("* (2 * 0.5) * y", generated, StringComparison.Ordinal);
        Assert.Contains("* (2 * 2.5) * y", generated, StringComparison.Ordinal);
        Assert.Contains("* (2 * -3.0) * x", generated, StringComparison.Ordinal);

        // Only -3 x^2 is kept (y's derivative needs it); 100 x, 0.5 y and 2.5 y are never computed on their own.
        Assert.Matches(@"_t0 = -3\.0 \* x \* x;", generated);
        Assert.DoesNotContain("_t1", generated, StringComparison.Ordinal);
    }

    [Fact]
    public void IntToDouble_IntParameter_GetsNoGradientParameter()
    {
        DiffMethod method = Compiled.Value.Diff("Subjects.Ops", "IntToDouble");
        Assert.Equal(3, method.Gradient.GetParameters().Length);
        Assert.Equal(4, method.Pullback.GetParameters().Length);
    }
}
