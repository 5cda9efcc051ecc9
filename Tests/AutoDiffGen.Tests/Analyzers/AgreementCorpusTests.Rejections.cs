using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace AutoDiffGen.Tests.Analyzers;

/// <summary>One snippet per construct the analysis refuses: each is an analyzer error, in agreement with the generator.</summary>
public sealed partial class AgreementCorpusTests
{
    /// <summary>Refusal reasons no source can reach, because an earlier check refuses the method first.</summary>
    private static readonly Dictionary<string, string> UnreachableReasons = new()
    {
        ["await is not supported in differentiable code"] = "await needs an async method, whose Task return type is ADG0002 first",
        ["iterators are not supported"] = "an iterator returns IEnumerable, ADG0002 first",
        ["break and continue are only meaningful inside loops"] = "outside a loop it does not compile; inside a switch it leaves the switch (its own reason)",
        ["this loop form is not supported"] = "a C# while or do loop always has a condition (a missing or 'until' condition is Visual Basic)",
    };

    public static TheoryData<string> Rejections() => new()
    {
        // Shape of the method (ADG0001, 0002, 0003, 0010, 0011, 0012, 0016-0018).
        "class C { [Differentiable] static double F(double x) => x; }",
        "partial class C { [Differentiable] static void F(double x) { } }",
        "partial class C { [Differentiable] static System.Threading.Tasks.Task<double> F(double x) => System.Threading.Tasks.Task.FromResult(x); }",
        "partial class C { [Differentiable] static async System.Threading.Tasks.Task<double> F(double x) { await System.Threading.Tasks.Task.Yield(); return x; } }",
        "partial class C { [Differentiable] static ref double F(double[] w) => ref w[0]; }",
        "partial class C { [Differentiable] static double F(out double x) { x = 1; return x; } }",
        "partial class C { [Differentiable] static double F(in double x) => x; }",
        "partial class C { [Differentiable] static double F(ref double[] w) => w[0]; }",
        "partial class C { [Differentiable] static double F(params double[] w) => w[0]; }",
        "partial class C { [Differentiable] static double F<T>(double x, T t) => x; }",
        "partial class C { static void FPullback() { } [Differentiable] static double F(double x) => x; }",
        "partial class C { [Differentiable] static extern double F(double x); }",
        "partial class C { [Differentiable] static partial double F(double x); }",
        "interface I { [Differentiable] double F(double x); }",

        // Statements (ADG0003).
        "partial class C { [Differentiable] static double F(double x) { foreach (double v in new List<double> { x }) { x = x * v; } return x; } }",
        "partial class C { [Differentiable] static double F(double x) { if (x > 0) goto done; x = -x; done: return x; } }",
        "partial class C { [Differentiable] static double F(double x) { try { x = x * 2; } finally { x = x + 1; } return x; } }",
        "partial class C { [Differentiable] static double F(double x) { lock (typeof(C)) { x = x * 2; } return x; } }",
        "partial class C { [Differentiable] static double F(double x) { using (var s = new System.IO.MemoryStream()) { x = x * 2; } return x; } }",
        "partial class C { [Differentiable] static double F(double x) { using var s = new System.IO.MemoryStream(); return x * 2; } }",
        "partial class C { [Differentiable] static double F(double x) { double Sq(double t) => t * t; return Sq(x); } }",
        "partial class C { [Differentiable] static double F(double x) { double y = x; ref double r = ref y; r *= 2; return y * x; } }",
        "partial class C { [Differentiable] static double F(double[] w) { Span<double> t = stackalloc double[2]; foreach (ref double v in t) { v = w[0]; } return t[0] * t[1]; } }",
        "partial class C { [Differentiable] static double F(double x, int n) { switch (n) { case 0: if (x > 0) break; x = 2 * x; break; default: x = -x; break; } return x; } }",
        "partial class C { [Differentiable] static double F(double x, int n) { switch (n) { case 0: default: x = 2 * x; break; } return x; } }",

        // Expressions (ADG0004).
        "record struct V(double A); partial class C { [Differentiable] static double F(double x) { V v = new V(x); return v.A * x; } }",
        "partial class C { [Differentiable] static double F(double x) { double[] t = { x, 2.0 }; return t[0] * x; } }",
        "partial class C { [Differentiable] static double F(double x) { Func<double, double> f = t => t * x; return x; } }",
        "partial class C { [Differentiable] static double F(double x) { dynamic d = 2.0; double y = d.Scale(x); return y * x; } }",
        "partial class C { [Differentiable] static double F(double x) { dynamic d = 2.0; return x * d.Scale(x); } }",
        "unsafe partial class C { [Differentiable] static double F(double x) { double* p = &x; return x * *p; } }",
        "partial class C { [Differentiable] static double F(double x) => x switch { double d when d > 0 => d, _ => -x }; }",
        "partial class C { [Differentiable] static double F(double x) => x.ToString() switch { \"1\" => x, _ => 2 * x }; }",
        "partial class C { [Differentiable] static double F(double x, int n) { switch (n) { case var m when m > 2: x = 2 * x; break; } return x; } }",
        "partial class C { [Differentiable] static double F(double x, int n) => (n, n) switch { (0, 0) => x, _ => 2 * x }; }",
        "partial class C { static (double, double) Pair(double x) => (x, x); [Differentiable] static double F(double x) { (double a, double b) = Pair(x); return a * b; } }",
        "partial class C { [Differentiable] static double F(double x) { double[] t = new double[2]; (t[0], t[1]) = (x, 2 * x); return t[0] * t[1]; } }",
        "partial class C { [Differentiable] static double F(double x) { if (x is double d && d > 0) { return d * x; } return x; } }",
        "partial class C { [Differentiable] static double F(double[] w) { ReadOnlySpan<double> r = w.AsSpan()[1..3]; return r[0] * r[1]; } }",
        "partial class C { [Differentiable] static double F(double[] w, double x) => (from v in w select v * x).Sum(); }",
        "partial class C { [Differentiable] static double F(double[] w, double x) { var q = from v in w select v * x; return x; } }",
        "partial class C { static double[] table = new double[1]; [Differentiable] static double F(double x) { table[0] = x; return x * table[0]; } }",
        "partial class C { static double[][] rows = { new[] { 1.0 }, new[] { 2.0 } }; [Differentiable] static double F(double x) { rows[0] = new[] { x }; return x * rows[0][0]; } }",
        "partial class C { [Differentiable] static double F(double[] w, double x) { double[][] m = { w }; return x * m[0][0]; } }",
        "partial class C { [Differentiable] static double F(double[] w, double[] v, double x) { double[] r = x > 0 ? w : v; return x * r[0]; } }",
        "partial class C { static double[][] rows = { new[] { 1.0 }, new[] { 2.0 } }; [Differentiable] static double F(double x) { double s = x; int k = 0; for (int i = 0; i < 3; i++) { k = (k * 7 + i) % 2; ReadOnlySpan<double> r = rows[k]; s = s * Math.Cos(r[0] * x); } return s; } }",
        "partial class C { [Differentiable] static double F(double x) { double s = x; long k = 1; for (int i = 0; i < 3; i++) { k = k * 3 % 7; s = s * Math.Cos(k * x); } return s; } }",
        "partial class C { [Differentiable] static double F(double x) { double s = 0; for (int i = 0; i < 2; i++) { double[] a = new double[i + 1]; a[0] = x; s += a[0]; } return s; } }",
        "partial class C { [Differentiable] static double F(double x, int n) { double s = 0; for (int i = 0; i < 2; i++) { double[] a = new double[n]; a[0] = x; s += a[0]; n++; } return s; } }",
        "partial class C { record struct V(double A) { public static double operator *(V a, double b) => a.A * b; } [Differentiable] static double F(double x) => new V(2) * x; }",
        "partial class C { [Differentiable] static double F(double x) => x % 2.0; }",
        "partial class C { [Differentiable] static double F(double x) { double y; return (y = x) * 2; } }",
        "partial class C { [Differentiable] static double F(double x) { x %= 2.0; return x; } }",
        "partial class C { [Differentiable] static double F(double x) { double y = 0; double z = x + y++; return z; } }",
        "partial class C { [Differentiable] static double F(double x) { if (x < 0) throw new Exception(new Func<string>(() => \"a\")()); return x; } }",
        "partial class C { [Differentiable] static double F(double x) { double.TryParse(\"1\", out double v); return x * v; } }",
        "partial class C { static void Twice(ref double v) { v *= 2; } [Differentiable] static double F(double x) { double y = x; Twice(ref y); return y; } }",
        "partial class C { [Differentiable] static double F(double[] w, double[] u) { ReadOnlySpan<double> v = w; v = u; return v[0]; } }",
        "partial class C { [Differentiable] double G(double x) => x * x; [Differentiable] static double F(double x, C c) => (c ?? new C()).G(x); }",

        // Calls and values (ADG0005-ADG0009, ADG0020).
        "partial class C { static double G(double t) => t; [Differentiable] static double F(double x) => G(x); }",
        "partial class C { static void Log(double t) { } [Differentiable] static double F(double x) { Log(x); return x; } }",
        "partial class C { [Differentiable] static double F(double x) => Math.IEEERemainder(x, 2.0); }",
        "partial class C { static double last; [Differentiable] static double F(double x) { last = x; return x; } }",
        "partial class C { double P { get; set; } [Differentiable] double F(double x) { P = x; return x; } }",
        "partial class C { [Differentiable] static double F(double x, double[] output) { output[0] = x; return x; } }",
        "partial class C { [Differentiable] static double S(double x, [NoDiff] double s) => s * x; [Differentiable] static double F(double x) => S(x, x); }",

        // Registrations (ADG0013, ADG0014).
        "partial class C { [DerivativeOf(\"Missing\")] static void P(double x, double seed, ref double dx) { } }",
        "partial class C { [DerivativeOf(typeof(Math), \"NoSuch\")] static void P(double x, double seed, ref double dx) { } }",
        "partial class C { static double G(double x) => x; [DerivativeOf(nameof(G))] static void P(double x, double seed, double dx) { } }",
        "partial class C { static double G(double x) => x; [DerivativeOf(nameof(G))] void P(double x, double seed, ref double dx) { } }",
        "partial class C { static double G(double x) => x; [DerivativeOf(nameof(G))] static double P(double x, double seed, ref double dx) => 0; }",
        "partial class C { static double G(double[] w) => w[0]; [DerivativeOf(nameof(G))] static void P(double[] w, double seed, double[] dw) { } }",
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public async Task Rejection_AnalyzerErrorAgreesWithGenerator(string snippet)
    {
        ImmutableArray<Diagnostic> diagnostics = await Agreement.AssertAsync(Usings + snippet, allowUnsafe: true);
        Assert.True(diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error), "no error for: " + snippet);
    }

    [Fact]
    public async Task Rejections_CoverEveryRefusalReasonOfTheAnalysis()
    {
        var messages = new List<string>();
        foreach (string snippet in ((IEnumerable<object[]>)Rejections()).Select(row => (string)row[0]))
        {
            CSharpCompilation compilation = Infrastructure.GeneratorHarness.Compilation(Usings + snippet);
            compilation = compilation.WithOptions(compilation.Options.WithAllowUnsafe(true));
            messages.AddRange((await Agreement.AnalyzerDiagnostics(compilation)).Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)));
        }

        List<string> reasons = RefusalReasons();
        Assert.True(reasons.Count >= 20, "found only " + reasons.Count + " refusal reasons in Generator/Analysis");
        string[] missing = reasons.Where(r => !UnreachableReasons.ContainsKey(r) && !messages.Any(m => m.Contains(r, StringComparison.Ordinal))).ToArray();
        Assert.True(missing.Length == 0, "refusal reasons with no snippet in Rejections():\n" + string.Join("\n", missing));
        Assert.All(UnreachableReasons.Keys, r => Assert.Contains(r, reasons));
    }

    /// <summary>
    /// The reasons the shared analysis gives when it refuses a construct: the string literals among the arguments
    /// of its Report/Unsupported calls and the arms of its reason switches, read from Generator/Analysis.
    /// </summary>
    private static List<string> RefusalReasons()
    {
        var reasons = new HashSet<string>(StringComparer.Ordinal);
        foreach (string file in Directory.GetFiles(Path.Combine(Root, "Generator", "Analysis"), "*.cs"))
        {
            SyntaxNode root = CSharpSyntaxTree.ParseText(File.ReadAllText(file)).GetRoot();
            foreach (LiteralExpressionSyntax literal in root.DescendantNodes().OfType<LiteralExpressionSyntax>().Where(l => l.IsKind(SyntaxKind.StringLiteralExpression)))
            {
                string text = literal.Token.ValueText;
                bool inReasonSwitch = literal.Parent is SwitchExpressionArmSyntax
                                      && literal.FirstAncestorOrSelf<MethodDeclarationSyntax>()?.Identifier.ValueText is "LowerUnsupported" or "ReportStatement";
                bool reportArgument = literal.Parent is ArgumentSyntax or ConditionalExpressionSyntax
                                      && literal.FirstAncestorOrSelf<InvocationExpressionSyntax>() is { } call
                                      && call.Expression.ToString() is "Unsupported" or "Report" or "lowering.Report"
                                      && call.ArgumentList.Arguments.Any(a => a.ToString().StartsWith("DiagnosticIds.Unsupported", StringComparison.Ordinal) || call.Expression.ToString() == "Unsupported");
                if ((inReasonSwitch || reportArgument) && text.Contains(' ', StringComparison.Ordinal))
                {
                    reasons.Add(text);
                }
            }
        }

        return reasons.OrderBy(r => r, StringComparer.Ordinal).ToList();
    }
}
