extern alias analyzers;

using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using RemoveNoDiff = analyzers::AutoDiffGen.CodeFixes.RemoveNoDiffCodeFixProvider;

namespace AutoDiffGen.Tests.Analyzers;

/// <summary>ADG0016: a [NoDiff] with no effect goes; ADG0020: the callee's [NoDiff] goes when the callee allows it.</summary>
public sealed class RemoveNoDiffCodeFixTests
{
    [Fact]
    public async Task RemoveNoDiff_OnInteger_RemovedEverywhereWithFixAll()
    {
        await new CodeFixVerifier<RemoveNoDiff>(
            """
            using AutoDiffGen;

            partial class C
            {
                [Differentiable]
                static double F(double x, [NoDiff] int {|ADG0016:n|}) => x * n;

                [Differentiable]
                static double G(double x,
                    [NoDiff] bool {|ADG0016:flip|}) => flip ? -x : x;
            }
            """,
            """
            using AutoDiffGen;

            partial class C
            {
                [Differentiable]
                static double F(double x, int n) => x * n;

                [Differentiable]
                static double G(double x,
                    bool flip) => flip ? -x : x;
            }
            """).RunAsync();
    }

    [Fact]
    public async Task RemoveNoDiff_ActiveArgumentToNoDiffParameter_RemovedFromCallee()
    {
        await new CodeFixVerifier<RemoveNoDiff>(
            """
            using AutoDiffGen;

            partial class C
            {
                [Differentiable]
                public static double Weighted(double v, [NoDiff] double weight) => weight * v;

                [Differentiable]
                public static double Blend(double a, double b) => Weighted(a, {|ADG0020:b + 1|}) + b;
            }
            """,
            """
            using AutoDiffGen;

            partial class C
            {
                [Differentiable]
                public static double Weighted(double v, double weight) => weight * v;

                [Differentiable]
                public static double Blend(double a, double b) => Weighted(a, b + 1) + b;
            }
            """)
        {
            CodeActionEquivalenceKey = RemoveNoDiff.CalleeKey,
            CodeFixTestBehaviors = CodeFixTestBehaviors.SkipFixAllCheck, // a decision per callee: no Fix All
        }.RunAsync();
    }

    [Fact]
    public async Task RemoveNoDiff_CalleeCannotDifferentiateTheParameter_NotOffered()
    {
        // With s active, S would pass it to G, which has no derivative (ADG0005): the fix is not offered.
        const string source = """
            using AutoDiffGen;

            partial class C
            {
                static double G(double t) => t * t;

                [Differentiable]
                static double S(double x, [NoDiff] double s) => x * G(s);

                [Differentiable]
                static double F(double x, double y) => S(x, {|ADG0020:y|});
            }
            """;
        await new CodeFixVerifier<RemoveNoDiff>(source, source) { CodeActionEquivalenceKey = RemoveNoDiff.CalleeKey }.RunAsync();
    }
}
