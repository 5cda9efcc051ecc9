using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using AutoDiffGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace AutoDiffGen.Tests.CompileAndRun;

/// <summary>
/// Compiles C# source in memory with the AutoDiffGen generator attached, the way a user's build would, and loads
/// the result so that tests can call the generated adjoints. Each test class compiles one large source once
/// (a static <see cref="Lazy{T}"/>): a compilation costs far more than the calls the tests make into it.
/// </summary>
internal static class TestCompiler
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview);

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
        Basic.Reference.Assemblies.Net100.References.All.Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(DifferentiableAttribute).Assembly.Location))
            .ToImmutableArray());

    /// <summary>
    /// Runs the generator on <paramref name="source"/>, fails the test on any error (printing every diagnostic
    /// and every generated file), emits the assembly and loads it into a collectible load context.
    /// </summary>
    public static CompiledAssembly Compile(string source, string assemblyName)
    {
        (SyntaxTree tree, Compilation output, GeneratorRunResult run, ImmutableArray<Diagnostic> generatorDiagnostics) = Generate(source, assemblyName);
        Dictionary<string, string> generated = run.GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString(), StringComparer.Ordinal);
        if (Environment.GetEnvironmentVariable("ADG_DUMP_GENERATED") is { Length: > 0 } dump)
        {
            // For reading what the generator wrote for a test source: ADG_DUMP_GENERATED=/some/folder dotnet test ...
            Directory.CreateDirectory(Path.Combine(dump, assemblyName));
            foreach ((string hint, string text) in generated)
            {
                File.WriteAllText(Path.Combine(dump, assemblyName, hint), text);
            }
        }

        using var stream = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emit = output.Emit(stream);
        ImmutableArray<Diagnostic> all = generatorDiagnostics.AddRange(emit.Diagnostics);

        if (run.Exception is not null || !emit.Success || all.Any(d => d.Severity == DiagnosticSeverity.Error))
        {
            Assert.Fail(Describe("Compilation of " + assemblyName + " failed.", run.Exception, all, generated));
        }

        stream.Position = 0;
        var context = new AssemblyLoadContext(assemblyName, isCollectible: true);
        Assembly assembly = context.LoadFromStream(stream);
        return new CompiledAssembly(assembly, tree, all, generated);
    }

    /// <summary>
    /// Runs the generator on <paramref name="source"/> for source that is expected not to build: returns the
    /// generator's diagnostics and the compiler's, without emitting. A generator exception fails the test.
    /// </summary>
    public static ImmutableArray<Diagnostic> Diagnose(string source, string assemblyName)
    {
        (_, Compilation output, GeneratorRunResult run, ImmutableArray<Diagnostic> generatorDiagnostics) = Generate(source, assemblyName);
        Assert.True(run.Exception is null, "Generator exception: " + run.Exception);
        return generatorDiagnostics.AddRange(output.GetDiagnostics());
    }

    private static (SyntaxTree Tree, Compilation Output, GeneratorRunResult Run, ImmutableArray<Diagnostic> Diagnostics) Generate(string source, string assemblyName)
    {
        SyntaxTree tree = CSharpSyntaxTree.ParseText(source, ParseOptions, path: assemblyName + ".cs");
        CSharpCompilation compilation = CSharpCompilation.Create(
            assemblyName,
            new[] { tree },
            References.Value,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                optimizationLevel: OptimizationLevel.Release,
                nullableContextOptions: NullableContextOptions.Enable));

        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            new[] { new DifferentiableGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        return (tree, output, driver.GetRunResult().Results.Single(), diagnostics);
    }

    private static string Describe(string title, Exception? exception, IEnumerable<Diagnostic> diagnostics, IReadOnlyDictionary<string, string> generated)
    {
        var text = new StringBuilder();
        text.AppendLine(title);
        if (exception is not null)
        {
            text.AppendLine("Generator exception: " + exception);
        }

        foreach (Diagnostic diagnostic in diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning))
        {
            text.AppendLine(diagnostic.ToString());
        }

        foreach (KeyValuePair<string, string> file in generated.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            text.AppendLine("==== " + file.Key);
            text.AppendLine(file.Value);
        }

        return text.ToString();
    }
}

/// <summary>An assembly compiled by <see cref="TestCompiler"/>, with what the build reported and generated.</summary>
internal sealed class CompiledAssembly
{
    public CompiledAssembly(Assembly assembly, SyntaxTree source, ImmutableArray<Diagnostic> diagnostics, IReadOnlyDictionary<string, string> generatedSources)
    {
        Assembly = assembly;
        Source = source;
        Diagnostics = diagnostics;
        GeneratedSources = generatedSources;
    }

    public Assembly Assembly { get; }

    /// <summary>The user source that was compiled (without the generated files).</summary>
    public SyntaxTree Source { get; }

    /// <summary>Generator and compiler diagnostics of every severity.</summary>
    public ImmutableArray<Diagnostic> Diagnostics { get; }

    /// <summary>Generated files by hint name.</summary>
    public IReadOnlyDictionary<string, string> GeneratedSources { get; }

    public Type Type(string fullName)
        => Assembly.GetType(fullName, throwOnError: false) ?? throw new InvalidOperationException("Type " + fullName + " not found in " + Assembly.GetName().Name + ".");

    /// <summary>The single method <paramref name="name"/> declared on <paramref name="typeName"/> (public or not, static or instance).</summary>
    public MethodInfo Method(string typeName, string name)
    {
        MethodInfo[] found = Type(typeName)
            .GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => m.Name == name)
            .ToArray();
        return found.Length == 1
            ? found[0]
            : throw new InvalidOperationException(found.Length + " methods named " + typeName + "." + name + "; generated files: " + string.Join(", ", GeneratedSources.Keys));
    }

    /// <summary>A [Differentiable] method and its generated Gradient and Pullback.</summary>
    public DiffMethod Diff(string typeName, string name, object? target = null) => new(this, typeName, name, target);
}
