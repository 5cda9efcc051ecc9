using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Xunit;

namespace AutoDiffGen.Tests.CompileAndRun;

/// <summary>
/// One [Differentiable] method per supported elementary function, as data: the test source is printed from this
/// table, in double (Math, double.) and in float (MathF, float.), so that each function is its own small method.
/// </summary>
internal static class FunctionTable
{
    /// <summary>A method <c>Name(Parameters) { return Body; }</c> and the points where it is checked.</summary>
    /// <param name="Name">Method name.</param>
    /// <param name="Parameters">Parameter names; all of type T.</param>
    /// <param name="Body">Expression over the parameters; <c>M</c> is replaced by Math or MathF, <c>T</c> by double or float.</param>
    /// <param name="Points">At least three points inside the domain, away from kinks.</param>
    public sealed record Row(string Name, string Parameters, string Body, double[][] Points)
    {
        /// <summary>Uses the <c>double.</c>/<c>float.</c> static form rather than Math/MathF.</summary>
        public bool IsStaticForm => Body.Contains("T.", System.StringComparison.Ordinal);
    }

    private static readonly double[][] Angles = { new[] { 0.3 }, new[] { -1.2 }, new[] { 2.5 } };
    private static readonly double[][] UnitOpen = { new[] { -0.6 }, new[] { 0.1 }, new[] { 0.8 } };
    private static readonly double[][] Hyper = { new[] { -1.5 }, new[] { 0.2 }, new[] { 2.0 } };
    private static readonly double[][] Positive = { new[] { 0.2 }, new[] { 1.5 }, new[] { 10.0 } };
    private static readonly double[][] Signed = { new[] { -1.5 }, new[] { 0.3 }, new[] { 2.0 } };
    private static readonly double[][] Pairs = { new[] { 1.0, 2.0 }, new[] { 3.0, -1.0 }, new[] { -0.5, -0.7 } };
    private static readonly double[][] Planar = { new[] { 1.0, 2.0 }, new[] { -0.5, -1.0 }, new[] { 2.0, -0.3 } };
    private static readonly double[][] Steps = { new[] { 1.3 }, new[] { -2.7 }, new[] { 0.4 } };

    public static readonly Row[] Rows =
    {
        new("Sin", "x", "M.Sin(x)", Angles),
        new("Cos", "x", "M.Cos(x)", Angles),
        new("Tan", "x", "M.Tan(x)", new[] { new[] { 0.3 }, new[] { -1.2 }, new[] { 1.0 } }),
        new("Asin", "x", "M.Asin(x)", UnitOpen),
        new("Acos", "x", "M.Acos(x)", UnitOpen),
        new("Atan", "x", "M.Atan(x)", new[] { new[] { -2.0 }, new[] { 0.3 }, new[] { 5.0 } }),
        new("Atan2", "y, x", "M.Atan2(y, x)", Planar),
        new("Sinh", "x", "M.Sinh(x)", Hyper),
        new("Cosh", "x", "M.Cosh(x)", Hyper),
        new("Tanh", "x", "M.Tanh(x)", Hyper),
        new("Asinh", "x", "M.Asinh(x)", new[] { new[] { -2.0 }, new[] { 0.3 }, new[] { 4.0 } }),
        new("Acosh", "x", "M.Acosh(x)", new[] { new[] { 1.3 }, new[] { 2.0 }, new[] { 5.0 } }),
        new("Atanh", "x", "M.Atanh(x)", UnitOpen),
        new("Exp", "x", "M.Exp(x)", new[] { new[] { -1.0 }, new[] { 0.5 }, new[] { 3.0 } }),
        new("Log", "x", "M.Log(x)", Positive),
        new("LogBase", "x, b", "M.Log(x, b)", new[] { new[] { 2.0, 3.0 }, new[] { 0.5, 10.0 }, new[] { 7.0, 1.5 } }),
        new("LogConstantBase", "x", "M.Log(x, 2)", Positive),
        new("Log10", "x", "M.Log10(x)", Positive),
        new("Log2", "x", "M.Log2(x)", Positive),
        new("Sqrt", "x", "M.Sqrt(x)", Positive),
        new("Cbrt", "x", "M.Cbrt(x)", new[] { new[] { -2.0 }, new[] { 0.5 }, new[] { 3.0 } }),
        new("Pow", "x, p", "M.Pow(x, p)", new[] { new[] { 1.5, 2.3 }, new[] { 0.7, -1.2 }, new[] { 3.0, 0.5 } }),
        new("PowConstantExponent", "x", "M.Pow(x, 3)", Signed),
        new("Abs", "x", "M.Abs(x)", Signed),
        new("Max", "x, y", "M.Max(x, y)", Pairs),
        new("Min", "x, y", "M.Min(x, y)", Pairs),
        new("Clamp", "x, lo, hi", "M.Clamp(x, lo, hi)", new[] { new[] { 0.5, 0.0, 1.0 }, new[] { -1.0, 0.0, 2.0 }, new[] { 3.0, -1.0, 1.5 } }),
        new("FusedMultiplyAdd", "a, b, c", "M.FusedMultiplyAdd(a, b, c)", new[] { new[] { 1.5, -2.0, 0.3 }, new[] { 0.1, 0.2, 0.3 }, new[] { -3.0, 4.0, -5.0 } }),
        new("Hypot", "x, y", "T.Hypot(x, y)", new[] { new[] { 3.0, 4.0 }, new[] { -1.0, 0.5 }, new[] { 0.2, -2.0 } }),
        new("Floor", "x", "M.Floor(x) * x + x", Steps),
        new("Ceiling", "x", "M.Ceiling(x) * x + x", Steps),
        new("Round", "x", "M.Round(x) * x + x", Steps),
        new("Truncate", "x", "M.Truncate(x) * x + x", Steps),
        new("Sign", "x", "M.Sign(x) * x * x", Signed),

        // The double./float. static forms.
        new("TSin", "x", "T.Sin(x)", Angles),
        new("TCos", "x", "T.Cos(x)", Angles),
        new("TTanh", "x", "T.Tanh(x)", Hyper),
        new("TAtan2", "y, x", "T.Atan2(y, x)", Planar),
        new("TExp", "x", "T.Exp(x)", new[] { new[] { -1.0 }, new[] { 0.5 }, new[] { 3.0 } }),
        new("TLog", "x", "T.Log(x)", Positive),
        new("TLogBase", "x, b", "T.Log(x, b)", new[] { new[] { 2.0, 3.0 }, new[] { 0.5, 10.0 }, new[] { 7.0, 1.5 } }),
        new("TLog2", "x", "T.Log2(x)", Positive),
        new("TSqrt", "x", "T.Sqrt(x)", Positive),
        new("TCbrt", "x", "T.Cbrt(x)", new[] { new[] { -2.0 }, new[] { 0.5 }, new[] { 3.0 } }),
        new("TPow", "x, p", "T.Pow(x, p)", new[] { new[] { 1.5, 2.3 }, new[] { 0.7, -1.2 }, new[] { 3.0, 0.5 } }),
        new("TAbs", "x", "T.Abs(x)", Signed),
        new("TMax", "x, y", "T.Max(x, y)", Pairs),
        new("TMin", "x, y", "T.Min(x, y)", Pairs),
        new("TClamp", "x, lo, hi", "T.Clamp(x, lo, hi)", new[] { new[] { 0.5, 0.0, 1.0 }, new[] { -1.0, 0.0, 2.0 }, new[] { 3.0, -1.0, 1.5 } }),
        new("TFusedMultiplyAdd", "a, b, c", "T.FusedMultiplyAdd(a, b, c)", new[] { new[] { 1.5, -2.0, 0.3 }, new[] { 0.1, 0.2, 0.3 }, new[] { -3.0, 4.0, -5.0 } }),
        new("TFloor", "x", "T.Floor(x) * x + x", Steps),

        // Chain rule through nested calls.
        new("Composite", "x, y", "M.Exp(M.Sin(x * y)) / M.Sqrt(1 + x * x) + M.Log(1 + M.Tanh(y) * M.Tanh(y)) * M.Atan2(x, y + 3)", Planar),
    };

    public static IEnumerable<Row> Select(bool staticForms, bool single)
        => Rows.Where(r => r.IsStaticForm == staticForms && (!single || FloatSubset.Contains(r.Name)));

    public static TheoryData<string, double[]> Cases(bool staticForms, bool single)
    {
        var data = new TheoryData<string, double[]>();
        foreach (Row row in Select(staticForms, single))
        {
            foreach (double[] point in row.Points)
            {
                data.Add(row.Name, point);
            }
        }

        return data;
    }

    /// <summary>The rows checked in float as well.</summary>
    public static readonly string[] FloatSubset =
    {
        "Sin", "Cos", "Tanh", "Exp", "Log", "LogBase", "Sqrt", "Pow", "Atan2", "Abs", "Max", "Clamp", "Hypot", "FusedMultiplyAdd",
        "TSin", "TExp", "TPow", "Composite",
    };

    /// <summary>
    /// <c>namespace Subjects; public static partial class {className} { ... }</c> with one method per row.
    /// </summary>
    public static string Source(string className, bool single, IEnumerable<Row> rows)
    {
        string t = single ? "float" : "double";
        string m = single ? "MathF" : "Math";
        var text = new StringBuilder();
        text.AppendLine("using System;");
        text.AppendLine("using AutoDiffGen;");
        text.AppendLine("namespace Subjects;");
        text.AppendLine("public static partial class " + className);
        text.AppendLine("{");
        foreach (Row row in rows)
        {
            string parameters = string.Join(", ", row.Parameters.Split(", ").Select(p => t + " " + p));
            string body = row.Body.Replace("M.", m + ".", System.StringComparison.Ordinal).Replace("T.", t + ".", System.StringComparison.Ordinal);
            if (single)
            {
                // Integer literals are fine in float code; keep the source free of double literals.
                body = body.Replace("(x, 2)", "(x, 2f)", System.StringComparison.Ordinal);

                // MathF has no Clamp: Math.Clamp has a float overload.
                body = body.Replace("MathF.Clamp", "Math.Clamp", System.StringComparison.Ordinal);
            }

            text.AppendLine("    [Differentiable]");
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"    public static {t} {row.Name}({parameters})"));
            text.AppendLine("    {");
            text.AppendLine("        return " + body + ";");
            text.AppendLine("    }");
        }

        text.AppendLine("}");
        return text.ToString();
    }
}
