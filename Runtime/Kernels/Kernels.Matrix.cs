using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace AutoDiffGen;

// Matrix kernels: MatVec and MatMul over row-major storage. Their pullbacks are themselves matrix products,
// so they reuse the same engine (Kernels.Gemm.cs) with the operands' roles and transpose flags permuted.
public static partial class Kernels
{
    // ---------------------------------------------------------------- MatVec

    /// <summary>
    /// Matrix-vector product with a row-major matrix <c>A</c> of <paramref name="rows"/> x <paramref name="columns"/>:
    /// <c>result = A x</c> (length <paramref name="rows"/>, <paramref name="x"/> of length <paramref name="columns"/>), or
    /// with <paramref name="transpose"/> <c>result = A^T x</c> (length <paramref name="columns"/>, <paramref name="x"/> of
    /// length <paramref name="rows"/>).
    /// </summary>
    /// <param name="a">The matrix, <paramref name="rows"/> x <paramref name="columns"/> row-major, as stored.</param>
    /// <param name="x">The vector.</param>
    /// <param name="rows">The number of rows of the stored matrix.</param>
    /// <param name="columns">The number of columns of the stored matrix.</param>
    /// <param name="transpose">Whether to multiply by the transpose of the stored matrix.</param>
    /// <param name="result">Receives the product; must not overlap <paramref name="a"/> or <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">A length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative.</exception>
    public static void MatVec(ReadOnlySpan<double> a, ReadOnlySpan<double> x, int rows, int columns, bool transpose, Span<double> result)
        => MatVecCore(a, x, rows, columns, transpose, result);

    /// <inheritdoc cref="MatVec(ReadOnlySpan{double}, ReadOnlySpan{double}, int, int, bool, Span{double})"/>
    public static void MatVec(ReadOnlySpan<float> a, ReadOnlySpan<float> x, int rows, int columns, bool transpose, Span<float> result)
        => MatVecCore(a, x, rows, columns, transpose, result);

    /// <summary>
    /// Pullback of <see cref="MatVec(ReadOnlySpan{double}, ReadOnlySpan{double}, int, int, bool, Span{double})"/>:
    /// for <c>y = A x</c>, <c>da += seed x^T</c> and <c>dx += A^T seed</c>; for <c>y = A^T x</c>,
    /// <c>da += x seed^T</c> and <c>dx += A seed</c>.
    /// </summary>
    /// <param name="a">The primal matrix.</param>
    /// <param name="x">The primal vector.</param>
    /// <param name="rows">The number of rows of the stored matrix.</param>
    /// <param name="columns">The number of columns of the stored matrix.</param>
    /// <param name="transpose">Whether the primal used the transpose.</param>
    /// <param name="result">The primal result (read only).</param>
    /// <param name="seed">The adjoint of <paramref name="result"/>.</param>
    /// <param name="da">Accumulates the gradient with respect to <paramref name="a"/> (same layout).</param>
    /// <param name="dx">Accumulates the gradient with respect to <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">A length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative.</exception>
    [DerivativeOf(nameof(MatVec), AcceptsEmptyGradients = true)]
    public static void MatVecPullback(ReadOnlySpan<double> a, ReadOnlySpan<double> x, int rows, int columns, bool transpose, ReadOnlySpan<double> result, ReadOnlySpan<double> seed, Span<double> da, Span<double> dx)
        => MatVecPullbackCore(a, x, rows, columns, transpose, result, seed, da, dx);

    /// <inheritdoc cref="MatVecPullback(ReadOnlySpan{double}, ReadOnlySpan{double}, int, int, bool, ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, Span{double})"/>
    [DerivativeOf(nameof(MatVec), AcceptsEmptyGradients = true)]
    public static void MatVecPullback(ReadOnlySpan<float> a, ReadOnlySpan<float> x, int rows, int columns, bool transpose, ReadOnlySpan<float> result, ReadOnlySpan<float> seed, Span<float> da, Span<float> dx)
        => MatVecPullbackCore(a, x, rows, columns, transpose, result, seed, da, dx);

    private static void ValidateMatVec(int a, int x, int rows, int columns, bool transpose, int result)
    {
        RequireNonNegative(rows, nameof(rows));
        RequireNonNegative(columns, nameof(columns));
        RequireLength(a, nameof(a), (long)rows * columns, "rows * columns");
        RequireLength(x, nameof(x), transpose ? rows : columns, transpose ? "rows (transposed)" : "columns");
        RequireLength(result, nameof(result), transpose ? columns : rows, transpose ? "columns (transposed)" : "rows");
    }

    private static void MatVecCore<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> x, int rows, int columns, bool transpose, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateMatVec(a.Length, x.Length, rows, columns, transpose, result.Length);
        if (!transpose)
        {
            // y_i = sum_j A_ij x_j: one contiguous dot product per row.
            for (int i = 0; i < rows; i++)
            {
                result[i] = TensorPrimitives.Dot(a.Slice(i * columns, columns), x);
            }
        }
        else
        {
            // y = A^T x = sum_i x_i A_i,: one contiguous axpy per row, so A is read in storage order.
            result.Clear();
            for (int i = 0; i < rows; i++)
            {
                TensorPrimitives.MultiplyAdd(a.Slice(i * columns, columns), x[i], result, result);
            }
        }
    }

    private static void MatVecPullbackCore<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> x, int rows, int columns, bool transpose, ReadOnlySpan<T> result, ReadOnlySpan<T> seed, Span<T> da, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateMatVec(a.Length, x.Length, rows, columns, transpose, result.Length);
        RequireSameLength(result.Length, nameof(result), seed.Length, nameof(seed));
        RequireGradientLength(a.Length, nameof(a), da.Length, nameof(da));
        RequireGradientLength(x.Length, nameof(x), dx.Length, nameof(dx));
        bool wantA = !da.IsEmpty || a.IsEmpty;
        bool wantX = !dx.IsEmpty || x.IsEmpty;

        for (int i = 0; i < rows; i++)
        {
            ReadOnlySpan<T> row = a.Slice(i * columns, columns);
            if (!transpose)
            {
                // y_i = sum_j A_ij x_j  =>  dA_ij += dy_i x_j; dx_j += sum_i dy_i A_ij
                if (wantA)
                {
                    Span<T> drow = da.Slice(i * columns, columns);
                    TensorPrimitives.MultiplyAdd(x, seed[i], drow, drow);
                }

                if (wantX)
                {
                    TensorPrimitives.MultiplyAdd(row, seed[i], dx, dx);
                }
            }
            else
            {
                // y_j = sum_i A_ij x_i  =>  dA_ij += x_i dy_j; dx_i += sum_j A_ij dy_j
                if (wantA)
                {
                    Span<T> drow = da.Slice(i * columns, columns);
                    TensorPrimitives.MultiplyAdd(seed, x[i], drow, drow);
                }

                if (wantX)
                {
                    dx[i] += TensorPrimitives.Dot(row, seed);
                }
            }
        }
    }

    // ---------------------------------------------------------------- MatMul

    /// <summary>
    /// Matrix product <c>result = op(A) op(B)</c> of row-major matrices, where <c>op(A)</c> is
    /// <paramref name="m"/> x <paramref name="k"/>, <c>op(B)</c> is <paramref name="k"/> x <paramref name="n"/> and
    /// <paramref name="result"/> is <paramref name="m"/> x <paramref name="n"/>. <c>op(X)</c> is <c>X</c>, or
    /// <c>X^T</c> when the matching transpose flag is set, in which case <c>X</c> is stored transposed
    /// (<c>A</c> as <paramref name="k"/> x <paramref name="m"/>, <c>B</c> as <paramref name="n"/> x <paramref name="k"/>).
    /// </summary>
    /// <remarks>
    /// Large products run a cache-blocked, register-tiled AVX-512 kernel (packed panels, fused multiply-add);
    /// small ones, or machines without AVX-512, use vectorised row updates. Products of at least 2^21
    /// multiply-adds split their columns between the calling thread and a thread-pool thread (the caller runs both
    /// halves when no pool thread is free); the result is bitwise the same as on one thread.
    /// </remarks>
    /// <param name="a">The left matrix as stored.</param>
    /// <param name="b">The right matrix as stored.</param>
    /// <param name="m">Rows of <c>op(A)</c> and of the result.</param>
    /// <param name="k">Columns of <c>op(A)</c>, rows of <c>op(B)</c>.</param>
    /// <param name="n">Columns of <c>op(B)</c> and of the result.</param>
    /// <param name="transposeA">Whether <c>op(A) = A^T</c>.</param>
    /// <param name="transposeB">Whether <c>op(B) = B^T</c>.</param>
    /// <param name="result">Receives the product; must not overlap <paramref name="a"/> or <paramref name="b"/>.</param>
    /// <exception cref="ArgumentException">A length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative.</exception>
    public static void MatMul(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int m, int k, int n, bool transposeA, bool transposeB, Span<double> result)
        => MatMulCore(a, b, m, k, n, transposeA, transposeB, result);

    /// <inheritdoc cref="MatMul(ReadOnlySpan{double}, ReadOnlySpan{double}, int, int, int, bool, bool, Span{double})"/>
    public static void MatMul(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int k, int n, bool transposeA, bool transposeB, Span<float> result)
        => MatMulCore(a, b, m, k, n, transposeA, transposeB, result);

    /// <summary>
    /// Pullback of <see cref="MatMul(ReadOnlySpan{double}, ReadOnlySpan{double}, int, int, int, bool, bool, Span{double})"/>:
    /// with <c>S = seed</c> (<paramref name="m"/> x <paramref name="n"/>), <c>d op(A) += S op(B)^T</c> and
    /// <c>d op(B) += op(A)^T S</c>, each accumulated into the gradient in the operand's stored layout.
    /// </summary>
    /// <param name="a">The primal left matrix.</param>
    /// <param name="b">The primal right matrix.</param>
    /// <param name="m">Rows of <c>op(A)</c>.</param>
    /// <param name="k">Columns of <c>op(A)</c>, rows of <c>op(B)</c>.</param>
    /// <param name="n">Columns of <c>op(B)</c>.</param>
    /// <param name="transposeA">Whether the primal used <c>A^T</c>.</param>
    /// <param name="transposeB">Whether the primal used <c>B^T</c>.</param>
    /// <param name="result">The primal product (read only).</param>
    /// <param name="seed">The adjoint of <paramref name="result"/>.</param>
    /// <param name="da">Accumulates the gradient with respect to <paramref name="a"/> (same layout as <paramref name="a"/>).</param>
    /// <param name="db">Accumulates the gradient with respect to <paramref name="b"/> (same layout as <paramref name="b"/>).</param>
    /// <exception cref="ArgumentException">A length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative.</exception>
    [DerivativeOf(nameof(MatMul), AcceptsEmptyGradients = true)]
    public static void MatMulPullback(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int m, int k, int n, bool transposeA, bool transposeB, ReadOnlySpan<double> result, ReadOnlySpan<double> seed, Span<double> da, Span<double> db)
        => MatMulPullbackCore(a, b, m, k, n, transposeA, transposeB, result, seed, da, db);

    /// <inheritdoc cref="MatMulPullback(ReadOnlySpan{double}, ReadOnlySpan{double}, int, int, int, bool, bool, ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, Span{double})"/>
    [DerivativeOf(nameof(MatMul), AcceptsEmptyGradients = true)]
    public static void MatMulPullback(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int k, int n, bool transposeA, bool transposeB, ReadOnlySpan<float> result, ReadOnlySpan<float> seed, Span<float> da, Span<float> db)
        => MatMulPullbackCore(a, b, m, k, n, transposeA, transposeB, result, seed, da, db);

    private static void ValidateMatMul(int a, int b, int m, int k, int n, int result)
    {
        RequireNonNegative(m, nameof(m));
        RequireNonNegative(k, nameof(k));
        RequireNonNegative(n, nameof(n));
        RequireLength(a, nameof(a), (long)m * k, "m * k");
        RequireLength(b, nameof(b), (long)k * n, "k * n");
        RequireLength(result, nameof(result), (long)m * n, "m * n");
    }

    private static void MatMulCore<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, int m, int k, int n, bool transposeA, bool transposeB, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateMatMul(a.Length, b.Length, m, k, n, result.Length);

        // C = op(A) op(B): the engine accumulates, so start from zero.
        result.Clear();
        Gemm(transposeA, transposeB, m, n, k, a, b, result);
    }

    private static void MatMulPullbackCore<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, int m, int k, int n, bool transposeA, bool transposeB, ReadOnlySpan<T> result, ReadOnlySpan<T> seed, Span<T> da, Span<T> db)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateMatMul(a.Length, b.Length, m, k, n, result.Length);
        RequireSameLength(result.Length, nameof(result), seed.Length, nameof(seed));
        RequireGradientLength(a.Length, nameof(a), da.Length, nameof(da));
        RequireGradientLength(b.Length, nameof(b), db.Length, nameof(db));

        // C = op(A) op(B), S = dC  =>  d op(A) += S op(B)^T   [m x k]
        //                               d op(B) += op(A)^T S   [k x n]
        // When an operand is stored transposed its gradient is too, so the products are taken transposed:
        //   A stored k x m:  dA += (S op(B)^T)^T = op(B) S^T
        //   B stored n x k:  dB += (op(A)^T S)^T = S^T op(A)
        // An empty gradient is not wanted (AcceptsEmptyGradients): its product is skipped.
        if (!da.IsEmpty || a.IsEmpty)
        {
            if (!transposeA)
            {
                Gemm(false, !transposeB, m, k, n, seed, b, da);   // [m x n][n x k]
            }
            else
            {
                Gemm(transposeB, true, k, m, n, b, seed, da);     // [k x n][n x m]
            }
        }

        if (!db.IsEmpty || b.IsEmpty)
        {
            if (!transposeB)
            {
                Gemm(!transposeA, false, k, n, m, a, seed, db);   // [k x m][m x n]
            }
            else
            {
                Gemm(true, transposeA, n, k, m, seed, a, db);     // [n x m][m x k]
            }
        }
    }
}
