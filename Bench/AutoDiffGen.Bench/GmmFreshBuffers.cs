using System;

namespace AutoDiffGen.Bench;

/// <summary>
/// The ADBench GMM objective of Gmm.cs written the way many users would first write it: each
/// buffer declared where it is used, so the primal allocates a fresh array per point (<c>main</c>) and two per point
/// and component (<c>xc</c>, <c>qxc</c>). The generator creates each once before the loops and clears it where it is
/// declared; its gradient must equal the one of the hoisted version and ADBench's reference values.
/// </summary>
public static partial class GmmFreshBuffers
{
    [Differentiable]
    public static double Objective(
        ReadOnlySpan<double> alphas,
        ReadOnlySpan<double> means,
        ReadOnlySpan<double> icf,
        [NoDiff] ReadOnlySpan<double> x,
        [NoDiff] double gamma,
        int m,
        int d,
        int k,
        int n)
    {
        int icfSize = d * (d + 1) / 2;
        double[] qDiag = new double[k * d];
        double[] sumQ = new double[k];
        for (int ik = 0; ik < k; ik++)
        {
            for (int j = 0; j < d; j++)
            {
                double q = icf[(ik * icfSize) + j];
                qDiag[(ik * d) + j] = Math.Exp(q);
                sumQ[ik] += q;
            }
        }

        double slse = 0;
        for (int ix = 0; ix < n; ix++)
        {
            double[] main = new double[k];
            for (int ik = 0; ik < k; ik++)
            {
                double[] xc = new double[d];
                for (int j = 0; j < d; j++)
                {
                    xc[j] = x[(ix * d) + j] - means[(ik * d) + j];
                }

                // Q_k (x - mu_k), the strictly lower part column by column, added into a fresh (zero) array.
                double[] qxc = new double[d];
                int l = (ik * icfSize) + d;
                for (int i = 0; i < d; i++)
                {
                    qxc[i] += qDiag[(ik * d) + i] * xc[i];
                    for (int j = i + 1; j < d; j++)
                    {
                        qxc[j] += icf[l] * xc[i];
                        l++;
                    }
                }

                double sqnorm = 0;
                foreach (double v in qxc)
                {
                    sqnorm += v * v;
                }

                main[ik] = alphas[ik] + sumQ[ik] - (0.5 * sqnorm);
            }

            slse += Kernels.LogSumExp(main);
        }

        double prior = 0;
        for (int ik = 0; ik < k; ik++)
        {
            double frobenius = 0;
            for (int j = 0; j < icfSize; j++)
            {
                double e = j < d ? qDiag[(ik * d) + j] : icf[(ik * icfSize) + j];
                frobenius += e * e;
            }

            prior += (0.5 * gamma * gamma * frobenius) - (m * sumQ[ik]);
        }

        return GmmObjective.ObjectiveConstant(gamma, m, d, k, n) + slse - (n * Kernels.LogSumExp(alphas)) + prior;
    }
}
