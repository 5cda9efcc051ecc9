using System;

namespace AutoDiffGen.Bench;

/// <summary>The extended (chained) Rosenbrock function over a vector, differentiated by the generator and by hand.</summary>
public static partial class ExtendedRosenbrockFunction
{
    /// <summary>f(x) = sum_{i=0}^{n-2} 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2; minimum 0 at x = (1, ..., 1).</summary>
    /// <param name="x">The point.</param>
    /// <returns>The value.</returns>
    [Differentiable]
    public static double ExtendedRosenbrock(ReadOnlySpan<double> x)
    {
        double sum = 0;
        for (int i = 0; i + 1 < x.Length; i++)
        {
            double t = x[i + 1] - (x[i] * x[i]);
            double u = 1 - x[i];
            sum += (100 * t * t) + (u * u);
        }

        return sum;
    }

    /// <summary>The hand-written adjoint, same shape as the generated <c>ExtendedRosenbrockGradient</c> (gradient overwritten).</summary>
    /// <param name="x">The point.</param>
    /// <param name="dx">Receives the gradient, same length as <paramref name="x"/>.</param>
    /// <returns>The value.</returns>
    public static double ExtendedRosenbrockHandGradient(ReadOnlySpan<double> x, Span<double> dx)
    {
        int n = x.Length;
        dx = dx[..n];
        dx.Clear();
        double sum = 0;
        for (int i = 0; i + 1 < n; i++)
        {
            double xi = x[i];
            double t = x[i + 1] - (xi * xi);
            double u = 1 - xi;
            sum += (100 * t * t) + (u * u);

            // d/dx[i]: -400 x[i] t - 2 u; d/dx[i+1]: 200 t.
            dx[i] += (-400 * xi * t) - (2 * u);
            dx[i + 1] += 200 * t;
        }

        return sum;
    }
}
