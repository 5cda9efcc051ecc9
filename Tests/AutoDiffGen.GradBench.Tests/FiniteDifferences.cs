using System;
using Xunit;

namespace AutoDiffGen.GradBench.Tests;

/// <summary>Central differences of a scalar function, and the comparison of a gradient against them.</summary>
public static class FiniteDifferences
{
    /// <summary>
    /// (f(x + h e_i) - f(x - h e_i)) / 2h for every i, with h = 1e-6 max(1, |x_i|); f is typically the tool's own
    /// primal, evaluated through the protocol.
    /// </summary>
    public static double[] Gradient(Func<double[], double> f, double[] x)
    {
        double[] g = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double h = 1e-6 * Math.Max(1, Math.Abs(x[i]));
            double[] plus = (double[])x.Clone();
            double[] minus = (double[])x.Clone();
            plus[i] += h;
            minus[i] -= h;
            g[i] = (f(plus) - f(minus)) / (2 * h);
        }

        return g;
    }

    /// <summary>
    /// Asserts |g_i - fd_i| ≤ tolerance (1 + |fd_i| + scale), where <paramref name="scale"/> is about |f| times the
    /// relative error central differences carry from rounding in f.
    /// </summary>
    public static void AssertClose(double[] expected, double[] actual, double tolerance, double scale = 0, string what = "gradient")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double allowed = tolerance * (1 + Math.Abs(expected[i]) + scale);
            Assert.True(
                Math.Abs(expected[i] - actual[i]) <= allowed,
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (allowed difference {allowed:G3})");
        }
    }
}
