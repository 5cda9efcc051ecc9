using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace AutoDiffGen;

// Softmax and LogSoftmax over a whole span (one distribution).
public static partial class Kernels
{
    // ---------------------------------------------------------------- Softmax

    /// <summary>
    /// Softmax of a vector: <c>result[i] = exp(x[i]) / sum_j exp(x[j])</c>, computed as <c>exp(x[i] - lse(x))</c>
    /// so that large inputs do not overflow.
    /// </summary>
    /// <param name="x">The logits.</param>
    /// <param name="result">Receives the probabilities; may be the same memory as <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Softmax(ReadOnlySpan<double> x, Span<double> result) => SoftmaxCore(x, result);

    /// <inheritdoc cref="Softmax(ReadOnlySpan{double}, Span{double})"/>
    public static void Softmax(ReadOnlySpan<float> x, Span<float> result) => SoftmaxCore(x, result);

    /// <summary>Pullback of <see cref="Softmax(ReadOnlySpan{double}, Span{double})"/>: <c>dx += result * (seed - seed . result)</c>.</summary>
    /// <param name="x">The primal logits.</param>
    /// <param name="result">The primal probabilities (read only).</param>
    /// <param name="seed">The adjoint of <paramref name="result"/>.</param>
    /// <param name="dx">Accumulates the gradient with respect to <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    [DerivativeOf(nameof(Softmax))]
    public static void SoftmaxPullback(ReadOnlySpan<double> x, ReadOnlySpan<double> result, ReadOnlySpan<double> seed, Span<double> dx)
        => SoftmaxPullbackCore(x, result, seed, dx);

    /// <inheritdoc cref="SoftmaxPullback(ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>
    [DerivativeOf(nameof(Softmax))]
    public static void SoftmaxPullback(ReadOnlySpan<float> x, ReadOnlySpan<float> result, ReadOnlySpan<float> seed, Span<float> dx)
        => SoftmaxPullbackCore(x, result, seed, dx);

    private static void SoftmaxCore<T>(ReadOnlySpan<T> x, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateUnary(x.Length, result.Length);
        if (x.IsEmpty)
        {
            return;
        }

        // Shifting by the maximum leaves the ratios unchanged and keeps every exponent <= 0.
        // (TensorPrimitives.SoftMax exponentiates the raw inputs, which overflows for logits above ~709.)
        T max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, result);
        TensorPrimitives.Exp(result, result);
        T sum = TensorPrimitives.Sum<T>(result);
        TensorPrimitives.Divide(result, sum, result);
    }

    private static void SoftmaxPullbackCore<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> result, ReadOnlySpan<T> seed, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateUnaryPullback(x.Length, result.Length, seed.Length, dx.Length);

        // y_i = exp(x_i) / sum_j exp(x_j)  =>  dy_i/dx_k = y_i (delta_ik - y_k)
        //   =>  dx_k += sum_i dy_i y_i (delta_ik - y_k) = y_k (dy_k - sum_i dy_i y_i)
        T inner = TensorPrimitives.Dot(seed, result);
        Span<T> buffer = stackalloc T[ChunkLength];
        for (int start = 0; start < x.Length; start += ChunkLength)
        {
            int length = Math.Min(ChunkLength, x.Length - start);
            Span<T> t = buffer[..length];
            Span<T> d = dx.Slice(start, length);
            TensorPrimitives.Subtract(seed.Slice(start, length), inner, t);
            TensorPrimitives.MultiplyAdd(result.Slice(start, length), t, d, d);
        }
    }

    // ---------------------------------------------------------------- LogSoftmax

    /// <summary>Log-softmax of a vector: <c>result[i] = x[i] - log(sum_j exp(x[j]))</c>, computed stably.</summary>
    /// <param name="x">The logits.</param>
    /// <param name="result">Receives the log-probabilities; may be the same memory as <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void LogSoftmax(ReadOnlySpan<double> x, Span<double> result) => LogSoftmaxCore(x, result);

    /// <inheritdoc cref="LogSoftmax(ReadOnlySpan{double}, Span{double})"/>
    public static void LogSoftmax(ReadOnlySpan<float> x, Span<float> result) => LogSoftmaxCore(x, result);

    /// <summary>Pullback of <see cref="LogSoftmax(ReadOnlySpan{double}, Span{double})"/>: <c>dx += seed - exp(result) * sum(seed)</c>.</summary>
    /// <param name="x">The primal logits.</param>
    /// <param name="result">The primal log-probabilities (read only).</param>
    /// <param name="seed">The adjoint of <paramref name="result"/>.</param>
    /// <param name="dx">Accumulates the gradient with respect to <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    [DerivativeOf(nameof(LogSoftmax))]
    public static void LogSoftmaxPullback(ReadOnlySpan<double> x, ReadOnlySpan<double> result, ReadOnlySpan<double> seed, Span<double> dx)
        => LogSoftmaxPullbackCore(x, result, seed, dx);

    /// <inheritdoc cref="LogSoftmaxPullback(ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>
    [DerivativeOf(nameof(LogSoftmax))]
    public static void LogSoftmaxPullback(ReadOnlySpan<float> x, ReadOnlySpan<float> result, ReadOnlySpan<float> seed, Span<float> dx)
        => LogSoftmaxPullbackCore(x, result, seed, dx);

    private static void LogSoftmaxCore<T>(ReadOnlySpan<T> x, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateUnary(x.Length, result.Length);
        TensorPrimitives.Subtract(x, LogSumExpCore(x), result);
    }

    private static void LogSoftmaxPullbackCore<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> result, ReadOnlySpan<T> seed, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateUnaryPullback(x.Length, result.Length, seed.Length, dx.Length);

        // y_i = x_i - lse(x)  =>  dy_i/dx_k = delta_ik - softmax_k, and softmax = exp(y)
        //   =>  dx_k += dy_k - exp(y_k) * sum_i dy_i
        T total = TensorPrimitives.Sum(seed);
        Span<T> buffer = stackalloc T[ChunkLength];
        for (int start = 0; start < x.Length; start += ChunkLength)
        {
            int length = Math.Min(ChunkLength, x.Length - start);
            Span<T> t = buffer[..length];
            Span<T> d = dx.Slice(start, length);
            TensorPrimitives.Exp(result.Slice(start, length), t);
            TensorPrimitives.MultiplyAdd(t, -total, d, d);
            TensorPrimitives.Add(d, seed.Slice(start, length), d);
        }
    }
}
