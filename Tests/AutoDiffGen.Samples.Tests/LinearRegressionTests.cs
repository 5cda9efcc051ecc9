using System;
using System.Globalization;
using System.IO;
using System.Linq;
using LinearRegression;
using Xunit;

namespace AutoDiffGen.Samples.Tests;

public sealed class LinearRegressionTests
{
    private static readonly double[] X = [1, 2, 3, 4];
    private static readonly double[] Y = [2, 3, 4, 5];

    [Fact]
    public void Run_FromZero_ConvergesToLineThroughData()
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        string folder = SampleFiles.TempFolder();
        var output = new StringWriter();

        TrainingResult result = LinearRegression.Program.Run(output, folder);

        // The points lie on y = x + 1: the minimum is w = 1, b = 1 with loss 0.
        Assert.Equal(1.0, result.Weight, 1e-3);
        Assert.Equal(1.0, result.Bias, 1e-3);
        Assert.Equal(LinearRegression.Program.Epochs + 1, result.Losses.Count);
        Assert.Equal(13.5, result.Losses[0], 12);  // mean of (x + 1)^2 at w = b = 0
        Assert.True(result.Losses[^1] < 1e-6, $"final loss {result.Losses[^1]}");

        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(LinearRegression.Program.Epochs / 10 + 1, lines.Count(l => l.Contains("epoch", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.TrimEnd() == "weight: 1.0000");
        Assert.Contains(lines, l => l.TrimEnd() == "bias: 1.0000");

        double[] ys = SampleFiles.AssertLossPlot(Path.Combine(folder, LinearRegression.Program.PlotFile), result.Losses.Count);
        Assert.True(ys[^1] > ys[0], "the last loss is drawn below the first (larger y is lower on screen)");
        Directory.Delete(folder, recursive: true);
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(1.0, 1.0)]
    [InlineData(-0.7, 2.5)]
    [InlineData(3.0, -1.25)]
    public void MeanSquaredErrorGradient_AtPoint_MatchesClosedForm(double w, double b)
    {
        // L = (1/n) sum (w x + b - y)^2  =>  dL/dw = (2/n) sum r x, dL/db = (2/n) sum r.
        double[] r = X.Select((x, i) => (w * x) + b - Y[i]).ToArray();
        double expectedW = 2.0 / X.Length * r.Select((ri, i) => ri * X[i]).Sum();
        double expectedB = 2.0 / X.Length * r.Sum();

        double value = Model.MeanSquaredErrorGradient(w, b, X, Y, out double dw, out double db);

        Assert.Equal(r.Select(ri => ri * ri).Average(), value, 12);
        Assert.Equal(expectedW, dw, 12);
        Assert.Equal(expectedB, db, 12);
        GradientCheckResult check = GradientCheck.Check(p => Model.MeanSquaredError(p[0], p[1], X, Y), [w, b], [dw, db]);
        Assert.True(check.IsWithin(1e-6, 1e-8), check.ToString());
    }

    [Fact]
    public void Process_DotnetRun_PrintsFinalWeightAndBiasAndWritesPlot()
    {
        string folder = SampleFiles.TempFolder();
        string stdout = SampleFiles.RunProcess("LinearRegression", folder);

        Assert.Contains("weight: 1.0000", stdout, StringComparison.Ordinal);
        Assert.Contains("bias: 1.0000", stdout, StringComparison.Ordinal);
        SampleFiles.AssertLossPlot(Path.Combine(folder, LinearRegression.Program.PlotFile), LinearRegression.Program.Epochs + 1);
        Directory.Delete(folder, recursive: true);
    }
}
