using System;
using System.Linq;

namespace AutoDiffGen.GradBench.Tests;

/// <summary>
/// Reference values computed here, independently of the tool: other algorithms for the same functions (Gaussian
/// elimination for det, sorted log1p sums for LSE, Math.Pow for llsq), and log Γ by Stirling's series.
/// </summary>
public static class Reference
{
    /// <summary>log Σ exp(x_i) as x_max + log1p(Σ_{i≠max} exp(x_i - x_max)), summing the small terms first.</summary>
    public static double LogSumExp(double[] x)
    {
        double[] sorted = [.. x.OrderBy(v => v)];
        double max = sorted[^1];
        double rest = 0;
        for (int i = 0; i < sorted.Length - 1; i++)
        {
            rest += Math.Exp(sorted[i] - max);
        }

        return max + LogOnePlus(rest);
    }

    /// <summary>The llsq objective with t_i^j from Math.Pow.</summary>
    public static double Llsq(double[] x, int n)
    {
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            double t = -1 + (2.0 * i / (n - 1));
            double r = Math.Sign(t);
            for (int j = 0; j < x.Length; j++)
            {
                r -= x[j] * Math.Pow(t, j);
            }

            sum += r * r;
        }

        return sum / 2;
    }

    /// <summary>det A by Gaussian elimination with partial pivoting (A row-major, ℓ×ℓ).</summary>
    public static double Determinant(double[] a, int ell)
    {
        double[] m = (double[])a.Clone();
        double det = 1;
        for (int c = 0; c < ell; c++)
        {
            int pivot = c;
            for (int r = c + 1; r < ell; r++)
            {
                if (Math.Abs(m[r * ell + c]) > Math.Abs(m[pivot * ell + c]))
                {
                    pivot = r;
                }
            }

            if (pivot != c)
            {
                for (int j = 0; j < ell; j++)
                {
                    (m[c * ell + j], m[pivot * ell + j]) = (m[pivot * ell + j], m[c * ell + j]);
                }

                det = -det;
            }

            double p = m[c * ell + c];
            det *= p;
            if (p == 0)
            {
                return 0;
            }

            for (int r = c + 1; r < ell; r++)
            {
                double f = m[r * ell + c] / p;
                for (int j = c; j < ell; j++)
                {
                    m[r * ell + j] -= f * m[c * ell + j];
                }
            }
        }

        return det;
    }

    /// <summary>∂det A/∂A = det(A) A⁻ᵀ (row-major), with A⁻¹ by Gauss-Jordan elimination.</summary>
    public static double[] DeterminantGradient(double[] a, int ell)
    {
        double[] inverse = Inverse(a, ell);
        double det = Determinant(a, ell);
        double[] g = new double[ell * ell];
        for (int i = 0; i < ell; i++)
        {
            for (int j = 0; j < ell; j++)
            {
                g[i * ell + j] = det * inverse[j * ell + i];
            }
        }

        return g;
    }

    /// <summary>A⁻¹ by Gauss-Jordan elimination with partial pivoting.</summary>
    public static double[] Inverse(double[] a, int ell)
    {
        double[] m = (double[])a.Clone();
        double[] inv = new double[ell * ell];
        for (int i = 0; i < ell; i++)
        {
            inv[i * ell + i] = 1;
        }

        for (int c = 0; c < ell; c++)
        {
            int pivot = c;
            for (int r = c + 1; r < ell; r++)
            {
                if (Math.Abs(m[r * ell + c]) > Math.Abs(m[pivot * ell + c]))
                {
                    pivot = r;
                }
            }

            for (int j = 0; j < ell; j++)
            {
                (m[c * ell + j], m[pivot * ell + j]) = (m[pivot * ell + j], m[c * ell + j]);
                (inv[c * ell + j], inv[pivot * ell + j]) = (inv[pivot * ell + j], inv[c * ell + j]);
            }

            double p = m[c * ell + c];
            for (int j = 0; j < ell; j++)
            {
                m[c * ell + j] /= p;
                inv[c * ell + j] /= p;
            }

            for (int r = 0; r < ell; r++)
            {
                if (r != c)
                {
                    double f = m[r * ell + c];
                    for (int j = 0; j < ell; j++)
                    {
                        m[r * ell + j] -= f * m[c * ell + j];
                        inv[r * ell + j] -= f * inv[c * ell + j];
                    }
                }
            }
        }

        return inv;
    }

    /// <summary>
    /// log Γ(z) for z &gt; 0 by Stirling's series at z + s ≥ 10, then log Γ(z) = log Γ(z + s) - Σ log(z + i).
    /// Accurate to about 1e-15 relative, and unrelated to the tool's half-integer recursion.
    /// </summary>
    public static double LogGamma(double z)
    {
        double shift = 0;
        while (z < 10)
        {
            shift += Math.Log(z);
            z += 1;
        }

        double z2 = z * z;
        double series = (1.0 / 12 / z) - (1.0 / 360 / (z * z2)) + (1.0 / 1260 / (z * z2 * z2)) - (1.0 / 1680 / (z * z2 * z2 * z2));
        return ((z - 0.5) * Math.Log(z)) - z + (0.5 * Math.Log(2 * Math.PI)) + series - shift;
    }

    /// <summary>log Γ_p(a) = p(p-1)/4 log π + Σ_{j=1..p} log Γ(a + (1 - j)/2).</summary>
    public static double LogMultivariateGamma(double a, int p)
    {
        double result = 0.25 * p * (p - 1) * Math.Log(Math.PI);
        for (int j = 1; j <= p; j++)
        {
            result += LogGamma(a + (0.5 * (1 - j)));
        }

        return result;
    }

    private static double LogOnePlus(double x) => x < 1e-4 ? x - (x * x / 2) + (x * x * x / 3) - (x * x * x * x / 4) : Math.Log(1 + x);
}
