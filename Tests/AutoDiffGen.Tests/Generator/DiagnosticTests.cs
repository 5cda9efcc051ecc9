using System.Linq;
using AutoDiffGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace AutoDiffGen.Tests.Generator;

/// <summary>One test per ADG id: the id, its severity, and the offending text it points at.</summary>
public sealed class DiagnosticTests
{
    private const string Usings = "using System;\nusing AutoDiffGen;\n";

    private static string lastSource = string.Empty;

    private static Diagnostic Single(string id, string source, bool expectGenerated = false)
    {
        lastSource = Usings + source;
        (GeneratorRunResult result, var compilationDiagnostics) = GeneratorHarness.Run(lastSource);
        Diagnostic[] matching = result.Diagnostics.Where(d => d.Id == id).ToArray();
        Assert.True(matching.Length == 1, $"expected one {id}, got:\n{GeneratorHarness.Describe(result.Diagnostics)}");
        Assert.Equal(expectGenerated, result.GeneratedSources.Length > 0);

        // Never compile errors in generated code: the user sees only our diagnostic.
        Assert.DoesNotContain(compilationDiagnostics, d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree?.FilePath.EndsWith(".g.cs", System.StringComparison.Ordinal) == true);
        Assert.StartsWith("https://", matching[0].Descriptor.HelpLinkUri, System.StringComparison.Ordinal);
        Assert.EndsWith("#" + id.ToLowerInvariant(), matching[0].Descriptor.HelpLinkUri, System.StringComparison.Ordinal);
        return matching[0];
    }

    /// <summary>The source text a diagnostic points at (generator diagnostics carry file locations, not trees).</summary>
    private static string At(Diagnostic d) => lastSource.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length);

    [Fact]
    public void ADG0001_TypeNotPartial_ErrorAtType()
    {
        Diagnostic d = Single("ADG0001", "class C { [Differentiable] static double F(double x) => x * x; }");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal("C", At(d));
    }

    [Fact]
    public void ADG0001_OuterTypeNotPartial_ErrorAtOuterType()
    {
        Diagnostic d = Single("ADG0001", "class Outer { partial class C { [Differentiable] static double F(double x) => x * x; } }");
        Assert.Equal("Outer", At(d));
        Assert.Contains("'Outer'", d.GetMessage(), System.StringComparison.Ordinal);
    }

    [Fact]
    public void ADG0002_IntReturn_ErrorAtReturnType()
    {
        Diagnostic d = Single("ADG0002", "partial class C { [Differentiable] static int F(double x) => (int)x; }");
        Assert.Equal("int", At(d));
    }

    [Fact]
    public void ADG0003_TryCatch_ErrorAtStatement()
    {
        Diagnostic d = Single("ADG0003", "partial class C { [Differentiable] static double F(double x) { try { return x; } catch { return 0; } } }");
        Assert.StartsWith("try", At(d), System.StringComparison.Ordinal);
        Assert.Contains("try", d.GetMessage(), System.StringComparison.Ordinal);
    }

    [Fact]
    public void ADG0003_Lock_ErrorAtStatement()
    {
        Diagnostic d = Single("ADG0003", "partial class C { [Differentiable] static double F(double x) { lock (typeof(C)) { x = x * 2; } return x; } }");
        Assert.StartsWith("lock", At(d), System.StringComparison.Ordinal);
    }

    [Fact]
    public void ADG0004_Lambda_ErrorAtExpression()
    {
        Diagnostic d = Single("ADG0004", "partial class C { [Differentiable] static double F(double x) { Func<double, double> f = t => t * x; return x; } }");
        Assert.Contains("=>", At(d), System.StringComparison.Ordinal);
    }

    [Fact]
    public void ADG0004_Remainder_ErrorAtExpression()
    {
        Diagnostic d = Single("ADG0004", "partial class C { [Differentiable] static double F(double x) => x % 2.0; }");
        Assert.Equal("x % 2.0", At(d));
    }

    [Fact]
    public void ADG0004_ArrayCreatedInALoopWithAVaryingLength_NamesTheArray()
    {
        // new double[d] in the loop would be created once and cleared per iteration; i + 1 changes every iteration.
        Diagnostic d = Single("ADG0004", "partial class C { [Differentiable] static double F(double x) { double s = 0; for (int i = 0; i < 3; i++) { double[] a = new double[i + 1]; s += a[i] * x; } return s; } }");
        Assert.Equal("a[i]", At(d));
        Assert.Contains("'a' is created inside a loop with a length that can change between iterations", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture), System.StringComparison.Ordinal);
    }

    [Fact]
    public void ADG0004_SpanAliasTheReverseSweepCannotSave_AtItsAssignment()
    {
        // The row index is computed, so the reverse sweep cannot recompute r; a span cannot go on the tape.
        Diagnostic d = Single("ADG0004", "partial class C { static double[][] rows = { new[] { 1.0 }, new[] { 2.0 } }; [Differentiable] static double F(double x) { double s = x; int k = 0; for (int i = 0; i < 3; i++) { k = (k * 7 + i) % 2; ReadOnlySpan<double> r = rows[k]; s = s * Math.Cos(r[0] * x); } return s; } }");
        Assert.Equal("r = rows[k]", At(d));
        Assert.Contains("a span cannot be saved", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture), System.StringComparison.Ordinal);
    }

    [Fact]
    public void ConstantData_FieldsJaggedAndRectangular_NoDiagnostic()
    {
        (GeneratorRunResult result, _) = GeneratorHarness.Run(Usings + "partial class C { static double[] t = { 1, 2 }; static double[][] j = { t }; static double[,] g = { { 1 } }; [Differentiable] static double F(double x, int[] idx) { double s = 0; foreach (int k in idx) s += x * t[k] * j[0][k] * g[0, 0]; double[] row = j[0]; return s * row[1]; } }");
        Assert.Empty(result.Diagnostics);
        Assert.Single(result.GeneratedSources);
    }

    [Fact]
    public void ADG0005_CallWithoutDerivative_ErrorAtCall()
    {
        Diagnostic d = Single("ADG0005", "partial class C { static double G(double t) => t; [Differentiable] static double F(double x) => 2 * G(x); }");
        Assert.Equal("G(x)", At(d));
        Assert.Contains("[DerivativeOf]", d.GetMessage(), System.StringComparison.Ordinal);
    }

    [Fact]
    public void ADG0005_CallOnConstantsOnly_NoError()
    {
        (GeneratorRunResult result, _) = GeneratorHarness.Run(Usings + "partial class C { static double G(double t) => t; [Differentiable] static double F(double x, [NoDiff] double k) => x * G(k); }");
        Assert.Empty(result.Diagnostics);
        Assert.Single(result.GeneratedSources);
    }

    [Fact]
    public void ADG0006_MathFunctionWithoutRule_ErrorAtCall()
    {
        Diagnostic d = Single("ADG0006", "partial class C { [Differentiable] static double F(double x) => Math.IEEERemainder(x, 3.0); }");
        Assert.Equal("Math.IEEERemainder(x, 3.0)", At(d));
    }

    [Fact]
    public void ADG0007_Floor_WarningAndStillGenerated()
    {
        Diagnostic d = Single("ADG0007", "partial class C { [Differentiable] static double F(double x) => x + Math.Floor(x); }", expectGenerated: true);
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal("Math.Floor(x)", At(d));
    }

    [Fact]
    public void ADG0008_ActiveToInteger_WarningAtConversion()
    {
        Diagnostic d = Single("ADG0008", "partial class C { [Differentiable] static double F(double x) { int k = (int)x; return x * k; } }", expectGenerated: true);
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal("(int)x", At(d));
    }

    [Fact]
    public void ADG0009_ActiveWrittenToField_ErrorAtAssignment()
    {
        Diagnostic d = Single("ADG0009", "partial class C { static double last; [Differentiable] static double F(double x) { last = x; return x; } }");
        Assert.Equal("last = x", At(d));
        Assert.Contains("static field 'last'", d.GetMessage(), System.StringComparison.Ordinal);
    }

    [Fact]
    public void ADG0010_RefParameter_ErrorAtParameter()
    {
        Diagnostic d = Single("ADG0010", "partial class C { [Differentiable] static double F(ref double x) => x; }");
        Assert.Equal("x", At(d));
    }

    [Fact]
    public void ADG0011_GenericMethod_ErrorAtName()
    {
        Diagnostic d = Single("ADG0011", "partial class C { [Differentiable] static double F<T>(double x) => x; }");
        Assert.Equal("F", At(d));
    }

    [Fact]
    public void ADG0012_ExistingGradientMember_ErrorAtName()
    {
        Diagnostic d = Single("ADG0012", "partial class C { static void FGradient() { } [Differentiable] static double F(double x) => x; }");
        Assert.Contains("FGradient", d.GetMessage(), System.StringComparison.Ordinal);
    }

    [Fact]
    public void ADG0013_DerivativeTargetMissing_ErrorAtPullback()
    {
        Diagnostic d = Single("ADG0013", "partial class C { [DerivativeOf(\"Nope\")] static void P(double x, double seed, ref double dx) { } }");
        Assert.Equal("P", At(d));
    }

    [Fact]
    public void ADG0014_SignatureMismatch_MessagePrintsExpected()
    {
        Diagnostic d = Single("ADG0014", "partial class C { static double G(double x, double y) => x * y; [DerivativeOf(nameof(G))] static void GPullback(double x, double y, double seed, ref double dx) { } }");
        Assert.Contains("static void GPullback(double x, double y, double seed, ref double dx, ref double dy)", d.GetMessage(), System.StringComparison.Ordinal);
    }

    [Fact]
    public void ADG0014_ReceivesResultWithoutResultParameter_MessagePrintsExpected()
    {
        Diagnostic d = Single("ADG0014", "partial class C { static double G(double x) => x * x; [DerivativeOf(nameof(G), ReceivesResult = true)] static void GPullback(double x, double seed, ref double dx) { } }");
        Assert.Contains("static void GPullback(double x, double result, double seed, ref double dx)", d.GetMessage(), System.StringComparison.Ordinal);
    }

    [Fact]
    public void ADG0015_TwoDerivatives_ErrorAtSecond()
    {
        Diagnostic d = Single("ADG0015", "partial class C { static double G(double x) => x; [DerivativeOf(nameof(G))] static void P1(double x, double seed, ref double dx) { dx += seed; } [DerivativeOf(nameof(G))] static void P2(double x, double seed, ref double dx) { dx += seed; } }");
        Assert.Equal("P2", At(d));
    }

    [Fact]
    public void ADG0016_NoDiffOnInt_Warning()
    {
        Diagnostic d = Single("ADG0016", "partial class C { [Differentiable] static double F(double x, [NoDiff] int n) => x * n; }", expectGenerated: true);
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal("n", At(d));
    }

    [Fact]
    public void ADG0017_NoActiveInput_Warning()
    {
        Diagnostic d = Single("ADG0017", "partial class C { [Differentiable] static double F(int n) => n * 2.0; }", expectGenerated: true);
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
    }

    [Fact]
    public void ADG0018_AbstractMethod_Error()
    {
        Diagnostic d = Single("ADG0018", "abstract partial class C { [Differentiable] public abstract double F(double x); }");
        Assert.Equal("F", At(d));
    }

    [Fact]
    public void ADG0019_InternalError_DescriptorIsCatalogued()
    {
        // An internal failure is reported as ADG0019 instead of crashing the compiler (CS8785); the descriptor
        // exists, is an error and links to its documentation.
        DiagnosticDescriptor descriptor = AutoDiffGen.Generator.Diagnostics.DiagnosticDescriptors.Get("ADG0019");
        Assert.Equal(DiagnosticSeverity.Error, descriptor.DefaultSeverity);
        Assert.EndsWith("#adg0019", descriptor.HelpLinkUri, System.StringComparison.Ordinal);
    }

    [Fact]
    public void ADG0020_ActiveToNoDiffParameter_ErrorAtArgument()
    {
        Diagnostic d = Single("ADG0020", "partial class C { [Differentiable] static double S(double x, [NoDiff] double s) => s * x; [Differentiable] static double F(double x, double y) => S(x, y * 2); }", expectGenerated: true);
        Assert.Equal("y * 2", At(d));
        Assert.Contains("parameter 's'", d.GetMessage(), System.StringComparison.Ordinal);
    }

    [Fact]
    public void ADG0020_ConstantToNoDiffParameter_NoError()
    {
        (GeneratorRunResult result, _) = GeneratorHarness.Run(Usings + "partial class C { [Differentiable] static double S(double x, [NoDiff] double s) => s * x; [Differentiable] static double F(double x, [NoDiff] double k) => S(x, k * 2); }");
        Assert.Empty(result.Diagnostics);
        Assert.Equal(2, result.GeneratedSources.Length);
    }

    [Theory]
    [InlineData("record struct V(double A); partial class C { [Differentiable] static double F(double x) { V v = new V(x); return v.A * x; } }", "new V(x)")]
    [InlineData("partial class C { [Differentiable] static double F(double x) { var t = Tuple.Create(x); return t.Item1 * x; } }", "Tuple.Create(x)")]
    [InlineData("partial class C { [Differentiable] static double F(double x) { double[] t = { x, 2.0 }; return t[0] * x; } }", "{ x, 2.0 }")]
    public void ADG0004_ActiveValueHiddenInAnObject_ErrorAtTheCreation(string source, string at)
    {
        // Read back through a property, field or element, the value would carry no derivative: a silent wrong gradient.
        Diagnostic d = Single("ADG0004", source);
        Assert.Equal(at, At(d));
        Assert.Contains("loses its derivative", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture), System.StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("partial class C { static double last; [Differentiable] static double F(double x) { last = 2.0; return x * x; } }")]
    [InlineData("partial class C { static int calls; [Differentiable] static double F(double x) { calls++; return x * x; } }")]
    [InlineData("partial class C { [Differentiable] static double F(double x, [NoDiff] double[] log) { log[0] = 3.0; log[1] += 1; return x * x; } }")]
    public void ConstantWrittenOutside_NoError(string source)
    {
        (GeneratorRunResult result, var compilation) = GeneratorHarness.Run(Usings + source);
        Assert.Empty(result.Diagnostics);
        Assert.Single(result.GeneratedSources);
        Assert.DoesNotContain(compilation, c => c.Severity == DiagnosticSeverity.Error);
    }

    [Fact]
    public void ADG0009_ConstantWrittenIntoDifferentiableInput_ErrorNamesTheArray()
    {
        // Overwriting an element of an input the gradient is taken for would silently change what later reads see.
        Diagnostic d = Single("ADG0009", "partial class C { [Differentiable] static double F(double[] w) { w[0] = 1.0; return w[0] * w[1]; } }");
        Assert.Equal("w[0] = 1.0", At(d));
        Assert.Contains("an element of 'w', which the method does not own", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture), System.StringComparison.Ordinal);
    }

    [Fact]
    public void ADG0004_UserDefinedOperator_SaysSo()
    {
        Diagnostic d = Single("ADG0004", "struct V { public double A; public static double operator *(V v, double x) => v.A * x; } partial class C { [Differentiable] static double F(double x) { V v = default; return v * x; } }");
        Assert.Contains("user-defined operators are not supported", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture), System.StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("partial class C { [Differentiable] static double F(double x, int n) { switch (n) { case 0: if (x > 0) break; x = 2 * x; break; default: x = -x; break; } return x; } }",
        "ADG0003", "break;", "a break that leaves a switch section before its end")]
    [InlineData("partial class C { [Differentiable] static double F(double x, int n) { switch (n) { case 0: default: x = 2 * x; break; } return x; } }",
        "ADG0003", "case 0: default: x = 2 * x; break;", "give default a section of its own")]
    [InlineData("partial class C { [Differentiable] static double F(double x) => x switch { double d when d > 0 => d, _ => -x }; }",
        "ADG0004", "double d", "only patterns of constants can be tested")]
    [InlineData("partial class C { [Differentiable] static double F(double x) => x.ToString() switch { \"1\" => x, _ => 2 * x }; }",
        "ADG0004", "x.ToString()", "switch on a number")]
    [InlineData("partial class C { [Differentiable] static double F(double x) { double y = x; ref double r = ref y; r *= 2; return y * x; } }",
        "ADG0003", "r = ref y", "ref locals are not supported")]
    public void Switch_UnsupportedPart_ErrorAtThatPart(string source, string id, string at, string reason)
    {
        Diagnostic d = Single(id, source);
        Assert.Equal(at, At(d));
        Assert.Contains(reason, d.GetMessage(System.Globalization.CultureInfo.InvariantCulture), System.StringComparison.Ordinal);
    }

    [Fact]
    public void ADG0008_IntegerComputedFromAnActiveValue_WarnsAtTheCall()
    {
        Diagnostic d = Single("ADG0008", "partial class C { [Differentiable] static double F(double x) { long bits = BitConverter.DoubleToInt64Bits(x); return BitConverter.Int64BitsToDouble(bits) * x; } }", expectGenerated: true);
        Assert.Equal("BitConverter.DoubleToInt64Bits(x)", At(d));
        Assert.Contains("to 'long'", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture), System.StringComparison.Ordinal);
    }

    [Fact]
    public void AllDescriptors_HaveDocumentationSections()
    {
        string root = RepositoryRoot();
        string docs = System.IO.File.ReadAllText(System.IO.Path.Combine(root, "docs", "diagnostics.md"));
        foreach (DiagnosticDescriptor d in AutoDiffGen.Generator.Diagnostics.DiagnosticDescriptors.All)
        {
            Assert.Contains("## " + d.Id, docs, System.StringComparison.Ordinal);
        }
    }

    internal static string RepositoryRoot()
    {
        string? dir = System.AppContext.BaseDirectory;
        while (dir is not null && !System.IO.File.Exists(System.IO.Path.Combine(dir, "AutoDiffGen.sln")))
        {
            dir = System.IO.Path.GetDirectoryName(dir);
        }

        return dir ?? throw new System.InvalidOperationException("repository root not found");
    }
}
