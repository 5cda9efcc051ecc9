using System.Text.Json;
using AutoDiffGen.GradBench.Protocol;

namespace AutoDiffGen.GradBench.Modules;

/// <summary>A call whose output is one number (a primal / objective function).</summary>
internal abstract class ScalarCall : PreparedCall
{
    protected ScalarCall(Runs runs)
        : base(runs)
    {
    }

    /// <summary>The result of the last run.</summary>
    protected double Value { get; set; }

    public override void WriteOutput(Utf8JsonWriter writer) => JsonOutput.WriteNumber(writer, Value, "the output");
}

/// <summary>A call whose output is one gradient vector, the same length as its input vector.</summary>
internal abstract class VectorCall : PreparedCall
{
    protected VectorCall(Runs runs, int length)
        : base(runs)
    {
        Gradient = new double[length];
    }

    /// <summary>The gradient of the last run; allocated once, overwritten by every run.</summary>
    protected double[] Gradient { get; }

    /// <summary>The primal value the generated Gradient method returns beside the gradient (kept so it is not dead code).</summary>
    protected double Value { get; set; }

    public override void WriteOutput(Utf8JsonWriter writer) => JsonOutput.WriteVector(writer, Gradient, "the gradient");
}
