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

/// <summary>
/// The agreement check: on one compilation, the live analyzer and the generator report the same ids at the same
/// spans, and the analyzer has an error exactly where the generator refuses a method.
/// </summary>
internal static class Agreement
{
    /// <summary>What both reported (the analyzer's diagnostics; the generator's agree with them).</summary>
    public static async Task<ImmutableArray<Diagnostic>> AssertAsync(string source, bool allowUnsafe = false)
    {
        CSharpCompilation compilation = GeneratorHarness.Compilation(source);
        if (allowUnsafe)
        {
            compilation = compilation.WithOptions(compilation.Options.WithAllowUnsafe(true));
        }

        GeneratorRunResult generator = GeneratorHarness.Driver().RunGenerators(compilation).GetRunResult().Results.Single();
        Assert.Null(generator.Exception);
        ImmutableArray<Diagnostic> analyzer = await AnalyzerDiagnostics(compilation);

        // ADG0015 needs the whole compilation: the generator alone reports it.
        Assert.Equal(Keys(generator.Diagnostics.Where(d => d.Id != "ADG0015")), Keys(analyzer));

        // Every method the generator refuses has an analyzer error; every method it accepts has none.
        var refused = new HashSet<string>(generator.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && d.Id != "ADG0015").Select(d => d.Location.SourceSpan.ToString()));
        Assert.Equal(refused, new HashSet<string>(analyzer.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Location.SourceSpan.ToString())));
        Assert.All(analyzer, d => Assert.NotNull(d.Location.SourceTree));
        return analyzer;
    }

    public static async Task<ImmutableArray<Diagnostic>> AnalyzerDiagnostics(Compilation compilation)
        => await compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new DifferentiableAnalyzer())).GetAnalyzerDiagnosticsAsync();

    private static IEnumerable<string> Keys(IEnumerable<Diagnostic> diagnostics)
        => diagnostics.Select(d => d.Id + "@" + d.Location.SourceSpan + ": " + d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).OrderBy(k => k, System.StringComparer.Ordinal);
}
