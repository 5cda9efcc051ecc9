using System.Text.Json;
using AutoDiffGen.GradBench.Objectives;
using AutoDiffGen.GradBench.Protocol;

namespace AutoDiffGen.GradBench.Modules;

/// <summary>
/// The det eval: <c>primal</c> is det A by expansion by minors, <c>gradient</c> the generated
/// <c>Det.DeterminantGradient</c> (row-major, like A). Input <c>{A, ell}</c> with A of ell² numbers, row-major.
/// </summary>
internal sealed class DetModule() : ObjectModule(
    "det",
    """{"A": [2, -1, 0.5, 1, 3, -2, 0.25, 1, 4], "ell": 3, "min_runs": 1, "min_seconds": 0}""",
    "primal",
    "gradient")
{
    /// <summary>The removed columns of a minor are bits of an int.</summary>
    public const int MaxEll = 30;

    protected override PreparedCall Prepare(string function, Runs runs, JsonElement input)
    {
        int ell = JsonInput.ReadInt(input, "ell", minimum: 1, maximum: MaxEll);
        double[] a = JsonInput.ReadVector(input, "A", ell * ell);
        return function == "primal" ? new PrimalCall(runs, a, ell) : new GradientCall(runs, a, ell);
    }

    private sealed class PrimalCall(Runs runs, double[] a, int ell) : ScalarCall(runs)
    {
        public override void Run() => Value = Det.Determinant(a, ell);
    }

    private sealed class GradientCall(Runs runs, double[] a, int ell) : VectorCall(runs, a.Length)
    {
        public override void Run() => Value = Det.DeterminantGradient(a, ell, Gradient);
    }
}
