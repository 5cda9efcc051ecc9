using System;
using System.Globalization;
using System.IO;
using System.Linq;
using AutoDiffGen.Bench;
using Xunit;

namespace AutoDiffGen.Tests.Gmm;

/// <summary>
/// The ADBench GMM objective (Bench/AutoDiffGen.Bench/Gmm.cs, compiled into this project too, so its adjoint is
/// generated here at build time): value and full gradient on ADBench's test instance against ADBench's reference
/// values, generated vs hand-written vs central differences on the 1000-point instances, Pullback accumulation.
/// </summary>
public sealed class GmmObjectiveTests
{
    /// <summary>ADBench checks its modules against these values with tolerance 1e-8.</summary>
    private const double ReferenceTolerance = 1e-8;

    private delegate double Gradient(GmmInstance p, double[] dAlphas, double[] dMeans, double[] dIcf);

    [Fact]
    public void ObjectiveMatchesAdbenchReference()
    {
        GmmInstance p = GmmInstance.Load("gmm_test.txt");
        (double objective, _) = Expected();
        double value = Primal(p);
        Assert.True(Math.Abs(value - objective) <= ReferenceTolerance, Invariant($"objective {value:R}, expected {objective:R}"));
    }

    [Fact]
    public void GeneratedGradientMatchesAdbenchReference() => AssertReference(Generated);

    [Fact]
    public void HandWrittenGradientMatchesAdbenchReference() => AssertReference(HandWritten);

    [Theory]
    [InlineData("gmm_d2_K5_n1000.txt")]
    [InlineData("gmm_d10_K25_n1000.txt")]
    public void GeneratedMatchesHandWrittenOnWholeGradient(string file)
    {
        GmmInstance p = GmmInstance.Load(file);
        double vGen = Generated(p, out double[] gGen);
        double vHand = HandWritten(p, out double[] gHand);
        double primal = Primal(p);
        Assert.True(RelError(vGen, primal) <= 1e-12, Invariant($"generated value {vGen:R} vs primal {primal:R}"));
        Assert.True(RelError(vHand, primal) <= 1e-12, Invariant($"hand-written value {vHand:R} vs primal {primal:R}"));
        for (int i = 0; i < gGen.Length; i++)
        {
            Assert.True(RelError(gGen[i], gHand[i]) <= 1e-9, Invariant($"{file} gradient[{i}]: generated {gGen[i]:R}, hand-written {gHand[i]:R}"));
        }
    }

    [Fact]
    public void FreshBuffersGradientMatchesAdbenchReference() => AssertReference(FreshBuffers);

    [Fact]
    public void SlicesGradientMatchesAdbenchReference() => AssertReference(Slices);

    [Theory]
    [InlineData("fresh buffers", "gmm_d2_K5_n1000.txt")]
    [InlineData("fresh buffers", "gmm_d10_K25_n1000.txt")]
    [InlineData("slices", "gmm_d2_K5_n1000.txt")]
    [InlineData("slices", "gmm_d10_K25_n1000.txt")]
    public void RewrittenObjective_MatchesTheIndexedOneOnWholeGradient(string variant, string file)
    {
        // The same objective written another way: its buffers declared inside the loops (a fresh array per point and
        // component), or span slices (rows of x, means, icf and the buffers) instead of flattened indices.
        GmmInstance p = GmmInstance.Load(file);
        bool slices = variant == "slices";
        double primal = slices
            ? GmmSlices.Objective(p.Alphas, p.Means, p.Icf, p.X, p.Gamma, p.M, p.D, p.K, p.N)
            : GmmFreshBuffers.Objective(p.Alphas, p.Means, p.Icf, p.X, p.Gamma, p.M, p.D, p.K, p.N);
        Assert.True(RelError(primal, Primal(p)) <= 1e-12, Invariant($"{variant} primal {primal:R} vs {Primal(p):R}"));
        double value = Whole(p, slices ? Slices : FreshBuffers, out double[] gradient);
        Generated(p, out double[] gGen);
        Assert.True(RelError(value, primal) <= 1e-12, Invariant($"{variant} value {value:R} vs primal {primal:R}"));
        for (int i = 0; i < gGen.Length; i++)
        {
            Assert.True(RelError(gradient[i], gGen[i]) <= 1e-9, Invariant($"{file} gradient[{i}]: {variant} {gradient[i]:R}, indexed {gGen[i]:R}"));
        }
    }

    [Theory]
    [InlineData("gmm_test.txt")]
    [InlineData("gmm_d2_K5_n1000.txt")]
    [InlineData("gmm_d10_K25_n1000.txt")]
    public void GradientMatchesCentralDifferencesAtSampledCoordinates(string file)
    {
        GmmInstance p = GmmInstance.Load(file);
        Generated(p, out double[] gGen);
        double[] theta = Concat(p);

        // The first and last alpha, mean and icf entry, plus a log-diagonal and a lower-triangle icf entry of a
        // middle component.
        int a = p.Alphas.Length, mu = p.Means.Length, q = p.Icf.Length, s = p.D * (p.D + 1) / 2;
        int middle = p.K / 2;
        int[] coordinates = new[] { 0, a - 1, a, a + mu - 1, a + mu, a + mu + q - 1, a + mu + (middle * s) + 1, a + mu + (middle * s) + p.D }
            .Distinct().ToArray();

        foreach (int c in coordinates)
        {
            double h = 1e-6 * Math.Max(1.0, Math.Abs(theta[c]));
            double saved = theta[c];
            theta[c] = saved + h;
            double plus = Primal(Split(p, theta));
            theta[c] = saved - h;
            double minus = Primal(Split(p, theta));
            theta[c] = saved;
            double fd = (plus - minus) / (2 * h);

            // The objective is a sum over n points of size ~1e3..1e5: allow for its rounding in the differences.
            double tolerance = 1e-5 * Math.Max(1.0, Math.Abs(gGen[c]));
            Assert.True(Math.Abs(gGen[c] - fd) <= tolerance, Invariant($"{file} coordinate {c}: generated {gGen[c]:R}, central differences {fd:R}"));
        }
    }

    [Fact]
    public void PullbackAddsSeedTimesGradient()
    {
        GmmInstance p = GmmInstance.Load("gmm_test.txt");
        Generated(p, out double[] g);
        const double seed = -1.75;
        double[] dAlphas = Fill(p.Alphas.Length, 0.5);
        double[] dMeans = Fill(p.Means.Length, -2.0);
        double[] dIcf = Fill(p.Icf.Length, 3.25);
        double[] before = dAlphas.Concat(dMeans).Concat(dIcf).ToArray();

        GmmObjective.ObjectivePullback(p.Alphas, p.Means, p.Icf, p.X, p.Gamma, p.M, p.D, p.K, p.N, seed, dAlphas, dMeans, dIcf);

        double[] after = dAlphas.Concat(dMeans).Concat(dIcf).ToArray();
        for (int i = 0; i < g.Length; i++)
        {
            double expected = before[i] + (seed * g[i]);
            Assert.True(Math.Abs(after[i] - expected) <= 1e-12 * Math.Max(1.0, Math.Abs(expected)), Invariant($"entry {i}: {after[i]:R}, expected {expected:R}"));
        }
    }

    [Fact]
    public void GradientOverwritesBuffers()
    {
        GmmInstance p = GmmInstance.Load("gmm_test.txt");
        Generated(p, out double[] clean);
        double[] dAlphas = Fill(p.Alphas.Length, 9.0);
        double[] dMeans = Fill(p.Means.Length, 9.0);
        double[] dIcf = Fill(p.Icf.Length, 9.0);
        GmmObjective.ObjectiveGradient(p.Alphas, p.Means, p.Icf, p.X, p.Gamma, p.M, p.D, p.K, p.N, dAlphas, dMeans, dIcf);
        Assert.Equal(clean, dAlphas.Concat(dMeans).Concat(dIcf).ToArray());
    }

    private static void AssertReference(Gradient gradient)
    {
        GmmInstance p = GmmInstance.Load("gmm_test.txt");
        (double objective, double[] expected) = Expected();
        double[] dAlphas = new double[p.Alphas.Length], dMeans = new double[p.Means.Length], dIcf = new double[p.Icf.Length];
        double value = gradient(p, dAlphas, dMeans, dIcf);
        double[] actual = dAlphas.Concat(dMeans).Concat(dIcf).ToArray();

        Assert.True(Math.Abs(value - objective) <= ReferenceTolerance, Invariant($"objective {value:R}, expected {objective:R}"));
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= ReferenceTolerance, Invariant($"gradient[{i}] = {actual[i]:R}, expected {expected[i]:R}"));
        }
    }

    /// <summary>gmm_test_expected.txt: '#' comments, then "objective v" and "gradient g0 g1 ..." (alphas, means, icf).</summary>
    private static (double Objective, double[] Gradient) Expected()
    {
        double objective = double.NaN;
        double[] gradient = [];
        foreach (string line in File.ReadLines(Path.Combine(GmmInstance.DataDirectory(), "gmm_test_expected.txt")))
        {
            string[] parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0 || parts[0].StartsWith('#'))
            {
                continue;
            }

            double[] values = parts.Skip(1).Select(v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();
            if (parts[0] == "objective")
            {
                objective = values.Single();
            }
            else if (parts[0] == "gradient")
            {
                gradient = values;
            }
        }

        Assert.False(double.IsNaN(objective));
        Assert.NotEmpty(gradient);
        return (objective, gradient);
    }

    private static double Primal(GmmInstance p)
        => GmmObjective.Objective(p.Alphas, p.Means, p.Icf, p.X, p.Gamma, p.M, p.D, p.K, p.N);

    private static double Generated(GmmInstance p, double[] dAlphas, double[] dMeans, double[] dIcf)
        => GmmObjective.ObjectiveGradient(p.Alphas, p.Means, p.Icf, p.X, p.Gamma, p.M, p.D, p.K, p.N, dAlphas, dMeans, dIcf);

    private static double HandWritten(GmmInstance p, double[] dAlphas, double[] dMeans, double[] dIcf)
        => GmmObjective.ObjectiveHandGradient(p.Alphas, p.Means, p.Icf, p.X, p.Gamma, p.M, p.D, p.K, p.N, dAlphas, dMeans, dIcf);

    private static double Slices(GmmInstance p, double[] dAlphas, double[] dMeans, double[] dIcf)
        => GmmSlices.ObjectiveGradient(p.Alphas, p.Means, p.Icf, p.X, p.Gamma, p.M, p.D, p.K, p.N, dAlphas, dMeans, dIcf);

    private static double FreshBuffers(GmmInstance p, double[] dAlphas, double[] dMeans, double[] dIcf)
        => GmmFreshBuffers.ObjectiveGradient(p.Alphas, p.Means, p.Icf, p.X, p.Gamma, p.M, p.D, p.K, p.N, dAlphas, dMeans, dIcf);

    private static double Generated(GmmInstance p, out double[] gradient) => Whole(p, Generated, out gradient);

    private static double HandWritten(GmmInstance p, out double[] gradient) => Whole(p, HandWritten, out gradient);

    private static double Whole(GmmInstance p, Gradient f, out double[] gradient)
    {
        double[] dAlphas = new double[p.Alphas.Length], dMeans = new double[p.Means.Length], dIcf = new double[p.Icf.Length];
        double value = f(p, dAlphas, dMeans, dIcf);
        gradient = dAlphas.Concat(dMeans).Concat(dIcf).ToArray();
        return value;
    }

    private static double[] Concat(GmmInstance p) => p.Alphas.Concat(p.Means).Concat(p.Icf).ToArray();

    /// <summary>A copy of <paramref name="p"/> with its parameters taken from <paramref name="theta"/>.</summary>
    private static GmmInstance Split(GmmInstance p, double[] theta)
    {
        int a = p.Alphas.Length, mu = p.Means.Length;
        Array.Copy(theta, 0, p.Alphas, 0, a);
        Array.Copy(theta, a, p.Means, 0, mu);
        Array.Copy(theta, a + mu, p.Icf, 0, p.Icf.Length);
        return p;
    }

    private static double[] Fill(int length, double value) => Enumerable.Repeat(value, length).ToArray();

    private static double RelError(double a, double b) => Math.Abs(a - b) / Math.Max(1.0, Math.Max(Math.Abs(a), Math.Abs(b)));

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
