using System;
using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Threading;
using Xunit;

namespace AutoDiffGen.GradBench.Tests;

/// <summary>
/// Whatever arrives, the tool answers it and goes on: each bad message gets a reply with its id,
/// <c>"success": false</c> and an error that says what is wrong, a line with no readable id gets a note on the
/// error stream, and the next good message is answered normally. End of input ends the tool with exit code 0.
/// </summary>
public sealed class BadInputTests : IClassFixture<BadInputTests.SharedTool>
{
    private static readonly string Lse = """{"x": [1, 2], "min_runs": 1, "min_seconds": 0}""";
    private static readonly string Gmm = """
        {"d": 2, "k": 1, "n": 1, "alpha": [0], "mu": [[0, 0]], "q": [[0, 0]], "l": [[[], [0.5]]], "x": [[1, 2]], "gamma": 1, "m": 0, "min_runs": 1, "min_seconds": 0}
        """.Trim();

    private readonly SharedTool shared;

    public BadInputTests(SharedTool shared)
    {
        this.shared = shared;
    }

    public static TheoryData<string, string> BadMessages => new()
    {
        // Broken JSON whose id can still be read.
        { """{"id": 7, "kind": "evaluate", "module": "lse", "function": "primal", "input": {"x": [1, 2""", "not valid JSON" },
        { """{"id": 7, "kind": "evaluate", "input": [1,, 2]}""", "not valid JSON" },

        // Protocol-level mistakes.
        { """{"id": 7, "kind": "frobnicate"}""", "unknown message kind \"frobnicate\"" },
        { """{"id": 7, "module": "lse"}""", "no \"kind\"" },
        { """{"id": 7, "kind": "define", "module": "pytorch"}""", "unknown module \"pytorch\"; this tool implements det, gmm, hello, llsq, lse" },
        { """{"id": 7, "kind": "define"}""", "no \"module\"" },
        { """{"id": 7, "kind": "evaluate", "module": "ba", "function": "objective", "input": {}}""", "unknown module \"ba\"" },
        { """{"id": 7, "kind": "evaluate", "module": "lse", "function": "hessian", "input": {}}""", "module \"lse\" has no function \"hessian\"; it has primal, gradient" },
        { """{"id": 7, "kind": "evaluate", "module": "lse", "input": {}}""", "no \"function\"" },
        { """{"id": 7, "kind": "evaluate", "module": "lse", "function": "primal"}""", "no \"input\"" },

        // Inputs of the wrong shape.
        { """{"id": 7, "kind": "evaluate", "module": "hello", "function": "square", "input": "two"}""", "invalid input for hello::square: the input must be a finite number, not a string \"two\"" },
        { """{"id": 7, "kind": "evaluate", "module": "lse", "function": "primal", "input": [1, 2]}""", "the input must be an object" },
        { """{"id": 7, "kind": "evaluate", "module": "lse", "function": "primal", "input": {"x": "abc"}}""", "\"x\" must be an array of numbers, not a string \"abc\"" },
        { """{"id": 7, "kind": "evaluate", "module": "lse", "function": "gradient", "input": {"x": []}}""", "\"x\" must not be empty" },
        { """{"id": 7, "kind": "evaluate", "module": "lse", "function": "primal", "input": {"x": [1, "2", 3]}}""", "\"x\"[1] must be a finite number" },
        { """{"id": 7, "kind": "evaluate", "module": "lse", "function": "primal", "input": {"y": [1]}}""", "the input has no \"x\" field" },
        { """{"id": 7, "kind": "evaluate", "module": "lse", "function": "primal", "input": {"x": [1], "min_runs": -1}}""", "\"min_runs\" must be a non-negative integer" },
        { """{"id": 7, "kind": "evaluate", "module": "lse", "function": "primal", "input": {"x": [1], "min_seconds": "1"}}""", "\"min_seconds\" must be a non-negative number" },
        { """{"id": 7, "kind": "evaluate", "module": "llsq", "function": "primal", "input": {"x": [1, 2]}}""", "the input has no \"n\" field" },
        { """{"id": 7, "kind": "evaluate", "module": "llsq", "function": "gradient", "input": {"x": [1, 2], "n": 2.5}}""", "\"n\" must be an integer" },
        { """{"id": 7, "kind": "evaluate", "module": "llsq", "function": "primal", "input": {"x": [1, 2], "n": 1}}""", "\"n\" must be between 2 and" },
        { """{"id": 7, "kind": "evaluate", "module": "det", "function": "primal", "input": {"A": [1, 2, 3], "ell": 2}}""", "\"A\" must have 4 elements, not 3" },
        { """{"id": 7, "kind": "evaluate", "module": "det", "function": "gradient", "input": {"A": [1], "ell": 0}}""", "\"ell\" must be between 1 and 30, not 0" },
        { """{"id": 7, "kind": "evaluate", "module": "gmm", "function": "objective", "input": {"d": 2, "k": 2}}""", "the input has no \"n\" field" },
        { Replace(Gmm, "\"mu\": [[0, 0]]", "\"mu\": [[0, 0, 0]]"), "\"mu\"[0] must be an array of 2 numbers" },
        { Replace(Gmm, "\"x\": [[1, 2]]", "\"x\": [[1, 2], [3, 4]]"), "\"x\" must be an array of 1 rows" },
        { Replace(Gmm, "\"l\": [[[], [0.5]]]", "\"l\": [[[], [0.5, 1]]]"), "\"l\"[0][1] must be an array of 1 numbers" },
        { Replace(Gmm, "\"l\": [[[], [0.5]]]", "\"l\": [[0.5, 1]]"), "\"l\"[0] must have 1 elements, not 2" },
        { Replace(Gmm, "\"gamma\": 1", "\"gamma\": -1"), "\"gamma\" must be greater than 0" },
        { Replace(Gmm, "\"alpha\": [0]", "\"alpha\": [0, 1]"), "\"alpha\" must have 1 elements, not 2" },

        // A result JSON cannot carry: det [[1e200, 0], [0, 1e200]] = 1e400 overflows to infinity.
        { """{"id": 7, "kind": "evaluate", "module": "det", "function": "primal", "input": {"A": [1e200, 0, 0, 1e200], "ell": 2}}""", "not finite" },
    };

    [Theory]
    [MemberData(nameof(BadMessages))]
    public void BadMessage_GetsAFailureReplyWithItsId_AndTheToolKeepsServing(string line, string expectedError)
    {
        var reply = (JsonObject)JsonNode.Parse(shared.Tool.SendLine(line))!;
        Assert.Equal(["error", "id", "success"], Protocol.Keys(reply));
        Assert.Equal(7, reply["id"]!.GetValue<int>());
        Assert.False(reply["success"]!.GetValue<bool>());
        Assert.Contains(expectedError, reply["error"]!.GetValue<string>(), StringComparison.Ordinal);

        shared.AssertStillServing();
    }

    [Theory]
    [InlineData("""{"kind": "evaluate", "module": "lse", "function": "primal", "input": {"x": [1]}}""", "has no number or string \"id\"")]
    [InlineData("""{"kind": "evaluate", "input": [1,""", "not valid JSON and has no readable id")]
    [InlineData("""this is not JSON""", "not valid JSON and has no readable id")]
    [InlineData("""[1, 2, 3]""", "has no number or string \"id\"")]
    [InlineData("""{"id": {"nested": 1}, "kind": "start"}""", "has no number or string \"id\"")]
    public void LineWithoutReadableId_GetsNoReply_ButANoteOnStandardError(string line, string expectedNote)
    {
        using var tool = new ToolProcess();
        tool.SendUnanswered(line);

        // The next message's reply is the next line out: nothing was written for the line without an id.
        JsonObject reply = tool.Send(new JsonObject { ["id"] = 41, ["kind"] = "start" });
        Assert.Equal(41, reply["id"]!.GetValue<int>());
        var wait = Stopwatch.StartNew();
        while (!tool.Errors.Contains(expectedNote, StringComparison.Ordinal) && wait.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(10);
        }

        Assert.Contains(expectedNote, tool.Errors, StringComparison.Ordinal);
        Assert.Equal(0, tool.CloseAndWait());
    }

    [Fact]
    public void StringIdAndBlankLines_AreHandled()
    {
        using var tool = new ToolProcess();
        tool.SendUnanswered(string.Empty);
        tool.SendUnanswered("   ");
        JsonObject reply = tool.Send(new JsonObject { ["id"] = "abc", ["kind"] = "analysis", ["of"] = 1, ["valid"] = true });
        Assert.Equal("abc", reply["id"]!.GetValue<string>());
        Assert.Equal(["id"], Protocol.Keys(reply));
        Assert.Equal(0, tool.CloseAndWait());
        Assert.Equal(string.Empty, tool.Errors);
    }

    [Fact]
    public void EndOfInput_EndsTheToolWithExitCodeZero_EvenRightAfterStart()
    {
        using var tool = new ToolProcess();
        Assert.Equal(0, tool.CloseAndWait());
        Assert.Equal(string.Empty, tool.ReadRemainingOutput());
    }

    private static string Replace(string text, string from, string to)
    {
        Assert.Contains(from, text, StringComparison.Ordinal);
        return """{"id": 7, "kind": "evaluate", "module": "gmm", "function": "objective", "input": """ + text.Replace(from, to, StringComparison.Ordinal) + "}";
    }

    /// <summary>One tool for all the bad messages: each must leave it able to answer the next message.</summary>
    public sealed class SharedTool : IDisposable
    {
        private long nextId = 100;

        public ToolProcess Tool { get; } = new();

        /// <summary>A good evaluate right after a bad message is answered correctly.</summary>
        public void AssertStillServing()
        {
            long id = nextId++;
            JsonObject reply = Tool.Send(Protocol.Evaluate(id, "gmm", "objective", JsonNode.Parse(Gmm)));
            Assert.Equal(id, reply["id"]!.GetValue<long>());
            Assert.True(double.IsFinite(Protocol.Number(reply)));
            Assert.True(double.IsFinite(Protocol.Number(Tool.Send(Protocol.Evaluate(id, "lse", "primal", JsonNode.Parse(Lse))))));
        }

        public void Dispose()
        {
            Assert.Equal(0, Tool.CloseAndWait());
            Tool.Dispose();
        }
    }
}
