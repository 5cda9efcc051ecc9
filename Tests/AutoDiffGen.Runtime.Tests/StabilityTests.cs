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
