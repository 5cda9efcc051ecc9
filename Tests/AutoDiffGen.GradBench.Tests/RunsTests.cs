using System;
using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace AutoDiffGen.GradBench.Tests;

/// <summary>
/// GradBench's run rules: at least <c>min_runs</c> runs and until the summed time reaches <c>min_seconds</c>, one
/// <c>evaluate</c> timing per run, and the timings covering the function only, not the JSON around it.
/// </summary>
public class RunsTests
{
    [Theory]
    [InlineData(100)]
    [InlineData(7)]
    public void MinRuns_WithNoMinimumTime_GivesExactlyThatManyTimings(int minRuns)
    {
        using var tool = new ToolProcess();
        JsonObject reply = tool.Send(Protocol.Evaluate(1, "lse", "primal", SmallLse(minRuns, 0)));
        Assert.Equal(minRuns, Protocol.EvaluateTimings(reply).Length);
    }

    [Fact]
    public void MinRunsZero_StillRunsOnce()
    {
        using var tool = new ToolProcess();
        JsonObject reply = tool.Send(Protocol.Evaluate(1, "lse", "gradient", SmallLse(0, 0)));
        Assert.Single(Protocol.EvaluateTimings(reply));
        Assert.Equal(3, Protocol.Vector(reply).Length);
    }

    [Fact]
    public void MinSeconds_RunsUntilTheSummedTimingsReachIt_AndStopsThere()
    {
        using var tool = new ToolProcess();
        const double minSeconds = 0.2;
        JsonObject reply = tool.Send(Protocol.Evaluate(1, "det", "primal", new JsonObject
        {
            ["A"] = new JsonArray([.. Enumerable.Range(0, 36).Select(i => (JsonNode)JsonValue.Create(Math.Sin(i + 1)))]),
            ["ell"] = 6,
            ["min_runs"] = 2,
            ["min_seconds"] = minSeconds,
        }));
        long[] timings = Protocol.EvaluateTimings(reply);
        long total = timings.Sum();
        Assert.True(timings.Length > 2, $"expected more runs than min_runs, got {timings.Length}");
        Assert.True(total >= minSeconds * 1e9, $"the timings sum to {total} ns, less than min_seconds");
        Assert.True(total - timings[^1] < minSeconds * 1e9, "the tool kept running after the summed time reached min_seconds");
    }

    [Fact]
    public void MinRunsAndMinSeconds_TheLongerWins()
    {
        using var tool = new ToolProcess();
        long[] timings = Protocol.EvaluateTimings(tool.Send(Protocol.Evaluate(1, "lse", "primal", SmallLse(50, 1e-9))));
        Assert.Equal(50, timings.Length);
    }

    [Fact]
    public void Hello_InputHasNoRunFields_RunsOnce()
    {
        using var tool = new ToolProcess();
        Assert.Single(Protocol.EvaluateTimings(tool.Send(Protocol.Evaluate(1, "hello", "square", 3.0))));
    }

    /// <summary>
    /// The gradient of LSE over 300,000 numbers is cheap (an exp and a few flops per element), while writing its
    /// 300,000-number output as JSON, or reading the input, costs far more. If the tool timed its JSON work, its
    /// fastest run could not beat the fastest of the same JSON work done here; it beats it several times over.
    /// </summary>
    [Fact]
    public void Timings_CoverTheFunctionOnly_NotParsingOrSerialisation()
    {
        const int n = 300_000;
        var random = new Random(7);
        var text = new StringBuilder("""{"id": 1, "kind": "evaluate", "module": "lse", "function": "gradient", "input": {"min_runs": 5, "min_seconds": 0, "x": [""");
        for (int i = 0; i < n; i++)
        {
            text.Append(i == 0 ? "" : ",").Append(random.NextDouble().ToString("R", CultureInfo.InvariantCulture));
        }

        string message = text.Append("]}}").ToString();

        using var tool = new ToolProcess();
        tool.Send(new JsonObject { ["id"] = 0, ["kind"] = "define", ["module"] = "lse" });
        var roundTrip = Stopwatch.StartNew();
        string replyLine = tool.SendLine(message);
        roundTrip.Stop();
        using JsonDocument reply = JsonDocument.Parse(replyLine);
        Assert.True(reply.RootElement.GetProperty("success").GetBoolean(), replyLine.Length > 500 ? replyLine[..500] : replyLine);
        long[] timings = [.. reply.RootElement.GetProperty("timings").EnumerateArray().Select(t => t.GetProperty("nanoseconds").GetInt64())];
        double[] gradient = [.. reply.RootElement.GetProperty("output").EnumerateArray().Select(g => g.GetDouble())];
        Assert.Equal(5, timings.Length);
        Assert.Equal(n, gradient.Length);

        // The same JSON work here: writing the output vector, and reading the message's numbers.
        double serialise = Fastest(5, () =>
        {
            var buffer = new ArrayBufferWriter<byte>();
            using var writer = new Utf8JsonWriter(buffer);
            writer.WriteStartArray();
            foreach (double g in gradient)
            {
                writer.WriteNumberValue(g);
            }

            writer.WriteEndArray();
        });
        double parse = Fastest(5, () =>
        {
            using JsonDocument document = JsonDocument.Parse(message);
            double sum = 0;
            foreach (JsonElement e in document.RootElement.GetProperty("input").GetProperty("x").EnumerateArray())
            {
                sum += e.GetDouble();
            }

            Assert.True(sum > 0);
        });

        double fastestRun = timings.Min();
        Assert.True(fastestRun * 3 < serialise, $"fastest timed run {fastestRun / 1e6:F2} ms is not well below writing the output ({serialise / 1e6:F2} ms)");
        Assert.True(fastestRun * 3 < parse, $"fastest timed run {fastestRun / 1e6:F2} ms is not well below reading the input ({parse / 1e6:F2} ms)");
        Assert.True(timings.Sum() * 2 < roundTrip.Elapsed.TotalNanoseconds, "the timed runs take most of the round trip");
    }

    private static JsonObject SmallLse(int minRuns, double minSeconds) => new()
    {
        ["x"] = new JsonArray(0.5, -1.0, 2.0),
        ["min_runs"] = minRuns,
        ["min_seconds"] = minSeconds,
    };

    private static double Fastest(int times, Action action)
    {
        double best = double.PositiveInfinity;
        for (int i = 0; i < times; i++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalNanoseconds);
        }

        return best;
    }
}
