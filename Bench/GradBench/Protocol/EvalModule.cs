using System.Collections.Generic;
using System.Text.Json;

namespace AutoDiffGen.GradBench.Protocol;

/// <summary>A module the tool implements, as named in GradBench's <c>define</c> and <c>evaluate</c> messages.</summary>
internal interface IEvalModule
{
    /// <summary>The module name an eval asks for, e.g. <c>gmm</c>.</summary>
    string Name { get; }

    /// <summary>The functions the eval may evaluate, e.g. <c>objective</c> and <c>jacobian</c>.</summary>
    IReadOnlyList<string> Functions { get; }

    /// <summary>
    /// A small input valid for every function of the module. <c>define</c> runs each function on it once, so the
    /// JIT compiles the module's code before the first timed run (see <see cref="ProtocolServer"/>).
    /// </summary>
    string SampleInput { get; }

    /// <summary>
    /// Reads and checks <paramref name="input"/> for <paramref name="function"/> (one of <see cref="Functions"/>) and
    /// allocates everything the runs need, so that <see cref="PreparedCall.Run"/> does only the computation.
    /// </summary>
    /// <exception cref="InputException">The input does not have the shape the eval defines.</exception>
    PreparedCall Prepare(string function, JsonElement input);
}

/// <summary>
/// One evaluation, ready to run: the input already parsed into arrays, the output buffers allocated. The server
/// times each <see cref="Run"/> on its own and serialises the output once, after the last run.
/// </summary>
internal abstract class PreparedCall
{
    protected PreparedCall(Runs runs)
    {
        Runs = runs;
    }

    /// <summary>How often and how long to repeat the function.</summary>
    public Runs Runs { get; }

    /// <summary>Computes the function once, overwriting the output of the previous run. The only timed code.</summary>
    public abstract void Run();

    /// <summary>Writes the output of the last run as the value of the reply's <c>output</c> property.</summary>
    /// <exception cref="NonFiniteOutputException">The output holds NaN or an infinity, which JSON cannot carry.</exception>
    public abstract void WriteOutput(Utf8JsonWriter writer);
}
