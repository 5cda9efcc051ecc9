using System.Text.Json;
using AutoDiffGen.GradBench.Objectives;
using AutoDiffGen.GradBench.Protocol;

namespace AutoDiffGen.GradBench.Modules;

/// <summary>
/// The llsq eval: <c>primal</c> is the least-squares objective, <c>gradient</c> the generated
/// <c>Llsq.ObjectiveGradient</c>. Input <c>{x, n}</c>; n ≥ 2 sample points (t_i divides by n - 1).
/// </summary>
internal sealed class LlsqModule() : ObjectModule(
    "llsq",
    """{"x": [0.5, -1.25, 2.0], "n": 8, "min_runs": 1, "min_seconds": 0}""",
    "primal",
    "gradient")
{
    protected override PreparedCall Prepare(string function, Runs runs, JsonElement input)
    {
        double[] x = JsonInput.ReadVector(input, "x");
        int n = JsonInput.ReadInt(input, "n", minimum: 2);
        return function == "primal" ? new PrimalCall(runs, x, n) : new GradientCall(runs, x, n);
    }

    private sealed class PrimalCall(Runs runs, double[] x, int n) : ScalarCall(runs)
    {
        public override void Run() => Value = Llsq.Objective(x, n);
    }

    private sealed class GradientCall(Runs runs, double[] x, int n) : VectorCall(runs, x.Length)
    {
        public override void Run() => Value = Llsq.ObjectiveGradient(x, n, Gradient);
    }
}
