using System;

namespace AutoDiffGen.Optimizers;

/// <summary>Argument checks and state allocation shared by the optimisers.</summary>
internal static class OptimizerChecks
{
    public static void Positive(double value, string name)
    {
        if (!(value > 0) || double.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(name, value, $"'{name}' must be positive and finite.");
        }
    }

    public static void NonNegative(double value, string name)
    {
        if (!(value >= 0) || double.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(name, value, $"'{name}' must be non-negative and finite.");
        }
    }

    /// <summary>Requires <c>low &lt;= value &lt; high</c>.</summary>
    public static void InRange(double value, double low, double high, string name)
    {
        if (!(value >= low && value < high))
        {
            throw new ArgumentOutOfRangeException(name, value, $"'{name}' must be in [{low}, {high}).");
        }
    }

    public static void SameLength(int parameters, int gradients)
    {
        if (parameters != gradients)
        {
            throw new ArgumentException(
                $"Length mismatch: 'parameters' has length {parameters} but 'gradients' has length {gradients}.",
                nameof(gradients));
        }
    }

    /// <summary>Returns the state buffer, allocating it (zeroed) on first use.</summary>
    public static T[] State<T>(ref T[]? buffer, int length)
    {
        if (buffer is null)
        {
            buffer = new T[length];
        }
        else if (buffer.Length != length)
        {
            throw new InvalidOperationException(
                $"This optimiser was first used with {buffer.Length} parameters and now with {length}; use one optimiser per parameter vector.");
        }

        return buffer;
    }
}
