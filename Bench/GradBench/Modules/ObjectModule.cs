using System.Collections.Generic;
using System.Text.Json;
using AutoDiffGen.GradBench.Protocol;

namespace AutoDiffGen.GradBench.Modules;

/// <summary>
/// A module whose input is an object carrying GradBench's <c>min_runs</c> and <c>min_seconds</c> beside the
/// eval's own fields: every module except hello.
/// </summary>
internal abstract class ObjectModule(string name, string sampleInput, params string[] functions) : IEvalModule
{
    public string Name { get; } = name;

    public IReadOnlyList<string> Functions { get; } = functions;

    public string SampleInput { get; } = sampleInput;

    public PreparedCall Prepare(string function, JsonElement input)
    {
        JsonInput.RequireObject(input);
        return Prepare(function, Runs.Read(input), input);
    }

    /// <summary>Reads the eval's fields of <paramref name="input"/> and builds the call for <paramref name="function"/>.</summary>
    protected abstract PreparedCall Prepare(string function, Runs runs, JsonElement input);
}
