using System;
using System.Globalization;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace AutoDiffGen.Tests.RandomPrograms;

/// <summary>
/// Random, well-typed differentiable programs (see <see cref="ProgramGenerator"/>): the generated Gradient and
/// Pullback of every method must agree with central finite differences of the primal at random smooth points.
/// </summary>
/// <remarks>
/// CI runs 250 programs from a fixed seed and 250 from a fresh one. Environment variables:
/// <c>ADG_RANDOM_PROGRAMS=N</c> runs N fresh programs instead of 250 (long mode),
/// <c>ADG_RANDOM_SEED=S</c> uses seed S instead of a fresh one, and
/// <c>ADG_RANDOM_INDEX=I</c> checks only program I of that seed (to reproduce a failure), and
/// <c>ADG_RANDOM_LOG=path</c> appends progress after each batch to a file in long mode.
/// </remarks>
public sealed class RandomProgramTests
{
    public const int FixedSeed = 20261123;
    private const int ProgramsPerRun = 250;

    private readonly ITestOutputHelper _output;

    public RandomProgramTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void FixedSeedPrograms_GradientAndPullback_MatchFiniteDifferences()
        => Run(FixedSeed, Enumerable.Range(0, ProgramsPerRun).ToArray());

    [Fact]
    public void FreshSeedPrograms_GradientAndPullback_MatchFiniteDifferences()
    {
        int seed = Environment.GetEnvironmentVariable("ADG_RANDOM_SEED") is { Length: > 0 } s
            ? int.Parse(s, CultureInfo.InvariantCulture)
            : Environment.TickCount ^ Guid.NewGuid().GetHashCode();
        int count = Environment.GetEnvironmentVariable("ADG_RANDOM_PROGRAMS") is { Length: > 0 } n
            ? int.Parse(n, CultureInfo.InvariantCulture)
            : ProgramsPerRun;
        int[] indices = Environment.GetEnvironmentVariable("ADG_RANDOM_INDEX") is { Length: > 0 } i
            ? new[] { int.Parse(i, CultureInfo.InvariantCulture) }
            : Enumerable.Range(0, count).ToArray();
        _output.WriteLine("Fresh seed: " + seed.ToString(CultureInfo.InvariantCulture) + " (reproduce with ADG_RANDOM_SEED=" + seed.ToString(CultureInfo.InvariantCulture) + ")");
        Run(seed, indices);
    }

    [Theory]
    [InlineData("switch (")]
    [InlineData(" switch { ")]
    [InlineData(" or 2")]
    [InlineData(" when ")]
    [InlineData("default:")]
    [InlineData(" is > ")]
    [InlineData(" is < ")]
    [InlineData(") = (")]
    [InlineData("foreach (")]
    [InlineData("while (")]
    [InlineData(".Slice(")]
    [InlineData("break;")]
    [InlineData("continue;")]
    [InlineData("w[^")]
    public void FixedSeedPrograms_ContainTheConstruct(string construct)
    {
        // The fixed-seed run exercises every construct the generator writes, so a regression in any shows in CI.
        int programs = Enumerable.Range(0, ProgramsPerRun).Count(i => ProgramChecker.Program(FixedSeed, i).Source.Contains(construct, StringComparison.Ordinal));
        Assert.True(programs >= 3, "'" + construct + "' appears in only " + programs.ToString(CultureInfo.InvariantCulture) + " of the fixed-seed programs");
    }

    private void Progress(string line, string? log)
    {
        _output.WriteLine(line);
        if (log is { Length: > 0 })
        {
            System.IO.File.AppendAllText(log, DateTime.Now.ToString("HH:mm:ss ", CultureInfo.InvariantCulture) + line + Environment.NewLine);
        }
    }

    private void Run(int seed, int[] indices)
    {
        bool verbose = indices.Length > ProgramsPerRun;
        string? log = Environment.GetEnvironmentVariable("ADG_RANDOM_LOG");
        if (verbose)
        {
            Progress("Seed " + seed.ToString(CultureInfo.InvariantCulture) + ", " + indices.Length.ToString(CultureInfo.InvariantCulture) + " programs", log);
        }

        RunResult result = ProgramChecker.Run(seed, indices, verbose ? line => Progress(line, log) : null);
        _output.WriteLine("Seed " + seed.ToString(CultureInfo.InvariantCulture) + ": " + result.Summary());
        if (indices.Length == 1)
        {
            _output.WriteLine(ProgramChecker.Program(seed, indices[0]).Source);
        }

        Assert.True(
            result.Failures == 0,
            "Seed " + seed.ToString(CultureInfo.InvariantCulture) + ": " + result.Summary() + "\n\n" + string.Join("\n\n----------------\n\n", result.Messages));
        Assert.True(result.UncheckedMethods <= Math.Max(2, result.Methods / 20), "Too many methods without a usable point: " + result.Summary());
    }
}
