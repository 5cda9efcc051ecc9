using System.Text.Json;
using AutoDiffGen.GradBench.Objectives;
using AutoDiffGen.GradBench.Protocol;

namespace AutoDiffGen.GradBench.Modules;

/// <summary>The lse eval: <c>primal</c> is LSE(x), <c>gradient</c> the generated <c>Lse.LogSumExpGradient</c>. Input <c>{x}</c>.</summary>
internal sealed class LseModule() : ObjectModule(
    "lse",
    """{"x": [0.5, -1.25, 2.0, 0.75], "min_runs": 1, "min_seconds": 0}""",
    "primal",
    "gradient")
{
    protected override PreparedCall Prepare(string function, Runs runs, JsonElement input)
    {
        double[] x = JsonInput.ReadVector(input, "x");
        return function == "primal" ? new PrimalCall(runs, x) : new GradientCall(runs, x);
    }

    private sealed class PrimalCall(Runs runs, double[] x) : ScalarCall(runs)
    {
        public override void Run() => Value = Lse.LogSumExp(x);
    }

    private sealed class GradientCall(Runs runs, double[] x) : VectorCall(runs, x.Length)
    {
        public override void Run() => Value = Lse.LogSumExpGradient(x, Gradient);
    }
}
