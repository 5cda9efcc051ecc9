using System;
using System.Text.Json;
using AutoDiffGen.GradBench.Objectives;
using AutoDiffGen.GradBench.Protocol;

namespace AutoDiffGen.GradBench.Modules;

/// <summary>
/// The gmm eval: <c>objective</c> is the log posterior <see cref="Gmm.LogPosterior"/>, <c>jacobian</c> its gradient
/// from the generated <c>Gmm.LogPosteriorGradient</c>, returned as <c>{"alpha", "mu", "q", "l"}</c> in the shapes
/// of the input. Input <c>{d, k, n, alpha, mu, q, l, x, gamma, m}</c>: <c>alpha</c> k numbers; <c>mu</c>, <c>q</c>
/// k rows of d; <c>x</c> n rows of d; <c>gamma</c> &gt; 0; <c>m</c> ≥ 0. <c>l[k]</c> is accepted in either form
/// GradBench has used: jagged (d rows, row j holding L[j][0..j-1], the README's form) or flat (d(d-1)/2 numbers in
/// ADBench's column-by-column order, the form of GradBench's C++ reference); the jacobian's <c>l</c> uses the same
/// form as the input's.
/// </summary>
internal sealed class GmmModule() : ObjectModule(
    "gmm",
    """
    {"d": 3, "k": 2, "n": 2, "alpha": [0.5, -0.5], "mu": [[0, 1, 0], [1, 0, -1]], "q": [[0.1, -0.2, 0.3], [0, 0.2, -0.1]],
     "l": [[[], [0.5], [-0.25, 0.125]], [[], [0.3], [0.2, -0.4]]], "x": [[1, 0.5, -0.5], [-1, 2, 0]], "gamma": 1.5, "m": 1,
     "min_runs": 1, "min_seconds": 0}
    """,
    "objective",
    "jacobian")
{
    protected override PreparedCall Prepare(string function, Runs runs, JsonElement input)
    {
        var instance = GmmInput.Read(input);
        return function == "objective" ? new ObjectiveCall(runs, instance) : new JacobianCall(runs, instance);
    }

    private sealed class ObjectiveCall(Runs runs, GmmInput g) : ScalarCall(runs)
    {
        public override void Run() => Value = Gmm.LogPosterior(g.Alpha, g.Mu, g.Q, g.L, g.X, g.Gamma, g.M, g.D, g.K, g.N);
    }

    private sealed class JacobianCall(Runs runs, GmmInput g) : PreparedCall(runs)
    {
        private readonly double[] dAlpha = new double[g.Alpha.Length];
        private readonly double[] dMu = new double[g.Mu.Length];
        private readonly double[] dQ = new double[g.Q.Length];
        private readonly double[] dL = new double[g.L.Length];

        /// <summary>The objective the generated method returns beside the gradient.</summary>
        public double Value { get; private set; }

        public override void Run()
        {
            Value = Gmm.LogPosteriorGradient(g.Alpha, g.Mu, g.Q, g.L, g.X, g.Gamma, g.M, g.D, g.K, g.N, dAlpha, dMu, dQ, dL);
        }

        public override void WriteOutput(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            writer.WritePropertyName("alpha");
            JsonOutput.WriteVector(writer, dAlpha, "alpha");
            writer.WritePropertyName("mu");
            JsonOutput.WriteMatrix(writer, dMu, g.K, "mu");
            writer.WritePropertyName("q");
            JsonOutput.WriteMatrix(writer, dQ, g.K, "q");
            writer.WritePropertyName("l");
            g.WriteL(writer, dL);
            writer.WriteEndObject();
        }
    }
}

/// <summary>
/// A gmm input, read and checked. <c>Mu</c>, <c>Q</c> are K rows of D, <c>X</c> N rows of D; <c>L</c> is K blocks of
/// D(D-1)/2 in the objective's row-by-row layout (row j at offset j(j-1)/2), whatever form the input used;
/// <c>JaggedL</c> says which form that was (else flat, column by column).
/// </summary>
internal sealed record GmmInput(
    int D, int K, int N, double[] Alpha, double[] Mu, double[] Q, double[] L, bool JaggedL, double[] X, double Gamma, int M)
{
    public static GmmInput Read(JsonElement input)
    {
        int d = JsonInput.ReadInt(input, "d", minimum: 1, maximum: 1 << 12);
        int k = JsonInput.ReadInt(input, "k", minimum: 1, maximum: 1 << 20);
        int n = JsonInput.ReadInt(input, "n", minimum: 1);
        double[] alpha = JsonInput.ReadVector(input, "alpha", k);
        double[] mu = JsonInput.ReadMatrix(input, "mu", k, d);
        double[] q = JsonInput.ReadMatrix(input, "q", k, d);
        double[] l = ReadL(input, d, k, out bool jagged);
        double[] x = JsonInput.ReadMatrix(input, "x", n, d);
        double gamma = JsonInput.ReadNumberField(input, "gamma", minimumExclusive: 0);
        int m = JsonInput.ReadInt(input, "m", minimum: 0, maximum: 1 << 20);
        return new GmmInput(d, k, n, alpha, mu, q, l, jagged, x, gamma, m);
    }

    /// <summary>Writes a gradient with respect to <see cref="L"/> in the form the input used.</summary>
    public void WriteL(Utf8JsonWriter writer, ReadOnlySpan<double> rowMajor)
    {
        int size = D * (D - 1) / 2;
        writer.WriteStartArray();
        for (int ik = 0; ik < K; ik++)
        {
            ReadOnlySpan<double> block = rowMajor.Slice(ik * size, size);
            writer.WriteStartArray();
            if (JaggedL)
            {
                for (int j = 0; j < D; j++)
                {
                    JsonOutput.WriteVector(writer, block.Slice(j * (j - 1) / 2, j), $"l[{ik}][{j}]");
                }
            }
            else
            {
                for (int c = 0; c < D; c++)
                {
                    for (int r = c + 1; r < D; r++)
                    {
                        JsonOutput.WriteNumber(writer, block[(r * (r - 1) / 2) + c], $"l[{ik}] (row {r}, column {c})");
                    }
                }
            }

            writer.WriteEndArray();
        }

        writer.WriteEndArray();
    }

    private static double[] ReadL(JsonElement input, int d, int k, out bool jagged)
    {
        JsonElement value = JsonInput.Field(input, "l");
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() != k)
        {
            throw new InputException($"\"l\" must be an array of {k} components, not {JsonInput.Describe(value)}");
        }

        int size = d * (d - 1) / 2;
        double[] l = new double[checked(k * size)];
        JsonElement first = value[0];
        jagged = first.ValueKind == JsonValueKind.Array && first.GetArrayLength() > 0 && first[0].ValueKind == JsonValueKind.Array;
        int ik = 0;
        foreach (JsonElement component in value.EnumerateArray())
        {
            Span<double> block = l.AsSpan(ik * size, size);
            string what = $"\"l\"[{ik}]";
            if (jagged)
            {
                ReadJagged(component, what, d, block);
            }
            else
            {
                // ADBench's order: column c holds rows c+1 .. d-1.
                double[] flat = JsonInput.ReadVectorValue(component, what, size);
                int index = 0;
                for (int c = 0; c < d; c++)
                {
                    for (int r = c + 1; r < d; r++)
                    {
                        block[(r * (r - 1) / 2) + c] = flat[index++];
                    }
                }
            }

            ik++;
        }

        return l;
    }

    private static void ReadJagged(JsonElement component, string what, int d, Span<double> block)
    {
        if (component.ValueKind != JsonValueKind.Array || component.GetArrayLength() != d)
        {
            throw new InputException($"{what} must be an array of {d} rows (row j holding j numbers), like the first component, not {JsonInput.Describe(component)}");
        }

        int j = 0;
        foreach (JsonElement row in component.EnumerateArray())
        {
            string rowWhat = $"{what}[{j}]";
            if (row.ValueKind != JsonValueKind.Array || row.GetArrayLength() != j)
            {
                throw new InputException($"{rowWhat} must be an array of {j} numbers, not {JsonInput.Describe(row)}");
            }

            JsonInput.ReadInto(row, rowWhat, block.Slice(j * (j - 1) / 2, j));
            j++;
        }
    }
}
