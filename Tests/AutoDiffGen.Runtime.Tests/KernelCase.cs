using System;
using System.Linq;

namespace AutoDiffGen.Runtime.Tests;

/// <summary>One input of a kernel under test: a span (length n) or a scalar (IsScalar, length 1).</summary>
public sealed record InputSpec(string Name, int Length, bool IsScalar, Func<Random, double> Sample);

/// <summary>
/// A kernel under test, seen uniformly: inputs are arrays (a scalar is an array of length 1), the output is an
/// array (length 1 for a scalar-valued kernel), and the pullback takes (inputs, result, seed, gradients), where a
/// scalar kernel's seed is seed[0] and a scalar input's gradient is gradients[i][0].
/// </summary>
public sealed class KernelCase
{
    public required string Name { get; init; }

    public required InputSpec[] Inputs { get; init; }

    public required int OutputLength { get; init; }

    public required bool ScalarOutput { get; init; }

    /// <summary>Whether shortening any span input makes the primal throw (false for Sum, Mean, LogSumExp).</summary>
    public bool PrimalLengthsLinked { get; init; } = true;

    public required Func<double[][], double[]> Naive { get; init; }

    public required Func<double[][], double[]> Primal { get; init; }

    public required Action<double[][], double[], double[], double[][]> Pullback { get; init; }

    public required Func<float[][], float[]> PrimalF { get; init; }

    public required Action<float[][], float[], float[], float[][]> PullbackF { get; init; }

    public override string ToString() => Name;

    public double[][] SampleInputs(Random random)
        => Inputs.Select(spec => Enumerable.Range(0, spec.Length).Select(_ => spec.Sample(random)).ToArray()).ToArray();

    public double[][] ZeroGradients() => Inputs.Select(spec => new double[spec.Length]).ToArray();

    public double[] SampleSeed(Random random)
        => Enumerable.Range(0, OutputLength).Select(_ => random.NextDouble() * 2 - 1).ToArray();

    /// <summary>Runs the pullback from zeroed buffers.</summary>
    public double[][] Gradient(double[][] inputs, double[] seed)
    {
        double[] result = Primal(inputs);
        double[][] gradients = ZeroGradients();
        Pullback(inputs, result, seed, gradients);
        return gradients;
    }

    /// <summary>The scalar <c>seed . f(inputs)</c> whose gradient the pullback computes.</summary>
    public double Objective(double[][] inputs, double[] seed) => Dot(seed, Primal(inputs));

    public double ObjectiveF(float[][] inputs, double[] seed)
        => Dot(seed, Array.ConvertAll(PrimalF(inputs), v => (double)v));

    private static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }
}
