using System;
using System.Globalization;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace AutoDiffGen.Bench;

/// <summary>
/// Square double MatMul (n = 512), single-threaded (the engine uses one thread), with the achieved GFLOP/s and
/// its share of the machine's single-core FMA peak (see <see cref="FlopsColumn"/>). The forward product does
/// 2 n^3 flops; the pullback, which forms both dA and dB, 4 n^3.
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
            AddColumn(new FlopsColumn(percentOfPeak: false), new FlopsColumn(percentOfPeak: true));
        }
    }
}

/// <summary>Floating-point operations per call of a <see cref="MatMulBenchmarks"/> method, as a multiple of N^3.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class FlopsAttribute(double perCube) : Attribute
{
    public double PerCube { get; } = perCube;
}

/// <summary>
/// GFLOP/s of a benchmark (flops from <see cref="FlopsAttribute"/> times N^3, over the mean time), or that rate as
/// a percentage of the single-core double-precision peak:
/// <c>peak = 1 core x 2 FMA units x 8 doubles per 512-bit vector x 2 flops per FMA x clock</c>.
/// The clock is the "cpu MHz" that /proc/cpuinfo reports (2.1 GHz on the project's AMD EPYC machine, a virtual
/// machine that reports the nominal clock; if the core boosts higher, the real peak is higher and the true
/// percentage lower). Two 512-bit FMA pipes per core is the assumption for AMD Zen 4/5 and Intel server cores.
/// </summary>
public sealed class FlopsColumn(bool percentOfPeak) : IColumn
{
    /// <summary>512-bit FMA pipes per core (assumed).</summary>
    public const int FmaUnits = 2;

    /// <summary>The single-core peak in GFLOP/s, from the clock in /proc/cpuinfo, or NaN where that is unreadable.</summary>
    public static double PeakGflops { get; } = FmaUnits * 8 * 2 * ClockGhz();

    public string Id => percentOfPeak ? "PercentOfPeak" : "GFlops";

    public string ColumnName => percentOfPeak ? "% of 1-core peak" : "GFLOP/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => percentOfPeak ? 1 : 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => percentOfPeak
        ? $"Share of the single-core peak {PeakGflops:F1} GFLOP/s ({FmaUnits} FMA units x 8 doubles x 2 flops x {ClockGhz():F2} GHz)"
        : "Floating-point operations per second, in 10^9";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var flops = (FlopsAttribute?)Attribute.GetCustomAttribute(benchmarkCase.Descriptor.WorkloadMethod, typeof(FlopsAttribute));
        var stats = summary[benchmarkCase]?.ResultStatistics;
        if (flops is null || stats is null || benchmarkCase.Parameters["N"] is not int n)
        {
            return "-";
        }

        double gflops = flops.PerCube * n * (double)n * n / stats.Mean; // flops per ns = GFLOP/s
        return percentOfPeak
            ? (100 * gflops / PeakGflops).ToString("F0", CultureInfo.InvariantCulture) + " %"
            : gflops.ToString("F1", CultureInfo.InvariantCulture);
    }

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;

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
