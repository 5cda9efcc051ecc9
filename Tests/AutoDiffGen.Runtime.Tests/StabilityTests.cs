using System;
using Xunit;

namespace AutoDiffGen.Runtime.Tests;

/// <summary>Inputs where the naive formulas overflow.</summary>
public class StabilityTests
{
    [Fact]
    public void Softmax_HugeLogits_IsFiniteAndNormalised()
    {
        double[] x = [1000, 1001, 999];
        var y = new double[3];
        Kernels.Softmax(x, y);
        Assert.Equal(1.0, y[0] + y[1] + y[2], 12);
        Assert.Equal(Math.Exp(1) / (1 + Math.E + Math.Exp(-1)) / Math.E * Math.E, y[1], 12);
        Assert.Equal(1001 + Math.Log(1 + Math.Exp(-1) + Math.Exp(-2)), Kernels.LogSumExp(x), 9);
    }

    [Fact]
    public void LogSumExp_EmptyAndInfinite_FollowLimits()
    {
        Assert.Equal(double.NegativeInfinity, Kernels.LogSumExp(ReadOnlySpan<double>.Empty));
        Assert.Equal(double.PositiveInfinity, Kernels.LogSumExp([1.0, double.PositiveInfinity]));
    }

    /// <summary>
    /// Short spans (up to 16 elements) take a scalar path and longer ones the vectorised one: both must agree on
    /// huge values, infinities and NaN, and the pullback must give the softmax without overflow.
    /// </summary>
    [Theory]
    [InlineData(3)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(40)]
    public void LogSumExp_ShortAndLongSpans_AgreeOnExtremes(int n)
    {
        var x = new double[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = 1000 - i;
        }

        double expected = 1000 + Math.Log((1 - Math.Exp(-n)) / (1 - Math.Exp(-1)));
        Assert.Equal(expected, Kernels.LogSumExp(x), 9);
        Assert.Equal((float)expected, Kernels.LogSumExp(Array.ConvertAll(x, v => (float)v)), 3);

        var dx = new double[n];
        Kernels.LogSumExpPullback(x, 2.0, dx);
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(2.0 * Math.Exp(x[i] - expected), dx[i], 12);
            total += dx[i];
        }

        Assert.Equal(2.0, total, 12);

        x[n / 2] = double.NegativeInfinity;
        Assert.True(double.IsFinite(Kernels.LogSumExp(x)));
        x[n - 1] = double.PositiveInfinity;
        Assert.Equal(double.PositiveInfinity, Kernels.LogSumExp(x));
        x[0] = double.NaN;
        Assert.True(double.IsNaN(Kernels.LogSumExp(x)));
        Array.Fill(x, double.NegativeInfinity);
        Assert.Equal(double.NegativeInfinity, Kernels.LogSumExp(x));
    }

    [Fact]
    public void BinaryCrossEntropyWithLogits_LargeLogits_IsFiniteAndExact()
    {
        double[] z = [800, -800];
        double[] t = [0, 1];
        Assert.Equal(800, Kernels.BinaryCrossEntropyWithLogits(z, t), 9);
        Assert.Equal(0, Kernels.BinaryCrossEntropyWithLogits(z, [1.0, 0.0]), 12);
        var y = new double[2];
        Kernels.Softplus(z, y);
        Assert.Equal(800, y[0]);
        Assert.Equal(0, y[1], 12);
    }

    [Fact]
    public void SoftmaxCrossEntropy_LabelOutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.SoftmaxCrossEntropy(new double[6], [0, 3]));
        Assert.Throws<ArgumentException>(() => Kernels.SoftmaxCrossEntropy(new double[5], [0, 1]));
    }

    [Fact]
    public void Mean_Empty_Throws()
    {
        Assert.Throws<ArgumentException>(() => Kernels.Mean(ReadOnlySpan<double>.Empty));
    }
}
