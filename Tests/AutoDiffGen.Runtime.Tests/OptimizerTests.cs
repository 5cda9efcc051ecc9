using System;
using AutoDiffGen.Optimizers;
using Xunit;

namespace AutoDiffGen.Runtime.Tests;

/// <summary>Optimiser steps against values worked out by hand.</summary>
public class OptimizerTests
{
    [Fact]
    public void Sgd_Plain_StepsAgainstGradient()
    {
        var sgd = new Sgd<double>(0.1);
        double[] p = [1, -2];
        sgd.Step(p, [0.5, -1]);
        Assert.Equal(0.95, p[0], 15);
        Assert.Equal(-1.9, p[1], 15);
    }

    [Fact]
    public void Sgd_MomentumAndWeightDecay_MatchesHandComputation()
    {
        // g = 1 + 0.1 * 2 = 1.2; v1 = 1.2; p1 = 2 - 0.5 * 1.2 = 1.4
        // g = 1 + 0.1 * 1.4 = 1.14; v2 = 0.9 * 1.2 + 1.14 = 2.22; p2 = 1.4 - 0.5 * 2.22 = 0.29
        var sgd = new Sgd<double>(0.5, momentum: 0.9, weightDecay: 0.1);
        double[] p = [2];
        sgd.Step(p, [1]);
        Assert.Equal(1.4, p[0], 14);
        sgd.Step(p, [1]);
        Assert.Equal(0.29, p[0], 14);
    }

    [Fact]
    public void Sgd_Nesterov_MatchesHandComputation()
    {
        // v1 = 1; p1 = 0 - 0.1 * (1 + 0.5 * 1) = -0.15
        // v2 = 0.5 + 2 = 2.5; p2 = -0.15 - 0.1 * (2 + 0.5 * 2.5) = -0.475
        var sgd = new Sgd<float>(0.1, momentum: 0.5, nesterov: true);
        float[] p = [0];
        sgd.Step(p, [1f]);
        Assert.Equal(-0.15f, p[0], 6);
        sgd.Step(p, [2f]);
        Assert.Equal(-0.475f, p[0], 6);
    }

    [Fact]
    public void Adam_FirstTwoSteps_MatchHandComputation()
    {
        // Step 1: m = 0.1 g, v = 0.001 g^2, mhat = g, vhat = g^2  =>  p -= lr * g / (|g| + eps) ~ lr * sign(g).
        var adam = new Adam<double>(0.1);
        double[] p = [1, 1];
        adam.Step(p, [2, -0.5]);
        Assert.Equal(1 - (0.1 * 2 / (2 + 1e-8)), p[0], 14);
        Assert.Equal(1 + (0.1 * 0.5 / (0.5 + 1e-8)), p[1], 14);

        // Step 2 with g = 1 for p[0]: m = 0.9*0.2 + 0.1 = 0.28, v = 0.999*0.004 + 0.001 = 0.004996
        // mhat = 0.28 / 0.19, vhat = 0.004996 / 0.001999
        double before = p[0];
        adam.Step(p, [1, 0]);
        double expected = before - (0.1 * (0.28 / 0.19) / (Math.Sqrt(0.004996 / (1 - (0.999 * 0.999))) + 1e-8));
        Assert.Equal(expected, p[0], 12);
        Assert.Equal(2, adam.StepCount);
    }

    [Fact]
    public void Adam_DecoupledWeightDecay_ShrinksParameters()
    {
        // Zero gradient: the moments stay 0, so only the decoupled decay acts: p -= lr * wd * p.
        var adam = new Adam<float>(0.1, weightDecay: 0.5, decoupledWeightDecay: true);
        float[] p = [2f];
        adam.Step(p, [0f]);
        Assert.Equal(1.9f, p[0], 6);
    }

    [Fact]
    public void Optimizers_DoNotAllocatePerStep()
    {
        var adam = new Adam<double>(0.01);
        var sgd = new Sgd<double>(0.01, momentum: 0.9);
        double[] p = new double[1000], g = new double[1000];
        adam.Step(p, g);
        sgd.Step(p, g);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            adam.Step(p, g);
            sgd.Step(p, g);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Fact]
    public void Optimizers_LengthMismatch_Throw()
    {
        var adam = new Adam<double>();
        Assert.Throws<ArgumentException>(() => adam.Step(new double[2], new double[3]));
        adam.Step(new double[2], new double[2]);
        Assert.Throws<InvalidOperationException>(() => adam.Step(new double[3], new double[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd<double>(-1));
        Assert.Throws<ArgumentException>(() => new Sgd<double>(0.1, nesterov: true));
    }
}
