using System;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using AutoDiffGen.Analyzers;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace AutoDiffGen.Bench;

/// <summary>
/// The live analyzer on one file with 300 [Differentiable] methods (scalar arithmetic and Math calls, loops over
/// arrays, branches with calls to other differentiable methods, float): the cost of the diagnostics a user waits
/// for in the IDE. Each invocation analyses a fresh clone of the compilation, so binding is included, as it is when
/// a file is opened; <see cref="CompilerDiagnostics"/> is the compiler's own work on the same clone, for scale.
/// </summary>
[MemoryDiagnoser]
public class AnalyzerBenchmarks
{
    /// <summary>Methods in the generated file.</summary>
    public const int MethodCount = 300;

    private CSharpCompilation compilation = null!;
    private ImmutableArray<DiagnosticAnalyzer> analyzers;

    [GlobalSetup]
    public void Setup()
    {
        compilation = CSharpCompilation.Create(
            "AnalyzerBench",
            new[] { CSharpSyntaxTree.ParseText(Source(MethodCount), path: "Generated300.cs") },
            Basic.Reference.Assemblies.Net100.References.All.Cast<MetadataReference>()
                .Append(MetadataReference.CreateFromFile(typeof(DifferentiableAttribute).Assembly.Location)),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new DifferentiableAnalyzer());

        // The file is valid: the analyzer has nothing to report and the compiler no error, so the benchmark measures
        // the analysis of accepted methods, not an early exit.
        ImmutableArray<Diagnostic> found = AnalyzerDiagnostics().GetAwaiter().GetResult();
        if (!found.IsEmpty || compilation.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error))
        {
            throw new InvalidOperationException("The benchmark file is not clean: " + string.Join(Environment.NewLine, found.Concat(compilation.GetDiagnostics())));
        }
    }

    [Benchmark(Baseline = true)]
    public int CompilerDiagnostics() => compilation.Clone().GetDiagnostics().Length;

    [Benchmark]
    public async Task<int> AnalyzerDiagnostics300Methods() => (await AnalyzerDiagnostics().ConfigureAwait(false)).Length;

    private Task<ImmutableArray<Diagnostic>> AnalyzerDiagnostics() => compilation.Clone().WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync();

    /// <summary>A file of <paramref name="count"/> [Differentiable] methods in four shapes.</summary>
    public static string Source(int count)
    {
        var text = new StringBuilder();
        text.AppendLine("using System;");
        text.AppendLine("using AutoDiffGen;");
        text.AppendLine();
        text.AppendLine("namespace Bench;");
        text.AppendLine();
        text.AppendLine("public static partial class Functions");
        text.AppendLine("{");
        for (int i = 0; i < count; i++)
        {
            string n = i.ToString(CultureInfo.InvariantCulture);
            string body = (i % 4) switch
            {
                0 => "public static double M" + n + "(double x, double y)\n    {\n        double a = Math.Sin(x * " + n + ".5) * y;\n        double b = a * a + Math.Exp(-y);\n        return b / (1 + x * x);\n    }",
                1 => "public static double M" + n + "(double[] w, double a)\n    {\n        double s = 0;\n        for (int k = 0; k < w.Length; k++)\n        {\n            s += w[k] * w[k] * a;\n        }\n\n        return s;\n    }",
                2 => "public static double M" + n + "(double x, double y)\n    {\n        if (x > y)\n        {\n            return x * M" + (i - 2).ToString(CultureInfo.InvariantCulture) + "(x, y);\n        }\n\n        return Math.Log(1 + y * y) + x;\n    }",
                _ => "public static float M" + n + "(float x, [NoDiff] float y) => MathF.Tanh(x) * y + MathF.Sqrt(x * x + 1);",
            };
            text.AppendLine("    [Differentiable]");
            text.Append("    ").AppendLine(body);
            text.AppendLine();
        }

        text.AppendLine("}");
        return text.ToString();
    }
}
