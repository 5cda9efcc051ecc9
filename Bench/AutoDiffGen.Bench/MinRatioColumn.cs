using System.Globalization;
using System.Linq;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace AutoDiffGen.Bench;

/// <summary>
/// The ratio of a benchmark's fastest iteration to its category baseline's fastest iteration. Work from other
/// processes only ever adds time to an iteration, so on a shared, loaded machine the minimum is the steadiest
/// estimate of what the code costs, and this ratio the steadiest comparison (the standard Ratio column uses means).
/// </summary>
public sealed class MinRatioColumn : IColumn
{
    public string Id => nameof(MinRatioColumn);

    public string ColumnName => "Ratio (min)";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Baseline;

    public int PriorityInCategory => 10;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Fastest iteration over the fastest iteration of the category's baseline";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        string[] categories = benchmarkCase.Descriptor.Categories;
        BenchmarkCase? baseline = summary.BenchmarksCases.FirstOrDefault(
            c => c.Descriptor.Baseline && c.Descriptor.Categories.SequenceEqual(categories) && c.Parameters.Equals(benchmarkCase.Parameters));
        double? mine = summary[benchmarkCase]?.ResultStatistics?.Min;
        double? theirs = baseline is null ? null : summary[baseline]?.ResultStatistics?.Min;
        return mine is double m && theirs is double t && t > 0
            ? (m / t).ToString("F2", CultureInfo.InvariantCulture)
            : "-";
    }

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;
}

/// <summary>
/// The Min statistic and <see cref="MinRatioColumn"/> beside the default columns: every benchmark class of record
/// uses it, so that a run on a shared host reports its steadiest ratios too.
/// </summary>
public sealed class MinRatioConfig : ManualConfig
{
    public MinRatioConfig()
    {
        AddColumn(StatisticColumn.Min, new MinRatioColumn());
    }
}
