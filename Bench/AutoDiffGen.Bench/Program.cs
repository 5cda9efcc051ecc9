using System;
using System.Linq;
using System.Collections.Generic;
using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

namespace AutoDiffGen.Bench;

/// <summary>
/// Entry point. <c>--verify</c> checks the gradients (generated vs hand-written vs central finite differences) and
/// exits 1 on a mismatch; <c>--kernels</c>, <c>--matmul</c> and <c>--mlp</c> select the runtime-kernel, MatMul and
/// MLP benchmark classes (the remaining arguments go along, e.g. <c>--kernels --job short</c>); <c>--analyzer</c>
/// runs the live analyzer benchmark once (ShortRun); anything else goes to BenchmarkDotNet, e.g.
/// <c>--filter '*' --job short</c>.
/// </summary>
public static class Program
{
    /// <summary>Largest relative error accepted: |a - b| / max(1, |a|, |b|).</summary>
    private const double Tolerance = 1e-6;

    /// <summary>Largest error accepted for an MLP gradient entry: |g - fd| / (max(|g|, |fd|) + 1e-6).</summary>
    private const double MlpTolerance = 1e-4;

    public static int Main(string[] args)
    {
        if (Array.IndexOf(args, "--verify") >= 0)
        {
            return Verify();
        }

        if (Array.IndexOf(args, "--analyzer") >= 0)
        {
            // The benchmark build compiles the generator and the analyzers again: on a busy machine it needs more than the default 2 min.
            BenchmarkRunner.Run<AnalyzerBenchmarks>(DefaultConfig.Instance.AddJob(Job.ShortRun).WithBuildTimeout(TimeSpan.FromMinutes(10)));
            return 0;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(WithClassFilters(args));
        return 0;
    }

    /// <summary>Replaces each class switch by a BenchmarkDotNet filter on that class.</summary>
    private static string[] WithClassFilters(string[] args)
    {
        var switches = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["--kernels"] = "*" + nameof(KernelBenchmarks) + "*",
            ["--matmul"] = "*" + nameof(MatMulBenchmarks) + "*",
            ["--mlp"] = "*" + nameof(MlpBenchmarks) + "*",
        };
        var filters = new List<string>();
        var rest = new List<string>();
        foreach (string arg in args)
        {
            if (switches.TryGetValue(arg, out string? filter))
            {
                filters.Add(filter);
            }
            else
            {
                rest.Add(arg);
            }
        }

        return filters.Count == 0 ? args : ["--filter", .. filters, .. rest];
    }

    /// <summary>A gradient routine seen through one shape: fills <c>grad</c>, returns the value.</summary>
    private delegate double GradientFunc(double[] p, double[] grad);

    private static int Verify()
    {
        bool ok = true;

        ok &= Check(
            "Transcendental",
            p => ScalarFunctions.Transcendental(p[0], p[1], p[2]),
            (p, g) => ScalarFunctions.TranscendentalGradient(p[0], p[1], p[2], out g[0], out g[1], out g[2]),
            (p, g) => ScalarFunctions.TranscendentalHandGradient(p[0], p[1], p[2], out g[0], out g[1], out g[2]),
            [
                [0.9, 1.3, 0.7],
                [0.5, 0.5, 0.5],
                [2.0, 2.0, 2.0],
                [1.7, 0.6, 1.1],
                [0.6, 1.9, 1.5],
            ]);

        // Points chosen well inside each smooth piece: the early return, both if/else arms, both ?: arms, both
        // Max operands and both signs of the Abs argument.
        ok &= Check(
            "Branchy",
            p => ScalarFunctions.Branchy(p[0], p[1]),
            (p, g) => ScalarFunctions.BranchyGradient(p[0], p[1], out g[0], out g[1]),
            (p, g) => ScalarFunctions.BranchyHandGradient(p[0], p[1], out g[0], out g[1]),
            [
                [2.0, 1.8],
                [1.3, 0.9],
                [0.7, 0.6],
                [0.8, 1.5],
                [1.9, 1.0],
                [0.3, 0.4],
            ]);

        ok &= Check(
            "Rosenbrock",
            p => ScalarFunctions.Rosenbrock(p[0], p[1]),
            (p, g) => ScalarFunctions.RosenbrockGradient(p[0], p[1], out g[0], out g[1]),
            (p, g) => ScalarFunctions.RosenbrockHandGradient(p[0], p[1], out g[0], out g[1]),
            [
                [-1.2, 1.0],
                [1.0, 1.0],
                [0.5, 2.0],
                [2.0, -0.5],
                [0.3, 0.1],
            ]);

        ok &= CheckMlp();

        Console.WriteLine(ok ? "verify: OK" : "verify: MISMATCH");
        return ok ? 0 : 1;
    }

    private static bool Check(string name, Func<double[], double> primal, GradientFunc generated, GradientFunc hand, double[][] points)
    {
        double maxValue = 0.0;
        double maxGenHand = 0.0;
        double maxGenFd = 0.0;
        double maxHandFd = 0.0;
        bool ok = true;

        foreach (double[] p in points)
        {
            int n = p.Length;
            double[] gGen = new double[n];
            double[] gHand = new double[n];
            double[] gFd = CentralDifferences(primal, p);
            double f = primal(p);
            double vGen = generated(p, gGen);
            double vHand = hand(p, gHand);

            double eValue = Math.Max(RelError(vGen, f), RelError(vHand, f));
            double eGenHand = 0.0;
            double eGenFd = 0.0;
            double eHandFd = 0.0;
            for (int i = 0; i < n; i++)
            {
                eGenHand = Math.Max(eGenHand, RelError(gGen[i], gHand[i]));
                eGenFd = Math.Max(eGenFd, RelError(gGen[i], gFd[i]));
                eHandFd = Math.Max(eHandFd, RelError(gHand[i], gFd[i]));
            }

            bool pointOk = eValue <= Tolerance && eGenHand <= Tolerance && eGenFd <= Tolerance && eHandFd <= Tolerance;
            if (!pointOk)
            {
                ok = false;
                Console.WriteLine(Invariant(
                    $"  {name}({Join(p)}): MISMATCH value={f:R} generated={vGen:R} hand={vHand:R}"));
                Console.WriteLine(Invariant($"    generated  = [{Join(gGen)}]"));
                Console.WriteLine(Invariant($"    hand       = [{Join(gHand)}]"));
                Console.WriteLine(Invariant($"    central FD = [{Join(gFd)}]"));
            }

            maxValue = Math.Max(maxValue, eValue);
            maxGenHand = Math.Max(maxGenHand, eGenHand);
            maxGenFd = Math.Max(maxGenFd, eGenFd);
            maxHandFd = Math.Max(maxHandFd, eHandFd);
        }

        Console.WriteLine(Invariant(
            $"{name,-15} {points.Length} points  max rel error: value {maxValue:E2}  generated-hand {maxGenHand:E2}  generated-FD {maxGenFd:E2}  hand-FD {maxHandFd:E2}  {(ok ? "ok" : "FAIL")}"));
        return ok;
    }

    /// <summary>
    /// The hand-written MLP gradient against central differences of its forward pass, at a few coordinates of each
    /// parameter array (all ~100,000 would take minutes), and its value against the forward pass.
    /// </summary>
    private static bool CheckMlp()
    {
        var problem = new MlpProblem();
        var model = new MlpHandWritten();
        double value = model.ValueAndGradient(problem);
        double maxValue = RelError(value, model.Forward(problem));
        double maxFd = 0;
        int checkedCount = 0;
        Random random = new(7);
        string[] names = ["W1", "B1", "W2", "B2"];
        double[][] parameters = problem.Parameters;
        double[][] gradients = problem.Gradients;
        for (int a = 0; a < parameters.Length; a++)
        {
            for (int t = 0; t < 8; t++)
            {
#pragma warning disable CA5394 // Which coordinates to check, not security.
                int i = random.Next(parameters[a].Length);
#pragma warning restore CA5394
                double saved = parameters[a][i];
                double h = 1e-5 * Math.Max(1.0, Math.Abs(saved));
                parameters[a][i] = saved + h;
                double plus = model.Forward(problem);
                parameters[a][i] = saved - h;
                double minus = model.Forward(problem);
                parameters[a][i] = saved;
                double fd = (plus - minus) / (2 * h);
                // Relative to the entry itself (these gradients are 1e-5..1e-2, so the absolute floor of RelError
                // would hide a wrong one); central differences at this step agree to about 1e-10 absolute.
                double g = gradients[a][i];
                double error = Math.Abs(g - fd) / (Math.Max(Math.Abs(g), Math.Abs(fd)) + 1e-6);
                if (error > MlpTolerance)
                {
                    Console.WriteLine(Invariant($"  MLP d{names[a]}[{i}]: MISMATCH hand={gradients[a][i]:R} central FD={fd:R}"));
                }

                maxFd = Math.Max(maxFd, error);
                checkedCount++;
            }
        }

        // The generated gradient against the hand-written one, every coordinate.
        double[][] hand = [.. gradients.Select(g => (double[])g.Clone())];
        double generatedValue = GeneratedMlp.LossGradient(problem.W1, problem.B1, problem.W2, problem.B2, problem.X, problem.Labels, problem.DW1, problem.DB1, problem.DW2, problem.DB2);
        maxValue = Math.Max(maxValue, RelError(generatedValue, value));
        double maxGenerated = 0;
        for (int a = 0; a < hand.Length; a++)
        {
            for (int i = 0; i < hand[a].Length; i++)
            {
                maxGenerated = Math.Max(maxGenerated, Math.Abs(gradients[a][i] - hand[a][i]) / (Math.Max(Math.Abs(hand[a][i]), Math.Abs(gradients[a][i])) + 1e-6));
            }
        }

        maxFd = Math.Max(maxFd, maxGenerated);
        Console.WriteLine(Invariant($"{"Mlp",-15} generated vs hand-written, all {hand.Sum(h => h.Length)} coordinates: max rel error {maxGenerated:E2}"));
        bool ok = maxValue <= Tolerance && maxFd <= MlpTolerance;
        Console.WriteLine(Invariant(
            $"{"Mlp",-15} {checkedCount} coordinates  max rel error: value {maxValue:E2}  hand-FD {maxFd:E2}  {(ok ? "ok" : "FAIL")}"));
        return ok;
    }

    /// <summary>Central differences with a step scaled to each coordinate: error O(h^2) + O(eps / h).</summary>
    private static double[] CentralDifferences(Func<double[], double> f, double[] p)
    {
        double[] g = new double[p.Length];
        double[] q = (double[])p.Clone();
        for (int i = 0; i < p.Length; i++)
        {
            double h = 1e-5 * Math.Max(1.0, Math.Abs(p[i]));
            q[i] = p[i] + h;
            double fPlus = f(q);
            q[i] = p[i] - h;
            double fMinus = f(q);
            q[i] = p[i];
            g[i] = (fPlus - fMinus) / (2.0 * h);
        }

        return g;
    }

    private static double RelError(double a, double b) =>
        double.IsFinite(a) && double.IsFinite(b)
            ? Math.Abs(a - b) / Math.Max(1.0, Math.Max(Math.Abs(a), Math.Abs(b)))
            : double.PositiveInfinity;

    private static string Join(double[] values) =>
        string.Join(", ", Array.ConvertAll(values, v => v.ToString("R", CultureInfo.InvariantCulture)));

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
