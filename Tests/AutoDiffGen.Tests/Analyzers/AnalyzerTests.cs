extern alias analyzers;

using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using AutoDiffGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;
using DifferentiableAnalyzer = analyzers::AutoDiffGen.Analyzers.DifferentiableAnalyzer;

namespace AutoDiffGen.Tests.Analyzers;

/// <summary>The live analyzer runs the generator's analysis: same diagnostics, at source locations.</summary>
public sealed class AnalyzerTests
{
    private const string Usings = "using System;\nusing AutoDiffGen;\n";

    /// <summary>A corpus of accepted and rejected methods, one per ADG id the analyzer reports, and clean ones.</summary>
    public static TheoryData<string> Corpus() => new()
    {
        "class C { [Differentiable] static double F(double x) => x * x; }",
        "class Outer { partial class C { [Differentiable] static double F(double x) => x * x; } }",
        "partial class C { } class C { [Differentiable] static double F(double x) => x * x; }", // CS0260: partial as the analysis sees it
        "partial class C { [Differentiable] static int F(double x) => (int)x; }",
        "partial class C { [Differentiable] static double F(double x) { try { return x; } catch { return 0; } } }",
        "partial class C { [Differentiable] static double F(double x) => x % 2.0; }",
        "partial class C { static double G(double t) => t; [Differentiable] static double F(double x) => 2 * G(x); }",
        "partial class C { [Differentiable] static double F(double x) => Math.IEEERemainder(x, 3.0); }",
        "partial class C { [Differentiable] static double F(double x) => x + Math.Floor(x); }",
        "partial class C { [Differentiable] static double F(double x) { int k = (int)x; return x * k; } }",
        "partial class C { static double last; [Differentiable] static double F(double x) { last = x; return x; } }",
        "partial class C { [Differentiable] static double F(ref double x) => x; }",
        "partial class C { [Differentiable] static double F<T>(double x) => x; }",
        "partial class C { static void FGradient() { } [Differentiable] static double F(double x) => x; }",
        "partial class C { [DerivativeOf(\"Nope\")] static void P(double x, double seed, ref double dx) { } }",
        "partial class C { static double G(double x, double y) => x * y; [DerivativeOf(nameof(G))] static void GPullback(double x, double y, double seed, ref double dx) { } }",
        "partial class C { [Differentiable] static double F(double x, [NoDiff] int n) => x * n; }",
        "partial class C { [Differentiable] static double F(int n) => n * 2.0; }",
        "abstract partial class C { [Differentiable] public abstract double F(double x); }",
        "partial class C { [Differentiable] static double S(double x, [NoDiff] double s) => s * x; [Differentiable] static double F(double x, double y) => S(x, y * 2); }",
        "partial class C { [Differentiable] static double F(double[] w, double a) { double s = 0; for (int i = 0; i < w.Length; i++) { if (w[i] < 0) continue; s += w[i] * a; } return s; } }",
        "partial class C { [Differentiable] static double F(double[] w) { ReadOnlySpan<double> v = w; return v[0]; } }",
        "partial class C { [Differentiable] static double F(double x) { double[] a = new double[2]; a[0] = x; a[1] = a[0] * x; return a[1]; } }",
    };

    private static async Task<ImmutableArray<Diagnostic>> AnalyzerDiagnostics(string source)
        => await Agreement.AnalyzerDiagnostics(GeneratorHarness.Compilation(source));

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task Analyzer_Snippet_AgreesWithGenerator(string snippet)
    {
        await Agreement.AssertAsync(Usings + snippet);
    }

    [Fact]
    public async Task Analyzer_CompilationWithGeneratedCode_ReportsNothingForValidMethods()
    {
        // In a real build the analyzer sees the generated FGradient/FPullback: they are not clashes (ADG0012).
        CSharpCompilation compilation = GeneratorHarness.Compilation(Usings + "partial class C { [Differentiable] static double F(double x) => x * x; [Differentiable] public double G(double[] w) { double s = 0; foreach (double v in w) s += v * v; return s; } }");
        GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation withGenerated, out _);
        Assert.Equal(3, withGenerated.SyntaxTrees.Count());
        ImmutableArray<Diagnostic> diagnostics = await withGenerated.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new DifferentiableAnalyzer())).GetAnalyzerDiagnosticsAsync();
        Assert.Empty(diagnostics);
    }

    [Fact]
    public async Task Analyzer_PragmaDisable_SuppressesWarning()
    {
        string source = Usings + "partial class C {\n#pragma warning disable ADG0007\n[Differentiable] static double F(double x) => x + Math.Floor(x);\n#pragma warning restore ADG0007\n}";
        Assert.Empty(await AnalyzerDiagnostics(source));
    }

    [Fact]
    public void Generator_WithLiveAnalyzersProperty_LeavesReportingToTheAnalyzer()
    {
        string source = Usings + "partial class C { [Differentiable] static double F(double x) => x % 2.0; [DerivativeOf(\"Nope\")] static void P(double x, double seed, ref double dx) { } }";
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            new[] { new AutoDiffGen.Generator.DifferentiableGenerator().AsSourceGenerator() },
            parseOptions: GeneratorHarness.ParseOptions,
            optionsProvider: new TestOptions("build_property.AutoDiffGenLiveAnalyzers", "true"));
        GeneratorRunResult result = driver.RunGenerators(GeneratorHarness.Compilation(source)).GetRunResult().Results.Single();
        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.GeneratedSources); // still nothing generated for the refused method
    }

    private sealed class TestOptions : AnalyzerConfigOptionsProvider
    {
        private readonly Options options;

        public TestOptions(string key, string value) => options = new Options(new Dictionary<string, string> { [key] = value });

        public override AnalyzerConfigOptions GlobalOptions => options;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Options.Empty;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Options.Empty;

        private sealed class Options : AnalyzerConfigOptions
        {
            public static readonly Options Empty = new(new Dictionary<string, string>());
            private readonly Dictionary<string, string> values;

            public Options(Dictionary<string, string> values) => this.values = values;

            public override bool TryGetValue(string key, out string value)
            {
                bool found = values.TryGetValue(key, out string? v);
                value = v ?? string.Empty;
                return found;
            }
        }
    }
}
