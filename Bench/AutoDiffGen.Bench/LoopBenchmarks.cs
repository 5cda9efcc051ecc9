using System;
using BenchmarkDotNet.Attributes;

namespace AutoDiffGen.Bench;

// Array-input functions with loops: one call per invocation is already microseconds, so no batching is needed.
// Primal is the baseline, so Ratio reads as gradient cost / primal cost. Gradients go into buffers allocated at
// setup; each method returns the value plus one gradient entry so nothing is dead code.

/// <summary>Extended Rosenbrock over n = 1000 coordinates: primal vs generated vs hand-written gradient.</summary>
[MemoryDiagnoser]
[Config(typeof(MinRatioConfig))]
public class ExtendedRosenbrockBenchmarks
{
    private double[] x = [];
    private double[] gradient = [];

    [Params(1000)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Random random = new(20261123);
        x = new double[N];
        gradient = new double[N];
        for (int i = 0; i < N; i++)
        {
#pragma warning disable CA5394 // Reproducible benchmark inputs, not security.
            x[i] = -1.5 + (3 * random.NextDouble());
#pragma warning restore CA5394
        }
    }

    [Benchmark(Baseline = true)]
    public double Primal() => ExtendedRosenbrockFunction.ExtendedRosenbrock(x);

    [Benchmark]
    public double GeneratedGradient() => ExtendedRosenbrockFunction.ExtendedRosenbrockGradient(x, gradient) + gradient[0];

    [Benchmark]
    public double HandWrittenGradient() => ExtendedRosenbrockFunction.ExtendedRosenbrockHandGradient(x, gradient) + gradient[0];
}

/// <summary>The ADBench GMM objective on the reference instances: primal vs generated vs hand-written gradient.</summary>
[MemoryDiagnoser]
[Config(typeof(MinRatioConfig))]
public class GmmBenchmarks
{
    private GmmInstance instance = null!;
    private double[] dAlphas = [];
    private double[] dMeans = [];
    private double[] dIcf = [];

    /// <summary>The instance: file gmm_{Instance}.txt in the shared ADBench folder.</summary>
    [Params("d2_K5_n1000", "d10_K25_n1000")]
    public string Instance { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        instance = GmmInstance.Load("gmm_" + Instance + ".txt");
        dAlphas = new double[instance.Alphas.Length];
        dMeans = new double[instance.Means.Length];
        dIcf = new double[instance.Icf.Length];
    }

    [Benchmark(Baseline = true)]
    public double Primal()
    {
        GmmInstance p = instance;
        return GmmObjective.Objective(p.Alphas, p.Means, p.Icf, p.X, p.Gamma, p.M, p.D, p.K, p.N);
    }

    [Benchmark]
    public double GeneratedGradient()
    {
        GmmInstance p = instance;
        return GmmObjective.ObjectiveGradient(p.Alphas, p.Means, p.Icf, p.X, p.Gamma, p.M, p.D, p.K, p.N, dAlphas, dMeans, dIcf) + dIcf[0];
    }

    [Benchmark]
    public double HandWrittenGradient()
    {
        GmmInstance p = instance;
        return GmmObjective.ObjectiveHandGradient(p.Alphas, p.Means, p.Icf, p.X, p.Gamma, p.M, p.D, p.K, p.N, dAlphas, dMeans, dIcf) + dIcf[0];
    }

    /// <summary>The same objective with its buffers declared inside its loops (a fresh array per point and component).</summary>
    [Benchmark]
    public double PrimalFreshBuffers()
    {
        GmmInstance p = instance;
        return GmmFreshBuffers.Objective(p.Alphas, p.Means, p.Icf, p.X, p.Gamma, p.M, p.D, p.K, p.N);
    }

    [Benchmark]
    public double GeneratedGradientFreshBuffers()
    {
        GmmInstance p = instance;
        return GmmFreshBuffers.ObjectiveGradient(p.Alphas, p.Means, p.Icf, p.X, p.Gamma, p.M, p.D, p.K, p.N, dAlphas, dMeans, dIcf) + dIcf[0];
    }

    /// <summary>The same objective written with span slices (rows of the inputs and of the buffers).</summary>
    [Benchmark]
    public double PrimalSlices()
    {
        GmmInstance p = instance;
        return GmmSlices.Objective(p.Alphas, p.Means, p.Icf, p.X, p.Gamma, p.M, p.D, p.K, p.N);
    }

    [Benchmark]
    public double GeneratedGradientSlices()
    {
        GmmInstance p = instance;
        return GmmSlices.ObjectiveGradient(p.Alphas, p.Means, p.Icf, p.X, p.Gamma, p.M, p.D, p.K, p.N, dAlphas, dMeans, dIcf) + dIcf[0];
    }
}
