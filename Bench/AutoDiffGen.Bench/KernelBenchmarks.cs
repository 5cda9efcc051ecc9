using System;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;

namespace AutoDiffGen.Bench;

/// <summary>
/// Each elementwise or reduction kernel against the <see cref="TensorPrimitives"/> call (or, for Softplus, the
/// sequence of calls) it wraps, at n = 4096 doubles. Every pair shares a category whose baseline is the
/// TensorPrimitives side, so Ratio reads as kernel time / TensorPrimitives time (target: at most 1.1). On a loaded
/// machine read "Ratio (min)" (see <see cref="MinRatioColumn"/>).
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[Config(typeof(Config))]
public class KernelBenchmarks
{
    private const double Alpha = 0.75;

    private double[] x = [];
    private double[] y = [];
    private double[] positive = [];
    private double[] result = [];
    private double[] scratch = [];

    [Params(4096)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Random random = new(20261124);
        x = new double[N];
        y = new double[N];
        positive = new double[N];
        result = new double[N];
        scratch = new double[N];
        for (int i = 0; i < N; i++)
        {
#pragma warning disable CA5394 // Reproducible benchmark inputs, not security.
            x[i] = -4 + (8 * random.NextDouble());          // both signs (Relu, Softplus, Tanh, Sigmoid)
            y[i] = 0.5 + (2 * random.NextDouble());         // away from 0 (Divide)
            positive[i] = 0.01 + (10 * random.NextDouble()); // Log, Sqrt
#pragma warning restore CA5394
        }
    }

    // ------------------------------------------------------------ binary elementwise

    [Benchmark(Baseline = true), BenchmarkCategory("Add")]
    public void TP_Add() => TensorPrimitives.Add(x, y, result);

    [Benchmark, BenchmarkCategory("Add")]
    public void Kernel_Add() => Kernels.Add(x, y, result);

    [Benchmark(Baseline = true), BenchmarkCategory("Subtract")]
    public void TP_Subtract() => TensorPrimitives.Subtract(x, y, result);

    [Benchmark, BenchmarkCategory("Subtract")]
    public void Kernel_Subtract() => Kernels.Subtract(x, y, result);

    [Benchmark(Baseline = true), BenchmarkCategory("Multiply")]
    public void TP_Multiply() => TensorPrimitives.Multiply(x, y, result);

    [Benchmark, BenchmarkCategory("Multiply")]
    public void Kernel_Multiply() => Kernels.Multiply(x, y, result);

    [Benchmark(Baseline = true), BenchmarkCategory("Divide")]
    public void TP_Divide() => TensorPrimitives.Divide(x, y, result);

    [Benchmark, BenchmarkCategory("Divide")]
    public void Kernel_Divide() => Kernels.Divide(x, y, result);

    // ------------------------------------------------------------ unary elementwise

    [Benchmark(Baseline = true), BenchmarkCategory("Exp")]
    public void TP_Exp() => TensorPrimitives.Exp(x, result);

    [Benchmark, BenchmarkCategory("Exp")]
    public void Kernel_Exp() => Kernels.Exp(x, result);

    [Benchmark(Baseline = true), BenchmarkCategory("Log")]
    public void TP_Log() => TensorPrimitives.Log(positive, result);

    [Benchmark, BenchmarkCategory("Log")]
    public void Kernel_Log() => Kernels.Log(positive, result);

    [Benchmark(Baseline = true), BenchmarkCategory("Tanh")]
    public void TP_Tanh() => TensorPrimitives.Tanh(x, result);

    [Benchmark, BenchmarkCategory("Tanh")]
    public void Kernel_Tanh() => Kernels.Tanh(x, result);

    [Benchmark(Baseline = true), BenchmarkCategory("Sigmoid")]
    public void TP_Sigmoid() => TensorPrimitives.Sigmoid(x, result);

    [Benchmark, BenchmarkCategory("Sigmoid")]
    public void Kernel_Sigmoid() => Kernels.Sigmoid(x, result);

    [Benchmark(Baseline = true), BenchmarkCategory("Relu")]
    public void TP_Relu() => TensorPrimitives.Max(x, 0.0, result);

    [Benchmark, BenchmarkCategory("Relu")]
    public void Kernel_Relu() => Kernels.Relu(x, result);

    /// <summary>
    /// Softplus has no single TensorPrimitives call: the baseline is the same stable formula
    /// max(x, 0) + log1p(exp(-|x|)) as whole-span calls through one scratch array.
    /// </summary>
    [Benchmark(Baseline = true), BenchmarkCategory("Softplus")]
    public void TP_Softplus()
    {
        TensorPrimitives.Abs(x, scratch);
        TensorPrimitives.Negate(scratch, scratch);
        TensorPrimitives.Exp(scratch, scratch);
        TensorPrimitives.LogP1(scratch, scratch);
        TensorPrimitives.Max(x, 0.0, result);
        TensorPrimitives.Add(result, scratch, result);
    }

    [Benchmark, BenchmarkCategory("Softplus")]
    public void Kernel_Softplus() => Kernels.Softplus(x, result);

    [Benchmark(Baseline = true), BenchmarkCategory("Square")]
    public void TP_Square() => TensorPrimitives.Multiply(x, x, result);

    [Benchmark, BenchmarkCategory("Square")]
    public void Kernel_Square() => Kernels.Square(x, result);

    [Benchmark(Baseline = true), BenchmarkCategory("Sqrt")]
    public void TP_Sqrt() => TensorPrimitives.Sqrt(positive, result);

    [Benchmark, BenchmarkCategory("Sqrt")]
    public void Kernel_Sqrt() => Kernels.Sqrt(positive, result);

    // ------------------------------------------------------------ scaling

    [Benchmark(Baseline = true), BenchmarkCategory("Scale")]
    public void TP_Scale() => TensorPrimitives.Multiply(x, Alpha, result);

    [Benchmark, BenchmarkCategory("Scale")]
    public void Kernel_Scale() => Kernels.Scale(x, Alpha, result);

    [Benchmark(Baseline = true), BenchmarkCategory("Axpy")]
    public void TP_Axpy() => TensorPrimitives.MultiplyAdd(x, Alpha, y, result);

    [Benchmark, BenchmarkCategory("Axpy")]
    public void Kernel_Axpy() => Kernels.Axpy(Alpha, x, y, result);

    // ------------------------------------------------------------ reductions

    [Benchmark(Baseline = true), BenchmarkCategory("Sum")]
    public double TP_Sum() => TensorPrimitives.Sum<double>(x);

    [Benchmark, BenchmarkCategory("Sum")]
    public double Kernel_Sum() => Kernels.Sum(x);

    [Benchmark(Baseline = true), BenchmarkCategory("Dot")]
    public double TP_Dot() => TensorPrimitives.Dot<double>(x, y);

    [Benchmark, BenchmarkCategory("Dot")]
    public double Kernel_Dot() => Kernels.Dot(x, y);

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddColumn(StatisticColumn.Min, new MinRatioColumn());
        }
    }
}
