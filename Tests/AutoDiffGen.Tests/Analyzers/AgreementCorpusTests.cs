using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using AutoDiffGen.Tests.CompileAndRun;
using AutoDiffGen.Tests.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace AutoDiffGen.Tests.Analyzers;

/// <summary>
/// The analyzer agrees with the generator on every program the repository has: the samples (read from disk), every
/// source the compile-and-run and diagnostic tests compile (their string literals, read from the test files, and
/// the generated math-function tables), and one snippet per construct the analysis refuses.
/// </summary>
public sealed partial class AgreementCorpusTests
{
    private const string Usings = "using System;\nusing System.Collections.Generic;\nusing System.Linq;\nusing AutoDiffGen;\n";

    private static string Root => DiagnosticTests.RepositoryRoot();

    public static TheoryData<string> Samples()
    {
        var data = new TheoryData<string>();
        foreach (string file in Directory.GetFiles(Path.Combine(Root, "Samples"), "*.cs", SearchOption.AllDirectories)
                     .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                                 && !f.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                     .OrderBy(f => f, StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(Root, file));
        }

        return data;
    }

    /// <summary>Test files whose string literals are programs: the compile-and-run tests and the diagnostic tests.</summary>
    public static TheoryData<string, int> TestSources()
    {
        var data = new TheoryData<string, int>();
        foreach (string file in TestSourceFiles())
        {
            int count = Programs(File.ReadAllText(Path.Combine(Root, file))).Count;
            for (int i = 0; i < count; i++)
            {
                data.Add(file, i);
            }
        }

        return data;
    }

    private static IEnumerable<string> TestSourceFiles()
        => Directory.GetFiles(Path.Combine(Root, "Tests", "AutoDiffGen.Tests", "CompileAndRun"), "*.cs")
            .Append(Path.Combine(Root, "Tests", "AutoDiffGen.Tests", "Generator", "DiagnosticTests.cs"))
            .Select(f => Path.GetRelativePath(Root, f))
            .OrderBy(f => f, StringComparer.Ordinal);

    /// <summary>The string literals of a C# file that hold differentiable code, as compilable sources.</summary>
    private static List<string> Programs(string file)
        => CSharpSyntaxTree.ParseText(file).GetRoot().DescendantNodes().OfType<LiteralExpressionSyntax>()
            .Where(l => l.IsKind(SyntaxKind.StringLiteralExpression))
            .Select(l => l.Token.ValueText)
            .Where(text => (text.Contains("[Differentiable", StringComparison.Ordinal) || text.Contains("[DerivativeOf", StringComparison.Ordinal))
                           && (text.Contains("class ", StringComparison.Ordinal) || text.Contains("struct ", StringComparison.Ordinal)))
            .Select(text => text.Contains("using AutoDiffGen;", StringComparison.Ordinal) ? text : Usings + text)
            .ToList();

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task Sample_AnalyzerAgreesAndReportsNothing(string file)
    {
        string source = await File.ReadAllTextAsync(Path.Combine(Root, file));
        ImmutableArray<Diagnostic> diagnostics = await Agreement.AssertAsync(source);
        Assert.Empty(diagnostics); // samples are what a new user copies: not even a warning
    }

    [Fact]
    public void Corpus_ReadsEverySampleAndTestProgram()
    {
        Assert.True(((IEnumerable<object[]>)Samples()).Count() >= 2, "no samples found under " + Root);
        int programs = ((IEnumerable<object[]>)TestSources()).Count();
        Assert.True(programs >= 30, "too few programs found in the test files: " + programs);
    }

    [Theory]
    [MemberData(nameof(TestSources))]
    public async Task TestProgram_AnalyzerAgrees(string file, int index)
    {
        await Agreement.AssertAsync(Programs(await File.ReadAllTextAsync(Path.Combine(Root, file)))[index]);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task MathFunctionTable_AnalyzerAgreesAndAcceptsAll(bool single, bool staticForms)
    {
        string source = FunctionTable.Source("Functions", single, FunctionTable.Select(staticForms, single));
        ImmutableArray<Diagnostic> diagnostics = await Agreement.AssertAsync(source);
        Assert.DoesNotContain(diagnostics, d => d.Severity == DiagnosticSeverity.Error);
    }
}
