using System;

namespace AutoDiffGen.Bench;

/// <summary>
/// The ADBench GMM objective of Gmm.cs written with span slices instead of flattened indices: the point
/// <c>xi = x.AsSpan(ix * d, d)</c>, the mean <c>mu = means.Slice(ik * d, d)</c>, the component's parameters
/// <c>icfK = icf.Slice(ik * icfSize, icfSize)</c> and the component's rows of the buffers. The generator lowers
/// each slice to a start and a length, so its gradient must equal the indexed version's and ADBench's reference
/// values, at about the same cost.
/// </summary>
public static partial class GmmSlices
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
            ReadOnlySpan<double> q = icf.Slice(ik * icfSize, d);
            Span<double> qk = qDiag.AsSpan(ik * d, d);
            for (int j = 0; j < d; j++)
            {
                qk[j] = Math.Exp(q[j]);
                sumQ[ik] += q[j];
            }
        }

        double[] xc = new double[k * d];
        double[] qxc = new double[k * d];
        double[] main = new double[k];
        double slse = 0;
        for (int ix = 0; ix < n; ix++)
        {
            ReadOnlySpan<double> xi = x.Slice(ix * d, d);
            for (int ik = 0; ik < k; ik++)
            {
                ReadOnlySpan<double> mu = means.Slice(ik * d, d);
                ReadOnlySpan<double> lower = icf.Slice((ik * icfSize) + d, icfSize - d);
                Span<double> c = xc.AsSpan(ik * d, d);
                Span<double> qc = qxc.AsSpan(ik * d, d);
                ReadOnlySpan<double> qk = qDiag.AsSpan(ik * d, d);
                for (int j = 0; j < d; j++)
                {
                    c[j] = xi[j] - mu[j];
                }

                for (int j = 0; j < d; j++)
                {
                    qc[j] = qk[j] * c[j];
                }

                int l = 0;
                for (int i = 0; i < d; i++)
                {
                    for (int j = i + 1; j < d; j++)
                    {
                        qc[j] += lower[l] * c[i];
                        l++;
                    }
                }

                double sqnorm = 0;
                for (int j = 0; j < d; j++)
                {
                    sqnorm += qc[j] * qc[j];
                }

                main[ik] = alphas[ik] + sumQ[ik] - (0.5 * sqnorm);
            }

            slse += Kernels.LogSumExp(main);
        }

        double lseAlphas = Kernels.LogSumExp(alphas);
        double prior = 0;
        for (int ik = 0; ik < k; ik++)
        {
            ReadOnlySpan<double> qk = qDiag.AsSpan(ik * d, d);
            ReadOnlySpan<double> lower = icf.Slice((ik * icfSize) + d, icfSize - d);
            double frobenius = 0;
            for (int j = 0; j < d; j++)
            {
                frobenius += qk[j] * qk[j];
            }

            foreach (double v in lower)
            {
                frobenius += v * v;
            }

            prior += (0.5 * gamma * gamma * frobenius) - (m * sumQ[ik]);
        }

        double constant = GmmObjective.ObjectiveConstant(gamma, m, d, k, n);
        return constant + slse - n * lseAlphas + prior;
    }
}
