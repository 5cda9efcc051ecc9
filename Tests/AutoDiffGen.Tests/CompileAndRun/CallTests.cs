using System;
using System.Linq;
using System.Reflection;
using Xunit;

namespace AutoDiffGen.Tests.CompileAndRun;

/// <summary>
/// Calls between differentiable methods and to registered pullbacks, [NoDiff], instance members, nested types and
/// user names that look like generated ones.
/// </summary>
public sealed class CallTests
{
    private const string Source = """
        using System;
        using AutoDiffGen;

        namespace Subjects;

        public static partial class Calls
        {
            [Differentiable]
            public static double Inner(double x, double y)
            {
                return x * Math.Sin(y);
            }

            [Differentiable]
            public static double CallsStatic(double x)
            {
                return Inner(x * x, x) + x;
            }

            [Differentiable]
            public static double CallsTwice(double x, double y)
            {
                double a = Inner(x, y);
                double b = Inner(a, x);
                return a * b;
            }

            [Differentiable]
            public static double ChainA(double x, double y) { return ChainB(x * y, y) + x; }

            [Differentiable]
            public static double ChainB(double u, double v) { return Math.Exp(ChainC(u) * v); }

            [Differentiable]
            public static double ChainC(double w) { return Math.Sin(w) * w; }

            /// Recursion through a helper: Ping calls Pong, which calls Ping with a smaller n.
            [Differentiable]
            public static double Ping(double x, int n)
            {
                if (n <= 0)
                {
                    return x;
                }

                return Pong(x * 1.1, n - 1) * x;
            }

            [Differentiable]
            public static double Pong(double x, int n)
            {
                return Math.Sin(Ping(x, n)) + x;
            }

            [Differentiable]
            public static double Power(double x, int n)
            {
                if (n == 0)
                {
                    return 1;
                }

                return x * Power(x, n - 1);
            }

            /// Not [Differentiable]: the registered pullback below is its only derivative.
            public static double Softplus(double x)
            {
                double s = 0;
                for (int i = 0; i < 1; i++)
                {
                    s += Math.Log(1 + Math.Exp(x));
                }

                return s;
            }

            [DerivativeOf(nameof(Softplus))]
            public static void SoftplusDerivative(double x, double seed, ref double dx)
            {
                dx += seed / (1 + Math.Exp(-x));
            }

            [Differentiable]
            public static double UsesSameTypePullback(double x, double y)
            {
                return Softplus(x * y) + y;
            }

            [Differentiable]
            public static double UsesPullbackOfOtherTypeInThatType(double x)
            {
                return Geometry.Gauss(x, 0.5) * x;
            }

            [Differentiable]
            public static double WithNoDiff(double x, [NoDiff] double s, int n, double y)
            {
                return s * x * y + n * x;
            }

            [Differentiable]
            public static double CallsWithNoDiffArgument(double x, double y)
            {
                return WithNoDiff(x, 1.5, 2, x * y); // an active value for the [NoDiff] s would be ADG0020
            }

            [Differentiable]
            public static double Names(double seed, double dx, double _t0, double _d_x)
            {
                double _result = seed * dx;
                double _d_result = _t0 * _d_x + _result;
                double x = _d_result * seed;
                double _r0 = Math.Sin(x);
                double _v0 = _r0 > 0 ? _r0 : -_r0;
                bool _c0 = seed > 0;
                return _c0 ? _v0 * _t0 : _v0 - _d_x;
            }

            [Differentiable]
            public static double CallsNames(double x, double seed)
            {
                return Names(x, seed, x * seed, 2 * x);
            }

            public static partial class Nested
            {
                [Differentiable]
                public static double Inside(double x, double y) { return Math.Tanh(x * y) + x; }

                public static partial class Deeper
                {
                    [Differentiable]
                    internal static double Deepest(double x) { return Inside(x, 2) * x; }
                }
            }
        }

        public static class Geometry
        {
            public static double Cube(double x) => x * x * x;

            public static double Gauss(double x, double width)
            {
                double r = 0;
                for (int i = 0; i < 1; i++)
                {
                    r = Math.Exp(-x * x / (width * width));
                }

                return r;
            }

            [DerivativeOf(nameof(Gauss))]
            public static void GaussPullback(double x, double width, double seed, ref double dx, ref double dwidth)
            {
                double g = Math.Exp(-x * x / (width * width));
                dx += seed * g * (-2 * x / (width * width));
                dwidth += seed * g * (2 * x * x / (width * width * width));
            }
        }

        public partial class Model
        {
            public double Scale = 2;
            private readonly double _bias = -0.75;

            public double Offset { get; set; } = 0.5;

            public static double Shared { get; } = 3;

            [Differentiable]
            public double Predict(double x, double w)
            {
                return Scale * w * x + Offset + _bias + Shared * x;
            }

            [Differentiable]
            public double Loss(double x, double w)
            {
                double e = Predict(x, w) - Offset;
                return e * e + this.Predict(w, x);
            }

            [Differentiable]
            public double UsesStatic(double x)
            {
                return Calls.Inner(x, Scale) * Offset;
            }
        }

        public partial struct Point
        {
            public double Weight;

            [Differentiable]
            public readonly double Energy(double x, double y)
            {
                return Weight * (x * x + y * y);
            }
        }
        """;

    // A pullback that lives in a third type, registered with [DerivativeOf(typeof(T), nameof(T.M))]; compiled on its
    // own so that a failure here does not hide the other call tests.
    private const string OtherTypeSource = """
        using AutoDiffGen;

        namespace Subjects;

        public static partial class Calls
        {
            [Differentiable]
            public static double UsesOtherTypePullback(double x, double y)
            {
                return Geometry.Cube(x - y) * y;
            }
        }

        public static class Geometry
        {
            public static double Cube(double x)
            {
                double c = 1;
                for (int i = 0; i < 3; i++)
                {
                    c *= x;
                }

                return c;
            }
        }

        public static class GeometryDerivatives
        {
            [DerivativeOf(typeof(Geometry), nameof(Geometry.Cube))]
            public static void CubeDerivative(double x, double seed, ref double dx)
            {
                dx += seed * 3 * x * x;
            }
        }
        """;

    // Pullbacks registered with ReceivesResult = true get the callee's result from the forward sweep: in straight
    // code, in a loop (one value per iteration on the tape) and in a fused loop (a local). The pullbacks use only the
    // result, so a wrong or missing value gives a wrong gradient.
    private const string ResultSource = """
        using System;
        using AutoDiffGen;

        namespace Results;

        public static class Smooth
        {
            public static int Calls;

            public static double Sigmoid(double x)
            {
                Calls++;
                return 1 / (1 + Math.Exp(-x));
            }

            [DerivativeOf(nameof(Sigmoid), ReceivesResult = true)]
            public static void SigmoidPullback(double x, double result, double seed, ref double dx)
            {
                dx += seed * result * (1 - result);
            }

            public static float Sigmoid(float x)
            {
                Calls++;
                return 1 / (1 + MathF.Exp(-x));
            }

            [DerivativeOf(nameof(Sigmoid), ReceivesResult = true)]
            public static void SigmoidPullback(float x, float result, float seed, ref float dx)
            {
                dx += seed * result * (1 - result);
            }

            public static double Scaled(ReadOnlySpan<double> v, double a)
            {
                Calls++;
                double s = 0;
                foreach (double e in v)
                {
                    s += Math.Exp(a * e);
                }

                return s;
            }

            [DerivativeOf(nameof(Scaled), ReceivesResult = true)]
            public static void ScaledPullback(ReadOnlySpan<double> v, double a, double result, double seed, Span<double> dv, ref double da)
            {
                for (int i = 0; i < v.Length; i++)
                {
                    double t = Math.Exp(a * v[i]);
                    dv[i] += seed * a * t;
                    da += seed * v[i] * t;
                }
            }
        }

        public static partial class Subjects
        {
            [Differentiable]
            public static double Straight(double x, double y)
            {
                return Smooth.Sigmoid(x * y) * y + Smooth.Sigmoid(Smooth.Sigmoid(y));
            }

            [Differentiable]
            public static float Single(float x, float y)
            {
                return Smooth.Sigmoid(x * y) * y;
            }

            [Differentiable]
            public static double Chained(double x, double y)
            {
                double h = x;
                for (int i = 0; i < 4; i++)
                {
                    h = Smooth.Sigmoid(h * y + i);
                }

                return h;
            }

            [Differentiable]
            public static double Fused(double[] w, double x)
            {
                double s = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    s += Smooth.Sigmoid(w[i] * x) * w[i];
                }

                return s * 0.5;
            }

            [Differentiable]
            public static double Spans(double[] w, double a)
            {
                return Smooth.Scaled(w, a) + Smooth.Scaled(w, a * a);
            }
        }
        """;

    private static readonly Lazy<CompiledAssembly> Compiled = new(() => TestCompiler.Compile(Source, "CallTests"));

    private static readonly ArrayMethodCheck Results = new(ResultSource, ["Fused", "Spans"], "Results", "CallTests.Results");

    private static readonly Lazy<CompiledAssembly> OtherType = new(() => TestCompiler.Compile(OtherTypeSource, "CallTests.OtherType"));

    private static DiffMethod Calls(string name) => Compiled.Value.Diff("Subjects.Calls", name);

    public static TheoryData<string, string, double[]> Cases() => new()
    {
        { "Subjects.Calls", "CallsStatic", new[] { 0.7 } },
        { "Subjects.Calls", "CallsStatic", new[] { -1.3 } },
        { "Subjects.Calls", "CallsStatic", new[] { 2.1 } },
        { "Subjects.Calls", "CallsTwice", new[] { 0.7, 1.2 } },
        { "Subjects.Calls", "CallsTwice", new[] { -1.3, 0.4 } },
        { "Subjects.Calls", "CallsTwice", new[] { 2.1, -2.5 } },
        { "Subjects.Calls", "ChainA", new[] { 0.7, 1.2 } },
        { "Subjects.Calls", "ChainA", new[] { -1.3, 0.4 } },
        { "Subjects.Calls", "ChainA", new[] { 0.3, -0.5 } },
        { "Subjects.Calls", "Ping", new[] { 0.7, 0 } },
        { "Subjects.Calls", "Ping", new[] { 0.7, 3 } },
        { "Subjects.Calls", "Ping", new[] { -1.3, 4 } },
        { "Subjects.Calls", "Ping", new[] { 1.9, 5 } },
        { "Subjects.Calls", "Power", new[] { 0.7, 3 } },
        { "Subjects.Calls", "Power", new[] { -1.3, 4 } },
        { "Subjects.Calls", "Power", new[] { 1.9, 0 } },
        { "Subjects.Calls", "UsesSameTypePullback", new[] { 0.7, 1.2 } },
        { "Subjects.Calls", "UsesSameTypePullback", new[] { -1.3, 0.4 } },
        { "Subjects.Calls", "UsesSameTypePullback", new[] { 2.1, -2.5 } },
        { "Subjects.Calls", "UsesPullbackOfOtherTypeInThatType", new[] { 0.7 } },
        { "Subjects.Calls", "UsesPullbackOfOtherTypeInThatType", new[] { -0.3 } },
        { "Subjects.Calls", "UsesPullbackOfOtherTypeInThatType", new[] { 1.1 } },
        { "Subjects.Calls", "WithNoDiff", new[] { 0.7, 1.5, 3, 1.2 } },
        { "Subjects.Calls", "WithNoDiff", new[] { -1.3, -2, 0, 0.4 } },
        { "Subjects.Calls", "WithNoDiff", new[] { 2.1, 0.25, -1, -2.5 } },
        { "Subjects.Calls", "Names", new[] { 0.7, 1.2, -0.4, 0.9 } },
        { "Subjects.Calls", "Names", new[] { -1.3, 0.4, 2.0, -0.6 } },
        { "Subjects.Calls", "Names", new[] { 2.1, -2.5, 0.3, 1.7 } },
        { "Subjects.Calls", "CallsNames", new[] { 0.7, 1.2 } },
        { "Subjects.Calls", "CallsNames", new[] { -1.3, 0.4 } },
        { "Subjects.Calls", "CallsNames", new[] { 2.1, -2.5 } },
        { "Subjects.Calls+Nested", "Inside", new[] { 0.7, 1.2 } },
        { "Subjects.Calls+Nested", "Inside", new[] { -1.3, 0.4 } },
        { "Subjects.Calls+Nested", "Inside", new[] { 2.1, -2.5 } },
        { "Subjects.Calls+Nested+Deeper", "Deepest", new[] { 0.7 } },
        { "Subjects.Calls+Nested+Deeper", "Deepest", new[] { -1.3 } },
        { "Subjects.Calls+Nested+Deeper", "Deepest", new[] { 0.2 } },
        { "Subjects.Model", "Predict", new[] { 0.7, 1.2 } },
        { "Subjects.Model", "Predict", new[] { -1.3, 0.4 } },
        { "Subjects.Model", "Predict", new[] { 2.1, -2.5 } },
        { "Subjects.Model", "Loss", new[] { 0.7, 1.2 } },
        { "Subjects.Model", "Loss", new[] { -1.3, 0.4 } },
        { "Subjects.Model", "Loss", new[] { 2.1, -2.5 } },
        { "Subjects.Model", "UsesStatic", new[] { 0.7 } },
        { "Subjects.Model", "UsesStatic", new[] { -1.3 } },
        { "Subjects.Model", "UsesStatic", new[] { 2.1 } },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Call_AtPoint_GradientAndPullbackMatchFiniteDifferences(string type, string method, double[] point)
        => GradientAssert.MatchesFiniteDifferences(Compiled.Value.Diff(type, method), point);

    [Theory]
    [InlineData(0.7, 1.2)]
    [InlineData(-1.3, 0.4)]
    [InlineData(2.1, -2.5)]
    public void PullbackInThirdType_Called_GradientAndPullbackMatchFiniteDifferences(double x, double y)
        => GradientAssert.MatchesFiniteDifferences(OtherType.Value.Diff("Subjects.Calls", "UsesOtherTypePullback"), x, y);

    [Fact]
    public void InstanceMethod_FieldsAndPropertiesChanged_AreReadAsConstants()
    {
        Type type = Compiled.Value.Type("Subjects.Model");
        object model = Activator.CreateInstance(type)!;
        type.GetField("Scale")!.SetValue(model, -4.0);
        type.GetProperty("Offset")!.SetValue(model, 10.0);
        DiffMethod predict = Compiled.Value.Diff("Subjects.Model", "Predict", model);

        // Predict = Scale * w * x + Offset + bias + Shared * x  =>  d/dx = Scale * w + 3, d/dw = Scale * x.
        double value = predict.ValueAndGradient(new[] { 1.5, 0.5 }, out double[] gradient);
        Assert.Equal((-4.0 * 0.5 * 1.5) + 10 - 0.75 + (3 * 1.5), value);
        Assert.Equal(new[] { (-4.0 * 0.5) + 3, -4.0 * 1.5 }, gradient);
        GradientAssert.MatchesFiniteDifferences(predict, 1.5, 0.5);
        GradientAssert.MatchesFiniteDifferences(Compiled.Value.Diff("Subjects.Model", "Loss", model), 0.3, -1.1);
    }

    [Fact]
    public void StructInstanceMethod_ReadonlyMember_ReadsFieldAsConstant()
    {
        Type type = Compiled.Value.Type("Subjects.Point");
        object point = Activator.CreateInstance(type)!;
        type.GetField("Weight")!.SetValue(point, 1.5);
        DiffMethod energy = Compiled.Value.Diff("Subjects.Point", "Energy", point);
        GradientAssert.GradientIsExactly(energy, new[] { 2.0, -3.0 }, 6, -9);
    }

    [Fact]
    public void NoDiffAndIntParameters_Generated_GetNoGradientParameter()
    {
        DiffMethod method = Calls("WithNoDiff");
        ParameterInfo[] gradient = method.Gradient.GetParameters();
        ParameterInfo[] pullback = method.Pullback.GetParameters();
        Assert.Equal(6, gradient.Length);
        Assert.Equal(7, pullback.Length);
        Assert.Equal(new[] { typeof(double), typeof(double), typeof(int), typeof(double) }, gradient.Take(4).Select(p => p.ParameterType));
        Assert.All(gradient.Skip(4), p => Assert.True(p.IsOut && p.ParameterType == typeof(double).MakeByRefType()));
        Assert.Equal(typeof(double), pullback[4].ParameterType);
        Assert.All(pullback.Skip(5), p => Assert.True(!p.IsOut && p.ParameterType == typeof(double).MakeByRefType()));
        Assert.Equal(new[] { 0, 3 }, method.DifferentiableIndices);
    }

    [Fact]
    public void NoDiffParameter_ValueChanges_GradientScalesButIsNotReturned()
    {
        // WithNoDiff = s*x*y + n*x  =>  d/dx = s*y + n, d/dy = s*x.
        GradientAssert.GradientIsExactly(Calls("WithNoDiff"), new[] { 2.0, 3.0, 4, 5.0 }, (3 * 5) + 4, 3 * 2);
    }

    [Fact]
    public void NoDiffParameter_ActiveArgument_ReportsErrorInsteadOfDroppingItsGradient()
    {
        // The callee's pullback has no slot for s, so the derivative through y would be lost: an ADG error, not a
        // silently wrong gradient (d/dy of x^2 y^2 + 2x is 2x^2 y, the dropped path gives x^2 y).
        const string source = """
            using AutoDiffGen;

            namespace Subjects;

            public static partial class Calls
            {
                [Differentiable]
                public static double WithNoDiff(double x, [NoDiff] double s, int n, double y) { return s * x * y + n * x; }

                [Differentiable]
                public static double CallsWithNoDiffArgument(double x, double y)
                {
                    return WithNoDiff(x, y, 2, x * y);
                }
            }
            """;
        var diagnostics = TestCompiler.Diagnose(source, "CallTests.NoDiffArgument");
        Assert.Contains(
            diagnostics,
            d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error
                && d.Id.StartsWith("ADG", StringComparison.Ordinal)
                && d.Location.GetLineSpan().StartLinePosition.Line == 12);
    }

    [Fact]
    public void UserNamesLikeGenerated_Generated_KeepPositionalShape()
    {
        DiffMethod method = Calls("Names");
        Assert.Equal(8, method.Gradient.GetParameters().Length);
        Assert.Equal(9, method.Pullback.GetParameters().Length);
        Assert.Equal(new[] { "seed", "dx", "_t0", "_d_x" }, method.Gradient.GetParameters().Take(4).Select(p => p.Name));
        Assert.Equal(new[] { "seed", "dx", "_t0", "_d_x" }, method.Pullback.GetParameters().Take(4).Select(p => p.Name));
    }

    [Theory]
    [InlineData("Straight", new[] { 0.7, 1.2 })]
    [InlineData("Straight", new[] { -1.3, 0.4 })]
    [InlineData("Straight", new[] { 2.1, -2.5 })]
    [InlineData("Chained", new[] { 0.7, 1.2 })]
    [InlineData("Chained", new[] { -1.3, 0.4 })]
    [InlineData("Chained", new[] { 2.1, -2.5 })]
    public void PullbackReceivingResult_AtPoint_GradientAndPullbackMatchFiniteDifferences(string method, double[] point)
        => GradientAssert.MatchesFiniteDifferences(Results.Compiled.Diff("Results.Subjects", method), point);

    [Fact]
    public void PullbackReceivingResult_Float_MatchesExactDerivative()
    {
        // d/dx sigmoid(x y) y = y^2 s (1 - s); d/dy = x y s (1 - s) + s.
        const float x = 0.4f, y = -1.5f;
        double s = 1 / (1 + Math.Exp(-(x * y)));
        MethodInfo gradient = Results.Compiled.Type("Results.Subjects").GetMethod("SingleGradient")!;
        object?[] args = [x, y, 0f, 0f];
        gradient.Invoke(null, args);
        GradientAssert.Close(y * y * s * (1 - s), (float)args[2]!, 1e-6, "d/dx");
        GradientAssert.Close((x * y * s * (1 - s)) + s, (float)args[3]!, 1e-6, "d/dy");
    }

    [Theory]
    [InlineData(0.3, new[] { 0.5, -1.25, 2.0 })]
    [InlineData(-1.1, new[] { 1.5, 0.25, -0.75, 0.1 })]
    [InlineData(0.8, new[] { -2.0 })]
    public void PullbackReceivingResult_InArrayMethods_MatchesFiniteDifferences(double x, double[] w)
    {
        Results.AgreesWithFiniteDifferences("Fused", w, x);
        Results.AgreesWithFiniteDifferences("Spans", w, x);
    }

    [Fact]
    public void PullbackReceivingResult_Generated_PassesForwardValueAndNeverCallsTheMethodAgain()
    {
        string fused = Results.Compiled.GeneratedSources.Single(kv => kv.Key.Contains(".Fused_", StringComparison.Ordinal)).Value;
        Assert.Matches(new System.Text.RegularExpressions.Regex(@"double (_t\d+) = global::Results\.Smooth\.Sigmoid\(.*SigmoidPullback\(\w+, \1, ", System.Text.RegularExpressions.RegexOptions.Singleline), fused);

        // One call of the callee per forward evaluation: the reverse sweep reuses the value.
        FieldInfo calls = Results.Compiled.Type("Results.Smooth").GetField("Calls")!;
        MethodInfo gradient = Results.Compiled.Type("Results.Subjects").GetMethod("ChainedGradient")!;
        calls.SetValue(null, 0);
        gradient.Invoke(null, [0.3, 0.9, 0.0, 0.0]);
        Assert.Equal(4, (int)calls.GetValue(null)!);
    }

    [Fact]
    public void RegisteredPullback_Called_IsUsedForTheCallee()
    {
        // d/dx Softplus(x*y) + y = y * sigmoid(x*y); d/dy = x * sigmoid(x*y) + 1.
        double x = 0.4, y = -1.5;
        double sigmoid = 1 / (1 + Math.Exp(-(x * y)));
        _ = Calls("UsesSameTypePullback").ValueAndGradient(new[] { x, y }, out double[] gradient);
        GradientAssert.Close(y * sigmoid, gradient[0], 1e-15, "d/dx");
        GradientAssert.Close((x * sigmoid) + 1, gradient[1], 1e-15, "d/dy");
    }
}
