using BenchmarkDotNet.Attributes;

namespace AutoDiffGen.Bench;

/// <summary>
/// Value and gradient of the MLP 784 -> 128 (tanh) -> 10, softmax cross-entropy, batch 64 (<see cref="MlpProblem"/>).
/// <c>Forward</c> (the loss alone) is the baseline, so Ratio reads as gradient cost / primal cost. A generated
/// version goes beside <see cref="HandWritten"/> as <c>[Benchmark] public double Generated()</c>, calling the
/// generated LossGradient on the same <see cref="problem"/> buffers.
/// </summary>
[MemoryDiagnoser]
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
}
