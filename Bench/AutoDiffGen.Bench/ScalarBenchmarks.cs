using System;
using BenchmarkDotNet.Attributes;

namespace AutoDiffGen.Bench;

// One class per function: Primal is the baseline, so the Ratio column reads as gradient cost / primal cost.
//
// A single evaluation of these functions takes from about one nanosecond (Rosenbrock) to a few hundred, below
// what one call per invocation can resolve on a shared two-core machine. So every invocation evaluates a batch of
// Points inputs, and OperationsPerInvoke makes the reported Mean the cost of one evaluation. The inputs live in
// arrays filled at setup (nothing is constant-folded), jittered around one point so that every evaluation takes the
// same path through Branchy (no branch mispredictions that would blur the comparison). Each evaluation stores the
// value plus its gradient into an output array: nothing is dead code, and the iterations stay independent, so the
// Mean is throughput rather than the latency of a summing chain.

/// <summary>Shared inputs and outputs of the scalar benchmarks.</summary>
public abstract class ScalarBenchmarkBase
{
    /// <summary>Evaluations per benchmark invocation.</summary>
    public const int Points = 64;

    protected double[] X { get; } = new double[Points];

    protected double[] Y { get; } = new double[Points];

    protected double[] Z { get; } = new double[Points];

    protected double[] Result { get; } = new double[Points];

    /// <summary>Fills the inputs with x0 + U(0, spread) etc., from a fixed seed so every run sees the same numbers.</summary>
    protected void Fill(double x0, double y0, double z0, double spreadX, double spreadY, double spreadZ)
    {
        Random random = new(20261123);
        for (int i = 0; i < Points; i++)
        {
#pragma warning disable CA5394 // Reproducible benchmark inputs, not security.
            X[i] = x0 + (spreadX * random.NextDouble());
            Y[i] = y0 + (spreadY * random.NextDouble());
            Z[i] = z0 + (spreadZ * random.NextDouble());
#pragma warning restore CA5394
        }
    }
}

/// <summary>Transcendental(x, y, z) around (0.9, 1.3, 0.7): primal vs generated vs hand-written gradient.</summary>
[MemoryDiagnoser]
[Config(typeof(MinRatioConfig))]
public class TranscendentalBenchmarks : ScalarBenchmarkBase
{
    [GlobalSetup]
    public void Setup() => Fill(0.85, 1.25, 0.65, 0.1, 0.1, 0.1);

    [Benchmark(Baseline = true, OperationsPerInvoke = Points)]
    public double[] Primal()
    {
        double[] x = X, y = Y, z = Z, r = Result;
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = ScalarFunctions.Transcendental(x[i], y[i], z[i]);
        }

        return r;
    }

    [Benchmark(OperationsPerInvoke = Points)]
    public double[] GeneratedGradient()
    {
        double[] x = X, y = Y, z = Z, r = Result;
        for (int i = 0; i < r.Length; i++)
        {
            double value = ScalarFunctions.TranscendentalGradient(x[i], y[i], z[i], out double dx, out double dy, out double dz);
            r[i] = value + dx + dy + dz;
        }

        return r;
    }

    [Benchmark(OperationsPerInvoke = Points)]
    public double[] HandWrittenGradient()
    {
        double[] x = X, y = Y, z = Z, r = Result;
        for (int i = 0; i < r.Length; i++)
        {
            double value = ScalarFunctions.TranscendentalHandGradient(x[i], y[i], z[i], out double dx, out double dy, out double dz);
            r[i] = value + dx + dy + dz;
        }

        return r;
    }
}

/// <summary>
/// Branchy(x, y) for x in [1.25, 1.32], y in [0.9, 0.95]: always the x &gt; y arm, the Sqrt arm of ?:, Max taking
/// its first operand and a negative Abs argument.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(MinRatioConfig))]
public class BranchyBenchmarks : ScalarBenchmarkBase
{
    [GlobalSetup]
    public void Setup() => Fill(1.25, 0.9, 0.0, 0.07, 0.05, 0.0);

    [Benchmark(Baseline = true, OperationsPerInvoke = Points)]
    public double[] Primal()
    {
        double[] x = X, y = Y, r = Result;
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = ScalarFunctions.Branchy(x[i], y[i]);
        }

        return r;
    }

    [Benchmark(OperationsPerInvoke = Points)]
    public double[] GeneratedGradient()
    {
        double[] x = X, y = Y, r = Result;
        for (int i = 0; i < r.Length; i++)
        {
            double value = ScalarFunctions.BranchyGradient(x[i], y[i], out double dx, out double dy);
            r[i] = value + dx + dy;
        }

        return r;
    }

    [Benchmark(OperationsPerInvoke = Points)]
    public double[] HandWrittenGradient()
    {
        double[] x = X, y = Y, r = Result;
        for (int i = 0; i < r.Length; i++)
        {
            double value = ScalarFunctions.BranchyHandGradient(x[i], y[i], out double dx, out double dy);
            r[i] = value + dx + dy;
        }

        return r;
    }
}

/// <summary>Rosenbrock(x, y) around (-1.2, 1.0): primal vs generated vs hand-written gradient.</summary>
[MemoryDiagnoser]
[Config(typeof(MinRatioConfig))]
public class RosenbrockBenchmarks : ScalarBenchmarkBase
{
    [GlobalSetup]
    public void Setup() => Fill(-1.25, 0.95, 0.0, 0.1, 0.1, 0.0);

    [Benchmark(Baseline = true, OperationsPerInvoke = Points)]
    public double[] Primal()
    {
        double[] x = X, y = Y, r = Result;
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = ScalarFunctions.Rosenbrock(x[i], y[i]);
        }

        return r;
    }

    [Benchmark(OperationsPerInvoke = Points)]
    public double[] GeneratedGradient()
    {
        double[] x = X, y = Y, r = Result;
        for (int i = 0; i < r.Length; i++)
        {
            double value = ScalarFunctions.RosenbrockGradient(x[i], y[i], out double dx, out double dy);
            r[i] = value + dx + dy;
        }

        return r;
    }

    [Benchmark(OperationsPerInvoke = Points)]
    public double[] HandWrittenGradient()
    {
        double[] x = X, y = Y, r = Result;
        for (int i = 0; i < r.Length; i++)
        {
            double value = ScalarFunctions.RosenbrockHandGradient(x[i], y[i], out double dx, out double dy);
            r[i] = value + dx + dy;
        }

        return r;
    }
}
