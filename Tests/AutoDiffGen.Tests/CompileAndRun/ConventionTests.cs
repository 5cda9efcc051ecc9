using System;
using Xunit;

namespace AutoDiffGen.Tests.CompileAndRun;

/// <summary>
/// The documented derivatives at non-smooth points, checked exactly, and NaN/infinity propagation.
/// </summary>
public sealed class ConventionTests
{
    private const string Source = """
        using System;
        using AutoDiffGen;

        namespace Subjects;

        public static partial class Kinks
        {
            [Differentiable]
            public static double Abs(double x) { return Math.Abs(x); }

            [Differentiable]
            public static double Max(double x, double y) { return Math.Max(x, y); }

            [Differentiable]
            public static double Min(double x, double y) { return Math.Min(x, y); }

            [Differentiable]
            public static double Sqrt(double x) { return Math.Sqrt(x); }

            [Differentiable]
            public static double Cbrt(double x) { return Math.Cbrt(x); }

            [Differentiable]
            public static double Pow(double x, double p) { return Math.Pow(x, p); }

            [Differentiable]
            public static double PowZero(double x) { return Math.Pow(x, 0); }

            [Differentiable]
            public static double Atan2(double y, double x) { return Math.Atan2(y, x); }

            [Differentiable]
            public static double Clamp(double x, double lo, double hi) { return Math.Clamp(x, lo, hi); }

            [Differentiable]
            public static double Floor(double x) { return Math.Floor(x); }

            [Differentiable]
            public static double Sin(double x) { return Math.Sin(x); }

            [Differentiable]
            public static double Exp(double x) { return Math.Exp(x); }

            [Differentiable]
            public static double Log(double x) { return Math.Log(x); }

            [Differentiable]
            public static double Tanh(double x) { return Math.Tanh(x); }

            [Differentiable]
            public static double Atan(double x) { return Math.Atan(x); }

            [Differentiable]
            public static double Multiply(double x, double y) { return x * y; }

            [Differentiable]
            public static float AbsF(float x) { return MathF.Abs(x); }

            [Differentiable]
            public static float MaxF(float x, float y) { return MathF.Max(x, y); }

            [Differentiable]
            public static float SqrtF(float x) { return MathF.Sqrt(x); }

            [Differentiable]
            public static float ClampF(float x, float lo, float hi) { return Math.Clamp(x, lo, hi); }
        }
        """;

    // Hypot exists only as double.Hypot/float.Hypot: compiled on its own so that the static forms do not hold up the rest.
    private const string HypotSource = """
        using AutoDiffGen;

        namespace Subjects;

        public static partial class Kinks
        {
            [Differentiable]
            public static double Hypot(double x, double y) { return double.Hypot(x, y); }

            [Differentiable]
            public static float HypotF(float x, float y) { return float.Hypot(x, y); }
        }
        """;

    private static readonly Lazy<CompiledAssembly> Compiled = new(() => TestCompiler.Compile(Source, "ConventionTests"));

    private static readonly Lazy<CompiledAssembly> HypotCompiled = new(() => TestCompiler.Compile(HypotSource, "ConventionTests.Hypot"));

    private static DiffMethod Method(string name)
        => name.StartsWith("Hypot", StringComparison.Ordinal)
            ? HypotCompiled.Value.Diff("Subjects.Kinks", name)
            : Compiled.Value.Diff("Subjects.Kinks", name);

    [Fact]
    public void Abs_AtZero_GradientIsZero()
    {
        GradientAssert.GradientIsExactly(Method("Abs"), new[] { 0.0 }, 0);
        GradientAssert.GradientIsExactly(Method("Abs"), new[] { -0.0 }, 0);
    }

    [Fact]
    public void Abs_AwayFromZero_GradientIsSign()
    {
        GradientAssert.GradientIsExactly(Method("Abs"), new[] { -2.0 }, -1);
        GradientAssert.GradientIsExactly(Method("Abs"), new[] { 3.0 }, 1);
    }

    [Theory]
    [InlineData("Max")]
    [InlineData("Min")]
    public void MaxMin_Tie_GiveHalfToEachArgument(string name)
    {
        GradientAssert.GradientIsExactly(Method(name), new[] { 1.5, 1.5 }, 0.5, 0.5);
        GradientAssert.GradientIsExactly(Method(name), new[] { 0.0, 0.0 }, 0.5, 0.5);
    }

    [Fact]
    public void MaxMin_NoTie_WholeGradientToSelectedArgument()
    {
        GradientAssert.GradientIsExactly(Method("Max"), new[] { 2.0, 1.0 }, 1, 0);
        GradientAssert.GradientIsExactly(Method("Max"), new[] { 1.0, 2.0 }, 0, 1);
        GradientAssert.GradientIsExactly(Method("Min"), new[] { 2.0, 1.0 }, 0, 1);
        GradientAssert.GradientIsExactly(Method("Min"), new[] { 1.0, 2.0 }, 1, 0);
    }

    [Fact]
    public void Sqrt_AtZero_GradientIsPositiveInfinity()
        => GradientAssert.GradientIsExactly(Method("Sqrt"), new[] { 0.0 }, double.PositiveInfinity);

    [Fact]
    public void Cbrt_AtZero_GradientIsPositiveInfinity()
        => GradientAssert.GradientIsExactly(Method("Cbrt"), new[] { 0.0 }, double.PositiveInfinity);

    [Theory]
    [InlineData(2.0)]
    [InlineData(3.0)]
    [InlineData(0.5)]
    public void Pow_BaseZero_ExponentGradientIsZero(double p)
    {
        _ = Method("Pow").ValueAndGradient(new[] { 0.0, p }, out double[] gradient);
        GradientAssert.Exactly(0, gradient[1], "d/dp Pow(0, " + p + ")");
    }

    [Fact]
    public void Pow_BaseZeroExponentTwo_BothGradientsZero()
        => GradientAssert.GradientIsExactly(Method("Pow"), new[] { 0.0, 2.0 }, 0, 0);

    [Theory]
    [InlineData(0.0)]
    [InlineData(2.0)]
    [InlineData(-1.5)]
    public void Pow_ExponentZero_BaseGradientIsZero(double x)
    {
        GradientAssert.GradientIsExactly(Method("PowZero"), new[] { x }, 0);
        _ = Method("Pow").ValueAndGradient(new[] { x, 0.0 }, out double[] gradient);
        GradientAssert.Exactly(0, gradient[0], "d/dx Pow(" + x + ", 0)");
    }

    [Fact]
    public void Pow_BaseAndExponentZero_BothGradientsZero()
        => GradientAssert.GradientIsExactly(Method("Pow"), new[] { 0.0, 0.0 }, 0, 0);

    [Fact]
    public void Hypot_AtOrigin_GradientIsZero()
    {
        GradientAssert.GradientIsExactly(Method("Hypot"), new[] { 0.0, 0.0 }, 0, 0);
        GradientAssert.GradientIsExactly(Method("HypotF"), new[] { 0.0, 0.0 }, 0, 0);
    }

    [Fact]
    public void Atan2_AtOrigin_GradientIsZero()
        => GradientAssert.GradientIsExactly(Method("Atan2"), new[] { 0.0, 0.0 }, 0, 0);

    [Theory]
    [InlineData(0.5, 0.0, 1.0, 1, 0, 0)]
    [InlineData(0.0, 0.0, 1.0, 1, 0, 0)]
    [InlineData(1.0, 0.0, 1.0, 1, 0, 0)]
    [InlineData(-1.0, 0.0, 1.0, 0, 1, 0)]
    [InlineData(2.0, 0.0, 1.0, 0, 0, 1)]
    [InlineData(0.5, 0.5, 0.5, 1, 0, 0)]
    public void Clamp_AtPoint_GradientGoesToSelectedArgument(double x, double lo, double hi, double dx, double dlo, double dhi)
    {
        GradientAssert.GradientIsExactly(Method("Clamp"), new[] { x, lo, hi }, dx, dlo, dhi);
        GradientAssert.GradientIsExactly(Method("ClampF"), new[] { x, lo, hi }, dx, dlo, dhi);
    }

    [Theory]
    [InlineData(1.5)]
    [InlineData(2.0)]
    [InlineData(-0.5)]
    public void Floor_AnyPoint_GradientIsZero(double x)
        => GradientAssert.GradientIsExactly(Method("Floor"), new[] { x }, 0);

    [Fact]
    public void FloatConventions_AtKinks_MatchDouble()
    {
        GradientAssert.GradientIsExactly(Method("AbsF"), new[] { 0.0 }, 0);
        GradientAssert.GradientIsExactly(Method("MaxF"), new[] { 1.5, 1.5 }, 0.5, 0.5);
        GradientAssert.GradientIsExactly(Method("SqrtF"), new[] { 0.0 }, double.PositiveInfinity);
    }

    [Theory]
    [InlineData("Sin")]
    [InlineData("Exp")]
    [InlineData("Log")]
    [InlineData("Sqrt")]
    [InlineData("Abs")]
    [InlineData("Tanh")]
    [InlineData("Atan")]
    [InlineData("Floor")]
    public void UnaryFunction_NaNInput_ValueAndGradientAreNaN(string name)
    {
        double value = Method(name).ValueAndGradient(new[] { double.NaN }, out double[] gradient);
        Assert.True(double.IsNaN(value), name + "(NaN) value " + value);
        if (name != "Floor")
        {
            Assert.True(double.IsNaN(gradient[0]), name + "'(NaN) = " + gradient[0]);
        }

        double[] pulled = Method(name).AddPullback(new[] { double.NaN }, GradientAssert.Seed, new[] { 1.0 });
        if (name != "Floor")
        {
            Assert.True(double.IsNaN(pulled[0]), name + " Pullback at NaN = " + pulled[0]);
        }
    }

    [Theory]
    [InlineData("Max", double.NaN, 1.0)]
    [InlineData("Max", 1.0, double.NaN)]
    [InlineData("Min", double.NaN, 1.0)]
    [InlineData("Min", 1.0, double.NaN)]
    [InlineData("Hypot", double.NaN, 1.0)]
    [InlineData("Atan2", double.NaN, 1.0)]
    [InlineData("Pow", double.NaN, 2.0)]
    public void BinaryFunction_NaNInput_GradientsAreNaN(string name, double a, double b)
    {
        double value = Method(name).ValueAndGradient(new[] { a, b }, out double[] gradient);
        Assert.True(double.IsNaN(value), name + " value " + value);
        Assert.True(double.IsNaN(gradient[0]) && double.IsNaN(gradient[1]), name + " gradient " + GradientAssert.Format(gradient));
    }

    [Fact]
    public void Clamp_NaNValue_ValueGradientIsNaN()
    {
        double value = Method("Clamp").ValueAndGradient(new[] { double.NaN, 0.0, 1.0 }, out double[] gradient);
        Assert.True(double.IsNaN(value));
        Assert.True(double.IsNaN(gradient[0]), "d/dx Clamp(NaN, 0, 1) = " + gradient[0]);
    }

    [Fact]
    public void Multiply_NaNFactor_OtherGradientIsNaN()
        => GradientAssert.GradientIsExactly(Method("Multiply"), new[] { double.NaN, 2.0 }, 2.0, double.NaN);

    [Theory]
    [InlineData("Exp", double.PositiveInfinity, double.PositiveInfinity, double.PositiveInfinity)]
    [InlineData("Exp", double.NegativeInfinity, 0.0, 0.0)]
    [InlineData("Log", 0.0, double.NegativeInfinity, double.PositiveInfinity)]
    [InlineData("Log", double.PositiveInfinity, double.PositiveInfinity, 0.0)]
    [InlineData("Tanh", double.PositiveInfinity, 1.0, 0.0)]
    [InlineData("Tanh", double.NegativeInfinity, -1.0, 0.0)]
    [InlineData("Atan", double.PositiveInfinity, Math.PI / 2, 0.0)]
    [InlineData("Sqrt", double.PositiveInfinity, double.PositiveInfinity, 0.0)]
    [InlineData("Abs", double.NegativeInfinity, double.PositiveInfinity, -1.0)]
    public void UnaryFunction_InfiniteOrPoleInput_ValueAndGradientAreLimits(string name, double x, double value, double derivative)
    {
        DiffMethod method = Method(name);
        GradientAssert.Exactly(value, method.ValueAndGradient(new[] { x }, out _), name + "(" + x + ")");
        GradientAssert.GradientIsExactly(method, new[] { x }, derivative);
    }

    [Fact]
    public void Sin_InfiniteInput_GradientIsNaN()
        => GradientAssert.GradientIsExactly(Method("Sin"), new[] { double.PositiveInfinity }, double.NaN);
}
