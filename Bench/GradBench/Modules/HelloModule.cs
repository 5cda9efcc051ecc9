using System.Collections.Generic;
using System.Text.Json;
using AutoDiffGen.GradBench.Objectives;
using AutoDiffGen.GradBench.Protocol;

namespace AutoDiffGen.GradBench.Modules;

/// <summary>
/// The hello eval: <c>square</c> is x², <c>double</c> its derivative 2x, here the generated
/// <c>Hello.SquareGradient</c>. The input is a bare number, so there are no <c>min_runs</c>/<c>min_seconds</c>
/// and each function runs once.
/// </summary>
internal sealed class HelloModule : IEvalModule
{
    public string Name => "hello";

    public IReadOnlyList<string> Functions { get; } = ["square", "double"];

    public string SampleInput => "2.5";

    public PreparedCall Prepare(string function, JsonElement input)
    {
        double x = JsonInput.ReadNumber(input, "the input");
        return function == "square" ? new SquareCall(x) : new DoubleCall(x);
    }

    private sealed class SquareCall(double x) : ScalarCall(Runs.Once)
    {
        public override void Run() => Value = Hello.Square(x);
    }

    private sealed class DoubleCall(double x) : ScalarCall(Runs.Once)
    {
        public override void Run()
        {
            Hello.SquareGradient(x, out double dx);
            Value = dx;
        }
    }
}
