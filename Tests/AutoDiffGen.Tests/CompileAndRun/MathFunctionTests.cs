using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace AutoDiffGen.Tests.CompileAndRun;

/// <summary>Every supported Math and MathF function, each in its own [Differentiable] method.</summary>
public sealed class MathFunctionTests
{
    private static readonly Lazy<CompiledAssembly> Double = new(() =>
        TestCompiler.Compile(FunctionTable.Source("Functions", single: false, FunctionTable.Select(staticForms: false, single: false)), "MathFunctionTests.Double"));

    private static readonly Lazy<CompiledAssembly> Single = new(() =>
        TestCompiler.Compile(FunctionTable.Source("Functions", single: true, FunctionTable.Select(staticForms: false, single: true)), "MathFunctionTests.Single"));

    public static TheoryData<string, double[]> DoubleCases() => FunctionTable.Cases(staticForms: false, single: false);

    public static TheoryData<string, double[]> SingleCases() => FunctionTable.Cases(staticForms: false, single: true);

    [Theory]
    [MemberData(nameof(DoubleCases))]
    public void DoubleFunction_AtPoint_GradientAndPullbackMatchFiniteDifferences(string method, double[] point)
        => GradientAssert.MatchesFiniteDifferences(Double.Value.Diff("Subjects.Functions", method), point);

    [Theory]
    [MemberData(nameof(SingleCases))]
    public void FloatFunction_AtPoint_GradientAndPullbackMatchFiniteDifferences(string method, double[] point)
        => GradientAssert.MatchesFiniteDifferences(Single.Value.Diff("Subjects.Functions", method), point);

    [Theory]
    [MemberData(nameof(SingleCases))]
    public void FloatFunction_AtPoint_AgreesWithDoubleVersion(string method, double[] point)
        => FunctionChecks.FloatAgreesWithDouble(Single.Value.Diff("Subjects.Functions", method), Double.Value.Diff("Subjects.Functions", method), point);

    [Theory]
    [InlineData("Floor")]
    [InlineData("Ceiling")]
    [InlineData("Round")]
    [InlineData("Truncate")]
    [InlineData("Sign")]
    public void PiecewiseConstantFunction_Used_ReportsAdg0007Warning(string method)
        => FunctionChecks.ReportsZeroDerivativeWarning(Double.Value, method);
}

/// <summary>The <c>double.</c> and <c>float.</c> static forms (generic math) of the supported functions.</summary>
public sealed class StaticFormFunctionTests
{
    private static readonly Lazy<CompiledAssembly> Double = new(() =>
        TestCompiler.Compile(FunctionTable.Source("Functions", single: false, FunctionTable.Select(staticForms: true, single: false)), "StaticFormFunctionTests.Double"));

    private static readonly Lazy<CompiledAssembly> Single = new(() =>
        TestCompiler.Compile(FunctionTable.Source("Functions", single: true, FunctionTable.Select(staticForms: true, single: true)), "StaticFormFunctionTests.Single"));

    public static TheoryData<string, double[]> DoubleCases() => FunctionTable.Cases(staticForms: true, single: false);

    public static TheoryData<string, double[]> SingleCases() => FunctionTable.Cases(staticForms: true, single: true);

    [Theory]
    [MemberData(nameof(DoubleCases))]
    public void DoubleStaticForm_AtPoint_GradientAndPullbackMatchFiniteDifferences(string method, double[] point)
        => GradientAssert.MatchesFiniteDifferences(Double.Value.Diff("Subjects.Functions", method), point);

    [Theory]
    [MemberData(nameof(SingleCases))]
    public void FloatStaticForm_AtPoint_GradientAndPullbackMatchFiniteDifferences(string method, double[] point)
        => GradientAssert.MatchesFiniteDifferences(Single.Value.Diff("Subjects.Functions", method), point);

    [Theory]
    [MemberData(nameof(SingleCases))]
    public void FloatStaticForm_AtPoint_AgreesWithDoubleVersion(string method, double[] point)
        => FunctionChecks.FloatAgreesWithDouble(Single.Value.Diff("Subjects.Functions", method), Double.Value.Diff("Subjects.Functions", method), point);

    [Fact]
    public void DoubleFloor_Used_ReportsAdg0007Warning()
        => FunctionChecks.ReportsZeroDerivativeWarning(Double.Value, "TFloor");
}

internal static class FunctionChecks
{
    /// <summary>At the float-rounded point, the float gradient is within 1e-3 of the double one.</summary>
    public static void FloatAgreesWithDouble(DiffMethod single, DiffMethod twin, double[] point)
    {
        double[] rounded = point.Select(p => (double)(float)p).ToArray();
        double value = single.ValueAndGradient(rounded, out double[] got);
        double want = twin.ValueAndGradient(rounded, out double[] wanted);
        string where = single.Name + "(" + GradientAssert.Format(rounded) + ") float vs double";
        GradientAssert.Close(want, value, GradientAssert.SingleTolerance, where + ", value");
        Assert.Equal(wanted.Length, got.Length);
        for (int i = 0; i < wanted.Length; i++)
        {
            GradientAssert.Close(wanted[i], got[i], GradientAssert.SingleTolerance, where + ", gradient " + i);
        }
    }

    public static void ReportsZeroDerivativeWarning(CompiledAssembly assembly, string method)
        => Assert.Contains(
            assembly.Diagnostics,
            d => d.Id == "ADG0007" && d.Severity == DiagnosticSeverity.Warning && EnclosingMethod(assembly.Source, d) == method);

    /// <summary>The user method whose body holds the line a diagnostic points at.</summary>
    private static string? EnclosingMethod(SyntaxTree source, Diagnostic diagnostic)
    {
        int line = diagnostic.Location.GetLineSpan().StartLinePosition.Line;
        return source.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>()
            .FirstOrDefault(m => m.GetLocation().GetLineSpan().StartLinePosition.Line <= line && line <= m.GetLocation().GetLineSpan().EndLinePosition.Line)
            ?.Identifier.Text;
    }
}
