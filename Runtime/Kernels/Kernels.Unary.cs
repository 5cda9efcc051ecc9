using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace AutoDiffGen;

// Elementwise nonlinearities: Exp, Log, Tanh, Sigmoid, Relu, Softplus, Square, Sqrt.
// Each pullback reads the primal result where that is cheaper than recomputing from x.
public static partial class Kernels
{
    // ---------------------------------------------------------------- Exp

    /// <summary>Elementwise exponential: <c>result[i] = exp(x[i])</c>.</summary>
    /// <param name="x">The exponents.</param>
    /// <param name="result">Receives the exponentials.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Exp(ReadOnlySpan<double> x, Span<double> result) => ExpCore(x, result);

    /// <inheritdoc cref="Exp(ReadOnlySpan{double}, Span{double})"/>
    public static void Exp(ReadOnlySpan<float> x, Span<float> result) => ExpCore(x, result);

    /// <summary>Pullback of <see cref="Exp(ReadOnlySpan{double}, Span{double})"/>: <c>dx += seed * result</c>.</summary>
    /// <param name="x">The primal input.</param>
    /// <param name="result">The primal result (read only).</param>
    /// <param name="seed">The adjoint of <paramref name="result"/>.</param>
    /// <param name="dx">Accumulates the gradient with respect to <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    [DerivativeOf(nameof(Exp))]
    public static void ExpPullback(ReadOnlySpan<double> x, ReadOnlySpan<double> result, ReadOnlySpan<double> seed, Span<double> dx)
        => ExpPullbackCore(x, result, seed, dx);

    /// <inheritdoc cref="ExpPullback(ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>
    [DerivativeOf(nameof(Exp))]
    public static void ExpPullback(ReadOnlySpan<float> x, ReadOnlySpan<float> result, ReadOnlySpan<float> seed, Span<float> dx)
        => ExpPullbackCore(x, result, seed, dx);

    private static void ExpCore<T>(ReadOnlySpan<T> x, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateUnary(x.Length, result.Length);
        TensorPrimitives.Exp(x, result);
    }

    private static void ExpPullbackCore<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> result, ReadOnlySpan<T> seed, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateUnaryPullback(x.Length, result.Length, seed.Length, dx.Length);

        // y = exp(x)  =>  dx += dy * y
        TensorPrimitives.MultiplyAdd(seed, result, dx, dx);
    }

    // ---------------------------------------------------------------- Log

    /// <summary>Elementwise natural logarithm: <c>result[i] = log(x[i])</c>.</summary>
    /// <param name="x">The arguments (positive for a finite result).</param>
    /// <param name="result">Receives the logarithms.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Log(ReadOnlySpan<double> x, Span<double> result) => LogCore(x, result);

    /// <inheritdoc cref="Log(ReadOnlySpan{double}, Span{double})"/>
    public static void Log(ReadOnlySpan<float> x, Span<float> result) => LogCore(x, result);

    /// <summary>Pullback of <see cref="Log(ReadOnlySpan{double}, Span{double})"/>: <c>dx += seed / x</c>.</summary>
    /// <param name="x">The primal input.</param>
    /// <param name="result">The primal result (read only).</param>
    /// <param name="seed">The adjoint of <paramref name="result"/>.</param>
    /// <param name="dx">Accumulates the gradient with respect to <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    [DerivativeOf(nameof(Log))]
    public static void LogPullback(ReadOnlySpan<double> x, ReadOnlySpan<double> result, ReadOnlySpan<double> seed, Span<double> dx)
        => LogPullbackCore(x, result, seed, dx);

    /// <inheritdoc cref="LogPullback(ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>
    [DerivativeOf(nameof(Log))]
    public static void LogPullback(ReadOnlySpan<float> x, ReadOnlySpan<float> result, ReadOnlySpan<float> seed, Span<float> dx)
        => LogPullbackCore(x, result, seed, dx);

    private static void LogCore<T>(ReadOnlySpan<T> x, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateUnary(x.Length, result.Length);
        TensorPrimitives.Log(x, result);
    }

    private static void LogPullbackCore<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> result, ReadOnlySpan<T> seed, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateUnaryPullback(x.Length, result.Length, seed.Length, dx.Length);

        // y = log(x)  =>  dx += dy / x
        Span<T> buffer = stackalloc T[ChunkLength];
        for (int start = 0; start < x.Length; start += ChunkLength)
        {
            int length = Math.Min(ChunkLength, x.Length - start);
            Span<T> t = buffer[..length];
            Span<T> d = dx.Slice(start, length);
            TensorPrimitives.Divide(seed.Slice(start, length), x.Slice(start, length), t);
            TensorPrimitives.Add(d, t, d);
        }
    }

    // ---------------------------------------------------------------- Tanh

    /// <summary>Elementwise hyperbolic tangent: <c>result[i] = tanh(x[i])</c>.</summary>
    /// <param name="x">The arguments.</param>
    /// <param name="result">Receives the hyperbolic tangents.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Tanh(ReadOnlySpan<double> x, Span<double> result) => TanhCore(x, result);

    /// <inheritdoc cref="Tanh(ReadOnlySpan{double}, Span{double})"/>
    public static void Tanh(ReadOnlySpan<float> x, Span<float> result) => TanhCore(x, result);

    /// <summary>Pullback of <see cref="Tanh(ReadOnlySpan{double}, Span{double})"/>: <c>dx += seed * (1 - result^2)</c>.</summary>
    /// <param name="x">The primal input.</param>
    /// <param name="result">The primal result (read only).</param>
    /// <param name="seed">The adjoint of <paramref name="result"/>.</param>
    /// <param name="dx">Accumulates the gradient with respect to <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    [DerivativeOf(nameof(Tanh))]
    public static void TanhPullback(ReadOnlySpan<double> x, ReadOnlySpan<double> result, ReadOnlySpan<double> seed, Span<double> dx)
        => TanhPullbackCore(x, result, seed, dx);

    /// <inheritdoc cref="TanhPullback(ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>
    [DerivativeOf(nameof(Tanh))]
    public static void TanhPullback(ReadOnlySpan<float> x, ReadOnlySpan<float> result, ReadOnlySpan<float> seed, Span<float> dx)
        => TanhPullbackCore(x, result, seed, dx);

    private static void TanhCore<T>(ReadOnlySpan<T> x, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateUnary(x.Length, result.Length);
        TensorPrimitives.Tanh(x, result);
    }

    private static void TanhPullbackCore<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> result, ReadOnlySpan<T> seed, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateUnaryPullback(x.Length, result.Length, seed.Length, dx.Length);

        // y = tanh(x)  =>  dx += dy * (1 - y^2)
        Span<T> buffer = stackalloc T[ChunkLength];
        for (int start = 0; start < x.Length; start += ChunkLength)
        {
            int length = Math.Min(ChunkLength, x.Length - start);
            Span<T> t = buffer[..length];
            Span<T> d = dx.Slice(start, length);
            ReadOnlySpan<T> y = result.Slice(start, length);
            TensorPrimitives.Multiply(y, y, t);
            TensorPrimitives.Subtract(T.One, t, t);
            TensorPrimitives.MultiplyAdd(seed.Slice(start, length), t, d, d);
        }
    }

    // ---------------------------------------------------------------- Sigmoid

    /// <summary>Elementwise logistic function: <c>result[i] = 1 / (1 + exp(-x[i]))</c>.</summary>
    /// <param name="x">The arguments.</param>
    /// <param name="result">Receives the sigmoids, in [0, 1].</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Sigmoid(ReadOnlySpan<double> x, Span<double> result) => SigmoidCore(x, result);

    /// <inheritdoc cref="Sigmoid(ReadOnlySpan{double}, Span{double})"/>
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> result) => SigmoidCore(x, result);

    /// <summary>Pullback of <see cref="Sigmoid(ReadOnlySpan{double}, Span{double})"/>: <c>dx += seed * result * (1 - result)</c>.</summary>
    /// <param name="x">The primal input.</param>
    /// <param name="result">The primal result (read only).</param>
    /// <param name="seed">The adjoint of <paramref name="result"/>.</param>
    /// <param name="dx">Accumulates the gradient with respect to <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    [DerivativeOf(nameof(Sigmoid))]
    public static void SigmoidPullback(ReadOnlySpan<double> x, ReadOnlySpan<double> result, ReadOnlySpan<double> seed, Span<double> dx)
        => SigmoidPullbackCore(x, result, seed, dx);

    /// <inheritdoc cref="SigmoidPullback(ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>
    [DerivativeOf(nameof(Sigmoid))]
    public static void SigmoidPullback(ReadOnlySpan<float> x, ReadOnlySpan<float> result, ReadOnlySpan<float> seed, Span<float> dx)
        => SigmoidPullbackCore(x, result, seed, dx);

    private static void SigmoidCore<T>(ReadOnlySpan<T> x, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateUnary(x.Length, result.Length);
        TensorPrimitives.Sigmoid(x, result);
    }

    private static void SigmoidPullbackCore<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> result, ReadOnlySpan<T> seed, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateUnaryPullback(x.Length, result.Length, seed.Length, dx.Length);

        // y = 1 / (1 + exp(-x))  =>  dy/dx = y (1 - y)  =>  dx += dy * y * (1 - y)
        Span<T> buffer = stackalloc T[ChunkLength];
        for (int start = 0; start < x.Length; start += ChunkLength)
        {
            int length = Math.Min(ChunkLength, x.Length - start);
            Span<T> t = buffer[..length];
            Span<T> d = dx.Slice(start, length);
            ReadOnlySpan<T> y = result.Slice(start, length);
            TensorPrimitives.Subtract(T.One, y, t);
            TensorPrimitives.Multiply(t, y, t);
            TensorPrimitives.MultiplyAdd(seed.Slice(start, length), t, d, d);
        }
    }

    // ---------------------------------------------------------------- Relu

    /// <summary>Elementwise rectified linear unit: <c>result[i] = max(x[i], 0)</c>.</summary>
    /// <param name="x">The arguments.</param>
    /// <param name="result">Receives the rectified values.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Relu(ReadOnlySpan<double> x, Span<double> result) => ReluCore(x, result);

    /// <inheritdoc cref="Relu(ReadOnlySpan{double}, Span{double})"/>
    public static void Relu(ReadOnlySpan<float> x, Span<float> result) => ReluCore(x, result);

    /// <summary>
    /// Pullback of <see cref="Relu(ReadOnlySpan{double}, Span{double})"/>: <c>dx += seed</c> where <c>x &gt; 0</c>.
    /// The derivative at exactly 0 is taken as 0 (the usual subgradient choice).
    /// </summary>
    /// <param name="x">The primal input.</param>
    /// <param name="result">The primal result (read only).</param>
    /// <param name="seed">The adjoint of <paramref name="result"/>.</param>
    /// <param name="dx">Accumulates the gradient with respect to <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    [DerivativeOf(nameof(Relu))]
    public static void ReluPullback(ReadOnlySpan<double> x, ReadOnlySpan<double> result, ReadOnlySpan<double> seed, Span<double> dx)
        => ReluPullbackCore(x, result, seed, dx);

    /// <inheritdoc cref="ReluPullback(ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>
    [DerivativeOf(nameof(Relu))]
    public static void ReluPullback(ReadOnlySpan<float> x, ReadOnlySpan<float> result, ReadOnlySpan<float> seed, Span<float> dx)
        => ReluPullbackCore(x, result, seed, dx);

    private static void ReluCore<T>(ReadOnlySpan<T> x, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateUnary(x.Length, result.Length);
        TensorPrimitives.Max(x, T.Zero, result);
    }

    private static void ReluPullbackCore<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> result, ReadOnlySpan<T> seed, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateUnaryPullback(x.Length, result.Length, seed.Length, dx.Length);

        // y = max(x, 0)  =>  dx += dy * [x > 0]
        // TensorPrimitives has no masked select, so this one is a plain Vector<T> loop.
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var xv = new Vector<T>(x[i..]);
                var sv = new Vector<T>(seed[i..]);
                var dv = new Vector<T>(dx[i..]);
                Vector<T> mask = Vector.GreaterThan(xv, Vector<T>.Zero);
                (dv + Vector.ConditionalSelect(mask, sv, Vector<T>.Zero)).CopyTo(dx[i..]);
            }
        }

        for (; i < x.Length; i++)
        {
            if (x[i] > T.Zero)
            {
                dx[i] += seed[i];
            }
        }
    }

    // ---------------------------------------------------------------- Softplus

    /// <summary>
    /// Elementwise softplus <c>result[i] = log(1 + exp(x[i]))</c>, computed stably as
    /// <c>max(x, 0) + log1p(exp(-|x|))</c>.
    /// </summary>
    /// <param name="x">The arguments.</param>
    /// <param name="result">Receives the softplus values.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Softplus(ReadOnlySpan<double> x, Span<double> result) => SoftplusCore(x, result);

    /// <inheritdoc cref="Softplus(ReadOnlySpan{double}, Span{double})"/>
    public static void Softplus(ReadOnlySpan<float> x, Span<float> result) => SoftplusCore(x, result);

    /// <summary>Pullback of <see cref="Softplus(ReadOnlySpan{double}, Span{double})"/>: <c>dx += seed * sigmoid(x)</c>.</summary>
    /// <param name="x">The primal input.</param>
    /// <param name="result">The primal result (read only).</param>
    /// <param name="seed">The adjoint of <paramref name="result"/>.</param>
    /// <param name="dx">Accumulates the gradient with respect to <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    [DerivativeOf(nameof(Softplus))]
    public static void SoftplusPullback(ReadOnlySpan<double> x, ReadOnlySpan<double> result, ReadOnlySpan<double> seed, Span<double> dx)
        => SoftplusPullbackCore(x, result, seed, dx);

    /// <inheritdoc cref="SoftplusPullback(ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>
    [DerivativeOf(nameof(Softplus))]
    public static void SoftplusPullback(ReadOnlySpan<float> x, ReadOnlySpan<float> result, ReadOnlySpan<float> seed, Span<float> dx)
        => SoftplusPullbackCore(x, result, seed, dx);

    private static void SoftplusCore<T>(ReadOnlySpan<T> x, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateUnary(x.Length, result.Length);
        Span<T> buffer = stackalloc T[ChunkLength];
        for (int start = 0; start < x.Length; start += ChunkLength)
        {
            int length = Math.Min(ChunkLength, x.Length - start);
            SoftplusChunk(x.Slice(start, length), result.Slice(start, length), buffer[..length]);
        }
    }

    /// <summary>
    /// <c>result = max(x, 0) + log1p(exp(-|x|))</c> for one chunk; <paramref name="t"/> is scratch. The
    /// temporary is complete before <paramref name="result"/> is written, so <paramref name="result"/> may alias
    /// <paramref name="x"/>.
    /// </summary>
    private static void SoftplusChunk<T>(ReadOnlySpan<T> x, Span<T> result, Span<T> t)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): the exponent is never positive, so nothing overflows,
        // and log1p keeps full precision where e^-|x| is tiny.
        TensorPrimitives.Abs(x, t);
        TensorPrimitives.Negate(t, t);
        TensorPrimitives.Exp(t, t);
        TensorPrimitives.LogP1(t, t);
        TensorPrimitives.Max(x, T.Zero, result);
        TensorPrimitives.Add(result, t, result);
    }

    private static void SoftplusPullbackCore<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> result, ReadOnlySpan<T> seed, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateUnaryPullback(x.Length, result.Length, seed.Length, dx.Length);

        // y = log(1 + exp(x))  =>  dy/dx = exp(x) / (1 + exp(x)) = sigmoid(x)  =>  dx += dy * sigmoid(x)
        Span<T> buffer = stackalloc T[ChunkLength];
        for (int start = 0; start < x.Length; start += ChunkLength)
        {
            int length = Math.Min(ChunkLength, x.Length - start);
            Span<T> t = buffer[..length];
            Span<T> d = dx.Slice(start, length);
            TensorPrimitives.Sigmoid(x.Slice(start, length), t);
            TensorPrimitives.MultiplyAdd(seed.Slice(start, length), t, d, d);
        }
    }

    // ---------------------------------------------------------------- Square

    /// <summary>Elementwise square: <c>result[i] = x[i] * x[i]</c>.</summary>
    /// <param name="x">The values.</param>
    /// <param name="result">Receives the squares.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Square(ReadOnlySpan<double> x, Span<double> result) => SquareCore(x, result);

    /// <inheritdoc cref="Square(ReadOnlySpan{double}, Span{double})"/>
    public static void Square(ReadOnlySpan<float> x, Span<float> result) => SquareCore(x, result);

    /// <summary>Pullback of <see cref="Square(ReadOnlySpan{double}, Span{double})"/>: <c>dx += 2 * seed * x</c>.</summary>
    /// <param name="x">The primal input.</param>
    /// <param name="result">The primal result (read only).</param>
    /// <param name="seed">The adjoint of <paramref name="result"/>.</param>
    /// <param name="dx">Accumulates the gradient with respect to <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    [DerivativeOf(nameof(Square))]
    public static void SquarePullback(ReadOnlySpan<double> x, ReadOnlySpan<double> result, ReadOnlySpan<double> seed, Span<double> dx)
        => SquarePullbackCore(x, result, seed, dx);

    /// <inheritdoc cref="SquarePullback(ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>
    [DerivativeOf(nameof(Square))]
    public static void SquarePullback(ReadOnlySpan<float> x, ReadOnlySpan<float> result, ReadOnlySpan<float> seed, Span<float> dx)
        => SquarePullbackCore(x, result, seed, dx);

    private static void SquareCore<T>(ReadOnlySpan<T> x, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateUnary(x.Length, result.Length);
        TensorPrimitives.Multiply(x, x, result);
    }

    private static void SquarePullbackCore<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> result, ReadOnlySpan<T> seed, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateUnaryPullback(x.Length, result.Length, seed.Length, dx.Length);

        // y = x^2  =>  dx += 2 * dy * x
        Span<T> buffer = stackalloc T[ChunkLength];
        T two = T.One + T.One;
        for (int start = 0; start < x.Length; start += ChunkLength)
        {
            int length = Math.Min(ChunkLength, x.Length - start);
            Span<T> t = buffer[..length];
            Span<T> d = dx.Slice(start, length);
            TensorPrimitives.Multiply(seed.Slice(start, length), x.Slice(start, length), t);
            TensorPrimitives.MultiplyAdd(t, two, d, d);
        }
    }

    // ---------------------------------------------------------------- Sqrt

    /// <summary>Elementwise square root: <c>result[i] = sqrt(x[i])</c>.</summary>
    /// <param name="x">The values (non-negative for a real result).</param>
    /// <param name="result">Receives the square roots.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Sqrt(ReadOnlySpan<double> x, Span<double> result) => SqrtCore(x, result);

    /// <inheritdoc cref="Sqrt(ReadOnlySpan{double}, Span{double})"/>
    public static void Sqrt(ReadOnlySpan<float> x, Span<float> result) => SqrtCore(x, result);

    /// <summary>
    /// Pullback of <see cref="Sqrt(ReadOnlySpan{double}, Span{double})"/>: <c>dx += seed / (2 * result)</c>
    /// (infinite at <c>x = 0</c>).
    /// </summary>
    /// <param name="x">The primal input.</param>
    /// <param name="result">The primal result (read only).</param>
    /// <param name="seed">The adjoint of <paramref name="result"/>.</param>
    /// <param name="dx">Accumulates the gradient with respect to <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    [DerivativeOf(nameof(Sqrt))]
    public static void SqrtPullback(ReadOnlySpan<double> x, ReadOnlySpan<double> result, ReadOnlySpan<double> seed, Span<double> dx)
        => SqrtPullbackCore(x, result, seed, dx);

    /// <inheritdoc cref="SqrtPullback(ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>
    [DerivativeOf(nameof(Sqrt))]
    public static void SqrtPullback(ReadOnlySpan<float> x, ReadOnlySpan<float> result, ReadOnlySpan<float> seed, Span<float> dx)
        => SqrtPullbackCore(x, result, seed, dx);

    private static void SqrtCore<T>(ReadOnlySpan<T> x, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateUnary(x.Length, result.Length);
        TensorPrimitives.Sqrt(x, result);
    }

    private static void SqrtPullbackCore<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> result, ReadOnlySpan<T> seed, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateUnaryPullback(x.Length, result.Length, seed.Length, dx.Length);

        // y = sqrt(x)  =>  dy/dx = 1 / (2 sqrt(x)) = 1 / (2y)  =>  dx += 0.5 * dy / y
        Span<T> buffer = stackalloc T[ChunkLength];
        T half = T.One / (T.One + T.One);
        for (int start = 0; start < x.Length; start += ChunkLength)
        {
            int length = Math.Min(ChunkLength, x.Length - start);
            Span<T> t = buffer[..length];
            Span<T> d = dx.Slice(start, length);
            TensorPrimitives.Divide(seed.Slice(start, length), result.Slice(start, length), t);
            TensorPrimitives.MultiplyAdd(t, half, d, d);
        }
    }
}
