using System;
using Xunit;

namespace AutoDiffGen.Tests.CompileAndRun;

/// <summary>Small graphs whose adjoints are worked out by hand in every introduction to reverse mode.</summary>
public sealed class TextbookTests
{
    private const string Source = """
        using System;
        using AutoDiffGen;

        namespace Subjects;

        public static partial class Textbook
        {
            /// u3 = u1 + u2, u4 = u2 * u3.
            [Differentiable]
            public static double Graph(double u1, double u2)
            {
                double u3 = u1 + u2;
                double u4 = u2 * u3;
                return u4;
            }

            [Differentiable]
            public static double Quadratic(double x) { return x * x + 2 * x + 1; }

            [Differentiable]
            public static double MultiplyNode(double x, double y)
            {
                double z = x * y;
                return z;
            }

            [Differentiable]
            public static float QuadraticF(float x) { return x * x + 2 * x + 1; }

            [Differentiable]
            public static double RoundTrip(double x)
            {
                float f = (float)x;
                double d = f;
                return d * x;
            }

            [Differentiable]
            public static float Widen(float x)
            {
                double d = x;
                d = d * d;
                return (float)d * x;
            }
        }
        """;

    private static readonly Lazy<CompiledAssembly> Compiled = new(() => TestCompiler.Compile(Source, "TextbookTests"));

    private static DiffMethod Method(string name) => Compiled.Value.Diff("Subjects.Textbook", name);

    [Fact]
    public void Graph_At2And3_Gives3And8()
    {
        double value = Method("Graph").ValueAndGradient(new[] { 2.0, 3.0 }, out double[] gradient);
        Assert.Equal(15.0, value);
        Assert.Equal(new[] { 3.0, 8.0 }, gradient);
        GradientAssert.GradientIsExactly(Method("Graph"), new[] { 2.0, 3.0 }, 3, 8);
    }

    [Theory]
    [InlineData(2.0, 9.0, 6.0)]
    [InlineData(3.0, 16.0, 8.0)]
    [InlineData(-1.0, 0.0, 0.0)]
    public void Quadratic_AtPoint_GivesTwoXPlusTwo(double x, double value, double derivative)
    {
        GradientAssert.Exactly(value, Method("Quadratic").ValueAndGradient(new[] { x }, out _), "value");
        GradientAssert.GradientIsExactly(Method("Quadratic"), new[] { x }, derivative);
        GradientAssert.GradientIsExactly(Method("QuadraticF"), new[] { x }, derivative);
    }

    [Theory]
    [InlineData(3.0, -4.0, 1.0)]
    [InlineData(3.0, -4.0, 0.5)]
    [InlineData(1.25, 8.0, -2.0)]
    public void MultiplyNode_Pullback_PassesSeedTimesOtherFactor(double x, double y, double dout)
    {
        double[] pulled = Method("MultiplyNode").AddPullback(new[] { x, y }, dout, new[] { 0.0, 0.0 });
        Assert.Equal(dout * y, pulled[0]);
        Assert.Equal(dout * x, pulled[1]);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(1.7)]
    [InlineData(-3.3)]
    public void FloatRoundTrip_AtPoint_ConversionPassesGradientThrough(double x)
    {
        // f(x) = (double)(float)x * x; the conversion has derivative 1 (the adjoint of the float local is a float).
        _ = Method("RoundTrip").ValueAndGradient(new[] { x }, out double[] gradient);
        GradientAssert.Close((double)(float)x + x, gradient[0], 1e-7, "RoundTrip'(" + x + ")");
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(1.5)]
    [InlineData(-2.0)]
    public void FloatWiden_AtPoint_MatchesThreeXSquared(double x)
    {
        _ = Method("Widen").ValueAndGradient(new[] { x }, out double[] gradient);
        GradientAssert.Close(3 * x * x, gradient[0], 1e-6, "Widen'(" + x + ")");
    }
}
