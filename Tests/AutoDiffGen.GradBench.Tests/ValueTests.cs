using System;
using System.Linq;
using System.Text.Json.Nodes;
using Xunit;

namespace AutoDiffGen.GradBench.Tests;

/// <summary>
/// The lse, llsq and det modules on their recorded sequences: primal outputs against values computed here by other
/// algorithms and against exact values; gradients against exact values where known and against central
/// differences of the tool's own primal, evaluated through the protocol at the same inputs.
/// </summary>
public class ValueTests
{
    [Fact]
    public void Lse_PrimalMatchesReference_GradientMatchesSoftmaxAndCentralDifferences()
    {
        using var tool = new ToolProcess();
        int gradients = CheckSequence(
            tool,
            "lse",
            "x",
            input => Reference.LogSumExp(Protocol.ToVector(input["x"])),
            primalTolerance: 1e-14,
            input =>
            {
                double[] x = Protocol.ToVector(input["x"]);
                double lse = Reference.LogSumExp(x);
                return [.. x.Select(v => Math.Exp(v - lse))];
            },
            exactTolerance: 1e-14);
        Assert.Equal(4, gradients);
    }

    [Fact]
    public void Lse_KnownValues_AreExact()
    {
        using var tool = new ToolProcess();
        JsonObject input = new() { ["x"] = new JsonArray(0.0, Math.Log(2), Math.Log(3)), ["min_runs"] = 1, ["min_seconds"] = 0 };
        Assert.Equal(Math.Log(6), Protocol.Number(tool.Send(Protocol.Evaluate(1, "lse", "primal", input))), 15);
        Assert.Equal([1.0 / 6, 2.0 / 6, 3.0 / 6], Protocol.Vector(tool.Send(Protocol.Evaluate(2, "lse", "gradient", input))), (a, b) => Math.Abs(a - b) < 1e-15);

        // exp(1000) overflows: only the max-shifted form gets this right.
        JsonObject large = new() { ["x"] = new JsonArray(1000.0, 1000.0), ["min_runs"] = 1, ["min_seconds"] = 0 };
        Assert.Equal(1000 + Math.Log(2), Protocol.Number(tool.Send(Protocol.Evaluate(3, "lse", "primal", large))), 12);
        Assert.Equal([0.5, 0.5], Protocol.Vector(tool.Send(Protocol.Evaluate(4, "lse", "gradient", large))));
    }

    [Fact]
    public void Llsq_PrimalMatchesReferenceAndExactValues_GradientMatchesCentralDifferences()
    {
        using var tool = new ToolProcess();
        int gradients = CheckSequence(
            tool,
            "llsq",
            "x",
            input => Reference.Llsq(Protocol.ToVector(input["x"]), input["n"]!.GetValue<int>()),
            primalTolerance: 1e-12);
        Assert.Equal(4, gradients);
        long id = 1000;

        // Exact: at x = 0 with n = 5 (t = -1, -½, 0, ½, 1; s = -1, -1, 0, 1, 1), y = ½ Σ s² = 2 and ∂y/∂x_j = -Σ s t^j.
        JsonObject zero = new() { ["x"] = new JsonArray(0.0, 0.0, 0.0), ["n"] = 5, ["min_runs"] = 1, ["min_seconds"] = 0 };
        Assert.Equal(2, Protocol.Number(tool.Send(Protocol.Evaluate(id++, "llsq", "primal", zero))));
        Assert.Equal([0.0, -3.0, 0.0], Protocol.Vector(tool.Send(Protocol.Evaluate(id++, "llsq", "gradient", zero))));
    }

    [Fact]
    public void Det_PrimalMatchesElimination_GradientMatchesCofactorsAndCentralDifferences()
    {
        using var tool = new ToolProcess();
        int gradients = CheckSequence(
            tool,
            "det",
            "A",
            input => Reference.Determinant(Protocol.ToVector(input["A"]), input["ell"]!.GetValue<int>()),
            primalTolerance: 1e-12,
            input => Reference.DeterminantGradient(Protocol.ToVector(input["A"]), input["ell"]!.GetValue<int>()),
            exactTolerance: 1e-11);
        Assert.Equal(6, gradients);
        long id = 1000;

        // Exact: det [[a, b], [c, d]] = ad - bc with gradient [d, -c, -b, a]; a triangular matrix's det is its diagonal's product.
        JsonObject twoByTwo = new() { ["A"] = new JsonArray(1.5, -2.0, 0.5, 3.0), ["ell"] = 2, ["min_runs"] = 1, ["min_seconds"] = 0 };
        Assert.Equal(5.5, Protocol.Number(tool.Send(Protocol.Evaluate(id++, "det", "primal", twoByTwo))));
        Assert.Equal([3.0, -0.5, 2.0, 1.5], Protocol.Vector(tool.Send(Protocol.Evaluate(id++, "det", "gradient", twoByTwo))));
        JsonObject triangular = Protocol.Load("det").Single(m => m["description"]?.GetValue<string>() == "triangular 4" && m["function"]!.GetValue<string>() == "primal");
        Assert.Equal(120, Protocol.Number(tool.Send(triangular)));
    }

    /// <summary>
    /// Replays sequence <paramref name="module"/>; checks each primal output against <paramref name="reference"/> and
    /// each gradient against <paramref name="exactGradient"/> (if given) and against central differences of the
    /// tool's own primal in the input field <paramref name="field"/>. Returns how many gradients it checked.
    /// </summary>
    private static int CheckSequence(
        ToolProcess tool,
        string module,
        string field,
        Func<JsonNode, double> reference,
        double primalTolerance,
        Func<JsonNode, double[]>? exactGradient = null,
        double exactTolerance = 0)
    {
        long id = 1000;
        int gradients = 0;
        foreach ((JsonObject message, JsonObject reply) in Evaluations(tool, module))
        {
            JsonNode input = message["input"]!;
            double expected = reference(input);
            if (message["function"]!.GetValue<string>() == "primal")
            {
                Assert.Equal(expected, Protocol.Number(reply), primalTolerance * Math.Max(1, Math.Abs(expected)));
                continue;
            }

            double[] gradient = Protocol.Vector(reply);
            if (exactGradient is not null)
            {
                FiniteDifferences.AssertClose(exactGradient(input), gradient, exactTolerance, what: "exact gradient");
            }

            double[] fd = FiniteDifferences.Gradient(
                v => Protocol.Number(tool.Send(Protocol.Evaluate(id++, module, "primal", Refill(input, field, v)))),
                Protocol.ToVector(input[field]));
            FiniteDifferences.AssertClose(fd, gradient, 1e-6, Math.Abs(expected) * 1e-3);
            gradients++;
        }

        return gradients;
    }

    /// <summary>Replays a recorded sequence and returns its evaluate messages with their replies.</summary>
    internal static (JsonObject Message, JsonObject Reply)[] Evaluations(ToolProcess tool, string sequence) =>
        [.. tool.Replay(Protocol.Load(sequence)).Where(p => p.Message["kind"]!.GetValue<string>() == "evaluate")];

    private static JsonObject Refill(JsonNode input, string name, double[] values)
    {
        int offset = 0;
        return Protocol.Refill(input, name, values, ref offset);
    }
}
