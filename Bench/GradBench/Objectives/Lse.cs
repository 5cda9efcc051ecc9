using System;

namespace AutoDiffGen.GradBench.Objectives;

/// <summary>
/// GradBench's lse eval: LSE(x) = log Σ exp(x_i), computed stably from its primitive parts as
/// a + log Σ exp(x_i - a) with a = max x (no built-in log-sum-exp, as the eval asks).
/// </summary>
internal static partial class Lse
{
    /// <summary>log Σ exp(x_i).</summary>
    [Differentiable]
    public static double LogSumExp(ReadOnlySpan<double> x)
    {
        double a = x[0];
        for (int i = 1; i < x.Length; i++)
        {
            if (x[i] > a)
            {
                a = x[i];
            }
        }

        double s = 0;
        for (int i = 0; i < x.Length; i++)
        {
            s += Math.Exp(x[i] - a);
        }

        return Math.Log(s) + a;
    }
}
