using BenchmarkDotNet.Attributes;

namespace AutoDiffGen.Bench;

/// <summary>
/// Value and gradient of the MLP 784 -> 128 (tanh) -> 10, softmax cross-entropy, batch 64 (<see cref="MlpProblem"/>).
/// <c>Forward</c> (the loss alone) is the baseline, so Ratio reads as gradient cost / primal cost; <c>Generated</c>
/// calls the generated <see cref="GeneratedMlp"/> LossGradient on the same <see cref="problem"/> buffers.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(MinRatioConfig))]
public class MlpBenchmarks
{
    private MlpProblem problem = null!;
    private MlpHandWritten handWritten = null!;

    [GlobalSetup]
    public void Setup()
    {
        problem = new MlpProblem();
        handWritten = new MlpHandWritten();
    }

    [Benchmark(Baseline = true)]
    public double Forward() => handWritten.Forward(problem);

    [Benchmark]
    public double HandWritten() => handWritten.ValueAndGradient(problem) + problem.DW1[0];

    [Benchmark]
    public double Generated()
        => GeneratedMlp.LossGradient(problem.W1, problem.B1, problem.W2, problem.B2, problem.X, problem.Labels, problem.DW1, problem.DB1, problem.DW2, problem.DB2)
           + problem.DW1[0];
}
