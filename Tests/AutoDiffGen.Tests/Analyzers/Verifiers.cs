extern alias analyzers;

using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using DifferentiableAnalyzer = analyzers::AutoDiffGen.Analyzers.DifferentiableAnalyzer;

namespace AutoDiffGen.Tests.Analyzers;

/// <summary>
/// Markup tests of the live analyzer (<c>{|ADG0005:G(x)|}</c>), compiled against the .NET 10 reference assemblies
/// shipped in a package (nothing is downloaded at test time) and the AutoDiffGen.Runtime assembly.
/// </summary>
internal sealed class AnalyzerVerifier : CSharpAnalyzerTest<DifferentiableAnalyzer, DefaultVerifier>
{
    public AnalyzerVerifier(string source)
    {
        TestCode = source;
        TestReferences.Configure(TestState);
        ReferenceAssemblies = TestReferences.None;
    }
}

/// <summary>Before/after tests of a code fix for the live analyzer's diagnostics.</summary>
internal sealed class CodeFixVerifier<TCodeFix> : CSharpCodeFixTest<DifferentiableAnalyzer, TCodeFix, DefaultVerifier>
    where TCodeFix : CodeFixProvider, new()
{
    public CodeFixVerifier(string source, string fixedSource)
    {
        TestCode = source;
        FixedCode = fixedSource;
        TestReferences.Configure(TestState);
        TestReferences.Configure(FixedState);
        ReferenceAssemblies = TestReferences.None;
    }
}

internal static class TestReferences
{
    /// <summary>No reference-assembly package: the references come from <see cref="Configure"/>.</summary>
    public static readonly ReferenceAssemblies None = new("net10.0");

    private static readonly Lazy<ImmutableArray<MetadataReference>> All = new(() =>
        Basic.Reference.Assemblies.Net100.References.All.Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(DifferentiableAttribute).Assembly.Location))
            .ToImmutableArray());

    public static void Configure(SolutionState state) => state.AdditionalReferences.AddRange(All.Value);

    /// <summary>A library compiled in memory, referenced as metadata (not source) by the test project.</summary>
    public static MetadataReference Library(string source, string name)
    {
        CSharpCompilation compilation = CSharpCompilation.Create(
            name,
            new[] { CSharpSyntaxTree.ParseText(source) },
            All.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        using var stream = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult result = compilation.Emit(stream);
        if (!result.Success)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, result.Diagnostics));
        }

        return MetadataReference.CreateFromImage(stream.ToArray());
    }
}
