using System;
using System.Globalization;

namespace AutoDiffGen;

/// <summary>
/// Compares an analytic gradient (for example one written by the generator, or a kernel's pullback) with central
/// finite differences of the function.
/// </summary>
/// <remarks>
/// Component <c>i</c> of the numeric gradient is <c>(f(x + h e_i) - f(x - h e_i)) / (2h)</c> with
/// <c>h = step * max(1, |x_i|)</c> (the exact representable difference of the two perturbed points is used as
/// <c>2h</c>). Its error is <c>O(h^2)</c> from truncation plus about <c>eps * |f| / h</c> from rounding, so the
/// default steps (1e-6 for <see cref="double"/>, 1e-3 for <see cref="float"/>) balance the two for well-scaled
/// functions.
/// </remarks>
public static class GradientCheck
{
    /// <summary>Checks <paramref name="analytic"/> against central differences of <paramref name="f"/> at <paramref name="x"/>.</summary>
    /// <param name="f">
    /// The function. It is called with <paramref name="x"/> itself, one component perturbed at a time (restored
    /// afterwards), so it must not keep or modify the array.
    /// </param>
    /// <param name="x">The point.</param>
    /// <param name="analytic">The gradient to check, of the same length as <paramref name="x"/>.</param>
    /// <param name="step">The relative step <c>h</c>; positive.</param>
    /// <returns>The numeric gradient and the errors; see <see cref="GradientCheckResult"/>.</returns>
    /// <exception cref="ArgumentException">The lengths of <paramref name="x"/> and <paramref name="analytic"/> differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is not positive.</exception>
    public static GradientCheckResult Check(Func<double[], double> f, double[] x, ReadOnlySpan<double> analytic, double step = 1e-6)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        Validate(x.Length, analytic.Length, step);

        double[] numeric = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double xi = x[i];
            double h = step * Math.Max(1.0, Math.Abs(xi));
            double plus = xi + h;
            double minus = xi - h;
            x[i] = plus;
            double fPlus = f(x);
            x[i] = minus;
            double fMinus = f(x);
            x[i] = xi;
            numeric[i] = (fPlus - fMinus) / (plus - minus);
        }

        return GradientCheckResult.Compare(analytic.ToArray(), numeric);
    }

    /// <summary>
    /// Checks a <see cref="float"/> gradient. The perturbed points and the function values are
    /// <see cref="float"/>, the differences are taken in <see cref="double"/>; expect relative errors around
    /// 1e-3, not 1e-7.
    /// </summary>
    /// <inheritdoc cref="Check(Func{double[], double}, double[], ReadOnlySpan{double}, double)"/>
    public static GradientCheckResult Check(Func<float[], float> f, float[] x, ReadOnlySpan<float> analytic, float step = 1e-3f)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        Validate(x.Length, analytic.Length, step);

        double[] numeric = new double[x.Length];
        double[] analyticCopy = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            float xi = x[i];
            float h = step * Math.Max(1f, Math.Abs(xi));
            float plus = xi + h;
            float minus = xi - h;
            x[i] = plus;
            double fPlus = f(x);
            x[i] = minus;
            double fMinus = f(x);
            x[i] = xi;
            numeric[i] = (fPlus - fMinus) / ((double)plus - minus);
            analyticCopy[i] = analytic[i];
        }

        return GradientCheckResult.Compare(analyticCopy, numeric);
    }

    private static void Validate(int x, int analytic, double step)
    {
        if (x != analytic)
        {
            throw new ArgumentException(
                $"Length mismatch: 'x' has length {x} but 'analytic' has length {analytic}; 'x' and 'analytic' must have the same length.",
                nameof(analytic));
        }

        if (!(step > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, "'step' must be positive.");
        }
    }
}

/// <summary>The outcome of a <see cref="GradientCheck"/>: the numeric gradient and how far the analytic one is from it.</summary>
/// <remarks>
/// For component <c>i</c> with analytic value <c>a</c> and numeric value <c>n</c>, the absolute error is
/// <c>|a - n|</c> and the relative error is <c>|a - n| / max(|a|, |n|)</c>, taken as 0 when both are 0 (so it is
/// at most 2, and 1 when exactly one of them is 0). Non-finite values count as an infinite error.
/// <see cref="WorstIndex"/> is the component with the largest relative error (the first one on ties), or -1 for
/// an empty gradient. Where gradients are near zero the relative error is dominated by rounding, so combine both
/// measures, as <see cref="IsWithin"/> does.
/// </remarks>
/// <param name="MaxAbsoluteError">The largest <c>|a - n|</c>.</param>
/// <param name="MaxRelativeError">The largest <c>|a - n| / max(|a|, |n|)</c>.</param>
/// <param name="WorstIndex">The component with the largest relative error, or -1 when empty.</param>
/// <param name="NumericGradient">The central-difference gradient.</param>
/// <param name="AnalyticGradient">A copy of the gradient that was checked.</param>
public sealed record GradientCheckResult(
    double MaxAbsoluteError,
    double MaxRelativeError,
    int WorstIndex,
    double[] NumericGradient,
    double[] AnalyticGradient)
{
    /// <summary>
    /// Whether every component satisfies <c>|a - n| &lt;= absoluteTolerance + relativeTolerance * max(|a|, |n|)</c>.
    /// </summary>
    /// <param name="relativeTolerance">The tolerance relative to the larger magnitude.</param>
    /// <param name="absoluteTolerance">The tolerance for components near zero.</param>
    /// <returns><see langword="true"/> when every component is within tolerance.</returns>
    public bool IsWithin(double relativeTolerance, double absoluteTolerance = 0)
    {
        for (int i = 0; i < NumericGradient.Length; i++)
        {
            double a = AnalyticGradient[i];
            double n = NumericGradient[i];
            double error = Math.Abs(a - n);
            if (!(error <= absoluteTolerance + (relativeTolerance * Math.Max(Math.Abs(a), Math.Abs(n)))))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Reports the worst relative error, where it occurs and both values there, and the worst absolute error.</summary>
    /// <returns>A one-line summary.</returns>
    public override string ToString()
    {
        if (WorstIndex < 0)
        {
            return "Gradient check: empty gradient.";
        }

        return string.Create(
            CultureInfo.InvariantCulture,
            $"Gradient check: max relative error {MaxRelativeError:G3} at index {WorstIndex} (analytic {AnalyticGradient[WorstIndex]:R}, numeric {NumericGradient[WorstIndex]:R}); max absolute error {MaxAbsoluteError:G3}.");
    }

    internal static GradientCheckResult Compare(double[] analytic, double[] numeric)
    {
        double maxAbsolute = 0;
        double maxRelative = 0;
        int worst = analytic.Length == 0 ? -1 : 0;
        for (int i = 0; i < analytic.Length; i++)
        {
            double a = analytic[i];
            double n = numeric[i];
            double absolute = Math.Abs(a - n);
            double scale = Math.Max(Math.Abs(a), Math.Abs(n));
            double relative = absolute == 0 ? 0 : absolute / scale;
            if (double.IsNaN(absolute) || double.IsNaN(relative))
            {
                absolute = relative = double.PositiveInfinity;
            }

            maxAbsolute = Math.Max(maxAbsolute, absolute);
            if (relative > maxRelative)
            {
                maxRelative = relative;
                worst = i;
            }
        }

        return new GradientCheckResult(maxAbsolute, maxRelative, worst, numeric, analytic);
    }
}
