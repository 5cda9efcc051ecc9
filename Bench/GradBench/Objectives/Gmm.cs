using System;
using AutoDiffGen.Bench;

namespace AutoDiffGen.GradBench.Objectives;

/// <summary>
/// GradBench's gmm eval: the log posterior of a Gaussian mixture model with a Wishart prior on the precision
/// matrices, GradBench's corrected form of ADBench's GMM objective. For K components in D dimensions and N points,
/// with n = D + m + 1,
///
///   F = Σ_i logsumexp_k β_ik - N (D/2 log 2π + logsumexp α)
///       + K (D n log(γ/√2) - log Γ_D(n/2)) - γ²/2 Σ_k ‖Q_k‖²_F + m Σ_k Σ_j q_kj,
///   β_ik = α_k + Σ_j q_kj - ½ ‖Q_k (x_i - μ_k)‖²,
///
/// where Q_k is lower triangular with diagonal exp(q_k) and strictly lower part L_k, and Q_kᵀQ_k is the precision
/// matrix of component k. Against ADBench (src/cpp/shared/gmm.h) the data term is the same and the prior has the
/// opposite sign: ADBench adds γ²/2 ‖Q‖² - m Σq - K C, the log density of a Wishart over covariances with its sign
/// flipped; GradBench subtracts it, the log density of a Wishart over precisions.
///
/// Layout: <c>mu</c> and <c>q</c> are K rows of D; <c>l</c> is K blocks of D(D-1)/2, each block L's rows one after
/// the other (row j holds L[j, 0..j-1] and starts at j(j-1)/2), which is GradBench's jagged <c>l[k][j][i]</c>
/// flattened; <c>x</c> is N rows of D.
/// </summary>
internal static partial class Gmm
{
    /// <summary>The log posterior F above.</summary>
    [Differentiable]
    public static double LogPosterior(
        ReadOnlySpan<double> alpha,
        ReadOnlySpan<double> mu,
        ReadOnlySpan<double> q,
        ReadOnlySpan<double> l,
        [NoDiff] ReadOnlySpan<double> x,
        [NoDiff] double gamma,
        int m,
        int d,
        int k,
        int n)
    {
        int lSize = d * (d - 1) / 2;

        // Per component: the diagonal exp(q_kj) of Q_k and Σ_j q_kj, computed once for all points.
        double[] diagonal = new double[k * d];
        double[] sumQ = new double[k];
        for (int ik = 0; ik < k; ik++)
        {
            double s = 0;
            for (int j = 0; j < d; j++)
            {
                s += q[ik * d + j];
                diagonal[ik * d + j] = Math.Exp(q[ik * d + j]);
            }

            sumQ[ik] = s;
        }

        // Σ_i logsumexp_k β_ik.
        double[] beta = new double[k];
        double[] centred = new double[d];
        double slse = 0;
        for (int ix = 0; ix < n; ix++)
        {
            int xBase = ix * d;
            for (int ik = 0; ik < k; ik++)
            {
                int muBase = ik * d;
                int lBase = ik * lSize;
                for (int j = 0; j < d; j++)
                {
                    centred[j] = x[xBase + j] - mu[muBase + j];
                }

                // ‖Q_k (x_i - μ_k)‖², row by row: row j is exp(q_kj)(x_j - μ_j) + Σ_{c<j} L[j, c](x_c - μ_c).
                double squaredNorm = 0;
                for (int j = 0; j < d; j++)
                {
                    double row = diagonal[muBase + j] * centred[j];
                    int lRow = lBase + (j * (j - 1) / 2);
                    for (int c = 0; c < j; c++)
                    {
                        row += l[lRow + c] * centred[c];
                    }

                    squaredNorm += row * row;
                }

                beta[ik] = alpha[ik] + sumQ[ik] - (0.5 * squaredNorm);
            }

            slse += Lse.LogSumExp(beta);
        }

        double lseAlpha = Lse.LogSumExp(alpha);

        // Σ_k ‖Q_k‖²_F = Σ exp(q)² + Σ L², and Σ_k Σ_j q_kj.
        double frobenius = 0;
        double sumAllQ = 0;
        for (int ik = 0; ik < k; ik++)
        {
            sumAllQ += sumQ[ik];
            for (int j = 0; j < d; j++)
            {
                frobenius += diagonal[ik * d + j] * diagonal[ik * d + j];
            }
        }

        for (int i = 0; i < k * lSize; i++)
        {
            frobenius += l[i] * l[i];
        }

        double constant = Constant(gamma, m, d, k, n);
        return constant + slse - (n * lseAlpha) - (0.5 * gamma * gamma * frobenius) + (m * sumAllQ);
    }

    /// <summary>
    /// The part of F that depends on no parameter: -N D/2 log 2π + K (D n log(γ/√2) - log Γ_D(n/2)), n = D + m + 1.
    /// log Γ_D is the ADBench benchmark's (Bench/AutoDiffGen.Bench/Gmm.cs, compiled into this tool).
    /// </summary>
    public static double Constant(double gamma, int m, int d, int k, int n)
    {
        int wishartN = d + m + 1;
        double wishart = (wishartN * d * (Math.Log(gamma) - (0.5 * Math.Log(2)))) - GmmObjective.LogMultivariateGamma(0.5 * wishartN, d);
        return (-0.5 * n * d * Math.Log(2 * Math.PI)) + (k * wishart);
    }
}
