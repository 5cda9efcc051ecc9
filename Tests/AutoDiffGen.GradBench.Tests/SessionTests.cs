using System.Linq;
using System.Text.Json.Nodes;
using Xunit;

namespace AutoDiffGen.GradBench.Tests;

/// <summary>
/// Every recorded sequence, replayed whole: each reply carries its message's id and has exactly the shape the
/// protocol gives its kind, and the session ends cleanly with exit code 0 when the input ends.
/// </summary>
public class SessionTests
{
    [Theory]
    [InlineData("hello")]
    [InlineData("lse")]
    [InlineData("llsq")]
    [InlineData("det")]
    [InlineData("gmm")]
    public void RecordedSequence_EveryReplyHasTheIdAndShapeOfItsKind(string name)
    {
        using var tool = new ToolProcess();
        var replies = tool.Replay(Protocol.Load(name));

        foreach ((JsonObject message, JsonObject reply) in replies)
        {
            Assert.Equal(message["id"]!.GetValue<long>(), reply["id"]!.GetValue<long>());
            switch (message["kind"]!.GetValue<string>())
            {
                case "start":
                    Assert.Equal(["id", "tool"], Protocol.Keys(reply));
                    Assert.Equal("autodiffgen", reply["tool"]!.GetValue<string>());
                    break;
                case "define":
                    Assert.Equal(["id", "success", "timings"], Protocol.Keys(reply));
                    Assert.True(reply["success"]!.GetValue<bool>());
                    Assert.Equal("compile", reply["timings"]![0]!["name"]!.GetValue<string>());
                    break;
                case "evaluate":
                    Assert.Equal(["id", "output", "success", "timings"], Protocol.Keys(reply));
                    Assert.True(reply["success"]!.GetValue<bool>());
                    Assert.Single(Protocol.EvaluateTimings(reply)); // min_runs 1, min_seconds 0 (hello: no fields)
                    break;
                case "analysis":
                    Assert.Equal(["id"], Protocol.Keys(reply));
                    break;
                default:
                    Assert.Fail("unexpected kind in a recorded sequence");
                    break;
            }
        }

        Assert.Equal(0, tool.CloseAndWait());
        Assert.Equal(string.Empty, tool.ReadRemainingOutput());
        Assert.Equal(string.Empty, tool.Errors);
    }

    [Fact]
    public void Hello_AsTheEvalRunsIt_SquaresAndDoublesExactly()
    {
        using var tool = new ToolProcess();
        foreach ((JsonObject message, JsonObject reply) in tool.Replay(Protocol.Load("hello")).Where(p => p.Message["kind"]!.GetValue<string>() == "evaluate"))
        {
            double x = message["input"]!.GetValue<double>();
            double expected = message["function"]!.GetValue<string>() == "square" ? x * x : 2 * x;
            Assert.Equal(expected, Protocol.Number(reply));
        }

        // The chain the eval builds: 1 -> 1 -> 2 -> 4 -> 8 -> 64 -> 128 -> 16384 -> 32768.
        Assert.Equal(32768, Protocol.Number(tool.Send(Protocol.Evaluate(99, "hello", "double", 16384.0))));
    }

    [Fact]
    public void Define_EveryModuleOfTheTool_Succeeds()
    {
        using var tool = new ToolProcess();
        string[] modules = ["hello", "lse", "llsq", "det", "gmm"];
        for (int i = 0; i < modules.Length; i++)
        {
            JsonObject reply = tool.Send(new JsonObject { ["id"] = i, ["kind"] = "define", ["module"] = modules[i] });
            Assert.Equal(i, reply["id"]!.GetValue<int>());
            Assert.True(reply["success"]!.GetValue<bool>(), reply.ToJsonString());
        }
    }
}
