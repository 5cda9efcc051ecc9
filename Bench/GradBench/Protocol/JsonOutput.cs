using System;
using System.Text.Json;

namespace AutoDiffGen.GradBench.Protocol;

/// <summary>An output holding NaN or an infinity: JSON has no literal for them, so the evaluation fails instead.</summary>
internal sealed class NonFiniteOutputException : Exception
{
    public NonFiniteOutputException(string message)
        : base(message)
    {
    }

    public NonFiniteOutputException()
    {
    }

    public NonFiniteOutputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Writes numbers, vectors and arrays-of-rows matrices into a reply, refusing values JSON cannot carry.</summary>
internal static class JsonOutput
{
    /// <summary>Writes <paramref name="value"/>; <paramref name="what"/> names it in the error if it is not finite.</summary>
    public static void WriteNumber(Utf8JsonWriter writer, double value, string what)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (!double.IsFinite(value))
        {
            throw new NonFiniteOutputException($"{what} is {value}, which JSON cannot represent");
        }

        writer.WriteNumberValue(value);
    }

    /// <summary>Writes <paramref name="values"/> as one array.</summary>
    public static void WriteVector(Utf8JsonWriter writer, ReadOnlySpan<double> values, string what)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartArray();
        for (int i = 0; i < values.Length; i++)
        {
            double value = values[i];
            if (!double.IsFinite(value))
            {
                throw new NonFiniteOutputException($"{what}[{i}] is {value}, which JSON cannot represent");
            }

            writer.WriteNumberValue(value);
        }

        writer.WriteEndArray();
    }

    /// <summary>Writes row-major <paramref name="values"/> as <paramref name="rows"/> arrays of equal length.</summary>
    public static void WriteMatrix(Utf8JsonWriter writer, ReadOnlySpan<double> values, int rows, string what)
    {
        ArgumentNullException.ThrowIfNull(writer);
        int columns = rows == 0 ? 0 : values.Length / rows;
        writer.WriteStartArray();
        for (int r = 0; r < rows; r++)
        {
            WriteVector(writer, values.Slice(r * columns, columns), $"{what}[{r}]");
        }

        writer.WriteEndArray();
    }
}
