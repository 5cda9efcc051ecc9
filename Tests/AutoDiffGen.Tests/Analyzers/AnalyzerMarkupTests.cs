extern alias analyzers;

using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using DiagnosticDescriptors = analyzers::AutoDiffGen.Generator.Diagnostics.DiagnosticDescriptors;

namespace AutoDiffGen.Tests.Analyzers;

/// <summary>
/// One markup test per id the live analyzer reports: the id and the exact span (<c>{|ADG0005:G(x)|}</c>), and no
/// other diagnostic. ADG0015 needs the whole compilation and is reported by the generator only (see
/// DiagnosticTests and the test below); ADG0019 is an internal error, reported only when the analysis throws.
/// </summary>
public sealed partial class AnalyzerMarkupTests
{
    private const string Usings = "using System;\nusing AutoDiffGen;\n";

    /// <summary>Ids the live analyzer does not report, with the reason.</summary>
    private static readonly Dictionary<string, string> NotReportedByAnalyzer = new()
    {
        ["ADG0015"] = "two registrations for one method: needs the whole compilation, reported by the generator",
        ["ADG0019"] = "internal error: only when the analysis throws",
    };

    public static TheoryData<string, string> Cases() => new()
    {
        { "ADG0001", "class {|ADG0001:C|} { [Differentiable] static double F(double x) => x * x; }" },
        { "ADG0001", "class {|ADG0001:Outer|} { partial class C { [Differentiable] static double F(double x) => x * x; } }" },
        { "ADG0002", "partial class C { [Differentiable] static {|ADG0002:int|} F(double x) => (int)x; }" },
        { "ADG0003", "partial class C { [Differentiable] static double F(double x) { {|ADG0003:try { return x; } catch { return 0; }|} } }" },
        { "ADG0003", "partial class C { [Differentiable] static double F(double x) { {|ADG0003:lock (typeof(C)) { x = x * 2; }|} return x; } }" },
        { "ADG0004", "partial class C { [Differentiable] static double F(double x) => {|ADG0004:x % 2.0|}; }" },
        { "ADG0005", "partial class C { static double G(double t) => t; [Differentiable] static double F(double x) => 2 * {|ADG0005:G(x)|}; }" },
        { "ADG0006", "partial class C { [Differentiable] static double F(double x) => {|ADG0006:Math.IEEERemainder(x, 3.0)|}; }" },
        { "ADG0007", "partial class C { [Differentiable] static double F(double x) => x + {|ADG0007:Math.Floor(x)|}; }" },
        { "ADG0008", "partial class C { [Differentiable] static double F(double x) { int k = {|ADG0008:(int)x|}; return x * k; } }" },
        { "ADG0009", "partial class C { static double last; [Differentiable] static double F(double x) { {|ADG0009:last = x|}; return x; } }" },
        { "ADG0010", "partial class C { [Differentiable] static double F(ref double {|ADG0010:x|}) => x; }" },
        { "ADG0010", "partial class C { [Differentiable] static double F(double x, params double[] {|ADG0010:rest|}) => x; }" },
        { "ADG0011", "partial class C { [Differentiable] static double {|ADG0011:F|}<T>(double x) => x; }" },
        { "ADG0012", "partial class C { static void FGradient() { } [Differentiable] static double {|ADG0012:F|}(double x) => x; }" },
        { "ADG0013", "partial class C { [DerivativeOf(\"Nope\")] static void {|ADG0013:P|}(double x, double seed, ref double dx) { } }" },
        { "ADG0014", "partial class C { static double G(double x, double y) => x * y; [DerivativeOf(nameof(G))] static void {|ADG0014:GPullback|}(double x, double y, double seed, ref double dx) { } }" },
        { "ADG0016", "partial class C { [Differentiable] static double F(double x, [NoDiff] int {|ADG0016:n|}) => x * n; }" },
        { "ADG0017", "partial class C { [Differentiable] static double {|ADG0017:F|}(int n) => n * 2.0; }" },
        { "ADG0018", "abstract partial class C { [Differentiable] public abstract double {|ADG0018:F|}(double x); }" },
        { "ADG0020", "partial class C { [Differentiable] static double S(double x, [NoDiff] double s) => s * x; [Differentiable] static double F(double x, double y) => S(x, {|ADG0020:y * 2|}); }" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Analyzer_Markup_ReportsIdAtSpan(string id, string markup)
    {
        Assert.Contains("{|" + id + ":", markup, System.StringComparison.Ordinal);
        await new AnalyzerVerifier(Usings + markup).RunAsync();
    }

    [Fact]
    public void Cases_CoverEveryIdTheAnalyzerReports()
    {
        var covered = new HashSet<string>(Cases().Select(row => (string)row[0]));
        foreach (DiagnosticDescriptor descriptor in DiagnosticDescriptors.All)
        {
            Assert.True(covered.Contains(descriptor.Id) ^ NotReportedByAnalyzer.ContainsKey(descriptor.Id),
                descriptor.Id + " needs exactly one of: a markup case, or a reason why the analyzer does not report it");
        }
    }

    [Fact]
    public async Task Analyzer_Message_NamesTheOffendingExpression()
    {
        var test = new AnalyzerVerifier(Usings + "partial class C { static double G(double t) => t; [Differentiable] static double F(double x) => 2 * {|#0:G(x)|}; }");
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.CallWithoutDerivative).WithLocation(0).WithArguments("G(x)", "C.G(double)"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Analyzer_DuplicateRegistration_LeftToTheGenerator()
    {
        // Two pullbacks for one method: no analyzer diagnostic (the generator reports ADG0015 at build time).
        await new AnalyzerVerifier(Usings + "partial class C { static double G(double x) => x; [DerivativeOf(nameof(G))] static void P1(double x, double seed, ref double dx) { dx += seed; } [DerivativeOf(nameof(G))] static void P2(double x, double seed, ref double dx) { dx += seed; } }").RunAsync();
    }

    [Fact]
    public async Task Analyzer_ValidMethods_NoDiagnostics()
    {
        await new AnalyzerVerifier(Usings + """
            public static partial class C
            {
                [Differentiable]
                public static double F(double x, double[] w, int n)
                {
                    double s = 0;
                    for (int i = 0; i < n; i++)
                    {
                        s += w[i] * Math.Sin(x);
                    }

                    return s;
                }

                static double G(double x) => x * x;

                [DerivativeOf(nameof(G))]
                static void GPullback(double x, double seed, ref double dx) => dx += 2 * x * seed;

                [Differentiable]
                public static double H(double x) => G(x) + F(x, new[] { 1.0 }, 1);
            }
            """).RunAsync();
    }
}
