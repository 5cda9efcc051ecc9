using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace AutoDiffGen.CompilerServices;

/// <summary>
/// Derivative factors that generated adjoints call at points where a function is not smooth. Each one implements
/// a convention documented in README.md ("Derivative conventions"); NaN inputs give NaN factors so that NaN
/// propagates into gradients as it does into values.
/// </summary>
/// <remarks>Used by generated code; not meant to be called directly.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class AdjointHelpers
{
    /// <summary>d|x|/dx: 1 above zero, -1 below, 0 at zero, NaN for NaN.</summary>
    /// <param name="x">The argument of Abs.</param>
    /// <returns>The derivative factor.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double AbsDerivative(double x) => x > 0 ? 1 : x < 0 ? -1 : x == 0 ? 0 : double.NaN;

    /// <inheritdoc cref="AbsDerivative(double)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float AbsDerivative(float x) => x > 0 ? 1 : x < 0 ? -1 : x == 0 ? 0 : float.NaN;

    /// <summary>dMax(a, b)/da: 1 if a is larger, 0 if smaller, 1/2 on a tie, NaN if either is NaN.</summary>
    /// <param name="a">The argument whose weight is returned.</param>
    /// <param name="b">The other argument.</param>
    /// <returns>The derivative factor.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MaxWeight(double a, double b) => a > b ? 1 : a < b ? 0 : a == b ? 0.5 : double.NaN;

    /// <inheritdoc cref="MaxWeight(double, double)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxWeight(float a, float b) => a > b ? 1 : a < b ? 0 : a == b ? 0.5f : float.NaN;

    /// <summary>dMin(a, b)/da: 1 if a is smaller, 0 if larger, 1/2 on a tie, NaN if either is NaN.</summary>
    /// <param name="a">The argument whose weight is returned.</param>
    /// <param name="b">The other argument.</param>
    /// <returns>The derivative factor.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MinWeight(double a, double b) => a < b ? 1 : a > b ? 0 : a == b ? 0.5 : double.NaN;

    /// <inheritdoc cref="MinWeight(double, double)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MinWeight(float a, float b) => a < b ? 1 : a > b ? 0 : a == b ? 0.5f : float.NaN;

    /// <summary>dClamp(x, lo, hi)/dx: 1 when lo &lt;= x &lt;= hi (the bounds included), else 0; NaN for NaN.</summary>
    /// <param name="x">The clamped value.</param>
    /// <param name="min">The lower bound.</param>
    /// <param name="max">The upper bound.</param>
    /// <returns>The derivative factor.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ClampWeightValue(double x, double min, double max) => x < min || x > max ? 0 : double.IsNaN(x) ? double.NaN : 1;

    /// <inheritdoc cref="ClampWeightValue(double, double, double)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ClampWeightValue(float x, float min, float max) => x < min || x > max ? 0 : float.IsNaN(x) ? float.NaN : 1;

    /// <summary>dClamp(x, lo, hi)/dlo: 1 when x &lt; lo, else 0.</summary>
    /// <param name="x">The clamped value.</param>
    /// <param name="min">The lower bound.</param>
    /// <param name="max">The upper bound.</param>
    /// <returns>The derivative factor.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ClampWeightMin(double x, double min, double max) => x < min ? 1 : 0;

    /// <inheritdoc cref="ClampWeightMin(double, double, double)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ClampWeightMin(float x, float min, float max) => x < min ? 1 : 0;

    /// <summary>dClamp(x, lo, hi)/dhi: 1 when x &gt; hi, else 0.</summary>
    /// <param name="x">The clamped value.</param>
    /// <param name="min">The lower bound.</param>
    /// <param name="max">The upper bound.</param>
    /// <returns>The derivative factor.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ClampWeightMax(double x, double min, double max) => x > max ? 1 : 0;

    /// <inheritdoc cref="ClampWeightMax(double, double, double)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ClampWeightMax(float x, float min, float max) => x > max ? 1 : 0;

    /// <summary>dPow(x, p)/dx = p x^(p-1) = p y / x; 0 when p is 0 (Pow(x, 0) is the constant 1).</summary>
    /// <param name="x">The base.</param>
    /// <param name="p">The exponent.</param>
    /// <param name="result">Pow(x, p), reused so the derivative costs a division instead of a second Pow.</param>
    /// <returns>The derivative factor.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double PowBaseDerivative(double x, double p, double result)
        => p == 0 ? 0 : x != 0 && !double.IsInfinity(result) && result != 0 ? p * result / x : p * Math.Pow(x, p - 1);

    /// <inheritdoc cref="PowBaseDerivative(double, double, double)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float PowBaseDerivative(float x, float p, float result)
        => p == 0 ? 0 : x != 0 && !float.IsInfinity(result) && result != 0 ? p * result / x : p * MathF.Pow(x, p - 1);

    /// <summary>dPow(x, p)/dp = ln(x) x^p, taken as 0 when x is 0 (the limit for p &gt; 0).</summary>
    /// <param name="x">The base.</param>
    /// <param name="result">Pow(x, p).</param>
    /// <returns>The derivative factor.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double PowExponentDerivative(double x, double result) => x == 0 ? 0 : Math.Log(x) * result;

    /// <inheritdoc cref="PowExponentDerivative(double, double)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float PowExponentDerivative(float x, float result) => x == 0 ? 0 : MathF.Log(x) * result;

    /// <summary>dHypot(x, y)/dx = x / h, taken as 0 at the origin.</summary>
    /// <param name="x">The argument being differentiated.</param>
    /// <param name="h">Hypot(x, y).</param>
    /// <returns>The derivative factor.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double HypotDerivative(double x, double h) => h == 0 ? 0 : x / h;

    /// <inheritdoc cref="HypotDerivative(double, double)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HypotDerivative(float x, float h) => h == 0 ? 0 : x / h;

    /// <summary>dAtan2(y, x)/dy = x / (x² + y²), taken as 0 at the origin.</summary>
    /// <param name="y">The first argument of Atan2.</param>
    /// <param name="x">The second argument of Atan2.</param>
    /// <returns>The derivative factor.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Atan2DerivativeY(double y, double x)
    {
        double r2 = (x * x) + (y * y);
        return r2 == 0 ? 0 : x / r2;
    }

    /// <inheritdoc cref="Atan2DerivativeY(double, double)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Atan2DerivativeY(float y, float x)
    {
        float r2 = (x * x) + (y * y);
        return r2 == 0 ? 0 : x / r2;
    }

    /// <summary>dAtan2(y, x)/dx = -y / (x² + y²), taken as 0 at the origin.</summary>
    /// <param name="y">The first argument of Atan2.</param>
    /// <param name="x">The second argument of Atan2.</param>
    /// <returns>The derivative factor.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Atan2DerivativeX(double y, double x)
    {
        double r2 = (x * x) + (y * y);
        return r2 == 0 ? 0 : -y / r2;
    }

    /// <inheritdoc cref="Atan2DerivativeX(double, double)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Atan2DerivativeX(float y, float x)
    {
        float r2 = (x * x) + (y * y);
        return r2 == 0 ? 0 : -y / r2;
    }
}
