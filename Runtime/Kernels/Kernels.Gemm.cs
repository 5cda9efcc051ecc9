using System;
using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Threading;

namespace AutoDiffGen;

// The matrix-product engine behind MatMul and its pullback: C[m x n] += op(A)[m x k] op(B)[k x n], all row-major.
//
// Large products follow the classic GotoBLAS/BLIS structure:
//   for each KC-deep slice of the inner dimension:
//     pack op(B)[slice, :] into NR-wide column panels      (each panel is read from L1 by the micro-kernel)
//     for each MC-tall block of rows:
//       pack op(A)[block, slice] into MR-tall row panels  (the block stays in L2)
//       for each NR panel, for each MR panel: micro-kernel (MR x NR tile of C kept in registers)
// Packing absorbs the transpose flags (it reads either layout and always writes the same panel layout), zero-pads
// ragged edges so the micro-kernel always runs full tiles, and makes every inner-loop load contiguous.
// The micro-kernel holds an 8 x (2 vectors) tile of C in 16 AVX-512 registers: per step of the inner dimension it
// loads two vectors of B, broadcasts eight elements of A and issues 16 independent fused multiply-adds, enough to
// cover the FMA latency on both FMA pipes.
public static partial class Kernels
{
    /// <summary>Rows of the register tile.</summary>
    private const int GemmMR = 8;

    /// <summary>Depth of a packed slice of the inner dimension (an A panel of 8 x 256 doubles is 16 KiB).</summary>
    private const int GemmKC = 256;

    /// <summary>Rows of a packed block of A (96 x 256 doubles = 192 KiB, resident in L2).</summary>
    private const int GemmMC = 96;

    /// <summary>Columns of a packed slice of B.</summary>
    private const int GemmNC = 2048;

    /// <summary>Below this many multiply-adds, packing costs more than it saves.</summary>
    private const long GemmBlockedThreshold = 32 * 32 * 32;

    /// <summary><c>C[m x n] += op(A)[m x k] op(B)[k x n]</c>; A is stored k x m when transposed, B n x k.</summary>
    private static void Gemm<T>(bool transA, bool transB, int m, int n, int k, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m == 0 || n == 0 || k == 0)
        {
            return;
        }

        if (Vector512.IsHardwareAccelerated
            && (typeof(T) == typeof(double) || typeof(T) == typeof(float))
            && (long)m * n * k >= GemmBlockedThreshold)
        {
            GemmBlocked(transA, transB, m, n, k, a, b, c);
        }
        else
        {
            GemmRows(transA, transB, m, n, k, a, b, c);
        }
    }

    /// <summary>
    /// Small or non-AVX-512 products: each row of C is updated with contiguous vectorised primitives
    /// (axpy over rows of B, or dot products with rows of B when B is stored transposed).
    /// </summary>
    private static void GemmRows<T>(bool transA, bool transB, int m, int n, int k, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!transB)
        {
            // C_i, += sum_p op(A)_ip B_p,
            for (int i = 0; i < m; i++)
            {
                Span<T> ci = c.Slice(i * n, n);
                for (int p = 0; p < k; p++)
                {
                    T aip = transA ? a[p * m + i] : a[i * k + p];
                    TensorPrimitives.MultiplyAdd(b.Slice(p * n, n), aip, ci, ci);
                }
            }

            return;
        }

        // op(B) = B^T with B stored n x k: C_ij += op(A)_i, . B_j, where B_j, is contiguous.
        T[]? rented = transA ? ArrayPool<T>.Shared.Rent(k) : null;
        try
        {
            for (int i = 0; i < m; i++)
            {
                ReadOnlySpan<T> ai;
                if (rented is null)
                {
                    ai = a.Slice(i * k, k);
                }
                else
                {
                    // Gather column i of the stored k x m matrix.
                    for (int p = 0; p < k; p++)
                    {
                        rented[p] = a[p * m + i];
                    }

                    ai = rented.AsSpan(0, k);
                }

                Span<T> ci = c.Slice(i * n, n);
                for (int j = 0; j < n; j++)
                {
                    ci[j] += TensorPrimitives.Dot(ai, b.Slice(j * k, k));
                }
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<T>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Below this many multiply-adds a product runs on one thread (a second one costs more than it saves).</summary>
    private const long GemmParallelThreshold = 1L << 21;

    private static unsafe void GemmBlocked<T>(bool transA, bool transB, int m, int n, int k, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c)
        where T : unmanaged
    {
        int nr = 2 * Vector512<T>.Count;
        fixed (T* aPtr = a)
        fixed (T* bPtr = b)
        fixed (T* cPtr = c)
        {
            // Large products split their columns in two: the second half goes to the thread pool, this thread does
            // the first, then runs the second itself if no pool thread has taken it yet. Each half packs its own
            // panels and writes disjoint columns of C, with the same order of operations as one thread: the result
            // is bitwise identical.
            int split = RoundUp((n + 1) / 2, nr);
            if (Environment.ProcessorCount > 1 && (long)m * n * k >= GemmParallelThreshold && split < n)
            {
                GemmHalf<T> half = GemmHalf<T>.Start(transA, transB, m, n, k, aPtr, bPtr, cPtr, split, n);
                try
                {
                    GemmColumns(transA, transB, m, n, k, aPtr, bPtr, cPtr, 0, split);
                }
                finally
                {
                    // Even if this half failed: the other must be finished before the pinned spans are released.
                    half.Finish();
                }

                return;
            }

            GemmColumns(transA, transB, m, n, k, aPtr, bPtr, cPtr, 0, n);
        }
    }

    /// <summary>The blocked product restricted to columns <paramref name="jStart"/> .. <paramref name="jEnd"/> of C.</summary>
    private static unsafe void GemmColumns<T>(bool transA, bool transB, int m, int n, int k, T* aPtr, T* bPtr, T* cPtr, int jStart, int jEnd)
        where T : unmanaged
    {
        int nr = 2 * Vector512<T>.Count;
        int ncMax = Math.Min(GemmNC, RoundUp(jEnd - jStart, nr));
        int mcMax = Math.Min(GemmMC, RoundUp(m, GemmMR));
        int kcMax = Math.Min(GemmKC, k);

        // 64-byte aligned panels: every vector load in the micro-kernel stays inside one cache line.
        T* bPack = (T*)NativeMemory.AlignedAlloc((nuint)(kcMax * ncMax * sizeof(T)), 64);
        T* aPack = (T*)NativeMemory.AlignedAlloc((nuint)(kcMax * mcMax * sizeof(T)), 64);
        T* tile = stackalloc T[GemmMR * 32];
        try
        {
            for (int jc = jStart; jc < jEnd; jc += GemmNC)
            {
                int nc = Math.Min(GemmNC, jEnd - jc);
                for (int pc = 0; pc < k; pc += GemmKC)
                {
                    int kc = Math.Min(GemmKC, k - pc);
                    PackB(transB, bPtr, n, k, pc, kc, jc, nc, nr, bPack);
                    for (int ic = 0; ic < m; ic += GemmMC)
                    {
                        int mc = Math.Min(GemmMC, m - ic);
                        PackA(transA, aPtr, m, k, ic, mc, pc, kc, aPack);
                        MacroKernel(mc, nc, kc, nr, aPack, bPack, cPtr + ((long)ic * n) + jc, n, tile);
                    }
                }
            }
        }
        finally
        {
            NativeMemory.AlignedFree(aPack);
            NativeMemory.AlignedFree(bPack);
        }
    }

    /// <summary>
    /// The second half of a split product, run by a pool thread or, if none has taken it when the caller finishes
    /// its own half, by the caller. Each calling thread reuses one instance as long as no stale queue entry of it
    /// is pending, so a steady-state product allocates nothing.
    /// </summary>
    private sealed unsafe class GemmHalf<T> : IThreadPoolWorkItem
        where T : unmanaged
    {
        [ThreadStatic]
        private static GemmHalf<T>? cached;

        private readonly ManualResetEventSlim done = new(false);
        private bool transA;
        private bool transB;
        private int m;
        private int n;
        private int k;
        private T* a;
        private T* b;
        private T* c;
        private int jStart;
        private int jEnd;
        private int claimed;
        private int queued;
        private Exception? failure;

        public static GemmHalf<T> Start(bool transA, bool transB, int m, int n, int k, T* a, T* b, T* c, int jStart, int jEnd)
        {
            // An instance whose last queue entry has not run yet cannot be reused: that entry could run on it.
            GemmHalf<T>? half = cached;
            if (half is null || Volatile.Read(ref half.queued) != 0)
            {
                cached = half = new GemmHalf<T>();
            }

            half.transA = transA;
            half.transB = transB;
            half.m = m;
            half.n = n;
            half.k = k;
            half.a = a;
            half.b = b;
            half.c = c;
            half.jStart = jStart;
            half.jEnd = jEnd;
            half.failure = null;
            half.done.Reset();
            half.claimed = 0;
            Interlocked.Increment(ref half.queued);
            ThreadPool.UnsafeQueueUserWorkItem(half, preferLocal: false);
            return half;
        }

        /// <summary>The pool's entry point: the queue entry is consumed first, so the caller may reuse the instance once the half is done.</summary>
        public void Execute()
        {
            bool mine = Interlocked.Exchange(ref claimed, 1) == 0;
            Interlocked.Decrement(ref queued);
            if (mine)
            {
                Compute();
            }
        }

        /// <summary>Runs the half here if no pool thread took it, else waits for it; rethrows its failure.</summary>
        public void Finish()
        {
            Run();
            done.Wait();
            if (failure is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            }
        }

        private void Run()
        {
            if (Interlocked.Exchange(ref claimed, 1) == 0)
            {
                Compute();
            }
        }

        private void Compute()
        {
            try
            {
                GemmColumns(transA, transB, m, n, k, a, b, c, jStart, jEnd);
            }
            catch (Exception e)
            {
                failure = e;
            }
            finally
            {
                done.Set();
            }
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>
    /// Packs <c>op(B)[pc .. pc+kc, jc .. jc+nc]</c> into panels of <paramref name="nr"/> columns: element
    /// <c>(p, j)</c> of panel <c>q</c> goes to <c>pack[q*kc*nr + p*nr + j]</c>; columns past the edge are zero.
    /// </summary>
    private static unsafe void PackB<T>(bool transB, T* b, int n, int k, int pc, int kc, int jc, int nc, int nr, T* pack)
        where T : unmanaged
    {
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            T* panel = pack + ((long)jr * kc);
            if (!transB)
            {
                // op(B)_pj = B[p*n + j]: each panel row is a contiguous run of B.
                for (int p = 0; p < kc; p++)
                {
                    T* src = b + ((long)(pc + p) * n) + jc + jr;
                    T* dst = panel + (p * nr);
                    int j = 0;
                    if (cols == nr)
                    {
                        Vector512.Store(Vector512.Load(src), dst);
                        Vector512.Store(Vector512.Load(src + Vector512<T>.Count), dst + Vector512<T>.Count);
                        continue;
                    }

                    for (; j < cols; j++)
                    {
                        dst[j] = src[j];
                    }

                    for (; j < nr; j++)
                    {
                        dst[j] = default;
                    }
                }
            }
            else
            {
                // op(B)_pj = B[j*k + p]: read each stored row of B contiguously, write it down a panel column.
                for (int j = 0; j < nr; j++)
                {
                    if (j < cols)
                    {
                        T* src = b + ((long)(jc + jr + j) * k) + pc;
                        for (int p = 0; p < kc; p++)
                        {
                            panel[(p * nr) + j] = src[p];
                        }
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++)
                        {
                            panel[(p * nr) + j] = default;
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Packs <c>op(A)[ic .. ic+mc, pc .. pc+kc]</c> into panels of <see cref="GemmMR"/> rows: element <c>(i, p)</c>
    /// of panel <c>q</c> goes to <c>pack[q*kc*MR + p*MR + i]</c>; rows past the edge are zero.
    /// </summary>
    private static unsafe void PackA<T>(bool transA, T* a, int m, int k, int ic, int mc, int pc, int kc, T* pack)
        where T : unmanaged
    {
        for (int ir = 0; ir < mc; ir += GemmMR)
        {
            int rows = Math.Min(GemmMR, mc - ir);
            T* panel = pack + ((long)ir * kc);
            if (!transA)
            {
                // op(A)_ip = A[i*k + p]: read each row of A contiguously, write it down a panel column.
                for (int i = 0; i < GemmMR; i++)
                {
                    if (i < rows)
                    {
                        T* src = a + ((long)(ic + ir + i) * k) + pc;
                        for (int p = 0; p < kc; p++)
                        {
                            panel[(p * GemmMR) + i] = src[p];
                        }
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++)
                        {
                            panel[(p * GemmMR) + i] = default;
                        }
                    }
                }
            }
            else
            {
                // op(A)_ip = A[p*m + i]: each panel row is a contiguous run of the stored k x m matrix.
                for (int p = 0; p < kc; p++)
                {
                    T* src = a + ((long)(pc + p) * m) + ic + ir;
                    T* dst = panel + (p * GemmMR);
                    int i = 0;
                    for (; i < rows; i++)
                    {
                        dst[i] = src[i];
                    }

                    for (; i < GemmMR; i++)
                    {
                        dst[i] = default;
                    }
                }
            }
        }
    }

    /// <summary>Runs the micro-kernel over every MR x NR tile of an mc x nc block of C.</summary>
    private static unsafe void MacroKernel<T>(int mc, int nc, int kc, int nr, T* aPack, T* bPack, T* c, int ldc, T* tile)
        where T : unmanaged
    {
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            T* bPanel = bPack + ((long)jr * kc);
            for (int ir = 0; ir < mc; ir += GemmMR)
            {
                int rows = Math.Min(GemmMR, mc - ir);
                T* aPanel = aPack + ((long)ir * kc);
                T* cTile = c + ((long)ir * ldc) + jr;
                if (rows == GemmMR && cols == nr)
                {
                    MicroKernel(kc, aPanel, bPanel, cTile, ldc);
                    continue;
                }

                // Ragged edge: run the full tile into a zeroed scratch tile, then add its valid part to C.
                new Span<T>(tile, GemmMR * nr).Clear();
                MicroKernel(kc, aPanel, bPanel, tile, nr);
                for (int i = 0; i < rows; i++)
                {
                    Span<T> dst = new(cTile + ((long)i * ldc), cols);
                    ReadOnlySpan<T> src = new(tile + (i * nr), cols);
                    AddInPlace(dst, src);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void MicroKernel<T>(int kc, T* a, T* b, T* c, int ldc)
        where T : unmanaged
    {
        if (typeof(T) == typeof(double))
        {
            MicroKernel8x16((double*)a, (double*)b, (double*)c, ldc, kc);
        }
        else if (typeof(T) == typeof(float))
        {
            MicroKernel8x32((float*)a, (float*)b, (float*)c, ldc, kc);
        }
        else
        {
            throw new NotSupportedException();
        }
    }

    private static void AddInPlace<T>(Span<T> destination, ReadOnlySpan<T> source)
        where T : unmanaged
    {
        if (typeof(T) == typeof(double))
        {
            Span<double> d = MemoryMarshal.Cast<T, double>(destination);
            TensorPrimitives.Add(d, MemoryMarshal.Cast<T, double>(source), d);
        }
        else
        {
            Span<float> d = MemoryMarshal.Cast<T, float>(destination);
            TensorPrimitives.Add(d, MemoryMarshal.Cast<T, float>(source), d);
        }
    }

    /// <summary>
    /// <c>C[8 x 16] += Apanel[8 x kc] Bpanel[kc x 16]</c> for doubles, with the tile of C in 16 registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MicroKernel8x16(double* a, double* b, double* c, int ldc, int kc)
    {
        Vector512<double> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<double> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<double> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<double> c60 = default, c61 = default, c70 = default, c71 = default;

        for (int p = 0; p < kc; p++)
        {
            // C_i,j += A_i,p B_p,j for the 8 rows i and 16 columns j of the tile.
            Vector512<double> b0 = Vector512.LoadAligned(b);
            Vector512<double> b1 = Vector512.LoadAligned(b + 8);
            Vector512<double> ai = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(ai, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(ai, b1, c01);
            ai = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(ai, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(ai, b1, c11);
            ai = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(ai, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(ai, b1, c21);
            ai = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(ai, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(ai, b1, c31);
            ai = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(ai, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(ai, b1, c41);
            ai = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(ai, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(ai, b1, c51);
            ai = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(ai, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(ai, b1, c61);
            ai = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(ai, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(ai, b1, c71);
            a += 8;
            b += 16;
        }

        AddRow(c, c00, c01);
        AddRow(c + ldc, c10, c11);
        AddRow(c + (2 * ldc), c20, c21);
        AddRow(c + (3 * ldc), c30, c31);
        AddRow(c + (4 * ldc), c40, c41);
        AddRow(c + (5 * ldc), c50, c51);
        AddRow(c + (6 * ldc), c60, c61);
        AddRow(c + (7 * ldc), c70, c71);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void AddRow(double* c, Vector512<double> left, Vector512<double> right)
    {
        Vector512.Store(Vector512.Load(c) + left, c);
        Vector512.Store(Vector512.Load(c + 8) + right, c + 8);
    }

    /// <summary>
    /// <c>C[8 x 32] += Apanel[8 x kc] Bpanel[kc x 32]</c> for floats, with the tile of C in 16 registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MicroKernel8x32(float* a, float* b, float* c, int ldc, int kc)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;

        for (int p = 0; p < kc; p++)
        {
            // C_i,j += A_i,p B_p,j for the 8 rows i and 32 columns j of the tile.
            Vector512<float> b0 = Vector512.LoadAligned(b);
            Vector512<float> b1 = Vector512.LoadAligned(b + 16);
            Vector512<float> ai = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(ai, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(ai, b1, c01);
            ai = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(ai, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(ai, b1, c11);
            ai = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(ai, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(ai, b1, c21);
            ai = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(ai, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(ai, b1, c31);
            ai = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(ai, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(ai, b1, c41);
            ai = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(ai, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(ai, b1, c51);
            ai = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(ai, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(ai, b1, c61);
            ai = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(ai, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(ai, b1, c71);
            a += 8;
            b += 32;
        }

        AddRow(c, c00, c01);
        AddRow(c + ldc, c10, c11);
        AddRow(c + (2 * ldc), c20, c21);
        AddRow(c + (3 * ldc), c30, c31);
        AddRow(c + (4 * ldc), c40, c41);
        AddRow(c + (5 * ldc), c50, c51);
        AddRow(c + (6 * ldc), c60, c61);
        AddRow(c + (7 * ldc), c70, c71);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void AddRow(float* c, Vector512<float> left, Vector512<float> right)
    {
        Vector512.Store(Vector512.Load(c) + left, c);
        Vector512.Store(Vector512.Load(c + 16) + right, c + 16);
    }
}
