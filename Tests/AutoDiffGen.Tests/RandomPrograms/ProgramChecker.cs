using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text;
using AutoDiffGen.Tests.CompileAndRun;
using AutoDiffGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace AutoDiffGen.Tests.RandomPrograms;

/// <summary>The probe copy of a method: its value, the distance to the nearest kink or branch boundary, and which side of each it took.</summary>
internal delegate double ProbeFunction(double[] point, out double distance, out ulong signature);

/// <summary>What a run checked and what failed.</summary>
internal sealed class RunResult
{
    public int Programs { get; set; }

    public int Methods { get; set; }

    public int FloatMethods { get; set; }

    public int Points { get; set; }

    /// <summary>Methods for which no smooth, finite point was found (not checked).</summary>
    public int UncheckedMethods { get; set; }

    public int Resamples => ResampleReasons.Values.Sum();

    /// <summary>Why points were resampled: not finite or too large, near a kink, a step crossed a branch, finite differences unreliable.</summary>
    public SortedDictionary<string, int> ResampleReasons { get; } = new(StringComparer.Ordinal);

    public int FiniteDifferenceRetries { get; set; }

    public int Failures { get; set; }

    public List<string> Messages { get; } = new();

    /// <summary>Told every failure as it happens (long runs).</summary>
    public Action<string>? OnFailure { get; set; }

    public TimeSpan CompileTime { get; set; }

    public TimeSpan CheckTime { get; set; }

    public string Summary()
        => string.Create(
            CultureInfo.InvariantCulture,
            $"{Programs} programs, {Methods} methods ({FloatMethods} float), {Points} points checked, {UncheckedMethods} methods without a usable point, {Resamples} resampled points ({string.Join(", ", ResampleReasons.Select(r => r.Key + " " + r.Value))}), {FiniteDifferenceRetries} 5-point retries, {Failures} failures; compile {CompileTime.TotalSeconds:F1} s, check {CheckTime.TotalSeconds:F1} s");
}

/// <summary>Compiles random programs in batches and checks their Gradient and Pullback against finite differences.</summary>
internal static class ProgramChecker
{
    public const int BatchSize = 50;
    public const double PullbackSeed = 2.0;
    private const int PointsPerMethod = 2;
    private const int MaxAttempts = 40;
    private const int MaxMessages = 5;

    private const string Prelude = """
        using System;
        using AutoDiffGen;

        namespace Rp;

        public static class K
        {
            public static double MinDist;
            public static ulong Sig;
            public static bool Huge;

            public static void Reset() { MinDist = double.PositiveInfinity; Sig = 17; Huge = false; }

            // Intermediate values must stay moderate: an overflow that the result never sees still makes 0 * inf = NaN
            // in the adjoint, and Sin/Cos of a huge argument oscillate far below the finite-difference step.
            public static double V(double x) { if (!(Math.Abs(x) <= 1e7)) { Huge = true; } return x; }
            public static float V(float x) { if (!(MathF.Abs(x) <= 1e4f)) { Huge = true; } return x; }

            private static void Rec(double d)
            {
                double a = Math.Abs(d);
                // An exact tie is two copies of one expression (Max(x, x), x - x): no kink to step across.
                if (d != 0 && !(a >= MinDist)) { MinDist = a; }
                Sig = unchecked((Sig * 1099511628211UL) + (d > 0 ? 1UL : d < 0 ? 2UL : 3UL));
            }

            public static double Abs(double x) { Rec(x); return Math.Abs(x); }
            public static float Abs(float x) { Rec(x); return MathF.Abs(x); }
            public static double Max(double a, double b) { Rec(a - b); return Math.Max(a, b); }
            public static float Max(float a, float b) { Rec(a - b); return MathF.Max(a, b); }
            public static double Min(double a, double b) { Rec(a - b); return Math.Min(a, b); }
            public static float Min(float a, float b) { Rec(a - b); return MathF.Min(a, b); }
            public static double Clamp(double x, double lo, double hi) { Rec(x - lo); Rec(x - hi); return Math.Clamp(x, lo, hi); }
            public static float Clamp(float x, float lo, float hi) { Rec(x - lo); Rec(x - hi); return Math.Clamp(x, lo, hi); }
            public static bool Lt(double a, double b) { Rec(a - b); return a < b; }
            public static bool Le(double a, double b) { Rec(a - b); return a <= b; }
            public static bool Gt(double a, double b) { Rec(a - b); return a > b; }
            public static bool Ge(double a, double b) { Rec(a - b); return a >= b; }
            public static bool Lt(float a, float b) { Rec(a - b); return a < b; }
            public static bool Le(float a, float b) { Rec(a - b); return a <= b; }
            public static bool Gt(float a, float b) { Rec(a - b); return a > b; }
            public static bool Ge(float a, float b) { Rec(a - b); return a >= b; }
        }

        public static class Conv
        {
            public static double[] D(double[] a, int offset, int length) => a.AsSpan(offset, length).ToArray();

            public static float[] F(double[] a, int offset, int length)
            {
                var r = new float[length];
                for (int i = 0; i < length; i++) { r[i] = (float)a[offset + i]; }
                return r;
            }

            public static void Back(double[] d, double[] g, int offset) => d.CopyTo(g.AsSpan(offset));

            public static void Back(float[] d, double[] g, int offset)
            {
                for (int i = 0; i < d.Length; i++) { g[offset + i] = d[i]; }
            }
        }

        """;

    /// <summary>Deterministic per-program seed from the run seed and the program index.</summary>
    public static int Mix(int seed, int index, int salt)
    {
        ulong z = unchecked(((ulong)(uint)seed * 0x9E3779B97F4A7C15UL) ^ ((ulong)(uint)index * 0xBF58476D1CE4E5B9UL) ^ ((ulong)(uint)salt * 0x94D049BB133111EBUL));
        z = unchecked((z ^ (z >> 31)) * 0xD6E8FEB86659FD35UL);
        return (int)(z >> 33);
    }

    public static RandomProgram Program(int seed, int index) => ProgramGenerator.Generate(new Random(Mix(seed, index, 0)), index);

    /// <summary>Checks programs <paramref name="indices"/> of run <paramref name="seed"/>.</summary>
    public static RunResult Run(int seed, IReadOnlyList<int> indices, Action<string>? progress = null)
    {
        var result = new RunResult { OnFailure = progress };
        for (int start = 0; start < indices.Count; start += BatchSize)
        {
            RandomProgram[] batch = indices.Skip(start).Take(BatchSize).Select(i => Program(seed, i)).ToArray();
            CheckBatch(seed, batch, result);
            progress?.Invoke(string.Create(CultureInfo.InvariantCulture, $"{start + batch.Length}/{indices.Count}: {result.Summary()}"));
        }

        return result;
    }

    private static string Source(IEnumerable<RandomProgram> programs)
    {
        var s = new StringBuilder(Prelude);
        foreach (RandomProgram p in programs)
        {
            s.Append(p.Source).Append(p.ProbeSource);
        }

        return s.ToString();
    }

    private static void CheckBatch(int seed, RandomProgram[] batch, RunResult result)
    {
        var clock = Stopwatch.StartNew();
        string name = string.Create(CultureInfo.InvariantCulture, $"RandomPrograms_{seed}_{batch[0].Index}");
        CompiledAssembly? compiled = null;
        try
        {
            compiled = TestCompiler.Compile(Source(batch), name);
        }
        catch (Exception batchFailure) when (batchFailure is not OutOfMemoryException)
        {
            // Find the programs that fail on their own, report them, and check the rest.
            var good = new List<RandomProgram>();
            foreach (RandomProgram p in batch)
            {
                string? errors = CompileErrors(p);
                if (errors is null)
                {
                    good.Add(p);
                }
                else
                {
                    Fail(result, Header(seed, p) + "Generation or compilation failed:\n" + errors + "\nProgram:\n" + p.Source);
                }
            }

            if (good.Count == batch.Length)
            {
                Fail(result, "Batch " + name + " failed although each program compiles alone:\n" + batchFailure.Message);
                result.Programs += batch.Length;
                return;
            }

            result.Programs += batch.Length - good.Count;
            batch = good.ToArray();
            if (batch.Length > 0)
            {
                compiled = TestCompiler.Compile(Source(batch), name + "_retry");
            }
        }

        result.CompileTime += clock.Elapsed;
        clock.Restart();
        if (compiled is not null)
        {
            Type wrappers(RandomProgram p) => compiled.Type("Rp.W" + p.Index.ToString(CultureInfo.InvariantCulture));
            foreach (RandomProgram p in batch)
            {
                result.Programs++;
                var points = new Random(Mix(seed, p.Index, 1));
                foreach (MethodShape shape in p.Methods)
                {
                    result.Methods++;
                    if (p.Single)
                    {
                        result.FloatMethods++;
                    }

                    CheckMethod(seed, p, shape, wrappers(p), compiled, points, result);
                }
            }
        }

        result.CheckTime += clock.Elapsed;
    }

    /// <summary>The errors of one program compiled alone, or null when it compiles.</summary>
    private static string? CompileErrors(RandomProgram p)
    {
        (GeneratorRunResult run, System.Collections.Immutable.ImmutableArray<Diagnostic> diagnostics) = GeneratorHarness.Run(Source(new[] { p }));
        var errors = run.Diagnostics.Concat(diagnostics).Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).Distinct().ToList();
        if (run.Exception is not null)
        {
            errors.Insert(0, "Generator exception: " + run.Exception);
        }

        if (errors.Count == 0)
        {
            return null;
        }

        var text = new StringBuilder(string.Join("\n", errors));
        foreach (GeneratedSourceResult file in run.GeneratedSources.Where(f => diagnostics.Any(d => d.Location.SourceTree?.FilePath.EndsWith(f.HintName, StringComparison.Ordinal) == true)))
        {
            text.Append("\n==== ").Append(file.HintName).Append('\n').Append(file.SourceText);
        }

        return text.ToString();
    }

    private static void CheckMethod(int seed, RandomProgram p, MethodShape shape, Type wrappers, CompiledAssembly compiled, Random points, RunResult result)
    {
        var call = (Func<double[], double>)Delegate.CreateDelegate(typeof(Func<double[], double>), Method(wrappers, shape.Name + "_Call"));
        var probe = (ProbeFunction)Delegate.CreateDelegate(typeof(ProbeFunction), Method(wrappers, shape.Name + "_Probe"));
        var gradient = (Func<double[], double[], double>)Delegate.CreateDelegate(typeof(Func<double[], double[], double>), Method(wrappers, shape.Name + "_Grad"));
        var pullback = (Action<double[], double, double[]>)Delegate.CreateDelegate(typeof(Action<double[], double, double[]>), Method(wrappers, shape.Name + "_Pull"));
        bool single = p.Single;
        int checkedPoints = 0;
        for (int attempt = 0; attempt < MaxAttempts && checkedPoints < PointsPerMethod; attempt++)
        {
            double[] x = Sample(points, shape.Inputs, single);
            string? failure;
            try
            {
                failure = CheckPoint(shape, x, single, call, probe, gradient, pullback, points, result);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                failure = "Exception: " + e;
            }

            if (failure is not null && failure.StartsWith(Resample, StringComparison.Ordinal))
            {
                string reason = failure.Substring(Resample.Length);
                result.ResampleReasons[reason] = result.ResampleReasons.GetValueOrDefault(reason) + 1;
                continue;
            }

            checkedPoints++;
            result.Points++;
            if (failure is not null)
            {
                string generated = string.Join(
                    "\n",
                    compiled.GeneratedSources
                        .Where(f => f.Key.Contains("." + p.ClassName + "." + shape.Name + "_", StringComparison.Ordinal))
                        .Select(f => "==== " + f.Key + "\n" + f.Value));
                Fail(
                    result,
                    Header(seed, p) + "Method " + p.ClassName + "." + shape.Name + " at " + Point(shape, x) + ":\n" + failure
                    + "\nProgram:\n" + p.Source + "\nGenerated:\n" + generated);
                return;
            }
        }

        if (checkedPoints == 0)
        {
            result.UncheckedMethods++;
        }
    }

    private const string Resample = "resample: ";

    /// <summary>Null when everything matches, <see cref="Resample"/> when the point is unusable, else what failed.</summary>
    private static string? CheckPoint(
        MethodShape shape,
        double[] x,
        bool single,
        Func<double[], double> call,
        ProbeFunction probe,
        Func<double[], double[], double> gradient,
        Action<double[], double, double[]> pullback,
        Random random,
        RunResult result)
    {
        double kinkDistance = single ? 1e-2 : 1e-3;
        double probed = probe(x, out double distance, out ulong signature);
        if (!double.IsFinite(probed) || Math.Abs(probed) > 1e6)
        {
            return Resample + "value";
        }

        if (distance < 0)
        {
            return Resample + "large intermediate";
        }

        if (distance < kinkDistance)
        {
            return Resample + "kink";
        }

        double value = call(x);
        if (!probed.Equals(value))
        {
            return "Probe copy disagrees with the primal (test bug): " + F(probed) + " vs " + F(value);
        }

        // Gradient: value and gradient.
        double[] g = new double[shape.Inputs];
        double gradientValue = gradient(x, g);
        double valueTolerance = single ? 1e-6 : 1e-12;
        if (!(gradientValue.Equals(value) || Math.Abs(gradientValue - value) <= valueTolerance * Math.Abs(value)))
        {
            return "Value of Gradient: expected " + F(value) + ", actual " + F(gradientValue);
        }

        // Central differences, each one from points on the same side of every kink and branch.
        double[] fd = new double[shape.Inputs];
        for (int i = 0; i < fd.Length; i++)
        {
            double? d = Central(x, i, single ? 1e-3 : 1e-6, single, call, probe, signature);
            if (d is null)
            {
                return Resample + "branch";
            }

            fd[i] = d.Value;
        }

        double relative = single ? 2e-2 : 1e-5;
        double absolute = single ? 2e-3 * Math.Max(1, Math.Abs(value)) : 1e-6;
        var mismatches = new StringBuilder();
        for (int i = 0; i < fd.Length; i++)
        {
            if (!double.IsFinite(g[i]))
            {
                mismatches.Append("  d/d").Append(InputName(shape, i)).Append(": gradient ").Append(F(g[i])).Append(", central differences ").Append(F(fd[i])).Append('\n');
                continue;
            }

            if (Close(fd[i], g[i], relative, absolute))
            {
                continue;
            }

            // Confirm with a 4th-order stencil on a wider step before calling it a failure.
            result.FiniteDifferenceRetries++;
            double? five = FivePoint(x, i, single ? 1e-2 : 1e-3, single, call, probe, signature);
            if (five is null)
            {
                return Resample + "branch";
            }

            if (!Close(five.Value, fd[i], relative, absolute))
            {
                // The two stencils disagree: the primal is not smooth at the scale of the steps here.
                return Resample + "unreliable";
            }

            if (!Close(five.Value, g[i], relative, absolute))
            {
                // Both stencils may average away an oscillation shorter than their steps (sin of a value that moves by
                // thousands per unit: seed -1076775280, program 10016, float). A step eight times narrower must agree
                // with them before the gradient is called wrong.
                double? narrow = Central(x, i, (single ? 1e-3 : 1e-6) / 8, single, call, probe, signature);
                if (narrow is null)
                {
                    return Resample + "branch";
                }

                if (!Close(narrow.Value, fd[i], relative, absolute))
                {
                    return Resample + "unreliable";
                }

                mismatches.Append("  d/d").Append(InputName(shape, i)).Append(": expected (central differences) ").Append(F(fd[i]))
                    .Append(" (5-point: ").Append(F(five.Value)).Append("), actual (Gradient) ").Append(F(g[i])).Append('\n');
            }
        }

        if (mismatches.Length > 0)
        {
            return "Gradient differs from finite differences (value " + F(value) + "):\n" + mismatches + "  full gradient: [" + string.Join(", ", g.Select(F)) + "]\n  central differences: [" + string.Join(", ", fd.Select(F)) + "]";
        }

        // Pullback: accumulates seed * gradient into pre-filled buffers.
        double[] prefill = new double[shape.Inputs];
        for (int i = 0; i < prefill.Length; i++)
        {
            prefill[i] = Math.Round((random.NextDouble() * 6) - 3, 3);
        }

        double[] buffer = (double[])prefill.Clone();
        pullback(x, PullbackSeed, buffer);

        // The adjoints summed into one span element are of the size of the largest derivative, not of the element's
        // own: terms near 2e5 that cancel to 1 leave 7e-12 of rounding order (seed 1686583437, program 2130).
        double largest = Math.Abs(PullbackSeed) * g.Select(Math.Abs).Where(double.IsFinite).DefaultIfEmpty(0).Max();
        for (int i = 0; i < buffer.Length; i++)
        {
            double expected = single ? (float)prefill[i] + ((float)PullbackSeed * (float)g[i]) : prefill[i] + (PullbackSeed * g[i]);
            double scale = Math.Max(Math.Max(1, largest), Math.Max(Math.Abs(prefill[i]), Math.Abs(PullbackSeed * g[i])));
            // The seed is a power of two, so every adjoint of the Pullback is the Gradient's scaled exactly and a scalar
            // gradient matches bit for bit. Span gradients are accumulated into the pre-filled buffer, so their sums
            // round in another order; an adjoint that cancels (4096 g - 4095 g after a loop of t += t - x) amplifies
            // that by the cancellation factor (float: seed 1263171475, program 11280, 2.8e-4 relative with seed 1.7).
            // Float allows 1e-3, double 1e-12, of the largest derivative; a wrong Pullback is off by the size of a
            // derivative itself.
            if (!(Math.Abs(buffer[i] - expected) <= (single ? 1e-3 : 1e-12) * scale))
            {
                return "Pullback (seed " + F(PullbackSeed) + ") into d" + InputName(shape, i) + " pre-filled with " + F(prefill[i])
                    + ": expected prefill + seed * gradient = " + F(expected) + ", actual " + F(buffer[i])
                    + "\n  gradient: [" + string.Join(", ", g.Select(F)) + "]\n  prefill: [" + string.Join(", ", prefill.Select(F)) + "]\n  after pullback: [" + string.Join(", ", buffer.Select(F)) + "]";
            }
        }

        return null;
    }

    private static bool Close(double expected, double actual, double relative, double absolute)
        => Math.Abs(expected - actual) <= (relative * Math.Max(Math.Abs(expected), Math.Abs(actual))) + absolute;

    /// <summary>Central difference in input <paramref name="i"/>, or null when a step crosses a kink or branch.</summary>
    private static double? Central(double[] x, int i, double relative, bool single, Func<double[], double> call, ProbeFunction probe, ulong signature)
    {
        double h = relative * Math.Max(1, Math.Abs(x[i]));
        (double plus, double xp) = At(x, i, x[i] + h, single, call, probe, signature);
        (double minus, double xm) = At(x, i, x[i] - h, single, call, probe, signature);
        return double.IsNaN(xp) || double.IsNaN(xm) ? null : (plus - minus) / (xp - xm);
    }

    private static double? FivePoint(double[] x, int i, double relative, bool single, Func<double[], double> call, ProbeFunction probe, ulong signature)
    {
        double h = relative * Math.Max(1, Math.Abs(x[i]));
        if (single)
        {
            h = (float)(x[i] + h) - (float)x[i];
        }

        (double p1, double a) = At(x, i, x[i] + h, single, call, probe, signature);
        (double m1, double b) = At(x, i, x[i] - h, single, call, probe, signature);
        (double p2, double c) = At(x, i, x[i] + (2 * h), single, call, probe, signature);
        (double m2, double d) = At(x, i, x[i] - (2 * h), single, call, probe, signature);
        return double.IsNaN(a) || double.IsNaN(b) || double.IsNaN(c) || double.IsNaN(d) ? null : ((8 * (p1 - m1)) - (p2 - m2)) / (12 * h);
    }

    /// <summary>The primal with input <paramref name="i"/> set to <paramref name="xi"/>; the input is NaN when the branch signature changes.</summary>
    private static (double Value, double Input) At(double[] x, int i, double xi, bool single, Func<double[], double> call, ProbeFunction probe, ulong signature)
    {
        double[] y = (double[])x.Clone();
        y[i] = single ? (float)xi : xi;
        _ = probe(y, out _, out ulong s);
        return s == signature ? (call(y), y[i]) : (double.NaN, double.NaN);
    }

    private static double[] Sample(Random random, int count, bool single)
    {
        double scale = random.NextDouble() < 0.2 ? 4 : 2;
        var x = new double[count];
        for (int i = 0; i < count; i++)
        {
            x[i] = ((random.NextDouble() * 2) - 1) * scale;
            if (single)
            {
                x[i] = (float)x[i];
            }
        }

        return x;
    }

    private static MethodInfo Method(Type type, string name)
        => type.GetMethod(name, BindingFlags.Public | BindingFlags.Static) ?? throw new InvalidOperationException(type + "." + name + " not found.");

    private static void Fail(RunResult result, string message)
    {
        result.Failures++;
        result.OnFailure?.Invoke(message);
        if (result.Messages.Count < MaxMessages)
        {
            result.Messages.Add(message);
        }
    }

    private static string Header(int seed, RandomProgram p)
        => string.Create(CultureInfo.InvariantCulture, $"Seed {seed}, program index {p.Index} (reproduce: ADG_RANDOM_SEED={seed} ADG_RANDOM_INDEX={p.Index}), {(p.Single ? "float" : "double")} program.\n");

    private static string InputName(MethodShape shape, int i)
        => i < shape.Scalars ? "x" + i.ToString(CultureInfo.InvariantCulture) : "w[" + (i - shape.Scalars).ToString(CultureInfo.InvariantCulture) + "]";

    private static string Point(MethodShape shape, double[] x)
    {
        var parts = new List<string>();
        for (int i = 0; i < shape.Scalars; i++)
        {
            parts.Add(InputName(shape, i) + " = " + F(x[i]));
        }

        if (shape.ArrayLength > 0)
        {
            parts.Add("w = { " + string.Join(", ", x.Skip(shape.Scalars).Select(F)) + " }");
        }

        if (shape.IntValue is int n)
        {
            parts.Add("n = " + n.ToString(CultureInfo.InvariantCulture));
        }

        return "(" + string.Join(", ", parts) + ")";
    }

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
