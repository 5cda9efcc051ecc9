using System;
using System.Linq;
using Xunit;

namespace AutoDiffGen.Runtime.Tests;

public class GradientCheckTests
{
    private static double F(double[] x) => x.Select((v, i) => (i + 1) * v * v).Sum();

    private static double[] Grad(double[] x) => x.Select((v, i) => 2 * (i + 1) * v).ToArray();

    [Fact]
    public void Check_CorrectGradient_HasTinyErrors()
    {
        double[] x = [0.5, -1.5, 2, 3];
        GradientCheckResult result = GradientCheck.Check(F, x, Grad(x));
        Assert.True(result.MaxRelativeError < 1e-8, result.ToString());
        Assert.True(result.IsWithin(1e-7));
        Assert.Equal([0.5, -1.5, 2, 3], x); // restored
    }

    [Fact]
    public void Check_DeliberatelyWrongComponent_ReportsItsIndex()
    {
        double[] x = [0.5, -1.5, 2, 3, 1];
        double[] wrong = Grad(x);
        wrong[3] *= 1.01;
        GradientCheckResult result = GradientCheck.Check(F, x, wrong);
        Assert.Equal(3, result.WorstIndex);
        Assert.Equal(0.01 / 1.01, result.MaxRelativeError, 6);
        Assert.Equal(0.01 * 24, result.MaxAbsoluteError, 6);
        Assert.Equal(24, result.NumericGradient[3], 6);
        Assert.False(result.IsWithin(1e-3));
        Assert.Contains("at index 3", result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_Float_ReportsWrongIndex()
    {
        float[] x = [1f, 2f, 3f];
        float[] analytic = [2f, 8f, 60f]; // d/dx_i of sum (i+1) x_i^2 is 2, 8, 18: index 2 is wrong
        GradientCheckResult result = GradientCheck.Check(v => v.Select((e, i) => (i + 1) * e * e).Sum(), x, analytic);
        Assert.Equal(2, result.WorstIndex);
        Assert.True(result.NumericGradient.Take(2).Zip(analytic, (n, a) => Math.Abs(n - a)).All(e => e < 1e-2));
    }

    [Fact]
    public void Check_KernelPullback_Passes()
    {
        double[] x = [0.3, -0.7, 1.1];
        var dx = new double[3];
        Kernels.LogSumExpPullback(x, 1.0, dx);
        Assert.True(GradientCheck.Check(v => Kernels.LogSumExp(v), x, dx).IsWithin(1e-7, 1e-10));
    }

    [Fact]
    public void Check_LengthMismatch_Throws()
    {
        var exception = Assert.Throws<ArgumentException>(() => GradientCheck.Check(F, new double[2], new double[3]));
        Assert.Contains("'x'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("'analytic'", exception.Message, StringComparison.Ordinal);
    }
}
