using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace AutoDiffGen;

// Scalar-valued reductions: Dot, Sum, Mean, LogSumExp.
public static partial class Kernels
{
    // ---------------------------------------------------------------- Dot

    /// <summary>Dot product <c>sum_i x[i] * y[i]</c>.</summary>
    /// <param name="x">The first vector.</param>
    /// <param name="y">The second vector, of the same length as <paramref name="x"/>.</param>
    /// <returns>The dot product; 0 for empty spans.</returns>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y) => DotCore(x, y);

    /// <inheritdoc cref="Dot(ReadOnlySpan{double}, ReadOnlySpan{double})"/>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => DotCore(x, y);

    /// <summary>Pullback of <see cref="Dot(ReadOnlySpan{double}, ReadOnlySpan{double})"/>: <c>dx += seed * y</c>, <c>dy += seed * x</c>.</summary>
    /// <param name="x">The primal first vector.</param>
    /// <param name="y">The primal second vector.</param>
    /// <param name="seed">The adjoint of the result.</param>
    /// <param name="dx">Accumulates the gradient with respect to <paramref name="x"/>.</param>
    /// <param name="dy">Accumulates the gradient with respect to <paramref name="y"/>.</param>
    [DerivativeOf(nameof(Dot))]
    public static void DotPullback(ReadOnlySpan<double> x, ReadOnlySpan<double> y, double seed, Span<double> dx, Span<double> dy)
        => DotPullbackCore(x, y, seed, dx, dy);

    /// <inheritdoc cref="DotPullback(ReadOnlySpan{double}, ReadOnlySpan{double}, double, Span{double}, Span{double})"/>
    [DerivativeOf(nameof(Dot))]
    public static void DotPullback(ReadOnlySpan<float> x, ReadOnlySpan<float> y, float seed, Span<float> dx, Span<float> dy)
        => DotPullbackCore(x, y, seed, dx, dy);

    private static T DotCore<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireSameLength(x.Length, nameof(x), y.Length, nameof(y));
        return TensorPrimitives.Dot(x, y);
    }

    private static void DotPullbackCore<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, T seed, Span<T> dx, Span<T> dy)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireSameLength(x.Length, nameof(x), y.Length, nameof(y));
        RequireSameLength(x.Length, nameof(x), dx.Length, nameof(dx));
        RequireSameLength(y.Length, nameof(y), dy.Length, nameof(dy));

        // f = sum_i x_i y_i  =>  dx += seed * y; dy += seed * x
        TensorPrimitives.MultiplyAdd(y, seed, dx, dx);
        TensorPrimitives.MultiplyAdd(x, seed, dy, dy);
    }

    // ---------------------------------------------------------------- Sum

    /// <summary>Sum <c>sum_i x[i]</c>.</summary>
    /// <param name="x">The values.</param>
    /// <returns>The sum; 0 for an empty span.</returns>
    public static double Sum(ReadOnlySpan<double> x) => TensorPrimitives.Sum(x);

    /// <inheritdoc cref="Sum(ReadOnlySpan{double})"/>
    public static float Sum(ReadOnlySpan<float> x) => TensorPrimitives.Sum(x);

    /// <summary>Pullback of <see cref="Sum(ReadOnlySpan{double})"/>: <c>dx += seed</c>.</summary>
    /// <param name="x">The primal values.</param>
    /// <param name="seed">The adjoint of the result.</param>
    /// <param name="dx">Accumulates the gradient with respect to <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">The lengths of <paramref name="x"/> and <paramref name="dx"/> differ.</exception>
    [DerivativeOf(nameof(Sum))]
    public static void SumPullback(ReadOnlySpan<double> x, double seed, Span<double> dx) => SumPullbackCore(x, seed, dx);

    /// <inheritdoc cref="SumPullback(ReadOnlySpan{double}, double, Span{double})"/>
    [DerivativeOf(nameof(Sum))]
    public static void SumPullback(ReadOnlySpan<float> x, float seed, Span<float> dx) => SumPullbackCore(x, seed, dx);

    private static void SumPullbackCore<T>(ReadOnlySpan<T> x, T seed, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireSameLength(x.Length, nameof(x), dx.Length, nameof(dx));

        // f = sum_i x_i  =>  dx += seed
        TensorPrimitives.Add(dx, seed, dx);
    }

    // ---------------------------------------------------------------- Mean

    /// <summary>Arithmetic mean <c>sum_i x[i] / n</c>.</summary>
    /// <param name="x">The values; must not be empty.</param>
    /// <returns>The mean.</returns>
    /// <exception cref="ArgumentException"><paramref name="x"/> is empty.</exception>
    public static double Mean(ReadOnlySpan<double> x) => MeanCore(x);

    /// <inheritdoc cref="Mean(ReadOnlySpan{double})"/>
    public static float Mean(ReadOnlySpan<float> x) => MeanCore(x);

    /// <summary>Pullback of <see cref="Mean(ReadOnlySpan{double})"/>: <c>dx += seed / n</c>.</summary>
    /// <param name="x">The primal values.</param>
    /// <param name="seed">The adjoint of the result.</param>
    /// <param name="dx">Accumulates the gradient with respect to <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ, or <paramref name="x"/> is empty.</exception>
    [DerivativeOf(nameof(Mean))]
    public static void MeanPullback(ReadOnlySpan<double> x, double seed, Span<double> dx) => MeanPullbackCore(x, seed, dx);

    /// <inheritdoc cref="MeanPullback(ReadOnlySpan{double}, double, Span{double})"/>
    [DerivativeOf(nameof(Mean))]
    public static void MeanPullback(ReadOnlySpan<float> x, float seed, Span<float> dx) => MeanPullbackCore(x, seed, dx);

    private static T MeanCore<T>(ReadOnlySpan<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireNonEmpty(x.Length, nameof(x));
        return TensorPrimitives.Sum(x) / FromInt<T>(x.Length);
    }

    private static void MeanPullbackCore<T>(ReadOnlySpan<T> x, T seed, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireNonEmpty(x.Length, nameof(x));
        RequireSameLength(x.Length, nameof(x), dx.Length, nameof(dx));

        // f = (1/n) sum_i x_i  =>  dx += seed / n
        TensorPrimitives.Add(dx, seed / FromInt<T>(x.Length), dx);
    }

    // ---------------------------------------------------------------- LogSumExp

    /// <summary>
    /// Numerically stable <c>log(sum_i exp(x[i]))</c>, computed as <c>m + log(sum_i exp(x[i] - m))</c> with
    /// <c>m = max_i x[i]</c> so that no exponential overflows.
    /// </summary>
    /// <param name="x">The values.</param>
    /// <returns>The log-sum-exp; negative infinity for an empty span.</returns>
    public static double LogSumExp(ReadOnlySpan<double> x) => LogSumExpCore(x);

    /// <inheritdoc cref="LogSumExp(ReadOnlySpan{double})"/>
    public static float LogSumExp(ReadOnlySpan<float> x) => LogSumExpCore(x);

    /// <summary>
    /// Pullback of <see cref="LogSumExp(ReadOnlySpan{double})"/>: <c>dx += seed * softmax(x)</c>. It computes the
    /// log-sum-exp again; generated code calls the overload that receives it instead.
    /// </summary>
    /// <param name="x">The primal values.</param>
    /// <param name="seed">The adjoint of the result.</param>
    /// <param name="dx">Accumulates the gradient with respect to <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void LogSumExpPullback(ReadOnlySpan<double> x, double seed, Span<double> dx)
        => LogSumExpPullbackCore(x, LogSumExpCore(x), seed, dx);

    /// <inheritdoc cref="LogSumExpPullback(ReadOnlySpan{double}, double, Span{double})"/>
    public static void LogSumExpPullback(ReadOnlySpan<float> x, float seed, Span<float> dx)
        => LogSumExpPullbackCore(x, LogSumExpCore(x), seed, dx);

    /// <summary>
    /// Pullback of <see cref="LogSumExp(ReadOnlySpan{double})"/> given its result:
    /// <c>dx += seed * exp(x - result)</c>, which is <c>seed * softmax(x)</c>. Registered with
    /// <see cref="DerivativeOfAttribute.ReceivesResult"/>, so differentiated code passes the value the forward sweep
    /// computed and the reductions are not repeated.
    /// </summary>
    /// <param name="x">The primal values.</param>
    /// <param name="result">The value <see cref="LogSumExp(ReadOnlySpan{double})"/> returned for <paramref name="x"/>.</param>
    /// <param name="seed">The adjoint of the result.</param>
    /// <param name="dx">Accumulates the gradient with respect to <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    [DerivativeOf(nameof(LogSumExp), ReceivesResult = true)]
    public static void LogSumExpPullback(ReadOnlySpan<double> x, double result, double seed, Span<double> dx)
        => LogSumExpPullbackCore(x, result, seed, dx);

    /// <inheritdoc cref="LogSumExpPullback(ReadOnlySpan{double}, double, double, Span{double})"/>
    [DerivativeOf(nameof(LogSumExp), ReceivesResult = true)]
    public static void LogSumExpPullback(ReadOnlySpan<float> x, float result, float seed, Span<float> dx)
        => LogSumExpPullbackCore(x, result, seed, dx);

    private static T LogSumExpCore<T>(ReadOnlySpan<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.IsEmpty)
        {
            return T.NegativeInfinity;
        }

        if (x.Length <= ScalarLength)
        {
            return LogSumExpScalar(x);
        }

        T max = TensorPrimitives.Max(x);
        if (!T.IsFinite(max))
        {
            // All -inf gives -inf; any +inf gives +inf; NaN propagates.
            return max;
        }

        // lse = m + log(sum_i exp(x_i - m)): every exponent is <= 0, and the largest term is exactly 1.
        Span<T> buffer = stackalloc T[ChunkLength];
        T sum = T.Zero;
        for (int start = 0; start < x.Length; start += ChunkLength)
        {
            int length = Math.Min(ChunkLength, x.Length - start);
            Span<T> t = buffer[..length];
            TensorPrimitives.Subtract(x.Slice(start, length), max, t);
            TensorPrimitives.Exp(t, t);
            sum += TensorPrimitives.Sum<T>(t);
        }

        return max + T.Log(sum);
    }

    /// <summary>
    /// <see cref="LogSumExpCore{T}"/> for a short span, in one scalar pass per step: at this length the calls into the
    /// vectorised primitives cost more than the arithmetic. Same result up to rounding of the exponentials.
    /// </summary>
    private static T LogSumExpScalar<T>(ReadOnlySpan<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T max = x[0];
        for (int i = 1; i < x.Length; i++)
        {
            max = T.Max(max, x[i]);
        }

        if (!T.IsFinite(max))
        {
            return max;
        }

        T sum = T.Zero;
        for (int i = 0; i < x.Length; i++)
        {
            sum += T.Exp(x[i] - max);
        }

        return max + T.Log(sum);
    }

    private static void LogSumExpPullbackCore<T>(ReadOnlySpan<T> x, T lse, T seed, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireSameLength(x.Length, nameof(x), dx.Length, nameof(dx));
        if (x.Length <= ScalarLength)
        {
            for (int i = 0; i < x.Length; i++)
            {
                dx[i] += seed * T.Exp(x[i] - lse);
            }

            return;
        }

        // f = log sum_j exp(x_j)  =>  df/dx_i = exp(x_i - f) = softmax(x)_i  =>  dx += seed * exp(x - f)
        AddScaledShiftedExp(x, lse, seed, dx);
    }

    /// <summary><c>dx += scale * exp(x - shift)</c>, chunk by chunk through a stack buffer.</summary>
    private static void AddScaledShiftedExp<T>(ReadOnlySpan<T> x, T shift, T scale, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> buffer = stackalloc T[ChunkLength];
        for (int start = 0; start < x.Length; start += ChunkLength)
        {
            int length = Math.Min(ChunkLength, x.Length - start);
            Span<T> t = buffer[..length];
            Span<T> d = dx.Slice(start, length);
            TensorPrimitives.Subtract(x.Slice(start, length), shift, t);
            TensorPrimitives.Exp(t, t);
            TensorPrimitives.MultiplyAdd(t, scale, d, d);
        }
    }
}
