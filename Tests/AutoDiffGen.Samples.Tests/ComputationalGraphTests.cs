using System;
using System.Globalization;
using System.IO;
using System.Linq;
using ComputationalGraph;
using Xunit;

namespace AutoDiffGen.Samples.Tests;

public sealed class ComputationalGraphTests
{
    [Fact]
    public void Nodes_MultiplyAndAdd_PassTheTextbookGradients()
    {
        // Multiply node: dx = dout * y, dy = dout * x.  Add node: dx = dy = dout.
        double dx = 0, dy = 0;
        Nodes.MultiplyPullback(4, 3, 1.5, ref dx, ref dy);
        Assert.Equal((4.5, 6.0), (dx, dy));

        dx = 0;
        dy = 0;
        Nodes.AddPullback(4, 3, 1.5, ref dx, ref dy);
        Assert.Equal((1.5, 1.5), (dx, dy));

        Assert.Equal(15.0, Nodes.GraphGradient(2, 3, out double du1, out double du2));
        Assert.Equal((3.0, 8.0), (du1, du2));
    }

    [Fact]
    public void Run_InProcess_Prints3And8AndTheGeneratedAdjoints()
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var output = new StringWriter();
        ComputationalGraph.Program.Run(output, Path.Combine(SampleFiles.OutputFolder("ComputationalGraph"), "generated"));
        AssertWalkThrough(output.ToString());
    }

    [Fact]
    public void Process_DotnetRun_FindsGeneratedFilesBesideTheProgram()
    {
        string folder = SampleFiles.TempFolder();
        AssertWalkThrough(SampleFiles.RunProcess("ComputationalGraph", folder));
        Directory.Delete(folder, recursive: true);
    }

    private static void AssertWalkThrough(string text)
    {
        string[] lines = text.Split('\n').Select(l => l.TrimEnd()).ToArray();
        Assert.Contains("   du4/du1 = 3", lines);
        Assert.Contains("   du4/du2 = 8", lines);
        Assert.Contains(lines, l => l.Contains("dx = dout * y = 4.5,  dy = dout * x = 6", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("dx = dout = 1.5,  dy = dout = 1.5", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("du1 = du3 = 3,  du2 += du3  ->  du2 = 8", StringComparison.Ordinal));

        // Each of the three generated methods is printed whole: its signature, then a body that closes at the
        // signature's indentation.
        foreach (string signature in new[] { "void MultiplyPullback(", "void AddPullback(", "double GraphGradient(" })
        {
            int start = Array.FindIndex(lines, l => l.StartsWith("   | public static ", StringComparison.Ordinal) && l.Contains(signature, StringComparison.Ordinal));
            Assert.True(start >= 0, $"{signature} is not printed");
            Assert.Equal("   | {", lines[start + 1]);
            int end = Array.FindIndex(lines, start, l => l == "   | }");
            Assert.True(end > start + 3, $"{signature} has no body");
        }
    }
}
