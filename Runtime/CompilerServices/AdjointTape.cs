using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace AutoDiffGen.CompilerServices;

/// <summary>
/// The last-in-first-out store that generated adjoints use inside loops (Tapenade's PUSH/POP): the forward sweep
/// pushes the values it overwrites and the branches it takes, the reverse sweep pops them in mirror order.
/// Tapes are reused per thread (a small stack of them, so nested and recursive adjoint calls each get their own),
/// so a steady-state call allocates nothing.
/// </summary>
/// <remarks>Used by generated code; not meant to be called directly.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class AdjointTape
{
    /// <summary>How many returned tapes a thread keeps: the deepest nesting of adjoint calls that reuses tapes.</summary>
    private const int MaxPooled = 64;

    // This thread's returned tapes, a stack: a call that rents while its caller holds a tape (a Pullback calling
    // another Pullback, or itself recursively) takes the next one instead of allocating a new one each time.
    [ThreadStatic]
    private static AdjointTape?[]? pool;

    [ThreadStatic]
    private static int pooled;

    private double[] values = new double[256];
    private int valueCount;
    private int[] integers = new int[256];
    private int integerCount;

    // Saved references (array locals that alias constant data, reassigned in a loop); created on first use.
    private object?[] references = [];

    /// <summary>Takes one of this thread's returned tapes, or a new one when all are in use (e.g. by the callers of a recursive call).</summary>
    /// <returns>An empty tape.</returns>
    public static AdjointTape Rent()
    {
        AdjointTape?[]? tapes = pool;
        if (tapes is not null && pooled > 0)
        {
            int top = --pooled;
            AdjointTape tape = tapes[top]!;
            tapes[top] = null;
            return tape;
        }

        return new AdjointTape();
    }

    /// <summary>Gives the tape back for the next call on this thread.</summary>
    /// <param name="tape">The tape from <see cref="Rent"/>.</param>
    public static void Return(AdjointTape tape)
    {
        ArgumentNullException.ThrowIfNull(tape);
        tape.valueCount = 0;
        tape.integerCount = 0;

        // Drop saved references, so a pooled tape keeps no caller's arrays alive.
        Array.Clear(tape.references);
        AdjointTape?[] tapes = pool ??= new AdjointTape?[MaxPooled];
        if (pooled < tapes.Length)
        {
            tapes[pooled++] = tape;
        }
    }

    /// <summary>
    /// The array of floating values, for generated code that keeps the array and its top in locals (registers):
    /// <c>values[top++] = v</c> to save, <c>values[--top]</c> to restore, <see cref="GrowValues"/> when full.
    /// </summary>
    public double[] Values => values;

    /// <summary>The array of integers and branch decisions, used like <see cref="Values"/>.</summary>
    public int[] Integers => integers;

    /// <summary>The array of saved references, used like <see cref="Values"/>; cleared when the tape is returned.</summary>
    public object?[] References => references;

    /// <summary>Doubles the reference array (keeping its contents; at least 16 slots) and returns it.</summary>
    /// <returns>The new array.</returns>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public object?[] GrowReferences()
    {
        Array.Resize(ref references, Math.Max(16, references.Length * 2));
        return references;
    }

    /// <summary>Doubles the floating-value array (keeping its contents) and returns it.</summary>
    /// <returns>The new array.</returns>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public double[] GrowValues()
    {
        Array.Resize(ref values, values.Length * 2);
        return values;
    }

    /// <summary>Doubles the integer array (keeping its contents) and returns it.</summary>
    /// <returns>The new array.</returns>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public int[] GrowIntegers()
    {
        Array.Resize(ref integers, integers.Length * 2);
        return integers;
    }

    /// <summary>Saves the contents of an array above <paramref name="top"/> in the floating-value array, growing it if needed.</summary>
    /// <param name="span">The values to save.</param>
    /// <param name="top">The number of values saved so far (the caller adds <c>span.Length</c> afterwards).</param>
    /// <returns>The floating-value array (a new one if it grew).</returns>
    public double[] PushSpan(ReadOnlySpan<double> span, int top)
    {
        if (top + span.Length > values.Length)
        {
            Array.Resize(ref values, Math.Max(values.Length * 2, top + span.Length));
        }

        span.CopyTo(values.AsSpan(top));
        return values;
    }

    /// <summary>Saves the contents of a float array (stored exactly as doubles); see <see cref="PushSpan(ReadOnlySpan{double}, int)"/>.</summary>
    /// <param name="span">The values to save.</param>
    /// <param name="top">The number of values saved so far.</param>
    /// <returns>The floating-value array (a new one if it grew).</returns>
    public double[] PushSpan(ReadOnlySpan<float> span, int top)
    {
        if (top + span.Length > values.Length)
        {
            Array.Resize(ref values, Math.Max(values.Length * 2, top + span.Length));
        }

        Span<double> into = values.AsSpan(top, span.Length);
        for (int i = 0; i < span.Length; i++)
        {
            into[i] = span[i];
        }

        return values;
    }

    /// <summary>Restores values saved by <see cref="PushSpan(ReadOnlySpan{double}, int)"/> starting at <paramref name="top"/> (the top after the caller took <c>into.Length</c> off).</summary>
    /// <param name="values">The floating-value array.</param>
    /// <param name="top">Where the saved values start.</param>
    /// <param name="into">Receives them.</param>
    public static void PopSpan(double[] values, int top, Span<double> into) => values.AsSpan(top, into.Length).CopyTo(into);

    /// <summary>Restores values saved by <see cref="PushSpan(ReadOnlySpan{float}, int)"/>.</summary>
    /// <param name="values">The floating-value array.</param>
    /// <param name="top">Where the saved values start.</param>
    /// <param name="into">Receives them.</param>
    public static void PopSpan(double[] values, int top, Span<float> into)
    {
        ArgumentNullException.ThrowIfNull(values);
        ReadOnlySpan<double> from = values.AsSpan(top, into.Length);
        for (int i = 0; i < into.Length; i++)
        {
            into[i] = (float)from[i];
        }
    }

    /// <summary>Saves a floating value.</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(double value)
    {
        if (valueCount == values.Length)
        {
            Array.Resize(ref values, values.Length * 2);
        }

        values[valueCount++] = value;
    }

    /// <summary>Restores the last saved floating value.</summary>
    /// <returns>The value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double PopDouble() => values[--valueCount];

    /// <summary>Restores the last saved floating value as a float (floats are stored exactly as doubles).</summary>
    /// <returns>The value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float PopFloat() => (float)values[--valueCount];

    /// <summary>Saves the contents of an array that a vector-valued call is about to overwrite.</summary>
    /// <param name="values">The values.</param>
    public void PushSpan(ReadOnlySpan<double> values)
    {
        EnsureValues(values.Length);
        values.CopyTo(this.values.AsSpan(valueCount));
        valueCount += values.Length;
    }

    /// <summary>Saves the contents of a float array (stored exactly as doubles).</summary>
    /// <param name="values">The values.</param>
    public void PushSpan(ReadOnlySpan<float> values)
    {
        EnsureValues(values.Length);
        Span<double> into = this.values.AsSpan(valueCount, values.Length);
        for (int i = 0; i < values.Length; i++)
        {
            into[i] = values[i];
        }

        valueCount += values.Length;
    }

    /// <summary>Restores contents saved by <see cref="PushSpan(ReadOnlySpan{double})"/>.</summary>
    /// <param name="into">Receives the values; the same length as when they were pushed.</param>
    public void PopSpan(Span<double> into)
    {
        valueCount -= into.Length;
        values.AsSpan(valueCount, into.Length).CopyTo(into);
    }

    /// <summary>Restores contents saved by <see cref="PushSpan(ReadOnlySpan{float})"/>.</summary>
    /// <param name="into">Receives the values; the same length as when they were pushed.</param>
    public void PopSpan(Span<float> into)
    {
        valueCount -= into.Length;
        ReadOnlySpan<double> from = values.AsSpan(valueCount, into.Length);
        for (int i = 0; i < into.Length; i++)
        {
            into[i] = (float)from[i];
        }
    }

    private void EnsureValues(int extra)
    {
        if (valueCount + extra > values.Length)
        {
            Array.Resize(ref values, Math.Max(values.Length * 2, valueCount + extra));
        }
    }

    /// <summary>Saves an integer (a counter, an index, an iteration count).</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(int value)
    {
        if (integerCount == integers.Length)
        {
            Array.Resize(ref integers, integers.Length * 2);
        }

        integers[integerCount++] = value;
    }

    /// <summary>Saves a branch decision.</summary>
    /// <param name="value">The condition's value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(bool value) => Push(value ? 1 : 0);

    /// <summary>Restores the last saved integer.</summary>
    /// <returns>The value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int PopInt() => integers[--integerCount];

    /// <summary>Restores the last saved branch decision.</summary>
    /// <returns>The condition's value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool PopBool() => integers[--integerCount] != 0;
}
