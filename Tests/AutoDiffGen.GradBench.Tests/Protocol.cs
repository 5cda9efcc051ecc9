using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using Xunit;

namespace AutoDiffGen.GradBench.Tests;

/// <summary>Recorded message sequences (Sequences/*.jsonl) and small builders and readers for messages and replies.</summary>
public static class Protocol
{
    /// <summary>The messages of Sequences/<paramref name="name"/>.jsonl, one per line.</summary>
    public static List<JsonObject> Load(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Sequences", name + ".jsonl");
        return File.ReadLines(path)
            .Where(line => line.Length > 0)
            .Select(line => (JsonObject)JsonNode.Parse(line)!)
            .ToList();
    }

    /// <summary>An evaluate message; <paramref name="input"/> is deep-copied.</summary>
    public static JsonObject Evaluate(long id, string module, string function, JsonNode? input) => new()
    {
        ["id"] = id,
        ["kind"] = "evaluate",
        ["module"] = module,
        ["function"] = function,
        ["input"] = input?.DeepClone(),
    };

    /// <summary>The reply's output, after checking that the reply is a success.</summary>
    public static JsonNode Output(JsonObject reply)
    {
        Assert.True(reply["success"]?.GetValue<bool>() == true, "expected success, got " + reply.ToJsonString());
        return reply["output"] ?? throw new InvalidDataException("a successful evaluate reply has no output: " + reply.ToJsonString());
    }

    /// <summary>The reply's output as a number.</summary>
    public static double Number(JsonObject reply) => Output(reply).GetValue<double>();

    /// <summary>The reply's output as a flat array of numbers.</summary>
    public static double[] Vector(JsonObject reply) => ToVector(Output(reply));

    /// <summary>A JSON array of numbers, or nested arrays of them, flattened in order.</summary>
    public static double[] ToVector(JsonNode? node)
    {
        var values = new List<double>();
        Flatten(node, values);
        return [.. values];
    }

    /// <summary>The nanoseconds of each <c>evaluate</c> timing of a reply, checking every timing's shape.</summary>
    public static long[] EvaluateTimings(JsonObject reply)
    {
        JsonArray timings = reply["timings"]?.AsArray() ?? throw new InvalidDataException("no timings: " + reply.ToJsonString());
        foreach (JsonNode? timing in timings)
        {
            Assert.Equal(["name", "nanoseconds"], timing!.AsObject().Select(p => p.Key).Order());
            Assert.True(timing["nanoseconds"]!.GetValue<long>() >= 0);
        }

        return timings.Where(t => t!["name"]!.GetValue<string>() == "evaluate").Select(t => t!["nanoseconds"]!.GetValue<long>()).ToArray();
    }

    /// <summary>A copy of <paramref name="message"/>'s input with the run fields replaced.</summary>
    public static JsonObject WithRuns(JsonNode input, int minRuns, double minSeconds)
    {
        var copy = input.DeepClone().AsObject();
        copy["min_runs"] = minRuns;
        copy["min_seconds"] = minSeconds;
        return copy;
    }

    /// <summary>A copy of <paramref name="input"/> with field <paramref name="name"/> replaced by the numbers of
    /// <paramref name="values"/> (from <paramref name="offset"/> on) laid out in the field's current nested shape.</summary>
    public static JsonObject Refill(JsonNode input, string name, double[] values, ref int offset)
    {
        var copy = input.DeepClone().AsObject();
        copy[name] = Refill(copy[name], values, ref offset);
        return copy;
    }

    /// <summary>The nested array lengths of a node, e.g. <c>[[],[1],[2]]</c> for a jagged l with d = 3, to compare shapes.</summary>
    public static string ShapeOf(JsonNode? node) => node is JsonArray array
        ? "[" + string.Join(",", array.Select(e => e is JsonArray ? ShapeOf(e) : "#")) + "]"
        : "#";

    /// <summary>The property names of a reply, sorted, to check a reply's shape exactly.</summary>
    public static string[] Keys(JsonObject reply) => [.. reply.Select(p => p.Key).Order(StringComparer.Ordinal)];

    private static JsonNode Refill(JsonNode? template, double[] values, ref int offset)
    {
        if (template is JsonArray array)
        {
            var result = new JsonArray();
            foreach (JsonNode? element in array)
            {
                result.Add(Refill(element, values, ref offset));
            }

            return result;
        }

        return JsonValue.Create(values[offset++]);
    }

    private static void Flatten(JsonNode? node, List<double> values)
    {
        if (node is JsonArray array)
        {
            foreach (JsonNode? element in array)
            {
                Flatten(element, values);
            }
        }
        else
        {
            values.Add(node!.GetValue<double>());
        }
    }
}
