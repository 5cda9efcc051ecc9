using System;
using System.Linq;
using Xunit;

namespace AutoDiffGen.Runtime.Tests;

/// <summary>Every kernel of <see cref="KernelCases"/>: primal against the definition, pullback against finite differences.</summary>
public class KernelTests
{
    private static readonly int[] Seeds = [11, 22, 33];

    /// <summary>Finite differences cost O(inputs^2): large cases are checked at one random point only.</summary>
    private static int[] SeedsFor(KernelCase c) => c.Inputs.Sum(spec => spec.Length) > 250 ? Seeds[..1] : Seeds;

    /// <summary>...and, above 1000 inputs, at every 7th component (a stride prime to the tile sizes).</summary>
    private static int StrideFor(KernelCase c) => c.Inputs.Sum(spec => spec.Length) > 1000 ? 7 : 1;

    private static float[][] ToFloat(double[][] inputs) => inputs.Select(v => v.Select(e => (float)e).ToArray()).ToArray();

    private static double[][] ToDouble(float[][] inputs) => inputs.Select(v => v.Select(e => (double)e).ToArray()).ToArray();

    private static void AssertClose(double expected, double actual, double relative, double absolute, string what)
    {
        double error = Math.Abs(expected - actual);
        double bound = absolute + (relative * Math.Max(Math.Abs(expected), Math.Abs(actual)));
        Assert.True(error <= bound, $"{what}: expected {expected:R}, actual {actual:R}, error {error:G3} > {bound:G3}");
    }

    [Theory]
    [MemberData(nameof(KernelCases.Names), MemberType = typeof(KernelCases))]
    public void Primal_RandomInputs_MatchesNaive(string name)
    {
        KernelCase c = KernelCases.All[name];
        foreach (int seed in Seeds)
        {
            double[][] inputs = c.SampleInputs(new Random(seed));
            double[] expected = c.Naive(inputs);
            double[] actual = c.Primal(inputs);
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                AssertClose(expected[i], actual[i], 1e-12, 1e-13, $"{name} output {i}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelCases.Names), MemberType = typeof(KernelCases))]
    public void PrimalFloat_RandomInputs_MatchesNaive(string name)
    {
        KernelCase c = KernelCases.All[name];
        foreach (int seed in Seeds)
        {
            float[][] inputs = ToFloat(c.SampleInputs(new Random(seed)));
            double[] expected = c.Naive(ToDouble(inputs));
            float[] actual = c.PrimalF(inputs);
            double scale = Math.Max(1, expected.Max(Math.Abs));
            for (int i = 0; i < expected.Length; i++)
            {
                AssertClose(expected[i], actual[i], 1e-5, 1e-5 * scale, $"{name} output {i}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelCases.Names), MemberType = typeof(KernelCases))]
    public void Pullback_RandomInputs_MatchesCentralDifferences(string name)
    {
        KernelCase c = KernelCases.All[name];
        foreach (int seed in SeedsFor(c))
        {
            var random = new Random(seed);
            double[][] inputs = c.SampleInputs(random);
            double[] adjoint = c.SampleSeed(random);
            double[][] analytic = c.Gradient(inputs, adjoint);
            for (int k = 0; k < inputs.Length; k++)
            {
                for (int j = 0; j < inputs[k].Length; j += StrideFor(c))
                {
                    double x = inputs[k][j];
                    double h = 1e-5 * Math.Max(1, Math.Abs(x));
                    inputs[k][j] = x + h;
                    double plus = c.Objective(inputs, adjoint);
                    inputs[k][j] = x - h;
                    double minus = c.Objective(inputs, adjoint);
                    inputs[k][j] = x;
                    double numeric = (plus - minus) / (2 * h);
                    AssertClose(numeric, analytic[k][j], 1e-6, 1e-8, $"{name} d{c.Inputs[k].Name}[{j}] (seed {seed})");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelCases.Names), MemberType = typeof(KernelCases))]
    public void PullbackFloat_RandomInputs_MatchesCentralDifferencesAndDoublePullback(string name)
    {
        KernelCase c = KernelCases.All[name];
        foreach (int seed in SeedsFor(c))
        {
            var random = new Random(seed);
            float[][] inputs = ToFloat(c.SampleInputs(random));
            double[] adjoint = c.SampleSeed(random).Select(v => (double)(float)v).ToArray();
            float[] seedF = adjoint.Select(v => (float)v).ToArray();

            float[][] analytic = c.Inputs.Select(spec => new float[spec.Length]).ToArray();
            c.PullbackF(inputs, c.PrimalF(inputs), seedF, analytic);

            // Same inputs in double: the float pullback must agree with the double one closely...
            double[][] reference = c.Gradient(ToDouble(inputs), adjoint);
            double scale = Math.Max(1, reference.SelectMany(g => g).DefaultIfEmpty(0).Max(Math.Abs));
            for (int k = 0; k < inputs.Length; k++)
            {
                for (int j = 0; j < inputs[k].Length; j++)
                {
                    AssertClose(reference[k][j], analytic[k][j], 1e-4, 1e-5 * scale, $"{name} d{c.Inputs[k].Name}[{j}] vs double");
                }
            }

            // ...and with central differences of the float primal, up to float rounding.
            for (int k = 0; k < inputs.Length; k++)
            {
                for (int j = 0; j < inputs[k].Length; j += StrideFor(c))
                {
                    float x = inputs[k][j];
                    float h = 1e-2f * Math.Max(1, Math.Abs(x));
                    float up = x + h, down = x - h;
                    inputs[k][j] = up;
                    double plus = c.ObjectiveF(inputs, adjoint);
                    inputs[k][j] = down;
                    double minus = c.ObjectiveF(inputs, adjoint);
                    inputs[k][j] = x;
                    double numeric = (plus - minus) / ((double)up - down);
                    AssertClose(numeric, analytic[k][j], 2e-2, 2e-3 * scale, $"{name} d{c.Inputs[k].Name}[{j}] vs FD");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelCases.Names), MemberType = typeof(KernelCases))]
    public void Pullback_PrefilledBuffers_Accumulates(string name)
    {
        KernelCase c = KernelCases.All[name];
        var random = new Random(5);
        double[][] inputs = c.SampleInputs(random);
        double[] adjoint = c.SampleSeed(random);
        double[][] fresh = c.Gradient(inputs, adjoint);

        double[][] prefill = c.Inputs.Select(spec => Enumerable.Range(0, spec.Length).Select(_ => random.NextDouble() * 10).ToArray()).ToArray();
        double[][] gradients = prefill.Select(g => g.ToArray()).ToArray();
        double[] result = c.Primal(inputs);
        double[] resultCopy = result.ToArray();
        c.Pullback(inputs, result, adjoint, gradients);

        Assert.Equal(resultCopy, result); // the pullback reads the primal result, never writes it
        for (int k = 0; k < gradients.Length; k++)
        {
            for (int j = 0; j < gradients[k].Length; j++)
            {
                AssertClose(prefill[k][j] + fresh[k][j], gradients[k][j], 1e-12, 1e-12, $"{name} d{c.Inputs[k].Name}[{j}]");
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelCases.Names), MemberType = typeof(KernelCases))]
    public void Pullback_ScaledSeed_ScalesGradient(string name)
    {
        KernelCase c = KernelCases.All[name];
        var random = new Random(6);
        double[][] inputs = c.SampleInputs(random);
        double[] adjoint = c.SampleSeed(random);
        double[][] once = c.Gradient(inputs, adjoint);
        double[][] thrice = c.Gradient(inputs, adjoint.Select(v => -3 * v).ToArray());
        for (int k = 0; k < once.Length; k++)
        {
            for (int j = 0; j < once[k].Length; j++)
            {
                AssertClose(-3 * once[k][j], thrice[k][j], 1e-12, 1e-13, $"{name} d{c.Inputs[k].Name}[{j}]");
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelCases.Names), MemberType = typeof(KernelCases))]
    public void Primal_ShortenedInput_ThrowsNamingItBeforeWriting(string name)
    {
        KernelCase c = KernelCases.All[name];
        if (!c.PrimalLengthsLinked)
        {
            return;
        }

        double[][] inputs = c.SampleInputs(new Random(7));
        for (int k = 0; k < inputs.Length; k++)
        {
            if (c.Inputs[k].IsScalar)
            {
                continue;
            }

            double[][] broken = inputs.ToArray();
            broken[k] = inputs[k][..^1];
            var exception = Assert.ThrowsAny<ArgumentException>(() => c.Primal(broken));
            Assert.Contains($"'{c.Inputs[k].Name}'", exception.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(KernelCases.Names), MemberType = typeof(KernelCases))]
    public void Pullback_ShortenedGradientOrSeed_ThrowsBeforeWriting(string name)
    {
        KernelCase c = KernelCases.All[name];
        var random = new Random(8);
        double[][] inputs = c.SampleInputs(random);
        double[] adjoint = c.SampleSeed(random);
        double[] result = c.Primal(inputs);

        for (int k = 0; k < inputs.Length; k++)
        {
            if (c.Inputs[k].IsScalar)
            {
                continue;
            }

            if (c.Inputs[k].Length == 1)
            {
                // Shortened to empty: for MatMul and MatVec (AcceptsEmptyGradients) that means "not wanted" (EmptyGradientTests).
                continue;
            }

            double[][] gradients = c.Inputs.Select(spec => Enumerable.Repeat(42.0, spec.Length).ToArray()).ToArray();
            gradients[k] = gradients[k][..^1];
            var exception = Assert.ThrowsAny<ArgumentException>(() => c.Pullback(inputs, result, adjoint, gradients));
            Assert.Contains($"'d{c.Inputs[k].Name}'", exception.Message, StringComparison.Ordinal);
            Assert.All(gradients.SelectMany(g => g), v => Assert.Equal(42.0, v));
        }

        if (!c.ScalarOutput)
        {
            double[][] gradients = c.Inputs.Select(spec => Enumerable.Repeat(42.0, spec.Length).ToArray()).ToArray();
            var exception = Assert.ThrowsAny<ArgumentException>(() => c.Pullback(inputs, result, adjoint[..^1], gradients));
            Assert.Contains("'seed'", exception.Message, StringComparison.Ordinal);
            Assert.All(gradients.SelectMany(g => g), v => Assert.Equal(42.0, v));
        }
    }

    [Fact]
    public void Primal_ShortenedOutput_ThrowsNamingResult()
    {
        var exception = Assert.Throws<ArgumentException>(() => Kernels.Exp(new double[3], new double[2]));
        Assert.Contains("'x'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("'result'", exception.Message, StringComparison.Ordinal);
        Assert.Equal("result", exception.ParamName);
        Assert.Throws<ArgumentException>(() => Kernels.MatMul(new double[6], new double[6], 2, 3, 2, false, false, new double[3]));
    }
}
