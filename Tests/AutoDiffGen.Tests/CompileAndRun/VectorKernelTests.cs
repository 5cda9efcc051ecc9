using System;
using System.Linq;
using Xunit;

namespace AutoDiffGen.Tests.CompileAndRun;

/// <summary>
/// User methods that create local arrays, fill them with vector-valued kernels (result written into the last
/// span) and loops, and return a scalar: the generated adjoint calls the kernels' pullbacks in reverse, with
/// pooled adjoint buffers, and saves an array a kernel overwrites only when the reverse sweep needs it.
/// </summary>
public sealed class VectorKernelTests
{
    private static readonly string[] Methods =
    {
        "ElementwiseChain", "MatMulLayer", "OverwrittenInLoop", "WrittenAfterKernel", "SoftmaxClassifier", "MatVecScaled", "Branchy",
        "StackallocSpans", "UserVectorMethod",
    };

    private const string Subjects = """
        using System;
        using AutoDiffGen;

        namespace Vectors;

        public static partial class Subjects
        {
            // tanh, scale by a scalar input, multiply, then two reductions.
            [Differentiable]
            public static double ElementwiseChain(double[] w, double a)
            {
                double[] e = new double[w.Length];
                Kernels.Tanh(w, e);
                double[] s = new double[w.Length];
                Kernels.Scale(e, a, s);
                double[] p = new double[w.Length];
                Kernels.Multiply(s, w, p);
                return Kernels.Sum(p) + Kernels.LogSumExp(s);
            }

            // w as a 2 x 3 matrix: sigmoid(w w^T + a) summed with weights, through MatMul with a transpose.
            [Differentiable]
            public static double MatMulLayer(double[] w, double a)
            {
                double[] h = new double[4];
                Kernels.MatMul(w, w, 2, 3, 2, false, true, h);
                double[] z = new double[4];
                for (int i = 0; i < 4; i++)
                {
                    z[i] = h[i] + a * (i + 1);
                }

                double[] g = new double[4];
                Kernels.Sigmoid(z, g);
                double s = 0;
                for (int i = 0; i < 4; i++)
                {
                    s += g[i] * (i - 1.5);
                }

                return s;
            }

            // The same arrays rewritten by kernels in every iteration: the old contents go on the tape.
            [Differentiable]
            public static double OverwrittenInLoop(double[] w, double a)
            {
                double[] u = new double[w.Length];
                double[] v = new double[w.Length];
                Kernels.Scale(w, a, u);
                for (int k = 0; k < 3; k++)
                {
                    Kernels.Tanh(u, v);
                    Kernels.Axpy(a, v, w, u);
                }

                return Kernels.Dot(u, v);
            }

            // Elements of a kernel's result changed in place afterwards (Exp's pullback reads its result).
            [Differentiable]
            public static double WrittenAfterKernel(double[] w, double a)
            {
                double[] e = new double[w.Length];
                Kernels.Exp(w, e);
                for (int i = 0; i < e.Length; i++)
                {
                    e[i] = e[i] * a;
                }

                return Kernels.Mean(e) + e[0];
            }

            // Two rows of three logits, softmax cross-entropy with integer labels, plus a softmax read.
            [Differentiable]
            public static double SoftmaxClassifier(double[] w, double a)
            {
                double[] logits = new double[6];
                Kernels.Scale(w, a, logits);
                int[] labels = { 2, 0 };
                double[] probabilities = new double[6];
                Kernels.Softmax(logits, probabilities);
                return Kernels.SoftmaxCrossEntropy(logits, labels) + probabilities[1] * a;
            }

            // A constant matrix times the input, through a [NoDiff]-like local table (inactive operand).
            [Differentiable]
            public static double MatVecScaled(double[] w, double a)
            {
                double[] m = { 0.5, -1.0, 2.0, 0.25, 1.5, -0.75, 1.0, 0.1, 0.2, 0.3, 0.4, 0.5 };
                double[] y = new double[2];
                Kernels.MatVec(m, w, 2, 6, false, y);
                double[] q = new double[2];
                Kernels.Square(y, q);
                return Kernels.Sum(q) * a;
            }

            // Span locals: stackalloc and new T[n] as intermediates, written element by element and by a kernel,
            // read by foreach.
            [Differentiable]
            public static double StackallocSpans(double[] w, double a)
            {
                Span<double> t = stackalloc double[w.Length];
                for (int i = 0; i < t.Length; i++)
                {
                    t[i] = w[i] * a;
                }

                t[0] += a * a;
                Span<double> e = new double[w.Length];
                Kernels.Exp(t, e);
                double s = 0;
                foreach (double v in e)
                {
                    s = (s * 0.5) + (v * t[1]);
                }

                return s + Kernels.Dot(t, w);
            }

            // A user vector-valued method with its own [DerivativeOf] pullback in the same convention.
            [Differentiable]
            public static double UserVectorMethod(double[] w, double a)
            {
                double[] shifted = new double[w.Length];
                ScaleShift(w, a, 0.25, shifted);
                double[] squared = new double[w.Length];
                Kernels.Square(shifted, squared);
                return Kernels.Sum(squared) * a;
            }

            public static void ScaleShift(ReadOnlySpan<double> x, double scale, double shift, Span<double> result)
            {
                for (int i = 0; i < x.Length; i++)
                {
                    result[i] = (x[i] * scale) + shift;
                }
            }

            [DerivativeOf(nameof(ScaleShift))]
            public static void ScaleShiftPullback(ReadOnlySpan<double> x, double scale, double shift, ReadOnlySpan<double> result, ReadOnlySpan<double> seed,
                Span<double> dx, ref double dscale, ref double dshift)
            {
                for (int i = 0; i < x.Length; i++)
                {
                    dx[i] += seed[i] * scale;
                    dscale += seed[i] * x[i];
                    dshift += seed[i];
                }
            }

            // A kernel call inside a branch decided by an active value.
            [Differentiable]
            public static double Branchy(double[] w, double a)
            {
                double[] t = new double[w.Length];
                if (a > 0.9)
                {
                    Kernels.Softplus(w, t);
                }
                else
                {
                    Kernels.Sqrt(w, t);
                }

                return Kernels.Dot(t, w) * a;
            }
        }
        """;

    private static readonly ArrayMethodCheck Check = new(Subjects, Methods, "Vectors", "VectorKernelTests");

    public static TheoryData<string, int> Cases() => ArrayMethodCheck.Cases(Methods, points: 3);

    /// <summary>Six positive inputs (Sqrt needs them) and a scalar on both sides of Branchy's 0.9.</summary>
    private static (double[] W, double A) Point(int index)
    {
        var random = new Random(2000 + index);
        double[] w = Enumerable.Range(0, 6).Select(_ => Math.Round(0.2 + random.NextDouble(), 3)).ToArray();
        return (w, new[] { 0.55, 1.2, 0.8 }[index]);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void KernelMethod_AtPoint_GradientAndPullbackMatchFiniteDifferences(string method, int pointIndex)
    {
        (double[] w, double a) = Point(pointIndex);
        Check.AgreesWithFiniteDifferences(method, w, a);
    }

    [Fact]
    public void ElementwiseChain_ExactGradient()
    {
        // f = sum(a tanh(w) w) + lse(a tanh(w)):  df/dw_i = a (1 - t_i^2) w_i + a t_i + softmax(a t)_i a (1 - t_i^2)
        (double[] w, double a) = Point(0);
        double[] t = w.Select(Math.Tanh).ToArray();
        double[] s = t.Select(x => a * x).ToArray();
        double max = s.Max();
        double z = s.Sum(x => Math.Exp(x - max));
        (_, double[] dw, double da) = Check.Gradient("ElementwiseChain", w, a);
        for (int i = 0; i < w.Length; i++)
        {
            double softmax = Math.Exp(s[i] - max) / z;
            double expected = (a * (1 - (t[i] * t[i])) * w[i]) + (a * t[i]) + (softmax * a * (1 - (t[i] * t[i])));
            Assert.Equal(expected, dw[i], 12);
        }

        double expectedA = Enumerable.Range(0, w.Length).Sum(i => (t[i] * w[i]) + (Math.Exp(s[i] - max) / z * t[i]));
        Assert.Equal(expectedA, da, 12);
    }

    [Fact]
    public void GeneratedAdjoint_CallsPullbacksInReverseAndSavesOnlyOverwrittenArrays()
    {
        string chain = Generated("ElementwiseChain");
        int multiply = chain.IndexOf("Kernels.MultiplyPullback(", StringComparison.Ordinal);
        int scale = chain.IndexOf("Kernels.ScalePullback(", StringComparison.Ordinal);
        int tanh = chain.IndexOf("Kernels.TanhPullback(", StringComparison.Ordinal);
        Assert.True(multiply > 0 && scale > multiply && tanh > scale, chain);
        Assert.DoesNotContain("PushSpan", chain, StringComparison.Ordinal);
        Assert.Contains("ArrayPool<double>.Shared.Rent", chain, StringComparison.Ordinal);

        Assert.Contains("PushSpan(u, ", Generated("OverwrittenInLoop"), StringComparison.Ordinal);

        // The constant matrix gets no gradient at all: MatVec's pullback accepts an empty span for it.
        string matVec = Generated("MatVecScaled");
        Assert.Contains("Kernels.MatVecPullback(m, w, 2, 6, false, y, new global::System.ReadOnlySpan<double>(_d_y, 0, y.Length), default, dw);", matVec, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ElementwiseChain")]
    [InlineData("MatMulLayer")]
    [InlineData("OverwrittenInLoop")]
    public void KernelGradient_SteadyState_AllocatesOnlyWhatThePrimalAllocates(string method)
    {
        (double[] w, double a) = Point(1);
        double primal = Allocated(() => Check.Primal(method, w, a));
        long perCall = Check.BytesFor4000Calls(method, w, a) / 4000;

        // The primal's own local arrays; adjoint buffers and saved contents come from pools and the tape.
        Assert.InRange(perCall, 0, primal + 1);
    }

    [Theory]
    [InlineData("double[] e = new double[w.Length]; Kernels.Scale(w, a, e); Kernels.Tanh(e, e); return Kernels.Sum(e);", "ADG0004", "also an input")]
    [InlineData("Kernels.Tanh(w, output); return Kernels.Sum(output);", "ADG0009", "'output'")]
    public void KernelWithUnsupportedOutput_ErrorNamesIt(string body, string id, string message)
    {
        var d = Assert.Single(Errors(body));
        Assert.Equal(id, d.Id);
        Assert.Contains(message, d.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void KernelOnConstantsWritingACallersSpan_IsAllowed()
    {
        Assert.Empty(Errors("""
            Kernels.Tanh(table, output);
            return w[0] * a;
            """));
    }

    private static Microsoft.CodeAnalysis.Diagnostic[] Errors(string body)
        => TestCompiler.Diagnose(
                "using System; using AutoDiffGen; public static partial class C { [Differentiable] public static double F(double[] w, double a, [NoDiff] double[] table, [NoDiff] double[] output) {\n"
                + body + "\n} }", "VectorKernelDiagnostics")
            .Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error).ToArray();

    private static double Allocated(Action run)
    {
        run();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            run();
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before) / 100.0;
    }

    private static string Generated(string method)
        => Check.Compiled.GeneratedSources.Single(kv => kv.Key.Contains("." + method + "_", StringComparison.Ordinal)).Value;
}
