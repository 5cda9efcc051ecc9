using System;
using System.Runtime.InteropServices;
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
[Config(typeof(MinRatioConfig))]
public class KernelBenchmarks
{
    private const double Alpha = 0.75;

    // Every buffer starts on a 64-byte boundary: a 512-bit load from a misaligned buffer straddles two cache lines,
    // and where the GC happens to place an array differs between the processes BenchmarkDotNet starts for the two
    // sides of a pair, which would otherwise add a random 10-20 % to one side.
    private ArraySegment<double> x;
    private ArraySegment<double> y;
    private ArraySegment<double> positive;
    private ArraySegment<double> result;
    private ArraySegment<double> scratch;

    private Span<double> X => x.AsSpan();

    private Span<double> Y => y.AsSpan();

    private Span<double> Positive => positive.AsSpan();

    private Span<double> Result => result.AsSpan();

    private Span<double> Scratch => scratch.AsSpan();

    [Params(4096)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Random random = new(20261124);
        x = Aligned(N);
        y = Aligned(N);
        positive = Aligned(N);
        result = Aligned(N);
        scratch = Aligned(N);
        for (int i = 0; i < N; i++)
        {
#pragma warning disable CA5394 // Reproducible benchmark inputs, not security.
            X[i] = -4 + (8 * random.NextDouble());           // both signs (Relu, Softplus, Tanh, Sigmoid)
            Y[i] = 0.5 + (2 * random.NextDouble());          // away from 0 (Divide)
            Positive[i] = 0.01 + (10 * random.NextDouble()); // Log, Sqrt
#pragma warning restore CA5394
        }
    }

    /// <summary>
    /// <paramref name="length"/> doubles starting on a 64-byte boundary, inside an array on the pinned object heap
    /// (which never moves, so the alignment holds for the whole run).
    /// </summary>
    private static ArraySegment<double> Aligned(int length)
    {
        const int alignment = 64;
        double[] array = GC.AllocateArray<double>(length + (alignment / sizeof(double)), pinned: true);
        GCHandle handle = GCHandle.Alloc(array, GCHandleType.Pinned);
        long address = handle.AddrOfPinnedObject();
        handle.Free();
        int offset = (int)((alignment - (address % alignment)) % alignment) / sizeof(double);
        return new ArraySegment<double>(array, offset, length);
    }

    // ------------------------------------------------------------ binary elementwise

    [Benchmark(Baseline = true), BenchmarkCategory("Add")]
    public void TP_Add() => TensorPrimitives.Add(X, Y, Result);

    [Benchmark, BenchmarkCategory("Add")]
    public void Kernel_Add() => Kernels.Add(X, Y, Result);

    [Benchmark(Baseline = true), BenchmarkCategory("Subtract")]
    public void TP_Subtract() => TensorPrimitives.Subtract(X, Y, Result);

    [Benchmark, BenchmarkCategory("Subtract")]
    public void Kernel_Subtract() => Kernels.Subtract(X, Y, Result);

    [Benchmark(Baseline = true), BenchmarkCategory("Multiply")]
    public void TP_Multiply() => TensorPrimitives.Multiply(X, Y, Result);

    [Benchmark, BenchmarkCategory("Multiply")]
    public void Kernel_Multiply() => Kernels.Multiply(X, Y, Result);

    [Benchmark(Baseline = true), BenchmarkCategory("Divide")]
    public void TP_Divide() => TensorPrimitives.Divide(X, Y, Result);

    [Benchmark, BenchmarkCategory("Divide")]
    public void Kernel_Divide() => Kernels.Divide(X, Y, Result);

    // ------------------------------------------------------------ unary elementwise

    [Benchmark(Baseline = true), BenchmarkCategory("Exp")]
    public void TP_Exp() => TensorPrimitives.Exp(X, Result);

    [Benchmark, BenchmarkCategory("Exp")]
    public void Kernel_Exp() => Kernels.Exp(X, Result);

    [Benchmark(Baseline = true), BenchmarkCategory("Log")]
    public void TP_Log() => TensorPrimitives.Log(Positive, Result);

    [Benchmark, BenchmarkCategory("Log")]
    public void Kernel_Log() => Kernels.Log(Positive, Result);

    [Benchmark(Baseline = true), BenchmarkCategory("Tanh")]
    public void TP_Tanh() => TensorPrimitives.Tanh(X, Result);

    [Benchmark, BenchmarkCategory("Tanh")]
    public void Kernel_Tanh() => Kernels.Tanh(X, Result);

    [Benchmark(Baseline = true), BenchmarkCategory("Sigmoid")]
    public void TP_Sigmoid() => TensorPrimitives.Sigmoid(X, Result);

    [Benchmark, BenchmarkCategory("Sigmoid")]
    public void Kernel_Sigmoid() => Kernels.Sigmoid(X, Result);

    [Benchmark(Baseline = true), BenchmarkCategory("Relu")]
    public void TP_Relu() => TensorPrimitives.Max(X, 0.0, Result);

    [Benchmark, BenchmarkCategory("Relu")]
    public void Kernel_Relu() => Kernels.Relu(X, Result);

    /// <summary>
    /// Softplus has no single TensorPrimitives call: the baseline is the same stable formula
    /// max(X, 0) + log1p(exp(-|X|)) as whole-span calls through one Scratch array.
    /// </summary>
    [Benchmark(Baseline = true), BenchmarkCategory("Softplus")]
    public void TP_Softplus()
    {
        TensorPrimitives.Abs(X, Scratch);
        TensorPrimitives.Negate(Scratch, Scratch);
        TensorPrimitives.Exp(Scratch, Scratch);
        TensorPrimitives.LogP1(Scratch, Scratch);
        TensorPrimitives.Max(X, 0.0, Result);
        TensorPrimitives.Add(Result, Scratch, Result);
    }

    [Benchmark, BenchmarkCategory("Softplus")]
    public void Kernel_Softplus() => Kernels.Softplus(X, Result);

    [Benchmark(Baseline = true), BenchmarkCategory("Square")]
    public void TP_Square() => TensorPrimitives.Multiply(X, X, Result);

    [Benchmark, BenchmarkCategory("Square")]
    public void Kernel_Square() => Kernels.Square(X, Result);

    [Benchmark(Baseline = true), BenchmarkCategory("Sqrt")]
    public void TP_Sqrt() => TensorPrimitives.Sqrt(Positive, Result);

    [Benchmark, BenchmarkCategory("Sqrt")]
    public void Kernel_Sqrt() => Kernels.Sqrt(Positive, Result);

    // ------------------------------------------------------------ scaling

    [Benchmark(Baseline = true), BenchmarkCategory("Scale")]
    public void TP_Scale() => TensorPrimitives.Multiply(X, Alpha, Result);

    [Benchmark, BenchmarkCategory("Scale")]
    public void Kernel_Scale() => Kernels.Scale(X, Alpha, Result);

    [Benchmark(Baseline = true), BenchmarkCategory("Axpy")]
    public void TP_Axpy() => TensorPrimitives.MultiplyAdd(X, Alpha, Y, Result);

    [Benchmark, BenchmarkCategory("Axpy")]
    public void Kernel_Axpy() => Kernels.Axpy(Alpha, X, Y, Result);

    // ------------------------------------------------------------ reductions

    [Benchmark(Baseline = true), BenchmarkCategory("Sum")]
    public double TP_Sum() => TensorPrimitives.Sum<double>(X);

    [Benchmark, BenchmarkCategory("Sum")]
    public double Kernel_Sum() => Kernels.Sum(X);

    [Benchmark(Baseline = true), BenchmarkCategory("Dot")]
    public double TP_Dot() => TensorPrimitives.Dot<double>(X, Y);

    [Benchmark, BenchmarkCategory("Dot")]
    public double Kernel_Dot() => Kernels.Dot(X, Y);
}
