using System;
using System.Text.Json;

namespace AutoDiffGen.GradBench.Protocol;

/// <summary>An <c>input</c> that does not have the shape the eval defines. The message goes into the reply's error.</summary>
internal sealed class InputException : Exception
{
    public InputException(string message)
        : base(message)
    {
    }

    public InputException()
    {
    }

    public InputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Reads the fields of an eval's input, checking every shape on the way: each failure names the field, what was
/// expected and what was found, so a reply's error says exactly what is wrong.
/// </summary>
internal static class JsonInput
{
    /// <summary>Checks that <paramref name="input"/> is an object (the evals' inputs, except hello's number).</summary>
    public static void RequireObject(JsonElement input)
    {
        if (input.ValueKind != JsonValueKind.Object)
        {
            throw new InputException($"the input must be an object, not {Describe(input)}");
        }
    }

    /// <summary>A finite number.</summary>
    public static double ReadNumber(JsonElement value, string what)
    {
        return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double x) && double.IsFinite(x)
            ? x
            : throw new InputException($"{what} must be a finite number, not {Describe(value)}");
    }

    /// <summary>The finite number in field <paramref name="name"/> of <paramref name="input"/>.</summary>
    public static double ReadNumberField(JsonElement input, string name, double minimumExclusive = double.NegativeInfinity)
    {
        double x = ReadNumber(Field(input, name), Quote(name));
        return x > minimumExclusive ? x : throw new InputException($"{Quote(name)} must be greater than {minimumExclusive}, not {x}");
    }

    /// <summary>The integer in field <paramref name="name"/>, at least <paramref name="minimum"/>.</summary>
    public static int ReadInt(JsonElement input, string name, int minimum, int maximum = int.MaxValue)
    {
        JsonElement value = Field(input, name);
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int n))
        {
            throw new InputException($"{Quote(name)} must be an integer, not {Describe(value)}");
        }

        return n >= minimum && n <= maximum
            ? n
            : throw new InputException($"{Quote(name)} must be between {minimum} and {maximum}, not {n}");
    }

    /// <summary>
    /// The array of numbers in field <paramref name="name"/>; of length <paramref name="length"/> unless that is
    /// negative, in which case any non-empty length.
    /// </summary>
    public static double[] ReadVector(JsonElement input, string name, int length = -1)
    {
        return ReadVectorValue(Field(input, name), Quote(name), length);
    }

    /// <summary>An array of numbers (see <see cref="ReadVector"/>); <paramref name="what"/> names it in errors.</summary>
    public static double[] ReadVectorValue(JsonElement value, string what, int length)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new InputException($"{what} must be an array of numbers, not {Describe(value)}");
        }

        int count = value.GetArrayLength();
        if (length >= 0 ? count != length : count == 0)
        {
            throw new InputException(length >= 0
                ? $"{what} must have {length} elements, not {count}"
                : $"{what} must not be empty");
        }

        double[] result = new double[count];
        ReadInto(value, what, result);
        return result;
    }

    /// <summary>
    /// The matrix in field <paramref name="name"/> given as <paramref name="rows"/> arrays of
    /// <paramref name="columns"/> numbers each (GradBench's arrays-of-rows), flattened row by row.
    /// </summary>
    public static double[] ReadMatrix(JsonElement input, string name, int rows, int columns)
    {
        JsonElement value = Field(input, name);
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() != rows)
        {
            throw new InputException($"{Quote(name)} must be an array of {rows} rows, not {Describe(value)}");
        }

        double[] result = new double[checked(rows * columns)];
        int r = 0;
        foreach (JsonElement row in value.EnumerateArray())
        {
            string what = $"{Quote(name)}[{r}]";
            if (row.ValueKind != JsonValueKind.Array || row.GetArrayLength() != columns)
            {
                throw new InputException($"{what} must be an array of {columns} numbers, not {Describe(row)}");
            }

            ReadInto(row, what, result.AsSpan(r * columns, columns));
            r++;
        }

        return result;
    }

    /// <summary>Field <paramref name="name"/> of the input object.</summary>
    public static JsonElement Field(JsonElement input, string name)
    {
        return input.TryGetProperty(name, out JsonElement value)
            ? value
            : throw new InputException($"the input has no {Quote(name)} field");
    }

    /// <summary>A short description of a JSON value for an error message: its kind and, if short, its text.</summary>
    public static string Describe(JsonElement value)
    {
        string text = value.GetRawText();
        string kind = value.ValueKind switch
        {
            JsonValueKind.Array => $"an array of {value.GetArrayLength()} elements",
            JsonValueKind.Object => "an object",
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "the number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            JsonValueKind.Null => "null",
            _ => "nothing",
        };
        return value.ValueKind is JsonValueKind.Array or JsonValueKind.Object || text.Length > 40 ? kind : kind + " " + text;
    }

    /// <summary>Reads the numbers of <paramref name="array"/> (as many as <paramref name="destination"/> holds) into it.</summary>
    public static void ReadInto(JsonElement array, string what, Span<double> destination)
    {
        int i = 0;
        foreach (JsonElement element in array.EnumerateArray())
        {
            destination[i] = ReadNumber(element, $"{what}[{i}]");
            i++;
        }
    }

    /// <summary>A field name in quotes, as errors name fields.</summary>
    public static string Quote(string name) => "\"" + name + "\"";
}
