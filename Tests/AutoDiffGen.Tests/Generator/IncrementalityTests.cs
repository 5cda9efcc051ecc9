using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using AutoDiffGen.Generator;
using AutoDiffGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace AutoDiffGen.Tests.Generator;

/// <summary>The generator caches: unrelated edits regenerate nothing, and no step output pins compiler objects.</summary>
public sealed class IncrementalityTests
{
    private const string Functions = """
        using System;
        using AutoDiffGen;
        namespace Demo;
        public static partial class Functions
        {
            [Differentiable] public static double F(double x, double y) => Math.Sin(x) * y + x * x;
            [Differentiable] public static double G(double x) { if (x > 0) return Math.Exp(x); return -x; }
        }
        public static partial class Derivs
        {
            public static double H(double x) => x * 3;
            [DerivativeOf(typeof(Derivs), nameof(H))] public static void HPullback(double x, double seed, ref double dx) => dx += 3 * seed;
        }
        """;

    private const string Other = """
        namespace Demo;
        public static class Unrelated
        {
            public static int Count() => 1;
        }
        """;

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) FirstRun()
    {
        CSharpCompilation compilation = GeneratorHarness.Compilation(Functions, Other);
        GeneratorDriver driver = GeneratorHarness.Driver(track: true).RunGenerators(compilation);
        return (driver, compilation);
    }

    private static IEnumerable<IncrementalStepRunReason> Reasons(GeneratorRunResult result, string step)
        => result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason);

    [Fact]
    public void UnrelatedEdit_AllStepsCachedOrUnchanged()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = FirstRun();
        SyntaxTree old = compilation.SyntaxTrees.Last();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(Other.Replace("=> 1", "=> 2", StringComparison.Ordinal), GeneratorHarness.ParseOptions, path: old.FilePath));

        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        foreach (string step in new[] { WellKnownTrackingNames.Methods, WellKnownTrackingNames.Registrations, WellKnownTrackingNames.RegistrationDiagnostics })
        {
            Assert.All(Reasons(result, step), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, step + ": " + r));
        }

        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void BodyEdit_ThatMethodModified()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = FirstRun();
        SyntaxTree old = compilation.SyntaxTrees.First();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(Functions.Replace("x * x;", "x * x * x;", StringComparison.Ordinal), GeneratorHarness.ParseOptions, path: old.FilePath));

        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();
        IncrementalStepRunReason[] reasons = Reasons(result, WellKnownTrackingNames.Methods).ToArray();
        Assert.Contains(IncrementalStepRunReason.Modified, reasons);
        Assert.Contains(IncrementalStepRunReason.Unchanged, reasons); // G is re-analysed but equal
    }

    [Fact]
    public void StepOutputs_HoldNoCompilerObjects()
    {
        (GeneratorDriver driver, _) = FirstRun();
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        // Our own steps (Roslyn's internal attribute-finding steps legitimately hold syntax trees).
        var ours = result.TrackedSteps.Where(s => s.Key.StartsWith("AutoDiffGen.", StringComparison.Ordinal)).ToArray();
        Assert.Equal(3, ours.Length);
        foreach (KeyValuePair<string, System.Collections.Immutable.ImmutableArray<IncrementalGeneratorRunStep>> step in ours)
        {
            foreach (IncrementalGeneratorRunStep run in step.Value)
            {
                foreach ((object value, _) in run.Outputs)
                {
                    AssertNoCompilerObjects(value, step.Key, new HashSet<object>(ReferenceEqualityComparer.Instance), 0);
                }
            }
        }
    }

    private static void AssertNoCompilerObjects(object? value, string path, HashSet<object> seen, int depth)
    {
        if (value is null || depth > 30 || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum)
        {
            return;
        }

        Assert.False(value is ISymbol or SyntaxNode or Compilation or SemanticModel or SyntaxTree, $"{path} holds a {value.GetType().Name}");
        if (!value.GetType().IsValueType && !seen.Add(value))
        {
            return;
        }

        if (value is IEnumerable items)
        {
            int i = 0;
            foreach (object? item in items)
            {
                AssertNoCompilerObjects(item, path + "[" + i++ + "]", seen, depth + 1);
            }
        }

        foreach (FieldInfo field in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            AssertNoCompilerObjects(field.GetValue(value), path + "." + field.Name, seen, depth + 1);
        }
    }
}
