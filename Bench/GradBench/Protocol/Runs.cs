using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text.Json;

namespace AutoDiffGen.GradBench.Protocol;

/// <summary>
/// GradBench's <c>Runs</c> fields: run the function at least <see cref="MinRuns"/> times and until the summed run
/// time reaches <see cref="MinSeconds"/>, whichever is longer, and report one <c>evaluate</c> timing per run.
/// </summary>
internal readonly record struct Runs(int MinRuns, double MinSeconds)
{
    /// <summary>One run, no minimum time: for inputs without the fields (the hello eval sends bare numbers).</summary>
    public static readonly Runs Once = new(1, 0);

    /// <summary>
    /// Reads <c>min_runs</c> and <c>min_seconds</c> from an input object. A missing field takes the value of
    /// <see cref="Once"/>; a present field of the wrong type or range is an error.
    /// </summary>
    /// <exception cref="InputException">A field is present but not a non-negative integer / non-negative number.</exception>
    public static Runs Read(JsonElement input)
    {
        int minRuns = Once.MinRuns;
        double minSeconds = Once.MinSeconds;
        if (input.TryGetProperty("min_runs", out JsonElement runs))
        {
            minRuns = runs.ValueKind == JsonValueKind.Number && runs.TryGetInt32(out int r) && r >= 0
                ? r
                : throw new InputException($"\"min_runs\" must be a non-negative integer, not {JsonInput.Describe(runs)}");
        }

        if (input.TryGetProperty("min_seconds", out JsonElement seconds))
        {
            minSeconds = seconds.ValueKind == JsonValueKind.Number && seconds.TryGetDouble(out double s) && double.IsFinite(s) && s >= 0
                ? s
                : throw new InputException($"\"min_seconds\" must be a non-negative number, not {JsonInput.Describe(seconds)}");
        }

        return new Runs(minRuns, minSeconds);
    }

    /// <summary>
    /// Runs <paramref name="call"/> as often as these fields ask (at least once) and returns the time of each run in
    /// nanoseconds. Only <see cref="PreparedCall.Run"/> sits between the two clock reads.
    /// </summary>
    public List<long> Measure(PreparedCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        double minNanoseconds = MinSeconds * 1e9;
        double nanosecondsPerTick = 1e9 / Stopwatch.Frequency;
        var timings = new List<long>(Math.Clamp(MinRuns, 1, 1 << 16));
        double total = 0;
        do
        {
            long start = Stopwatch.GetTimestamp();
            call.Run();
            long end = Stopwatch.GetTimestamp();
            long nanoseconds = (long)Math.Round((end - start) * nanosecondsPerTick);
            timings.Add(nanoseconds);
            total += nanoseconds;
        }
        while (timings.Count < MinRuns || total < minNanoseconds);

        return timings;
    }
}
