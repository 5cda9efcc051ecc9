using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace AutoDiffGen.CompilerServices;

/// <summary>
/// The bounds checks of a span slice that generated code reads through its base array: a slice local
/// (<c>ReadOnlySpan&lt;double&gt; row = w.AsSpan(i * d, d)</c>) becomes a start and a length, and its elements
/// <c>w[start + j]</c>, so these checks keep the primal's exceptions: an out-of-range slice throws
/// <see cref="ArgumentOutOfRangeException"/> where it is taken, an out-of-range element
/// <see cref="IndexOutOfRangeException"/> where it is read.
/// </summary>
/// <remarks>Used by generated code; not meant to be called directly.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class SliceBounds
{
    /// <summary>Throws as <c>Span&lt;T&gt;.Slice(start, length)</c> does when the slice does not fit.</summary>
    /// <param name="baseLength">The length of the array or span sliced.</param>
    /// <param name="start">The slice's first index.</param>
    /// <param name="length">The slice's length.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Check(int baseLength, int start, int length)
    {
        if ((ulong)(uint)start + (ulong)(uint)length > (ulong)(uint)baseLength)
        {
            throw SliceOutOfRange();
        }
    }

    /// <summary>Returns <paramref name="index"/>, or throws as a span's indexer does when it is outside the slice.</summary>
    /// <param name="index">The index into the slice.</param>
    /// <param name="length">The slice's length.</param>
    /// <returns><paramref name="index"/>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Index(int index, int length)
    {
        if ((uint)index >= (uint)length)
        {
            throw IndexOutOfRange();
        }

        return index;
    }

    /// <summary>
    /// A <c>long</c> (or <c>uint</c>, <c>nint</c>) array index as the <c>int</c> a span's indexer takes: the primal may
    /// index an array with a <c>long</c>, the generated adjoint indexes spans. Throws as the array would for an index
    /// outside every array's bounds.
    /// </summary>
    /// <param name="index">The index.</param>
    /// <returns><paramref name="index"/> as an <c>int</c>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Narrow(long index)
    {
        if ((ulong)index > int.MaxValue)
        {
            throw ArrayIndexOutOfRange();
        }

        return (int)index;
    }

    /// <inheritdoc cref="Narrow(long)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Narrow(ulong index)
    {
        if (index > int.MaxValue)
        {
            throw ArrayIndexOutOfRange();
        }

        return (int)index;
    }

    // The checks throw an exception these helpers create (instead of calling a helper that throws): once a check is
    // inlined into a loop, the JIT sees the throw and keeps the failing branch out of the loop's hot path, while a
    // call it cannot tell never returns costs the loop about a third of its time (GMM d=10 with slices).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ArgumentOutOfRangeException SliceOutOfRange() => new("start", "The slice does not fit in the array or span it is taken from.");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IndexOutOfRangeException IndexOutOfRange() => new("Index was outside the bounds of the slice.");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IndexOutOfRangeException ArrayIndexOutOfRange() => new("Index was outside the bounds of the array.");
}
