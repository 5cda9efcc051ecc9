using System;
using System.Linq;
using System.Reflection;
using Xunit;

namespace AutoDiffGen.Tests.CompileAndRun;

/// <summary>
/// Span locals that view part of an input or of a local array (<c>w.AsSpan(s, n)</c>, <c>w.Slice(s, n)</c>,
/// <c>new ReadOnlySpan&lt;T&gt;(w, s, n)</c>, <c>w</c> whole): read, written (local arrays), walked with foreach,
/// reassigned in loops; gradients against central differences, the primal's exceptions for slices and elements
/// out of range, and the generated text (the element becomes <c>w[start + j]</c>).
/// </summary>
public class SliceTests
{
    private const string Subjects = """
        using System;
        using AutoDiffGen;

        namespace Slices;

        public static partial class Subjects
        {
            private static readonly double[] X = { 1.0, 0.5, -0.25, -0.75, 2.0, 0.3, 0.6, -0.9, 1.2 };

            // Rows of constant data against the first three weights: the logistic loss of a tiny data set.
            [Differentiable]
            public static double RowsOfConstant(double[] w, double a)
            {
                double s = 0;
                ReadOnlySpan<double> wr = w.AsSpan(0, 3);
                for (int i = 0; i < X.Length / 3; i++)
                {
                    ReadOnlySpan<double> row = X.AsSpan(i * 3, 3);
                    double z = a;
                    for (int j = 0; j < wr.Length; j++)
                    {
                        z += wr[j] * row[j];
                    }

                    s += Math.Log(1 + Math.Exp(-z));
                }

                return s;
            }

            // A slice of the input to its end, walked with foreach, and its last element.
            [Differentiable]
            public static double TailSlice(double[] w, double a)
            {
                ReadOnlySpan<double> tail = w.AsSpan(1);
                double z = 0;
                foreach (double v in tail)
                {
                    z += v * v * a;
                }

                return Math.Sqrt(z + 1) * tail[tail.Length - 1];
            }

            // Slices of a span parameter (through a call with the whole array).
            [Differentiable]
            public static double SpanCore(ReadOnlySpan<double> w, double a)
            {
                double s = 0;
                for (int i = 0; i + 2 <= w.Length; i += 2)
                {
                    ReadOnlySpan<double> pair = w.Slice(i, 2);
                    s += Math.Sin(pair[0] * a) * pair[1];
                }

                return s;
            }

            [Differentiable]
            public static double SpanSlice(double[] w, double a) => SpanCore(w, a) + w[0];

            // Segments of a local scratch array written through a Span slice, with += on its elements.
            [Differentiable]
            public static double ScratchSegments(double[] w, double a)
            {
                double[] t = new double[w.Length];
                double s = 0;
                for (int i = 0; i + 2 <= w.Length; i += 2)
                {
                    Span<double> seg = t.AsSpan(i, 2);
                    seg[0] = Math.Sin(w[i] * a);
                    seg[1] = w[i + 1];
                    seg[1] += seg[0] * seg[1];
                    s += seg[0] * seg[1];
                }

                return s + t[0];
            }

            // A slice reassigned in a loop whose carried product needs every iteration's slice in the reverse sweep.
            [Differentiable]
            public static double Reassigned(double[] w, double a)
            {
                double s = a;
                int k = 0;
                ReadOnlySpan<double> r = w.AsSpan(0, 2);
                for (int i = 0; i < 5; i++)
                {
                    s = (s * Math.Cos(r[0] * a)) + r[1];
                    k = ((3 * k) + 1) % (w.Length - 1);
                    r = w.AsSpan(k, 2);
                }

                return s;
            }

            // The whole input as a span, a stackalloc scratch through an alias, and the span constructor.
            [Differentiable]
            public static double Aliases(double[] w, double a)
            {
                ReadOnlySpan<double> v = w;
                Span<double> t = stackalloc double[3];
                Span<double> tv = t;
                ReadOnlySpan<double> mid = new ReadOnlySpan<double>(w, 1, 2);
                for (int j = 0; j < tv.Length; j++)
                {
                    tv[j] = v[j] * mid[j % 2] * a;
                }

                return (t[0] * t[1]) + Math.Exp(t[2]);
            }

            [Differentiable]
            public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
            {
                double s = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    s += x[i] * y[i];
                }

                return s;
            }

            // Slices passed to a [Differentiable] callee and to a runtime kernel: each pullback adds into its part of
            // dw (two overlapping parts in one call), a constant slice gets no gradient, a scratch slice its part of
            // the scratch's adjoint.
            [Differentiable]
            public static double CallsWithSlices(double[] w, double a)
            {
                double[] t = new double[4];
                for (int j = 0; j < t.Length; j++)
                {
                    t[j] = Math.Sin(w[j % w.Length] * a);
                }

                double s = 0;
                for (int i = 0; i + 3 <= w.Length; i++)
                {
                    ReadOnlySpan<double> window = w.AsSpan(i, 3);
                    s += Dot(window, X.AsSpan(i, 3)) * Dot(w.AsSpan(0, 2), w.AsSpan(1, 2));
                    s += AutoDiffGen.Kernels.Dot(window, t.AsSpan(1, 3));
                }

                return s;
            }

            // A slice argument whose start a loop computes: the reverse sweep needs each iteration's start.
            [Differentiable]
            public static double CarriedCall(double[] w, double a)
            {
                double s = a;
                int k = 0;
                for (int i = 0; i < 5; i++)
                {
                    k = ((3 * k) + 1) % (w.Length - 1);
                    s = s * Math.Cos(Dot(w.AsSpan(k, 2), w.AsSpan(0, 2)) * a);
                }

                return s;
            }

            // A slice of itself: peeled one element per iteration (r = r.Slice(1)), the start saved per iteration.
            [Differentiable]
            public static double Peel(double[] w, double a)
            {
                ReadOnlySpan<double> r = w;
                double s = 0;
                while (r.Length > 1)
                {
                    s = (s * Math.Cos(r[0] * a)) + r[1];
                    r = r.Slice(1);
                }

                return s;
            }

            // Slices of slices, a copy of a slice, and an element of a slice expression.
            [Differentiable]
            public static double Nested(double[] w, double a)
            {
                ReadOnlySpan<double> outer = w.AsSpan(1);
                ReadOnlySpan<double> inner = outer.Slice(1, 2);
                ReadOnlySpan<double> copy = inner;
                return (inner[0] * outer[0] * a) + Math.Sin(copy[1]) + inner.Slice(1)[0] + w.AsSpan(2)[1];
            }

            // foreach walks the slice it started with even when the body reassigns the local; foreach over a slice expression.
            [Differentiable]
            public static double ForeachReassigned(double[] w, double a)
            {
                ReadOnlySpan<double> r = w.AsSpan(0, 3);
                double s = 0;
                foreach (double v in r)
                {
                    s += v * a;
                    r = w.AsSpan(1, 2);
                }

                foreach (double v in w.AsSpan(2))
                {
                    s += Math.Sin(v * s);
                }

                return s + r[0];
            }

            // Pairs j > i of a slice: j starts at i + 1, which the loop headers prove inside it.
            [Differentiable]
            public static double Triangle(double[] w, double a)
            {
                ReadOnlySpan<double> v = w.AsSpan(1, w.Length - 1);
                double s = 0;
                for (int i = 0; i < v.Length; i++)
                {
                    for (int j = i + 1; j < v.Length; j++)
                    {
                        s += Math.Sin(v[i] * v[j] * a);
                    }
                }

                return s;
            }

            // Elements past the slice's end but inside the array: the primal throws, so must the gradient.
            [Differentiable]
            public static double PastTheSlice(double[] w, double a)
            {
                ReadOnlySpan<double> r = w.AsSpan(0, 2);
                return r[w.Length - 3] * a;
            }

            // A slice that does not fit: ArgumentOutOfRangeException where it is taken.
            [Differentiable]
            public static double SliceTooLong(double[] w, double a)
            {
                ReadOnlySpan<double> r = w.AsSpan(1, w.Length);
                return r[0] * a;
            }
        }
        """;

    private static readonly string[] Methods = { "RowsOfConstant", "TailSlice", "SpanSlice", "ScratchSegments", "Reassigned", "Aliases", "CallsWithSlices", "CarriedCall", "Peel", "Nested", "ForeachReassigned", "Triangle", "PastTheSlice", "SliceTooLong" };

    private static readonly string[] Differentiated = { "RowsOfConstant", "TailSlice", "SpanSlice", "ScratchSegments", "Reassigned", "Aliases", "CallsWithSlices", "CarriedCall", "Peel", "Nested", "ForeachReassigned", "Triangle" };

    private static readonly ArrayMethodCheck Check = new(Subjects, Methods, "Slices", "SliceTests");

    public static TheoryData<string, int> Cases() => ArrayMethodCheck.Cases(Differentiated, points: 4);

    private static (double[] W, double A) Point(int index)
    {
        var random = new Random(6300 + index);
        double[] w = Enumerable.Range(0, 6).Select(_ => Math.Round((random.NextDouble() * 1.6) - 0.8, 3)).ToArray();
        return (w, Math.Round(0.2 + random.NextDouble(), 3));
    }

    private static string Generated(string method) => Check.Generated(method);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Slice_AtPoint_GradientAndPullbackMatchFiniteDifferences(string method, int pointIndex)
    {
        (double[] w, double a) = Point(pointIndex);
        Check.AgreesWithFiniteDifferences(method, w, a);
    }

    [Fact]
    public void TailSlice_ExactValue()
    {
        double[] w = { 0.4, -0.3, 0.5, 0.2 };
        double a = 0.8;
        (double value, double[] dw, double da) = Check.Gradient("TailSlice", w, a);
        double z = a * ((0.3 * 0.3) + (0.5 * 0.5) + (0.2 * 0.2));
        double root = Math.Sqrt(z + 1);
        Assert.Equal(root * 0.2, value, 14);
        Assert.Equal(0.0, dw[0]);
        Assert.Equal(0.2 / (2 * root) * 2 * -0.3 * a, dw[1], 14);
        Assert.Equal(0.2 / (2 * root) * 2 * 0.5 * a, dw[2], 14);
        Assert.Equal((0.2 / (2 * root) * 2 * 0.2 * a) + root, dw[3], 14);
        Assert.Equal(0.2 / (2 * root) * (z / a), da, 14);
    }

    [Fact]
    public void ElementPastTheSlice_ThrowsAsThePrimalDoes()
    {
        // w has 5 elements: r[2] is inside w but outside the slice of 2.
        double[] w = { 0.1, 0.2, 0.3, 0.4, 0.5 };
        var primal = Assert.Throws<TargetInvocationException>(() => Check.Primal("PastTheSlice", w, 0.5));
        Assert.IsType<IndexOutOfRangeException>(primal.InnerException);
        var gradient = Assert.Throws<TargetInvocationException>(() => Check.Gradient("PastTheSlice", w, 0.5));
        Assert.IsType<IndexOutOfRangeException>(gradient.InnerException);

        // Inside the slice it works: w has 4 elements, r[1].
        (double value, double[] dw, double da) = Check.Gradient("PastTheSlice", new[] { 0.1, 0.2, 0.3, 0.4 }, 0.5);
        Assert.Equal(0.1, value, 15);
        Assert.Equal(new[] { 0, 0.5, 0, 0 }, dw);
        Assert.Equal(0.2, da);
    }

    [Fact]
    public void SliceThatDoesNotFit_ThrowsAsThePrimalDoes()
    {
        double[] w = { 0.1, 0.2, 0.3 };
        var primal = Assert.Throws<TargetInvocationException>(() => Check.Primal("SliceTooLong", w, 0.5));
        Assert.IsType<ArgumentOutOfRangeException>(primal.InnerException);
        var gradient = Assert.Throws<TargetInvocationException>(() => Check.Gradient("SliceTooLong", w, 0.5));
        Assert.IsType<ArgumentOutOfRangeException>(gradient.InnerException);
    }

    [Fact]
    public void RowsOfConstant_IndexesTheInput_WithoutElementChecksTheLoopProves()
    {
        // wr is a slice of the input declared once from constants: its start and length are written in place, so
        // wr[j] is w[j], as if indexed by hand; row views a field (constant data), so it stays a span.
        // j < wr.Length proves every wr[j] inside the slice.
        string gradient = Generated("RowsOfConstant").Split("Pullback(")[0];
        Assert.Contains("SliceBounds.Check(w.Length, 0, 3);", gradient, StringComparison.Ordinal);
        Assert.Contains("z = z + w[j] * row[j];", gradient, StringComparison.Ordinal);
        Assert.Contains("dw[j] += _d_z * row[j];", gradient, StringComparison.Ordinal);
        Assert.DoesNotContain("_wrStart", gradient, StringComparison.Ordinal);
        Assert.DoesNotContain("SliceBounds.Index", gradient, StringComparison.Ordinal);
        Assert.DoesNotContain("_tape", gradient, StringComparison.Ordinal);
    }

    [Fact]
    public void TailSlice_ChecksTheIndexItCannotProve()
    {
        string gradient = Generated("TailSlice").Split("Pullback(")[0];
        Assert.Contains("SliceBounds.Index(w.Length - 1 - 1, w.Length - 1);", gradient, StringComparison.Ordinal);
        Assert.Contains("v = w[1 + _i0];", gradient, StringComparison.Ordinal);
    }

    [Fact]
    public void Triangle_CounterStartingAtAnotherCounter_NeedsNoElementCheck()
    {
        string gradient = Generated("Triangle").Split("TrianglePullback(")[0];
        Assert.DoesNotContain("SliceBounds.Index", gradient, StringComparison.Ordinal);
        Assert.Contains("SliceBounds.Check(w.Length, 1, w.Length - 1);", gradient, StringComparison.Ordinal);
        Assert.Contains("w[1 + j]", gradient, StringComparison.Ordinal);
    }

    [Fact]
    public void SliceArguments_PassTheirPartOfTheAdjoint()
    {
        string gradient = Generated("CallsWithSlices").Split("CallsWithSlicesPullback(")[0];
        Assert.Contains("dw.Slice(i, 3)", gradient, StringComparison.Ordinal);
        Assert.Contains("dw.Slice(_sliceStart0, _sliceLength0), dw.Slice(_sliceStart1, _sliceLength1)", gradient, StringComparison.Ordinal);
        Assert.Contains("new global::System.Span<double>(_d_t, _sliceStart", gradient, StringComparison.Ordinal);
        Assert.Contains("DotPullback(", gradient, StringComparison.Ordinal);
    }

    [Fact]
    public void Peel_SlicesItsOwnSlice_AndKeepsEachStart()
    {
        string gradient = Generated("Peel").Split("PeelPullback(")[0];
        Assert.Contains("_rStart = _rStart + 1;", gradient, StringComparison.Ordinal);
        Assert.Contains("SliceBounds.Check(_rLength, 1, _sliceCount", gradient, StringComparison.Ordinal);
        Assert.Contains("_tapeInts[_tapeIntTop++] = _rStart;", gradient, StringComparison.Ordinal);
        Assert.Contains("dw[_rStart + 1] += ", gradient, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CallsWithSlices")]
    [InlineData("CarriedCall")]
    [InlineData("RowsOfConstant")]
    [InlineData("ScratchSegments")]
    [InlineData("Reassigned")]
    [InlineData("Aliases")]
    public void Slices_SteadyState_AllocateNothing(string method)
    {
        (double[] w, double a) = Point(0);
        long extra = Check.BytesFor4000Calls(method, w, a);
        Assert.True(extra < 64, $"{method}: {extra} bytes for 4000 extra calls");
    }
}
