using System;
using System.Globalization;
using System.Linq;
using Xunit;

namespace AutoDiffGen.Tests.CompileAndRun;

/// <summary>
/// Checks generated adjoints against central finite differences of the primal, and against exact values.
/// </summary>
internal static class GradientAssert
{
    /// <summary>The seed passed to every Pullback checked here.</summary>
    public const double Seed = 2.5;

    /// <summary>Gradient tolerance for double code (relative above 1, absolute below).</summary>
    public const double DoubleTolerance = 1e-6;

    /// <summary>Gradient tolerance for float code.</summary>
    public const double SingleTolerance = 1e-3;

    private static readonly double[] Prefills = { 0.25, -1.5, 3.0, 0.75, -0.125 };

    /// <summary>
    /// At <paramref name="point"/>: the Gradient's value is the primal's value, each gradient matches central
    /// differences, and the Pullback with seed 2.5 adds 2.5 times the gradient into pre-filled refs.
    /// </summary>
    public static void MatchesFiniteDifferences(DiffMethod method, params double[] point)
    {
        double tolerance = method.IsSingle ? SingleTolerance : DoubleTolerance;
        string where = method.Name + "(" + Format(point) + ")";

        double primal = method.Value(point);
        double value = method.ValueAndGradient(point, out double[] gradient);
        Exactly(primal, value, where + " value of Gradient");

        double[] expected = CentralDifferences(method, point);
        Assert.Equal(expected.Length, gradient.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Close(expected[i], gradient[i], tolerance, where + " d/d(arg " + method.DifferentiableIndices[i] + ")");
        }

        double[] prefill = Prefills.Take(gradient.Length).ToArray();
        double[] pulled = method.AddPullback(point, Seed, prefill);
        for (int i = 0; i < expected.Length; i++)
        {
            string what = where + " Pullback ref " + i;
            Close(prefill[i] + (Seed * expected[i]), pulled[i], tolerance * Seed, what + " vs finite differences");
            Close(prefill[i] + (Seed * gradient[i]), pulled[i], method.IsSingle ? 1e-5 : 1e-12, what + " vs Gradient");
        }
    }

    /// <summary>Central differences of the primal for each differentiable parameter.</summary>
    public static double[] CentralDifferences(DiffMethod method, double[] point)
    {
        double relative = method.IsSingle ? 1e-3 : 1e-6;
        var result = new double[method.DifferentiableIndices.Length];
        for (int k = 0; k < result.Length; k++)
        {
            int i = method.DifferentiableIndices[k];
            double h = relative * Math.Max(1, Math.Abs(point[i]));
            double[] plus = (double[])point.Clone();
            double[] minus = (double[])point.Clone();
            plus[i] += h;
            minus[i] -= h;
            if (method.ParameterTypes[i] == typeof(float))
            {
                // Divide by the step the float primal actually sees.
                plus[i] = (float)plus[i];
                minus[i] = (float)minus[i];
            }

            result[k] = (method.Value(plus) - method.Value(minus)) / (plus[i] - minus[i]);
        }

        return result;
    }

    /// <summary>Gradient and Pullback (seed 2.5, pre-filled refs) both give exactly <paramref name="expected"/>.</summary>
    public static void GradientIsExactly(DiffMethod method, double[] point, params double[] expected)
    {
        string where = method.Name + "(" + Format(point) + ")";
        double value = method.ValueAndGradient(point, out double[] gradient);
        Exactly(method.Value(point), value, where + " value of Gradient");
        Assert.Equal(expected.Length, gradient.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Exactly(expected[i], gradient[i], where + " gradient " + i);
        }

        double[] prefill = Prefills.Take(expected.Length).ToArray();
        double[] pulled = method.AddPullback(point, Seed, prefill);
        for (int i = 0; i < expected.Length; i++)
        {
            double want = method.IsSingle ? (float)prefill[i] + ((float)Seed * (float)expected[i]) : prefill[i] + (Seed * expected[i]);
            Exactly(want, pulled[i], where + " Pullback ref " + i);
        }
    }

    public static void Close(double expected, double actual, double tolerance, string what)
    {
        bool ok = double.IsFinite(expected)
            ? Math.Abs(expected - actual) <= tolerance * Math.Max(1, Math.Abs(expected))
            : expected.Equals(actual);
        Assert.True(ok, what + ": expected " + Format(expected) + ", actual " + Format(actual) + " (tolerance " + Format(tolerance) + ")");
    }

    /// <summary>Equal as numbers; NaN equals NaN.</summary>
    public static void Exactly(double expected, double actual, string what)
        => Assert.True(expected.Equals(actual), what + ": expected exactly " + Format(expected) + ", actual " + Format(actual));

    public static string Format(params double[] values) => string.Join(", ", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
}
