using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace AutoDiffGen.CompilerServices;

/// <summary>
/// The last-in-first-out store that generated adjoints use inside loops (Tapenade's PUSH/POP): the forward sweep
/// pushes the values it overwrites and the branches it takes, the reverse sweep pops them in mirror order.
/// One tape per thread is reused, so a steady-state call allocates nothing.
/// </summary>
/// <remarks>Used by generated code; not meant to be called directly.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class AdjointTape
{
    [ThreadStatic]
    private static AdjointTape? cached;

    private double[] values = new double[256];
    private int valueCount;
    private int[] integers = new int[256];
    private int integerCount;

    /// <summary>Takes this thread's tape (or a new one when it is in use, e.g. by a recursive call).</summary>
    /// <returns>An empty tape.</returns>
    public static AdjointTape Rent()
    {
        AdjointTape? tape = cached;
        cached = null;
        return tape ?? new AdjointTape();
    }

    /// <summary>Gives the tape back for the next call on this thread.</summary>
    /// <param name="tape">The tape from <see cref="Rent"/>.</param>
    public static void Return(AdjointTape tape)
    {
        ArgumentNullException.ThrowIfNull(tape);
        tape.valueCount = 0;
        tape.integerCount = 0;
        cached = tape;
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
