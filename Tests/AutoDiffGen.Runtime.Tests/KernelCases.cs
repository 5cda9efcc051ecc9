using System;
using System.Collections.Generic;
using System.Linq;

namespace AutoDiffGen.Runtime.Tests;

/// <summary>The table of kernels under test, with naive references, at several lengths and shapes.</summary>
public static class KernelCases
{
    private static readonly Func<Random, double> Any = r => (r.NextDouble() * 4) - 2;
    private static readonly Func<Random, double> Positive = r => 0.5 + (r.NextDouble() * 2.5);
    private static readonly Func<Random, double> Probability = r => 0.05 + (r.NextDouble() * 0.9);
    private static readonly Func<Random, double> Unit = r => r.NextDouble();
    private static readonly Func<Random, double> AwayFromZero = r => (r.Next(2) == 0 ? -1 : 1) * (0.1 + (r.NextDouble() * 1.9));

    /// <summary>
    /// Lengths: a single element, a ragged vector tail, just over the scalar path of short reductions (16), and more
    /// than one internal chunk (256).
    /// </summary>
    private static readonly int[] Lengths = [1, 7, 17, 300];

    public static readonly IReadOnlyDictionary<string, KernelCase> All = Build().ToDictionary(c => c.Name);

    public static IEnumerable<object[]> Names => All.Keys.Select(name => new object[] { name });

    private static InputSpec V(string name, int n, Func<Random, double>? sample = null) => new(name, n, false, sample ?? Any);

    private static InputSpec S(string name) => new(name, 1, true, Any);

    private static double[] Map(double[] x, Func<double, double> f) => x.Select(f).ToArray();

    private static double[] Zip(double[] x, double[] y, Func<double, double, double> f) => x.Zip(y, f).ToArray();

    private static KernelCase Unary(string name, int n, Func<double, double> naive, Func<Random, double> sample,
        UnaryKernel<double> primal, UnaryPullback<double> pullback,
        UnaryKernel<float> primalF, UnaryPullback<float> pullbackF)
        => new()
        {
            Name = $"{name}[{n}]",
            Inputs = [V("x", n, sample)],
            OutputLength = n,
            ScalarOutput = false,
            Naive = i => Map(i[0], naive),
            Primal = i => { var r = new double[n]; primal(i[0], r); return r; },
            Pullback = (i, r, s, g) => pullback(i[0], r, s, g[0]),
            PrimalF = i => { var r = new float[n]; primalF(i[0], r); return r; },
            PullbackF = (i, r, s, g) => pullbackF(i[0], r, s, g[0]),
        };

    private static KernelCase Binary(string name, int n, Func<double, double, double> naive, Func<Random, double> sampleY,
        BinaryKernel<double> primal, BinaryPullback<double> pullback,
        BinaryKernel<float> primalF, BinaryPullback<float> pullbackF)
        => new()
        {
            Name = $"{name}[{n}]",
            Inputs = [V("x", n), V("y", n, sampleY)],
            OutputLength = n,
            ScalarOutput = false,
            Naive = i => Zip(i[0], i[1], naive),
            Primal = i => { var r = new double[n]; primal(i[0], i[1], r); return r; },
            Pullback = (i, r, s, g) => pullback(i[0], i[1], r, s, g[0], g[1]),
            PrimalF = i => { var r = new float[n]; primalF(i[0], i[1], r); return r; },
            PullbackF = (i, r, s, g) => pullbackF(i[0], i[1], r, s, g[0], g[1]),
        };

    private static KernelCase Pair(string name, int n, string first, string second, Func<Random, double> sampleFirst, Func<Random, double> sampleSecond,
        Func<double[], double[], double> naive,
        Func<double[], double[], double> primal, Action<double[], double[], double, double[], double[]> pullback,
        Func<float[], float[], float> primalF, Action<float[], float[], float, float[], float[]> pullbackF)
        => new()
        {
            Name = $"{name}[{n}]",
            Inputs = [V(first, n, sampleFirst), V(second, n, sampleSecond)],
            OutputLength = 1,
            ScalarOutput = true,
            Naive = i => [naive(i[0], i[1])],
            Primal = i => [primal(i[0], i[1])],
            Pullback = (i, r, s, g) => pullback(i[0], i[1], s[0], g[0], g[1]),
            PrimalF = i => [primalF(i[0], i[1])],
            PullbackF = (i, r, s, g) => pullbackF(i[0], i[1], s[0], g[0], g[1]),
        };

    private static KernelCase Reduction(string name, int n, Func<double[], double> naive,
        Func<double[], double> primal, Action<double[], double, double[]> pullback,
        Func<float[], float> primalF, Action<float[], float, float[]> pullbackF)
        => new()
        {
            Name = $"{name}[{n}]",
            Inputs = [V("x", n)],
            OutputLength = 1,
            ScalarOutput = true,
            PrimalLengthsLinked = false,
            Naive = i => [naive(i[0])],
            Primal = i => [primal(i[0])],
            Pullback = (i, r, s, g) => pullback(i[0], s[0], g[0]),
            PrimalF = i => [primalF(i[0])],
            PullbackF = (i, r, s, g) => pullbackF(i[0], s[0], g[0]),
        };

    private static double NaiveLse(IEnumerable<double> x)
    {
        double[] v = x.ToArray();
        double m = v.Max();
        return m + Math.Log(v.Sum(e => Math.Exp(e - m)));
    }

    private static double NaiveSoftplus(double z) => Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z)));

    private static IEnumerable<KernelCase> Build()
    {
        foreach (int n in Lengths)
        {
            yield return Pair("Dot", n, "x", "y", Any, Any, (x, y) => x.Zip(y, (a, b) => a * b).Sum(),
                (x, y) => Kernels.Dot(x, y), (x, y, s, dx, dy) => Kernels.DotPullback(x, y, s, dx, dy),
                (x, y) => Kernels.Dot(x, y), (x, y, s, dx, dy) => Kernels.DotPullback(x, y, s, dx, dy));
            yield return Reduction("Sum", n, x => x.Sum(),
                x => Kernels.Sum(x), (x, s, dx) => Kernels.SumPullback(x, s, dx),
                x => Kernels.Sum(x), (x, s, dx) => Kernels.SumPullback(x, s, dx));
            yield return Reduction("Mean", n, x => x.Average(),
                x => Kernels.Mean(x), (x, s, dx) => Kernels.MeanPullback(x, s, dx),
                x => Kernels.Mean(x), (x, s, dx) => Kernels.MeanPullback(x, s, dx));
            yield return Reduction("LogSumExp", n, NaiveLse,
                x => Kernels.LogSumExp(x), (x, s, dx) => Kernels.LogSumExpPullback(x, s, dx),
                x => Kernels.LogSumExp(x), (x, s, dx) => Kernels.LogSumExpPullback(x, s, dx));
            yield return Reduction("LogSumExp(result)", n, NaiveLse,
                x => Kernels.LogSumExp(x), (x, s, dx) => Kernels.LogSumExpPullback(x, Kernels.LogSumExp(x), s, dx),
                x => Kernels.LogSumExp(x), (x, s, dx) => Kernels.LogSumExpPullback(x, Kernels.LogSumExp(x), s, dx));

            yield return new KernelCase
            {
                Name = $"Scale[{n}]",
                Inputs = [V("x", n), S("alpha")],
                OutputLength = n,
                ScalarOutput = false,
                Naive = i => Map(i[0], v => i[1][0] * v),
                Primal = i => { var r = new double[n]; Kernels.Scale(i[0], i[1][0], r); return r; },
                Pullback = (i, r, s, g) => Kernels.ScalePullback(i[0], i[1][0], r, s, g[0], ref g[1][0]),
                PrimalF = i => { var r = new float[n]; Kernels.Scale(i[0], i[1][0], r); return r; },
                PullbackF = (i, r, s, g) => Kernels.ScalePullback(i[0], i[1][0], r, s, g[0], ref g[1][0]),
            };
            yield return new KernelCase
            {
                Name = $"Axpy[{n}]",
                Inputs = [S("alpha"), V("x", n), V("y", n)],
                OutputLength = n,
                ScalarOutput = false,
                Naive = i => Zip(i[1], i[2], (x, y) => (i[0][0] * x) + y),
                Primal = i => { var r = new double[n]; Kernels.Axpy(i[0][0], i[1], i[2], r); return r; },
                Pullback = (i, r, s, g) => Kernels.AxpyPullback(i[0][0], i[1], i[2], r, s, ref g[0][0], g[1], g[2]),
                PrimalF = i => { var r = new float[n]; Kernels.Axpy(i[0][0], i[1], i[2], r); return r; },
                PullbackF = (i, r, s, g) => Kernels.AxpyPullback(i[0][0], i[1], i[2], r, s, ref g[0][0], g[1], g[2]),
            };

            yield return Binary("Add", n, (x, y) => x + y, Any,
                Kernels.Add, Kernels.AddPullback, Kernels.Add, Kernels.AddPullback);
            yield return Binary("Subtract", n, (x, y) => x - y, Any,
                Kernels.Subtract, Kernels.SubtractPullback, Kernels.Subtract, Kernels.SubtractPullback);
            yield return Binary("Multiply", n, (x, y) => x * y, Any,
                Kernels.Multiply, Kernels.MultiplyPullback, Kernels.Multiply, Kernels.MultiplyPullback);
            yield return Binary("Divide", n, (x, y) => x / y, r => (r.Next(2) == 0 ? -1 : 1) * (0.5 + (r.NextDouble() * 1.5)),
                Kernels.Divide, Kernels.DividePullback, Kernels.Divide, Kernels.DividePullback);

            yield return Unary("Exp", n, Math.Exp, Any, Kernels.Exp, Kernels.ExpPullback, Kernels.Exp, Kernels.ExpPullback);
            yield return Unary("Log", n, Math.Log, Positive, Kernels.Log, Kernels.LogPullback, Kernels.Log, Kernels.LogPullback);
            yield return Unary("Tanh", n, Math.Tanh, Any, Kernels.Tanh, Kernels.TanhPullback, Kernels.Tanh, Kernels.TanhPullback);
            yield return Unary("Sigmoid", n, v => 1 / (1 + Math.Exp(-v)), Any, Kernels.Sigmoid, Kernels.SigmoidPullback, Kernels.Sigmoid, Kernels.SigmoidPullback);
            yield return Unary("Relu", n, v => Math.Max(v, 0), AwayFromZero, Kernels.Relu, Kernels.ReluPullback, Kernels.Relu, Kernels.ReluPullback);
            yield return Unary("Softplus", n, NaiveSoftplus, Any, Kernels.Softplus, Kernels.SoftplusPullback, Kernels.Softplus, Kernels.SoftplusPullback);
            yield return Unary("Square", n, v => v * v, Any, Kernels.Square, Kernels.SquarePullback, Kernels.Square, Kernels.SquarePullback);
            yield return Unary("Sqrt", n, Math.Sqrt, Positive, Kernels.Sqrt, Kernels.SqrtPullback, Kernels.Sqrt, Kernels.SqrtPullback);

            KernelCase softmax = Unary("Softmax", n, v => v, Any, Kernels.Softmax, Kernels.SoftmaxPullback, Kernels.Softmax, Kernels.SoftmaxPullback);
            yield return new KernelCase
            {
                Name = softmax.Name, Inputs = softmax.Inputs, OutputLength = n, ScalarOutput = false,
                Naive = i => { double l = NaiveLse(i[0]); return Map(i[0], v => Math.Exp(v - l)); },
                Primal = softmax.Primal, Pullback = softmax.Pullback, PrimalF = softmax.PrimalF, PullbackF = softmax.PullbackF,
            };
            KernelCase logSoftmax = Unary("LogSoftmax", n, v => v, Any, Kernels.LogSoftmax, Kernels.LogSoftmaxPullback, Kernels.LogSoftmax, Kernels.LogSoftmaxPullback);
            yield return new KernelCase
            {
                Name = logSoftmax.Name, Inputs = logSoftmax.Inputs, OutputLength = n, ScalarOutput = false,
                Naive = i => { double l = NaiveLse(i[0]); return Map(i[0], v => v - l); },
                Primal = logSoftmax.Primal, Pullback = logSoftmax.Pullback, PrimalF = logSoftmax.PrimalF, PullbackF = logSoftmax.PullbackF,
            };

            yield return Pair("Mse", n, "prediction", "target", Any, Any,
                (p, t) => p.Zip(t, (a, b) => (a - b) * (a - b)).Average(),
                (p, t) => Kernels.Mse(p, t), (p, t, s, dp, dt) => Kernels.MsePullback(p, t, s, dp, dt),
                (p, t) => Kernels.Mse(p, t), (p, t, s, dp, dt) => Kernels.MsePullback(p, t, s, dp, dt));
            yield return Pair("BinaryCrossEntropy", n, "probabilities", "targets", Probability, Unit,
                (p, t) => -p.Zip(t, (a, b) => (b * Math.Log(a)) + ((1 - b) * Math.Log(1 - a))).Average(),
                (p, t) => Kernels.BinaryCrossEntropy(p, t), (p, t, s, dp, dt) => Kernels.BinaryCrossEntropyPullback(p, t, s, dp, dt),
                (p, t) => Kernels.BinaryCrossEntropy(p, t), (p, t, s, dp, dt) => Kernels.BinaryCrossEntropyPullback(p, t, s, dp, dt));
            yield return Pair("BinaryCrossEntropyWithLogits", n, "logits", "targets", Any, Unit,
                (z, t) => z.Zip(t, (a, b) => { double p = 1 / (1 + Math.Exp(-a)); return -((b * Math.Log(p)) + ((1 - b) * Math.Log(1 - p))); }).Average(),
                (z, t) => Kernels.BinaryCrossEntropyWithLogits(z, t), (z, t, s, dz, dt) => Kernels.BinaryCrossEntropyWithLogitsPullback(z, t, s, dz, dt),
                (z, t) => Kernels.BinaryCrossEntropyWithLogits(z, t), (z, t, s, dz, dt) => Kernels.BinaryCrossEntropyWithLogitsPullback(z, t, s, dz, dt));
        }

        // SoftmaxCrossEntropy: batch of 4 (so a shortened logits span is never a multiple), 1, 3 and 300 classes.
        foreach (int classes in new[] { 1, 3, 300 })
        {
            const int batch = 4;
            var random = new Random(classes);
            int[] labels = Enumerable.Range(0, batch).Select(_ => random.Next(classes)).ToArray();
            yield return new KernelCase
            {
                Name = $"SoftmaxCrossEntropy[{batch}x{classes}]",
                Inputs = [V("logits", batch * classes)],
                OutputLength = 1,
                ScalarOutput = true,
                Naive = i => [Enumerable.Range(0, batch).Average(b => NaiveLse(i[0].Skip(b * classes).Take(classes)) - i[0][(b * classes) + labels[b]])],
                Primal = i => [Kernels.SoftmaxCrossEntropy(i[0], labels)],
                Pullback = (i, r, s, g) => Kernels.SoftmaxCrossEntropyPullback(i[0], labels, s[0], g[0]),
                PrimalF = i => [Kernels.SoftmaxCrossEntropy(i[0], labels)],
                PullbackF = (i, r, s, g) => Kernels.SoftmaxCrossEntropyPullback(i[0], labels, s[0], g[0]),
            };
        }

        foreach ((int rows, int columns) in new[] { (1, 1), (7, 5), (9, 40) })
        {
            foreach (bool transpose in new[] { false, true })
            {
                int xLength = transpose ? rows : columns;
                int yLength = transpose ? columns : rows;
                yield return new KernelCase
                {
                    Name = $"MatVec[{rows}x{columns}{(transpose ? ",T" : "")}]",
                    Inputs = [V("a", rows * columns), V("x", xLength)],
                    OutputLength = yLength,
                    ScalarOutput = false,
                    Naive = i => Enumerable.Range(0, yLength).Select(o => Enumerable.Range(0, xLength)
                        .Sum(p => (transpose ? i[0][(p * columns) + o] : i[0][(o * columns) + p]) * i[1][p])).ToArray(),
                    Primal = i => { var r = new double[yLength]; Kernels.MatVec(i[0], i[1], rows, columns, transpose, r); return r; },
                    Pullback = (i, r, s, g) => Kernels.MatVecPullback(i[0], i[1], rows, columns, transpose, r, s, g[0], g[1]),
                    PrimalF = i => { var r = new float[yLength]; Kernels.MatVec(i[0], i[1], rows, columns, transpose, r); return r; },
                    PullbackF = (i, r, s, g) => Kernels.MatVecPullback(i[0], i[1], rows, columns, transpose, r, s, g[0], g[1]),
                };
            }
        }

        // Small (row-update path) and 33x34x35 (blocked AVX-512 path, ragged tiles) products.
        foreach ((int m, int k, int n) in new[] { (3, 4, 5), (33, 34, 35) })
        {
            foreach (bool ta in new[] { false, true })
            {
                foreach (bool tb in new[] { false, true })
                {
                    yield return new KernelCase
                    {
                        Name = $"MatMul[{m}x{k}x{n}{(ta ? ",TA" : "")}{(tb ? ",TB" : "")}]",
                        Inputs = [V("a", m * k), V("b", k * n)],
                        OutputLength = m * n,
                        ScalarOutput = false,
                        Naive = i => Naive.MatMul(i[0], i[1], m, k, n, ta, tb),
                        Primal = i => { var r = new double[m * n]; Kernels.MatMul(i[0], i[1], m, k, n, ta, tb, r); return r; },
                        Pullback = (i, r, s, g) => Kernels.MatMulPullback(i[0], i[1], m, k, n, ta, tb, r, s, g[0], g[1]),
                        PrimalF = i => { var r = new float[m * n]; Kernels.MatMul(i[0], i[1], m, k, n, ta, tb, r); return r; },
                        PullbackF = (i, r, s, g) => Kernels.MatMulPullback(i[0], i[1], m, k, n, ta, tb, r, s, g[0], g[1]),
                    };
                }
            }
        }
    }
}

public delegate void UnaryKernel<T>(ReadOnlySpan<T> x, Span<T> result);

public delegate void UnaryPullback<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> result, ReadOnlySpan<T> seed, Span<T> dx);

public delegate void BinaryKernel<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> result);

public delegate void BinaryPullback<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> result, ReadOnlySpan<T> seed, Span<T> dx, Span<T> dy);

/// <summary>Reference implementations by the definition.</summary>
public static class Naive
{
    /// <summary>C = op(A) op(B) by the triple loop.</summary>
    public static double[] MatMul(double[] a, double[] b, int m, int k, int n, bool ta, bool tb)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    double aip = ta ? a[(p * m) + i] : a[(i * k) + p];
                    double bpj = tb ? b[(j * k) + p] : b[(p * n) + j];
                    sum += aip * bpj;
                }

                c[(i * n) + j] = sum;
            }
        }

        return c;
    }
}
