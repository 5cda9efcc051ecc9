using System;

namespace AutoDiffGen.GradBench.Objectives;

/// <summary>
/// GradBench's llsq eval (cmpad's llsq_obj): y(x) = ½ Σ_{i&lt;n} (s_i - Σ_j x_j t_i^j)² with
/// t_i = -1 + 2i / (n - 1) and s_i = sign(t_i).
/// </summary>
internal static partial class Llsq
{
    /// <summary>The objective for coefficients <paramref name="x"/> over <paramref name="n"/> sample points.</summary>
    [Differentiable]
    public static double Objective(ReadOnlySpan<double> x, int n)
    {
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            double t = -1 + (i * 2.0 / (n - 1));
            double residual = t > 0 ? 1 : (t < 0 ? -1 : 0);

            // residual = s_i - Σ_j x_j t^j, with t^j built up by one multiplication per term.
            double power = 1;
            for (int j = 0; j < x.Length; j++)
            {
                residual -= x[j] * power;
                power *= t;
            }

            sum += residual * residual;
        }

        return sum / 2;
    }
}
