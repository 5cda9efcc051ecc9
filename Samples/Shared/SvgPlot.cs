using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security;
using System.Text;

namespace AutoDiffGen.Samples;

/// <summary>
/// A dependency-free line-plot writer: one series of values (a loss curve, one point per epoch) drawn as an SVG
/// polyline with axes, tick labels and a title. The training samples link this file (see their csproj) rather
/// than copy it.
/// </summary>
internal static class SvgPlot
{
    private const int Width = 640;
    private const int Height = 400;
    private const int MarginLeft = 70;
    private const int MarginRight = 20;
    private const int MarginTop = 40;
    private const int MarginBottom = 50;
    private const int Ticks = 5;

    /// <summary>Writes <paramref name="values"/> (y) against their index (x) to an SVG file.</summary>
    /// <param name="path">The file to write (overwritten).</param>
    /// <param name="title">The title above the plot.</param>
    /// <param name="xLabel">The x-axis label, for example "epoch".</param>
    /// <param name="yLabel">The y-axis label, for example "loss".</param>
    /// <param name="values">The series; at least one finite value.</param>
    /// <param name="logScale">Draws the y axis in log10 scale (every value must then be positive).</param>
    public static void WriteLinePlot(string path, string title, string xLabel, string yLabel, IReadOnlyList<double> values, bool logScale = false)
        => File.WriteAllText(path, Render(title, xLabel, yLabel, values, logScale), new UTF8Encoding(false));

    /// <summary>The SVG document that <see cref="WriteLinePlot"/> writes, with the same arguments.</summary>
    public static string Render(string title, string xLabel, string yLabel, IReadOnlyList<double> values, bool logScale = false)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            throw new ArgumentException("A plot needs at least one value.", nameof(values));
        }

        // Plot coordinates: x is the index, y the value (or its log10). Degenerate ranges get a unit span.
        double[] ys = new double[values.Count];
        for (int i = 0; i < ys.Length; i++)
        {
            double v = values[i];
            if (!double.IsFinite(v) || (logScale && v <= 0))
            {
                throw new ArgumentException($"values[{i}] = {v} cannot be plotted{(logScale ? " on a log scale" : string.Empty)}.", nameof(values));
            }

            ys[i] = logScale ? Math.Log10(v) : v;
        }

        double yMin = ys.Min(), yMax = ys.Max();
        if (yMax - yMin < 1e-12)
        {
            yMin -= 0.5;
            yMax += 0.5;
        }

        double xMax = Math.Max(1, ys.Length - 1);
        int plotWidth = Width - MarginLeft - MarginRight;
        int plotHeight = Height - MarginTop - MarginBottom;
        double ToX(double x) => MarginLeft + (x / xMax * plotWidth);
        double ToY(double y) => MarginTop + ((yMax - y) / (yMax - yMin) * plotHeight);

        var svg = new StringBuilder();
        Line(svg, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">");
        Line(svg, $"  <rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>");
        Line(svg, $"  <text x=\"{Width / 2}\" y=\"{MarginTop / 2 + 5}\" text-anchor=\"middle\" font-size=\"16\">{Escape(title)}</text>");

        // Grid lines and tick labels.
        for (int t = 0; t <= Ticks; t++)
        {
            double y = yMin + ((yMax - yMin) * t / Ticks);
            double py = ToY(y);
            string label = logScale ? Format(Math.Pow(10, y)) : Format(y);
            Line(svg, $"  <line x1=\"{N(MarginLeft)}\" y1=\"{N(py)}\" x2=\"{N(Width - MarginRight)}\" y2=\"{N(py)}\" stroke=\"#ddd\"/>");
            Line(svg, $"  <text x=\"{N(MarginLeft - 6)}\" y=\"{N(py + 4)}\" text-anchor=\"end\">{Escape(label)}</text>");

            double x = xMax * t / Ticks;
            double px = ToX(x);
            Line(svg, $"  <text x=\"{N(px)}\" y=\"{N(Height - MarginBottom + 18)}\" text-anchor=\"middle\">{N(Math.Round(x))}</text>");
        }

        // Axes and their labels.
        Line(svg, $"  <line x1=\"{MarginLeft}\" y1=\"{Height - MarginBottom}\" x2=\"{Width - MarginRight}\" y2=\"{Height - MarginBottom}\" stroke=\"black\"/>");
        Line(svg, $"  <line x1=\"{MarginLeft}\" y1=\"{MarginTop}\" x2=\"{MarginLeft}\" y2=\"{Height - MarginBottom}\" stroke=\"black\"/>");
        Line(svg, $"  <text x=\"{MarginLeft + (plotWidth / 2)}\" y=\"{Height - 10}\" text-anchor=\"middle\">{Escape(xLabel)}</text>");
        string yTitle = logScale ? yLabel + " (log scale)" : yLabel;
        Line(svg, $"  <text x=\"15\" y=\"{MarginTop + (plotHeight / 2)}\" text-anchor=\"middle\" transform=\"rotate(-90 15 {MarginTop + (plotHeight / 2)})\">{Escape(yTitle)}</text>");

        // The series.
        var points = new StringBuilder();
        for (int i = 0; i < ys.Length; i++)
        {
            points.Append(i == 0 ? string.Empty : " ").Append(N(ToX(i))).Append(',').Append(N(ToY(ys[i])));
        }

        Line(svg, $"  <polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"{points}\"/>");
        Line(svg, "</svg>");
        return svg.ToString();
    }

    private static void Line(StringBuilder svg, string text) => svg.Append(text).Append('\n');

    private static string N(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Format(double value) => value.ToString("G3", CultureInfo.InvariantCulture);

    private static string Escape(string text) => SecurityElement.Escape(text) ?? string.Empty;
}
