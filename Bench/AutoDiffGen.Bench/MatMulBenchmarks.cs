using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace AutoDiffGen.Bench;

/// <summary>
/// Square double MatMul (n = 512), single-threaded (the engine uses one thread), with the achieved GFLOP/s and
/// its share of two single-core peaks (see <see cref="FlopsColumn"/>): the nominal one from the clock in
/// /proc/cpuinfo, and the one <see cref="FmaPeak"/> measures in the same run, under the same load. The forward
/// product does 2 n^3 flops; the pullback, which forms both dA and dB, 4 n^3.
/// </summary>
[Config(typeof(Config))]
public class MatMulBenchmarks
{
    private double[] a = [];
    private double[] b = [];
    private double[] c = [];
    private double[] seed = [];
    private double[] da = [];
    private double[] db = [];

    /// <summary>Iterations of <see cref="FmaPeak"/>: 25.6 MFLOP per call, a few hundred microseconds.</summary>
    private const int FmaPeakIterations = 100_000;

    [Params(512)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Random random = new(20261125);
        a = Fill(random, N * N);
        b = Fill(random, N * N);
        seed = Fill(random, N * N);
        c = new double[N * N];
        da = new double[N * N];
        db = new double[N * N];
    }

    [Benchmark(Baseline = true), Flops(2)]
    public void MatMul() => Kernels.MatMul(a, b, N, N, N, false, false, c);

    [Benchmark, Flops(2)]
    public void MatMul_TransposeA() => Kernels.MatMul(a, b, N, N, N, true, false, c);

    [Benchmark, Flops(2)]
    public void MatMul_TransposeB() => Kernels.MatMul(a, b, N, N, N, false, true, c);

    /// <summary>Both gradients: dA += S B^T and dB += A^T S (two products).</summary>
    [Benchmark, Flops(4)]
    public void MatMulPullback() => Kernels.MatMulPullback(a, b, N, N, N, false, false, c, seed, da, db);

    /// <summary>
    /// The machine's attainable FMA rate: 16 independent chains of 512-bit fused multiply-adds on registers (no
    /// memory traffic), enough to keep two FMA pipes busy through a 4-cycle latency. Its GFLOP/s is the measured
    /// single-core peak.
    /// </summary>
    [Benchmark, Flops(Fixed = FmaPeakIterations * 16 * 16)]
    public double FmaPeak()
    {
        Vector512<double> m = Vector512.Create(0.999999), s = Vector512.Create(1e-9);
        Vector512<double> c0 = Vector512.Create(1.0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        Vector512<double> c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0, c13 = c0, c14 = c0, c15 = c0;
        for (int i = 0; i < FmaPeakIterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, m, s);
            c1 = Vector512.FusedMultiplyAdd(c1, m, s);
            c2 = Vector512.FusedMultiplyAdd(c2, m, s);
            c3 = Vector512.FusedMultiplyAdd(c3, m, s);
            c4 = Vector512.FusedMultiplyAdd(c4, m, s);
            c5 = Vector512.FusedMultiplyAdd(c5, m, s);
            c6 = Vector512.FusedMultiplyAdd(c6, m, s);
            c7 = Vector512.FusedMultiplyAdd(c7, m, s);
            c8 = Vector512.FusedMultiplyAdd(c8, m, s);
            c9 = Vector512.FusedMultiplyAdd(c9, m, s);
            c10 = Vector512.FusedMultiplyAdd(c10, m, s);
            c11 = Vector512.FusedMultiplyAdd(c11, m, s);
            c12 = Vector512.FusedMultiplyAdd(c12, m, s);
            c13 = Vector512.FusedMultiplyAdd(c13, m, s);
            c14 = Vector512.FusedMultiplyAdd(c14, m, s);
            c15 = Vector512.FusedMultiplyAdd(c15, m, s);
        }

        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13 + c14 + c15);
    }

    private static double[] Fill(Random random, int length)
    {
        double[] values = new double[length];
        for (int i = 0; i < length; i++)
        {
#pragma warning disable CA5394 // Reproducible benchmark inputs, not security.
            values[i] = (2 * random.NextDouble()) - 1;
#pragma warning restore CA5394
        }

        return values;
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddColumn(
                StatisticColumn.Min,
                new FlopsColumn(FlopsColumn.Kind.Rate),
                new FlopsColumn(FlopsColumn.Kind.BestRate),
                new FlopsColumn(FlopsColumn.Kind.OfNominalPeak),
                new FlopsColumn(FlopsColumn.Kind.OfMeasuredPeak));
        }
    }
}

/// <summary>
/// Floating-point operations per call of a <see cref="MatMulBenchmarks"/> method: <see cref="PerCube"/> times N^3,
/// or <see cref="Fixed"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class FlopsAttribute : Attribute
{
    public FlopsAttribute()
    {
    }

    public FlopsAttribute(double perCube) => PerCube = perCube;

    public double PerCube { get; }

    public double Fixed { get; set; }
}

/// <summary>
/// GFLOP/s of a benchmark (flops from <see cref="FlopsAttribute"/> over the mean time, or over the fastest
/// iteration's time), or the best rate as a percentage of a single-core double-precision peak (on a machine shared
/// with other work the fastest iteration is the one least disturbed by it):
/// <list type="bullet">
/// <item>nominal: <c>1 core x 2 FMA units x 8 doubles per 512-bit vector x 2 flops per FMA x clock</c>, with the
/// clock that /proc/cpuinfo reports ("cpu MHz": 2.1 GHz on the project's AMD EPYC virtual machine, which reports
/// the nominal clock; the core boosts above it, so this percentage can exceed 100). Two 512-bit FMA pipes per
/// core is the assumption for AMD Zen 4/5 and Intel server cores;</item>
/// <item>measured: the best rate of <see cref="MatMulBenchmarks.FmaPeak"/> in the same run.</item>
/// </list>
/// </summary>
public sealed class FlopsColumn(FlopsColumn.Kind kind) : IColumn
{
    /// <summary>Which figure the column shows.</summary>
    public enum Kind
    {
        Rate,
        BestRate,
        OfNominalPeak,
        OfMeasuredPeak,
    }

    /// <summary>512-bit FMA pipes per core (assumed).</summary>
    public const int FmaUnits = 2;

    /// <summary>The nominal single-core peak in GFLOP/s, from the clock in /proc/cpuinfo, or NaN where that is unreadable.</summary>
    public static double NominalPeakGflops { get; } = FmaUnits * 8 * 2 * ClockGhz();

    public string Id => "Flops" + kind;

    public string ColumnName => kind switch
    {
        Kind.Rate => "GFLOP/s",
        Kind.BestRate => "GFLOP/s (best)",
        Kind.OfNominalPeak => "% of nominal peak",
        _ => "% of FmaPeak",
    };

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => (int)kind;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => kind switch
    {
        Kind.Rate => "Floating-point operations per second, in 10^9, over the mean time",
        Kind.BestRate => "Floating-point operations per second, in 10^9, over the fastest iteration's time",
        Kind.OfNominalPeak => Invariant($"Best rate as a share of the nominal single-core peak {NominalPeakGflops:F1} GFLOP/s ({FmaUnits} FMA units x 8 doubles x 2 flops x {ClockGhz():F2} GHz from /proc/cpuinfo)"),
        _ => "Best rate as a share of FmaPeak's best rate (register-only FMA chains) in this run",
    };

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double gflops = Gflops(summary, benchmarkCase, best: kind != Kind.Rate);
        if (double.IsNaN(gflops))
        {
            return "-";
        }

        double peak = kind switch
        {
            Kind.OfNominalPeak => NominalPeakGflops,
            Kind.OfMeasuredPeak => summary.BenchmarksCases
                .Where(c => c.Descriptor.WorkloadMethod.Name == nameof(MatMulBenchmarks.FmaPeak))
                .Select(c => Gflops(summary, c, best: true))
                .DefaultIfEmpty(double.NaN)
                .First(),
            _ => double.NaN,
        };
        return double.IsNaN(peak) ? Invariant($"{gflops:F1}") : Invariant($"{100 * gflops / peak:F0} %");
    }

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;

    /// <summary>GFLOP/s of one case over its mean or fastest iteration, or NaN when it has no flop count or no result.</summary>
    private static double Gflops(Summary summary, BenchmarkCase benchmarkCase, bool best)
    {
        var flops = (FlopsAttribute?)Attribute.GetCustomAttribute(benchmarkCase.Descriptor.WorkloadMethod, typeof(FlopsAttribute));
        var stats = summary[benchmarkCase]?.ResultStatistics;
        if (flops is null || stats is null)
        {
            return double.NaN;
        }

        double count = flops.Fixed;
        if (flops.PerCube > 0 && benchmarkCase.Parameters["N"] is int n)
        {
            count = flops.PerCube * n * (double)n * n;
        }

        return count / (best ? stats.Min : stats.Mean); // flops per ns = GFLOP/s
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static double ClockGhz()
    {
        try
        {
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("cpu MHz", StringComparison.Ordinal));
            return line is null ? double.NaN : double.Parse(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture) / 1000;
        }
        catch (IOException)
        {
            return double.NaN;
        }
        catch (UnauthorizedAccessException)
        {
            return double.NaN;
        }
    }
}
