using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Mlp;
using Xunit;

namespace AutoDiffGen.Samples.Tests;

public sealed class MlpTests
{
    [Fact]
    public void Run_TwoMoons_TestAccuracyAtLeast95Percent()
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        string folder = SampleFiles.TempFolder();
        var output = new StringWriter();

        TrainingResult result = Mlp.Program.Run(output, folder);

        Assert.True(result.TestAccuracy >= 0.95, $"test accuracy {result.TestAccuracy}");
        Assert.True(result.TrainAccuracy >= 0.95, $"train accuracy {result.TrainAccuracy}");
        Assert.Equal(Mlp.Program.Epochs, result.Losses.Count);
        Assert.True(result.Losses[^1] < result.Losses[0] / 4, $"loss went from {result.Losses[0]} to {result.Losses[^1]}");

        // One progress line per epoch, and the last line in exactly the `accuracy: 0.97` format.
        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd()).ToArray();
        Assert.Equal(Mlp.Program.Epochs, lines.Count(l => l.StartsWith("  epoch", StringComparison.Ordinal)));
        Assert.Matches(new Regex(@"^accuracy: [01]\.\d\d$"), lines[^1]);
        Assert.Equal($"accuracy: {result.TestAccuracy.ToString("F2", CultureInfo.InvariantCulture)}", lines[^1]);

        SampleFiles.AssertLossPlot(Path.Combine(folder, Mlp.Program.PlotFile), Mlp.Program.Epochs);
        Directory.Delete(folder, recursive: true);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void LossGradient_RandomParameters_MatchesCentralDifferences(int seed)
    {
        const int hidden = 5, count = 7, inputs = Network.Inputs;
        var random = new Random(seed);
        double[] Draw(int n, double scale) => Enumerable.Range(0, n).Select(_ => scale * ((2 * random.NextDouble()) - 1)).ToArray();
        double[] w1 = Draw(hidden * inputs, 2), b1 = Draw(hidden, 1), w2 = Draw(hidden, 2), b2 = Draw(1, 1);
        double[] features = Draw(count * inputs, 1.5);
        double[] labels = Enumerable.Range(0, count).Select(i => (double)(i % 2)).ToArray();

        double[] dw1 = new double[w1.Length], db1 = new double[b1.Length], dw2 = new double[w2.Length], db2 = new double[1];
        double value = Network.LossGradient(w1, b1, w2, b2, features, labels, count, dw1, db1, dw2, db2);
        Assert.Equal(Network.Loss(w1, b1, w2, b2, features, labels, count), value, 12);

        // Check all parameters as one flat vector against central differences of the primal loss.
        int[] sizes = [w1.Length, b1.Length, w2.Length, b2.Length];
        double[] flat = [.. w1, .. b1, .. w2, .. b2];
        double[] analytic = [.. dw1, .. db1, .. dw2, .. db2];
        double Loss(double[] p)
        {
            ReadOnlySpan<double> s = p;
            int o1 = sizes[0], o2 = o1 + sizes[1], o3 = o2 + sizes[2];
            return Network.Loss(s[..o1], s[o1..o2], s[o2..o3], s[o3..], features, labels, count);
        }

        GradientCheckResult check = GradientCheck.Check(Loss, flat, analytic);
        Assert.True(check.IsWithin(1e-6, 1e-8), check.ToString());
        Assert.Contains(analytic, g => Math.Abs(g) > 1e-3);
    }
}
