using System;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using Xunit;

namespace AutoDiffGen.Samples.Tests;

public sealed class SvgPlotTests
{
    [Fact]
    public void WriteLinePlot_DecreasingSeries_WritesWellFormedSvgWithOnePointPerValue()
    {
        string folder = SampleFiles.TempFolder();
        string path = Path.Combine(folder, "plot.svg");
        double[] values = [4, 3, 2.5, 1, 0.5];

        SvgPlot.WriteLinePlot(path, "loss <&> \"quotes\"", "epoch", "loss", values);

        double[] ys = SampleFiles.AssertLossPlot(path, values.Length);
        // Larger values are drawn higher (smaller y), proportionally.
        Assert.True(ys.Zip(ys.Skip(1)).All(p => p.First < p.Second));
        Assert.Equal((ys[1] - ys[0]) * 2, ys[3] - ys[1], 1);
        Assert.Contains(XDocument.Load(path).Descendants().Select(e => e.Value), v => v == "loss <&> \"quotes\"");
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public void Render_LogScale_SpacesDecadesEvenly()
    {
        string svg = SvgPlot.Render("t", "x", "y", [1000, 100, 10, 1], logScale: true);
        XNamespace ns = "http://www.w3.org/2000/svg";
        double[] ys = XDocument.Parse(svg).Root!.Element(ns + "polyline")!.Attribute("points")!.Value
            .Split(' ').Select(p => double.Parse(p.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(ys[1] - ys[0], ys[2] - ys[1], 1);
        Assert.Equal(ys[2] - ys[1], ys[3] - ys[2], 1);
    }

    [Fact]
    public void Render_ConstantSingleValue_StillDrawsInsideTheCanvas()
    {
        XDocument svg = XDocument.Parse(SvgPlot.Render("t", "x", "y", [2.0]));
        Assert.Equal("svg", svg.Root!.Name.LocalName);
    }

    [Theory]
    [InlineData(double.NaN, false)]
    [InlineData(0.0, true)]
    [InlineData(-1.0, true)]
    public void Render_UnplottableValue_Throws(double bad, bool logScale)
    {
        Assert.Throws<ArgumentException>(() => SvgPlot.Render("t", "x", "y", [1.0, bad], logScale));
        Assert.Throws<ArgumentException>(() => SvgPlot.Render("t", "x", "y", Array.Empty<double>()));
    }
}
