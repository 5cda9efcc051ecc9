using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace AutoDiffGen;

// Linear elementwise kernels: Scale, Axpy, Add, Subtract, Multiply, Divide.
public static partial class Kernels
{
    // ---------------------------------------------------------------- Scale

    /// <summary>Scales a vector: <c>result[i] = alpha * x[i]</c>.</summary>
    /// <param name="x">The vector.</param>
    /// <param name="alpha">The factor.</param>
    /// <param name="result">Receives the scaled vector; same length as <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Scale(ReadOnlySpan<double> x, double alpha, Span<double> result) => ScaleCore(x, alpha, result);

    /// <inheritdoc cref="Scale(ReadOnlySpan{double}, double, Span{double})"/>
    public static void Scale(ReadOnlySpan<float> x, float alpha, Span<float> result) => ScaleCore(x, alpha, result);

    /// <summary>Pullback of <see cref="Scale(ReadOnlySpan{double}, double, Span{double})"/>: <c>dx += alpha * seed</c>, <c>dalpha += seed . x</c>.</summary>
    /// <param name="x">The primal vector.</param>
    /// <param name="alpha">The primal factor.</param>
    /// <param name="result">The primal result (read only).</param>
    /// <param name="seed">The adjoint of <paramref name="result"/>.</param>
    /// <param name="dx">Accumulates the gradient with respect to <paramref name="x"/>.</param>
    /// <param name="dalpha">Accumulates the gradient with respect to <paramref name="alpha"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    [DerivativeOf(nameof(Scale))]
    public static void ScalePullback(ReadOnlySpan<double> x, double alpha, ReadOnlySpan<double> result, ReadOnlySpan<double> seed, Span<double> dx, ref double dalpha)
        => ScalePullbackCore(x, alpha, result, seed, dx, ref dalpha);

    /// <inheritdoc cref="ScalePullback(ReadOnlySpan{double}, double, ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, ref double)"/>
    [DerivativeOf(nameof(Scale))]
    public static void ScalePullback(ReadOnlySpan<float> x, float alpha, ReadOnlySpan<float> result, ReadOnlySpan<float> seed, Span<float> dx, ref float dalpha)
        => ScalePullbackCore(x, alpha, result, seed, dx, ref dalpha);

    private static void ScaleCore<T>(ReadOnlySpan<T> x, T alpha, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateUnary(x.Length, result.Length);
        TensorPrimitives.Multiply(x, alpha, result);
    }

    private static void ScalePullbackCore<T>(ReadOnlySpan<T> x, T alpha, ReadOnlySpan<T> result, ReadOnlySpan<T> seed, Span<T> dx, ref T dalpha)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateUnaryPullback(x.Length, result.Length, seed.Length, dx.Length);

        // r = alpha * x  =>  dx += alpha * dr; dalpha += sum_i dr_i x_i
        dalpha += TensorPrimitives.Dot(seed, x);
        TensorPrimitives.MultiplyAdd(seed, alpha, dx, dx);
    }

    // ---------------------------------------------------------------- Axpy

    /// <summary>
    /// BLAS-style <c>a * x + y</c>: <c>result[i] = alpha * x[i] + y[i]</c>. <paramref name="result"/> may be the
    /// same memory as <paramref name="y"/> for the classic in-place update.
    /// </summary>
    /// <param name="alpha">The factor applied to <paramref name="x"/>.</param>
    /// <param name="x">The scaled vector.</param>
    /// <param name="y">The added vector.</param>
    /// <param name="result">Receives <c>alpha * x + y</c>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Axpy(double alpha, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> result) => AxpyCore(alpha, x, y, result);

    /// <inheritdoc cref="Axpy(double, ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>
    public static void Axpy(float alpha, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> result) => AxpyCore(alpha, x, y, result);

    /// <summary>Pullback of <see cref="Axpy(double, ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>: <c>dalpha += seed . x</c>, <c>dx += alpha * seed</c>, <c>dy += seed</c>.</summary>
    /// <param name="alpha">The primal factor.</param>
    /// <param name="x">The primal scaled vector.</param>
    /// <param name="y">The primal added vector.</param>
    /// <param name="result">The primal result (read only).</param>
    /// <param name="seed">The adjoint of <paramref name="result"/>.</param>
    /// <param name="dalpha">Accumulates the gradient with respect to <paramref name="alpha"/>.</param>
    /// <param name="dx">Accumulates the gradient with respect to <paramref name="x"/>.</param>
    /// <param name="dy">Accumulates the gradient with respect to <paramref name="y"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    [DerivativeOf(nameof(Axpy))]
    public static void AxpyPullback(double alpha, ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> result, ReadOnlySpan<double> seed, ref double dalpha, Span<double> dx, Span<double> dy)
        => AxpyPullbackCore(alpha, x, y, result, seed, ref dalpha, dx, dy);

    /// <inheritdoc cref="AxpyPullback(double, ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, ref double, Span{double}, Span{double})"/>
    [DerivativeOf(nameof(Axpy))]
    public static void AxpyPullback(float alpha, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> result, ReadOnlySpan<float> seed, ref float dalpha, Span<float> dx, Span<float> dy)
        => AxpyPullbackCore(alpha, x, y, result, seed, ref dalpha, dx, dy);

    private static void AxpyCore<T>(T alpha, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateBinary(x.Length, y.Length, result.Length);
        TensorPrimitives.MultiplyAdd(x, alpha, y, result);
    }

    private static void AxpyPullbackCore<T>(T alpha, ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> result, ReadOnlySpan<T> seed, ref T dalpha, Span<T> dx, Span<T> dy)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateBinaryPullback(x.Length, y.Length, result.Length, seed.Length, dx.Length, dy.Length);

        // r = alpha * x + y  =>  dalpha += sum_i dr_i x_i; dx += alpha * dr; dy += dr
        dalpha += TensorPrimitives.Dot(seed, x);
        TensorPrimitives.MultiplyAdd(seed, alpha, dx, dx);
        TensorPrimitives.Add(dy, seed, dy);
    }

    // ---------------------------------------------------------------- Add

    /// <summary>Elementwise sum: <c>result[i] = x[i] + y[i]</c>.</summary>
    /// <param name="x">The first operand.</param>
    /// <param name="y">The second operand.</param>
    /// <param name="result">Receives the sum.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Add(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> result) => AddCore(x, y, result);

    /// <inheritdoc cref="Add(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>
    public static void Add(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> result) => AddCore(x, y, result);

    /// <summary>Pullback of <see cref="Add(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>: <c>dx += seed</c>, <c>dy += seed</c>.</summary>
    /// <param name="x">The primal first operand.</param>
    /// <param name="y">The primal second operand.</param>
    /// <param name="result">The primal result (read only).</param>
    /// <param name="seed">The adjoint of <paramref name="result"/>.</param>
    /// <param name="dx">Accumulates the gradient with respect to <paramref name="x"/>.</param>
    /// <param name="dy">Accumulates the gradient with respect to <paramref name="y"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    [DerivativeOf(nameof(Add))]
    public static void AddPullback(ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> result, ReadOnlySpan<double> seed, Span<double> dx, Span<double> dy)
        => AddPullbackCore(x, y, result, seed, dx, dy);

    /// <inheritdoc cref="AddPullback(ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, Span{double})"/>
    [DerivativeOf(nameof(Add))]
    public static void AddPullback(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> result, ReadOnlySpan<float> seed, Span<float> dx, Span<float> dy)
        => AddPullbackCore(x, y, result, seed, dx, dy);

    private static void AddCore<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateBinary(x.Length, y.Length, result.Length);
        TensorPrimitives.Add(x, y, result);
    }

    private static void AddPullbackCore<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> result, ReadOnlySpan<T> seed, Span<T> dx, Span<T> dy)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateBinaryPullback(x.Length, y.Length, result.Length, seed.Length, dx.Length, dy.Length);

        // r = x + y  =>  dx += dr; dy += dr
        TensorPrimitives.Add(dx, seed, dx);
        TensorPrimitives.Add(dy, seed, dy);
    }

    // ---------------------------------------------------------------- Subtract

    /// <summary>Elementwise difference: <c>result[i] = x[i] - y[i]</c>.</summary>
    /// <param name="x">The minuend.</param>
    /// <param name="y">The subtrahend.</param>
    /// <param name="result">Receives the difference.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Subtract(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> result) => SubtractCore(x, y, result);

    /// <inheritdoc cref="Subtract(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>
    public static void Subtract(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> result) => SubtractCore(x, y, result);

    /// <summary>Pullback of <see cref="Subtract(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>: <c>dx += seed</c>, <c>dy -= seed</c>.</summary>
    /// <param name="x">The primal minuend.</param>
    /// <param name="y">The primal subtrahend.</param>
    /// <param name="result">The primal result (read only).</param>
    /// <param name="seed">The adjoint of <paramref name="result"/>.</param>
    /// <param name="dx">Accumulates the gradient with respect to <paramref name="x"/>.</param>
    /// <param name="dy">Accumulates the gradient with respect to <paramref name="y"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    [DerivativeOf(nameof(Subtract))]
    public static void SubtractPullback(ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> result, ReadOnlySpan<double> seed, Span<double> dx, Span<double> dy)
        => SubtractPullbackCore(x, y, result, seed, dx, dy);

    /// <inheritdoc cref="SubtractPullback(ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, Span{double})"/>
    [DerivativeOf(nameof(Subtract))]
    public static void SubtractPullback(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> result, ReadOnlySpan<float> seed, Span<float> dx, Span<float> dy)
        => SubtractPullbackCore(x, y, result, seed, dx, dy);

    private static void SubtractCore<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateBinary(x.Length, y.Length, result.Length);
        TensorPrimitives.Subtract(x, y, result);
    }

    private static void SubtractPullbackCore<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> result, ReadOnlySpan<T> seed, Span<T> dx, Span<T> dy)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateBinaryPullback(x.Length, y.Length, result.Length, seed.Length, dx.Length, dy.Length);

        // r = x - y  =>  dx += dr; dy -= dr
        TensorPrimitives.Add(dx, seed, dx);
        TensorPrimitives.Subtract(dy, seed, dy);
    }

    // ---------------------------------------------------------------- Multiply

    /// <summary>Elementwise (Hadamard) product: <c>result[i] = x[i] * y[i]</c>.</summary>
    /// <param name="x">The first factor.</param>
    /// <param name="y">The second factor.</param>
    /// <param name="result">Receives the product.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Multiply(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> result) => MultiplyCore(x, y, result);

    /// <inheritdoc cref="Multiply(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>
    public static void Multiply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> result) => MultiplyCore(x, y, result);

    /// <summary>Pullback of <see cref="Multiply(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>: <c>dx += seed * y</c>, <c>dy += seed * x</c>.</summary>
    /// <param name="x">The primal first factor.</param>
    /// <param name="y">The primal second factor.</param>
    /// <param name="result">The primal result (read only).</param>
    /// <param name="seed">The adjoint of <paramref name="result"/>.</param>
    /// <param name="dx">Accumulates the gradient with respect to <paramref name="x"/>.</param>
    /// <param name="dy">Accumulates the gradient with respect to <paramref name="y"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    [DerivativeOf(nameof(Multiply))]
    public static void MultiplyPullback(ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> result, ReadOnlySpan<double> seed, Span<double> dx, Span<double> dy)
        => MultiplyPullbackCore(x, y, result, seed, dx, dy);

    /// <inheritdoc cref="MultiplyPullback(ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, Span{double})"/>
    [DerivativeOf(nameof(Multiply))]
    public static void MultiplyPullback(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> result, ReadOnlySpan<float> seed, Span<float> dx, Span<float> dy)
        => MultiplyPullbackCore(x, y, result, seed, dx, dy);

    private static void MultiplyCore<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateBinary(x.Length, y.Length, result.Length);
        TensorPrimitives.Multiply(x, y, result);
    }

    private static void MultiplyPullbackCore<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> result, ReadOnlySpan<T> seed, Span<T> dx, Span<T> dy)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateBinaryPullback(x.Length, y.Length, result.Length, seed.Length, dx.Length, dy.Length);

        // r = x * y  =>  dx += dr * y; dy += dr * x
        TensorPrimitives.MultiplyAdd(seed, y, dx, dx);
        TensorPrimitives.MultiplyAdd(seed, x, dy, dy);
    }

    // ---------------------------------------------------------------- Divide

    /// <summary>Elementwise quotient: <c>result[i] = x[i] / y[i]</c>.</summary>
    /// <param name="x">The dividend.</param>
    /// <param name="y">The divisor.</param>
    /// <param name="result">Receives the quotient.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Divide(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> result) => DivideCore(x, y, result);

    /// <inheritdoc cref="Divide(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>
    public static void Divide(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> result) => DivideCore(x, y, result);

    /// <summary>Pullback of <see cref="Divide(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>: <c>dx += seed / y</c>, <c>dy -= seed * result / y</c>.</summary>
    /// <param name="x">The primal dividend.</param>
    /// <param name="y">The primal divisor.</param>
    /// <param name="result">The primal quotient (read only).</param>
    /// <param name="seed">The adjoint of <paramref name="result"/>.</param>
    /// <param name="dx">Accumulates the gradient with respect to <paramref name="x"/>.</param>
    /// <param name="dy">Accumulates the gradient with respect to <paramref name="y"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    [DerivativeOf(nameof(Divide))]
    public static void DividePullback(ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> result, ReadOnlySpan<double> seed, Span<double> dx, Span<double> dy)
        => DividePullbackCore(x, y, result, seed, dx, dy);

    /// <inheritdoc cref="DividePullback(ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, Span{double})"/>
    [DerivativeOf(nameof(Divide))]
    public static void DividePullback(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> result, ReadOnlySpan<float> seed, Span<float> dx, Span<float> dy)
        => DividePullbackCore(x, y, result, seed, dx, dy);

    private static void DivideCore<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateBinary(x.Length, y.Length, result.Length);
        TensorPrimitives.Divide(x, y, result);
    }

    private static void DividePullbackCore<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> result, ReadOnlySpan<T> seed, Span<T> dx, Span<T> dy)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateBinaryPullback(x.Length, y.Length, result.Length, seed.Length, dx.Length, dy.Length);

        // r = x / y  =>  dx += dr / y; dy += dr * (-x / y^2) = -(dr / y) * r
        Span<T> buffer = stackalloc T[ChunkLength];
        for (int start = 0; start < x.Length; start += ChunkLength)
        {
            int length = Math.Min(ChunkLength, x.Length - start);
            Span<T> t = buffer[..length];
            Span<T> gx = dx.Slice(start, length);
            Span<T> gy = dy.Slice(start, length);
            TensorPrimitives.Divide(seed.Slice(start, length), y.Slice(start, length), t);  // t = dr / y
            TensorPrimitives.Add(gx, t, gx);
            TensorPrimitives.Multiply(t, result.Slice(start, length), t);                  // t = dr * r / y
            TensorPrimitives.Subtract(gy, t, gy);
        }
    }
}
