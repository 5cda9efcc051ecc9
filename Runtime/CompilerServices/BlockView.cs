using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AutoDiffGen.CompilerServices;

/// <summary>
/// Views of one block of a flattened array: generated adjoints read and write <c>a[c * B + j]</c> (row <c>c</c> of
/// a matrix stored by rows, the per-component buffer of component <c>c</c>) as <c>view[j]</c>, with the view taken
/// once per iteration of the loop over <c>c</c>. The compiler then needs no multiplication per element and can
/// drop the bounds checks of loops over <c>j</c>.
/// </summary>
/// <remarks>
/// The generator uses a view only where it has proved <c>0 &lt;= j &lt; B</c>. A view is clamped to the array, so
/// <c>view[j]</c> is in range exactly when <c>a[c * B + j]</c> is: a block that lies partly or wholly outside the
/// array throws <see cref="IndexOutOfRangeException"/> at the first element access that would have thrown, and
/// never on taking the view. (A negative block start <c>c * B</c> is at most <c>-B</c>, a block wholly before the
/// array, unless the product overflows.) Where the generator has proved every block inside the array it takes
/// <see cref="Inside{T}(Span{T}, int, int)"/> instead: exactly <c>B</c> elements, so no bounds checks remain.
/// Used by generated code; not meant to be called directly.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class BlockView
{
    /// <summary>The elements <c>[start, start + size)</c> of <paramref name="span"/> that exist.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="span">The whole array.</param>
    /// <param name="start">The block's first index, <c>c * B</c>.</param>
    /// <param name="size">The block size <c>B</c>.</param>
    /// <returns>The block, shortened where it leaves the array; empty when it starts outside it.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Span<T> Of<T>(Span<T> span, int start, int size)
    {
        int length = Length(span.Length, start, size);
        return length == 0 ? default : MemoryMarshal.CreateSpan(ref Unsafe.Add(ref MemoryMarshal.GetReference(span), (nint)(uint)start), length);
    }

    /// <inheritdoc cref="Of{T}(Span{T}, int, int)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<T> OfReadOnly<T>(ReadOnlySpan<T> span, int start, int size)
    {
        int length = Length(span.Length, start, size);
        return length == 0 ? default : MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref MemoryMarshal.GetReference(span), (nint)(uint)start), length);
    }

    /// <summary>The elements <c>[start, start + size)</c> of <paramref name="array"/> that exist.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="array">The whole array.</param>
    /// <param name="start">The block's first index, <c>c * B</c>.</param>
    /// <param name="size">The block size <c>B</c>.</param>
    /// <returns>The block, shortened where it leaves the array; empty when it starts outside it or the array is null.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Span<T> OfArray<T>(T[]? array, int start, int size) => array is null ? default : Of(new Span<T>(array), start, size);

    /// <summary>
    /// The block <c>[start, start + size)</c> of <paramref name="span"/>, which the generator has proved to lie inside
    /// it: the view has exactly <paramref name="size"/> elements, so the JIT drops the bounds checks of a loop
    /// <c>j &lt; size</c> over it.
    /// </summary>
    /// <remarks>
    /// Used for a local array created with length <c>C * B</c> and viewed in a loop <c>c = 0 .. C - 1</c>. The block
    /// can only leave the array when <c>C * B</c> overflowed <c>int</c>; the view then throws
    /// <see cref="ArgumentOutOfRangeException"/> when it is taken, and never reads or writes outside the array.
    /// Also used for a parameter viewed in such a loop, in the copy of the code that runs only when
    /// <c>(long)C * B &lt;= x.Length</c> was checked on entry (the other copy takes clamped views).
    /// (A checked <c>Slice</c> measured faster here than a hand-written check with its own throw helper.)
    /// </remarks>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="span">The whole array.</param>
    /// <param name="start">The block's first index, <c>c * B</c>.</param>
    /// <param name="size">The block size <c>B</c>.</param>
    /// <returns>The block.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The block is not inside the array.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Span<T> Inside<T>(Span<T> span, int start, int size) => span.Slice(start, size);

    /// <inheritdoc cref="Inside{T}(Span{T}, int, int)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Span<T> InsideArray<T>(T[] array, int start, int size) => new Span<T>(array, start, size);

    /// <inheritdoc cref="Inside{T}(Span{T}, int, int)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<T> InsideReadOnly<T>(ReadOnlySpan<T> span, int start, int size) => span.Slice(start, size);

    /// <summary>How many elements of the block <c>[start, start + size)</c> lie in <c>[0, total)</c>; 0 when it starts outside.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Length(int total, int start, int size)
    {
        // The common case, one comparison: the whole block is inside (size >= 0, start >= 0, start + size <= total).
        if ((ulong)(uint)start + (uint)size <= (uint)total)
        {
            return size;
        }

        // Outside the array (or a negative start): an empty view, so every access throws as the original would.
        if ((uint)start >= (uint)total || size <= 0)
        {
            return 0;
        }

        return total - start;
    }
}
