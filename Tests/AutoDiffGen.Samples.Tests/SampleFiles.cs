using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Xml.Linq;
using Xunit;

namespace AutoDiffGen.Samples.Tests;

/// <summary>Where the samples were built, how to run them, and what a well-formed loss plot looks like.</summary>
internal static class SampleFiles
{
    /// <summary>The sample's own output folder, recorded at build time by the test project (see its csproj).</summary>
    public static string OutputFolder(string sample)
    {
        string? folder = typeof(SampleFiles).Assembly
            .GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == "SampleOutput:" + sample)?.Value;
        Assert.False(string.IsNullOrEmpty(folder), $"The test project did not record the output folder of {sample}.");
        return folder!;
    }

    /// <summary>Runs a built sample as its own process, in <paramref name="workingDirectory"/>; returns its output.</summary>
    public static string RunProcess(string sample, string workingDirectory)
    {
        string dll = Path.Combine(OutputFolder(sample), sample + ".dll");
        Assert.True(File.Exists(dll), $"{dll} does not exist.");

        // The SDK tells the processes it starts where its host is; fall back to the one on PATH.
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path ? path : "dotnet";
        var start = new ProcessStartInfo(host)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        using Process process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), $"{sample} did not finish within a minute.");
        Assert.True(process.ExitCode == 0, $"{sample} exited with {process.ExitCode}: {stderr.Result}");
        return stdout;
    }

    /// <summary>A fresh empty folder for files a sample writes.</summary>
    public static string TempFolder()
    {
        string folder = Path.Combine(Path.GetTempPath(), "adg-samples-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>
    /// Parses an SVG loss plot (it must be well-formed XML with an svg root) and returns the y pixel coordinates
    /// of its polyline, asserting it has <paramref name="points"/> points inside the canvas.
    /// </summary>
    public static double[] AssertLossPlot(string path, int points)
    {
        Assert.True(File.Exists(path), $"{path} was not written.");
        XDocument svg = XDocument.Load(path);
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(ns + "svg", svg.Root!.Name);
        double width = double.Parse(svg.Root.Attribute("width")!.Value, CultureInfo.InvariantCulture);
        double height = double.Parse(svg.Root.Attribute("height")!.Value, CultureInfo.InvariantCulture);

        XElement polyline = Assert.Single(svg.Root.Elements(ns + "polyline"));
        string[] pairs = polyline.Attribute("points")!.Value.Split(' ');
        Assert.Equal(points, pairs.Length);
        double[] ys = new double[pairs.Length];
        double previousX = double.NegativeInfinity;
        for (int i = 0; i < pairs.Length; i++)
        {
            string[] xy = pairs[i].Split(',');
            double x = double.Parse(xy[0], CultureInfo.InvariantCulture);
            ys[i] = double.Parse(xy[1], CultureInfo.InvariantCulture);
            Assert.InRange(x, 0, width);
            Assert.InRange(ys[i], 0, height);
            Assert.True(x > previousX, "x must increase along the curve");
            previousX = x;
        }

        return ys;
    }
}
