using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace AutoDiffGen.Bench;

// The ADBench Gaussian mixture model objective (the negative log-likelihood of n points under k full-covariance
// Gaussians, plus a Wishart prior on the inverse covariances), as in ADBench's src/cpp/shared/gmm.h:
//
//   E = -n d/2 log(2 pi)
//       + sum_i logsumexp_k( alpha_k + sum(q_k) - 1/2 || Q_k (x_i - mu_k) ||^2 )
//       - n logsumexp_k(alpha_k)
//       + sum_k ( gamma^2 / 2 ||Q_k||_F^2 - m sum(q_k) ) - k C(d, gamma, m)
//
// Q_k is lower triangular: its diagonal is exp(q_k), q_k = icf[k * s .. k * s + d) with s = d (d + 1) / 2, and its
// strictly lower part is icf[k * s + d .. (k + 1) * s) stored column by column. C is the Wishart normaliser
// (n' d (log gamma - log(2) / 2) - log Gamma_d(n' / 2), n' = d + m + 1), a constant.
//
// This file is compiled by the benchmark project and, linked, by the test project (Tests/AutoDiffGen.Tests/Gmm).

/// <summary>The ADBench GMM objective, differentiated by the generator, and an expert's hand-written adjoint.</summary>
public static partial class GmmObjective
{
    /// <summary>
    /// The GMM objective as a user would write it, following ADBench's reference code: exp of each log-diagonal and
    /// sum(q_k) once per component in local arrays; per point, the centred point and Q_k (x - mu_k) of every
    /// component in that component's block of local k x d arrays (the lower triangle walked column by column with a
    /// running index), and the main terms in a local array reduced by the LogSumExp kernel.
    /// </summary>
    /// <param name="alphas">Mixture weights (log space), length k.</param>
    /// <param name="means">Means, k rows of d.</param>
    /// <param name="icf">Inverse covariance factors, k rows of d (d + 1) / 2: log diagonal, then the strictly lower part by columns.</param>
    /// <param name="x">Points, n rows of d.</param>
    /// <param name="gamma">Wishart gamma.</param>
    /// <param name="m">Wishart m.</param>
    /// <param name="d">Dimension.</param>
    /// <param name="k">Number of components.</param>
    /// <param name="n">Number of points.</param>
    /// <returns>The objective.</returns>
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

        // exp(q) (the diagonal of Q_k) and sum(q_k), once per component.
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

        // Sum over points of logsumexp_k(alpha_k + sum(q_k) - 1/2 ||Q_k (x - mu_k)||^2), as ADBench's reference
        // computes it: per point and component the centred point x - mu_k and Q_k (x - mu_k), each in that
        // component's block of d entries (row ik of a k x d array).
        double[] xc = new double[k * d];
        double[] qxc = new double[k * d];
        double[] main = new double[k];
        double slse = 0;
        for (int ix = 0; ix < n; ix++)
        {
            for (int ik = 0; ik < k; ik++)
            {
                for (int j = 0; j < d; j++)
                {
                    xc[(ik * d) + j] = x[(ix * d) + j] - means[(ik * d) + j];
                }

                for (int j = 0; j < d; j++)
                {
                    qxc[(ik * d) + j] = qDiag[(ik * d) + j] * xc[(ik * d) + j];
                }

                // The strictly lower part of Q_k, column by column: (Q x)_j += L(j, i) x_i for j > i.
                int l = (ik * icfSize) + d;
                for (int i = 0; i < d; i++)
                {
                    for (int j = i + 1; j < d; j++)
                    {
                        qxc[(ik * d) + j] += icf[l] * xc[(ik * d) + i];
                        l++;
                    }
                }

                double sqnorm = 0;
                for (int j = 0; j < d; j++)
                {
                    sqnorm += qxc[(ik * d) + j] * qxc[(ik * d) + j];
                }

                main[ik] = alphas[ik] + sumQ[ik] - (0.5 * sqnorm);
            }

            slse += Kernels.LogSumExp(main);
        }

        double lseAlphas = Kernels.LogSumExp(alphas);

        // Wishart prior: sum_k gamma^2 / 2 ||Q_k||_F^2 - m sum(q_k).
        double prior = 0;
        for (int ik = 0; ik < k; ik++)
        {
            double frobenius = 0;
            for (int j = 0; j < d; j++)
            {
                frobenius += qDiag[(ik * d) + j] * qDiag[(ik * d) + j];
            }

            for (int j = d; j < icfSize; j++)
            {
                double l = icf[(ik * icfSize) + j];
                frobenius += l * l;
            }

            prior += (0.5 * gamma * gamma * frobenius) - (m * sumQ[ik]);
        }

        double constant = ObjectiveConstant(gamma, m, d, k, n);
        return constant + slse - n * lseAlphas + prior;
    }

    /// <summary>
    /// The constant part of the objective: -n d/2 log(2 pi) - k C, with C the Wishart normaliser
    /// n' d (log gamma - log(2) / 2) - log Gamma_d(n' / 2), n' = d + m + 1.
    /// </summary>
    /// <param name="gamma">Wishart gamma.</param>
    /// <param name="m">Wishart m.</param>
    /// <param name="d">Dimension.</param>
    /// <param name="k">Number of components.</param>
    /// <param name="n">Number of points.</param>
    /// <returns>The constant.</returns>
    public static double ObjectiveConstant(double gamma, int m, int d, int k, int n)
    {
        double dataConstant = -n * d * 0.5 * Math.Log(2 * Math.PI);
        int wishartN = d + m + 1;
        double c = (wishartN * d * (Math.Log(gamma) - (0.5 * Math.Log(2)))) - LogMultivariateGamma(0.5 * wishartN, d);
        return dataConstant - (k * c);
    }

    /// <summary>log Gamma_p(a) = p (p - 1) / 4 log(pi) + sum_{j=1..p} log Gamma(a + (1 - j) / 2).</summary>
    /// <param name="a">Argument, a positive multiple of 1/2 larger than (p - 1) / 2.</param>
    /// <param name="p">Dimension.</param>
    /// <returns>The log of the multivariate gamma function.</returns>
    public static double LogMultivariateGamma(double a, int p)
    {
        double result = 0.25 * p * (p - 1) * Math.Log(Math.PI);
        for (int j = 1; j <= p; j++)
        {
            result += LogGammaHalfInteger(a + (0.5 * (1 - j)));
        }

        return result;
    }

    /// <summary>log Gamma(a) for a positive multiple of 1/2, by Gamma(a) = (a - 1) Gamma(a - 1) down to Gamma(1) = 1 or Gamma(1/2) = sqrt(pi).</summary>
    /// <param name="a">A positive multiple of 1/2.</param>
    /// <returns>log Gamma(a).</returns>
    public static double LogGammaHalfInteger(double a)
    {
        double twice = 2 * a;
        if (a <= 0 || Math.Abs(twice - Math.Round(twice)) > 1e-12)
        {
            throw new ArgumentOutOfRangeException(nameof(a), a, "Only positive multiples of 1/2 are supported.");
        }

        double result = 0;
        double t = a;
        while (t > 1.25)
        {
            t -= 1;
            result += Math.Log(t);
        }

        // t is now 1 or 1/2.
        return t < 0.75 ? result + (0.5 * Math.Log(Math.PI)) : result;
    }

    /// <summary>
    /// The adjoint an expert would write: exp(q) computed once per component, per point the centred point, Q (x - mu)
    /// and the main terms kept for every component in pooled buffers, then one reverse pass per point weighted by
    /// the softmax of the main terms. Same shape as the generated <c>ObjectiveGradient</c>; gradients are overwritten.
    /// </summary>
    /// <param name="alphas">Mixture weights (log space), length k.</param>
    /// <param name="means">Means, k rows of d.</param>
    /// <param name="icf">Inverse covariance factors, k rows of d (d + 1) / 2.</param>
    /// <param name="x">Points, n rows of d.</param>
    /// <param name="gamma">Wishart gamma.</param>
    /// <param name="m">Wishart m.</param>
    /// <param name="d">Dimension.</param>
    /// <param name="k">Number of components.</param>
    /// <param name="n">Number of points.</param>
    /// <param name="dAlphas">Receives dE/dalphas.</param>
    /// <param name="dMeans">Receives dE/dmeans.</param>
    /// <param name="dIcf">Receives dE/dicf.</param>
    /// <returns>The objective.</returns>
    public static double ObjectiveHandGradient(
        ReadOnlySpan<double> alphas,
        ReadOnlySpan<double> means,
        ReadOnlySpan<double> icf,
        ReadOnlySpan<double> x,
        double gamma,
        int m,
        int d,
        int k,
        int n,
        Span<double> dAlphas,
        Span<double> dMeans,
        Span<double> dIcf)
    {
        int icfSize = d * (d + 1) / 2;
        int kd = k * d;
        dAlphas[..k].Clear();
        dMeans[..kd].Clear();
        dIcf[..(k * icfSize)].Clear();

        // qDiag (exp of the log diagonal), dQDiag, xc (x - mu per component), qxc (Q (x - mu) per component),
        // main terms, sum(q) per component, dXc (one component).
        double[] rented = ArrayPool<double>.Shared.Rent((4 * kd) + (2 * k) + d);
        Span<double> buffer = rented;
        Span<double> qDiag = buffer.Slice(0, kd);
        Span<double> dQDiag = buffer.Slice(kd, kd);
        Span<double> xc = buffer.Slice(2 * kd, kd);
        Span<double> qxc = buffer.Slice(3 * kd, kd);
        Span<double> main = buffer.Slice(4 * kd, k);
        Span<double> sumQs = buffer.Slice((4 * kd) + k, k);
        Span<double> dXc = buffer.Slice((4 * kd) + (2 * k), d);
        dQDiag.Clear();

        double sumQAll = 0;
        for (int ik = 0; ik < k; ik++)
        {
            double sumQ = 0;
            for (int j = 0; j < d; j++)
            {
                double q = icf[(ik * icfSize) + j];
                qDiag[(ik * d) + j] = Math.Exp(q);
                sumQ += q;
            }

            sumQs[ik] = sumQ;
            sumQAll += sumQ;
        }

        double slse = 0;
        for (int ix = 0; ix < n; ix++)
        {
            ReadOnlySpan<double> xi = x.Slice(ix * d, d);

            // Forward: every main term, keeping x - mu and Q (x - mu).
            double mx = double.NegativeInfinity;
            for (int ik = 0; ik < k; ik++)
            {
                ReadOnlySpan<double> mu = means.Slice(ik * d, d);
                ReadOnlySpan<double> lower = icf.Slice((ik * icfSize) + d, icfSize - d);
                Span<double> c = xc.Slice(ik * d, d);
                Span<double> qc = qxc.Slice(ik * d, d);
                ReadOnlySpan<double> diag = qDiag.Slice(ik * d, d);
                for (int j = 0; j < d; j++)
                {
                    c[j] = xi[j] - mu[j];
                    qc[j] = diag[j] * c[j];
                }

                int li = 0;
                for (int i = 0; i < d; i++)
                {
                    double ci = c[i];
                    for (int j = i + 1; j < d; j++)
                    {
                        qc[j] += lower[li++] * ci;
                    }
                }

                double sq = 0;
                for (int j = 0; j < d; j++)
                {
                    sq += qc[j] * qc[j];
                }

                double value = alphas[ik] + sumQs[ik] - (0.5 * sq);
                main[ik] = value;
                mx = Math.Max(mx, value);
            }

            double se = 0;
            for (int ik = 0; ik < k; ik++)
            {
                se += Math.Exp(main[ik] - mx);
            }

            double lse = Math.Log(se) + mx;
            slse += lse;

            // Reverse: dE/dmain_k = softmax_k = exp(main_k - lse).
            for (int ik = 0; ik < k; ik++)
            {
                double w = Math.Exp(main[ik] - lse);
                dAlphas[ik] += w;
                Span<double> dq = dIcf.Slice(ik * icfSize, icfSize);
                Span<double> dLower = dq[d..];
                Span<double> dMu = dMeans.Slice(ik * d, d);
                Span<double> dDiag = dQDiag.Slice(ik * d, d);
                ReadOnlySpan<double> c = xc.Slice(ik * d, d);
                ReadOnlySpan<double> qc = qxc.Slice(ik * d, d);
                ReadOnlySpan<double> diag = qDiag.Slice(ik * d, d);
                ReadOnlySpan<double> lower = icf.Slice((ik * icfSize) + d, icfSize - d);

                // main = alpha + sum(q) - 1/2 ||qc||^2, so dqc = -w qc.
                for (int j = 0; j < d; j++)
                {
                    dq[j] += w;
                    double g = -w * qc[j];
                    dDiag[j] += g * c[j];
                    dXc[j] = g * diag[j];
                }

                int li = 0;
                for (int i = 0; i < d; i++)
                {
                    double ci = c[i];
                    double dci = 0;
                    for (int j = i + 1; j < d; j++)
                    {
                        double g = -w * qc[j];
                        dLower[li] += g * ci;
                        dci += g * lower[li];
                        li++;
                    }

                    dXc[i] += dci;
                }

                for (int j = 0; j < d; j++)
                {
                    dMu[j] -= dXc[j];
                }
            }
        }

        // - n logsumexp(alphas).
        double amax = double.NegativeInfinity;
        for (int ik = 0; ik < k; ik++)
        {
            amax = Math.Max(amax, alphas[ik]);
        }

        double asum = 0;
        for (int ik = 0; ik < k; ik++)
        {
            asum += Math.Exp(alphas[ik] - amax);
        }

        double lseAlphas = Math.Log(asum) + amax;
        for (int ik = 0; ik < k; ik++)
        {
            dAlphas[ik] -= n * Math.Exp(alphas[ik] - lseAlphas);
        }

        // Wishart prior gamma^2 / 2 (sum exp(q)^2 + sum L^2) - m sum(q); then the chain through exp(q).
        double g2 = gamma * gamma;
        double frobenius = 0;
        for (int ik = 0; ik < k; ik++)
        {
            Span<double> dq = dIcf.Slice(ik * icfSize, icfSize);
            for (int j = 0; j < d; j++)
            {
                double e = qDiag[(ik * d) + j];
                frobenius += e * e;
                dq[j] += ((dQDiag[(ik * d) + j] + (g2 * e)) * e) - m;
            }

            for (int j = d; j < icfSize; j++)
            {
                double l = icf[(ik * icfSize) + j];
                frobenius += l * l;
                dq[j] += g2 * l;
            }
        }

        ArrayPool<double>.Shared.Return(rented);

        double prior = (0.5 * g2 * frobenius) - (m * sumQAll);
        return ObjectiveConstant(gamma, m, d, k, n) + slse - (n * lseAlphas) + prior;
    }
}

/// <summary>One ADBench GMM instance read from its text file.</summary>
public sealed class GmmInstance
{
    private GmmInstance(int d, int k, int n, double[] alphas, double[] means, double[] icf, double[] x, double gamma, int m)
    {
        D = d;
        K = k;
        N = n;
        Alphas = alphas;
        Means = means;
        Icf = icf;
        X = x;
        Gamma = gamma;
        M = m;
    }

    public int D { get; }

    public int K { get; }

    public int N { get; }

    /// <summary>k mixture weights.</summary>
    public double[] Alphas { get; }

    /// <summary>k rows of d.</summary>
    public double[] Means { get; }

    /// <summary>k rows of d (d + 1) / 2.</summary>
    public double[] Icf { get; }

    /// <summary>n rows of d.</summary>
    public double[] X { get; }

    public double Gamma { get; }

    public int M { get; }

    /// <summary>Length of the whole parameter vector alphas ++ means ++ icf.</summary>
    public int ParameterCount => Alphas.Length + Means.Length + Icf.Length;

    /// <summary>
    /// The folder with the reference instances: walk up from the application directory to the folder holding
    /// AutoDiffGen.sln, then ../shared/adbench beside it.
    /// </summary>
    /// <returns>The full path of the folder.</returns>
    public static string DataDirectory()
    {
        DirectoryInfo? dir = new(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AutoDiffGen.sln")))
        {
            dir = dir.Parent;
        }

        if (dir is null)
        {
            throw new DirectoryNotFoundException("No folder holding AutoDiffGen.sln above " + AppContext.BaseDirectory + ".");
        }

        string data = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "adbench"));
        return Directory.Exists(data) ? data : throw new DirectoryNotFoundException("GMM data folder not found: " + data + ".");
    }

    /// <summary>Loads <paramref name="fileName"/> (e.g. <c>gmm_d2_K5_n1000.txt</c>) from <see cref="DataDirectory"/>.</summary>
    /// <param name="fileName">The instance file name.</param>
    /// <returns>The instance.</returns>
    public static GmmInstance Load(string fileName) => Parse(File.ReadAllText(Path.Combine(DataDirectory(), fileName)));

    /// <summary>
    /// Parses the ADBench layout: <c>d k n</c>, k alphas, k rows of d means, k rows of d (d + 1) / 2 icf, n rows of
    /// d points, <c>gamma m</c>.
    /// </summary>
    /// <param name="text">The file's text.</param>
    /// <returns>The instance.</returns>
    public static GmmInstance Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        using IEnumerator<string> tokens = ((IEnumerable<string>)text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).GetEnumerator();

        string Next() => tokens.MoveNext() ? tokens.Current : throw new FormatException("GMM file ended early.");
        int NextInt() => int.Parse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture);
        double NextDouble() => double.Parse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture);
        double[] Read(int count)
        {
            double[] values = new double[count];
            for (int i = 0; i < count; i++)
            {
                values[i] = NextDouble();
            }

            return values;
        }

        int d = NextInt();
        int k = NextInt();
        int n = NextInt();
        double[] alphas = Read(k);
        double[] means = Read(k * d);
        double[] icf = Read(k * d * (d + 1) / 2);
        double[] x = Read(n * d);
        double gamma = NextDouble();
        int m = NextInt();
        return new GmmInstance(d, k, n, alphas, means, icf, x, gamma, m);
    }
}
