extern alias analyzers;

using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using AddDerivative = analyzers::AutoDiffGen.CodeFixes.AddDerivativeCodeFixProvider;

namespace AutoDiffGen.Tests.Analyzers;

/// <summary>ADG0005: a pullback stub with the exact Pullback signature, or the callee marked [Differentiable].</summary>
public sealed class AddDerivativeCodeFixTests
{
    private static CodeFixVerifier<AddDerivative> Pullback(string source, string fixedSource)
        => new(source, fixedSource) { CodeActionEquivalenceKey = AddDerivative.AddPullbackKey };

    private static CodeFixVerifier<AddDerivative> MarkDifferentiable(string source, string fixedSource)
        => new(source, fixedSource) { CodeActionEquivalenceKey = AddDerivative.MarkDifferentiableKey };

    [Fact]
    public async Task AddPullback_CalleeInSameType_StubBesideCallee()
    {
        // The stub registers a derivative, so the call is accepted: the fixed code has no diagnostic left.
        await Pullback(
            """
            using System;
            using AutoDiffGen;

            partial class C
            {
                static double G(double t, int n) => n * t * t;

                [Differentiable]
                static double F(double x) => 2 * {|ADG0005:G(x, 3)|};
            }
            """,
            """
            using System;
            using AutoDiffGen;

            partial class C
            {
                static double G(double t, int n) => n * t * t;

                [DerivativeOf(nameof(G))]
                private static void GPullback(double t, int n, double seed, ref double dt)
                {
                    // TODO: add seed times the partial derivative of G into dt (accumulate: +=, never =).
                    throw new NotImplementedException();
                }

                [Differentiable]
                static double F(double x) => 2 * G(x, 3);
            }
            """).RunAsync();
    }

    [Fact]
    public async Task AddPullback_CalleeInOtherType_StubThereWithCalleeAccessibility()
    {
        await Pullback(
            """
            using AutoDiffGen;

            namespace N;

            public static class Helpers
            {
                public static float Dot(float[] a, float b) => a[0] * b;
            }

            partial class C
            {
                [Differentiable]
                static float F(float[] w, float b) => {|ADG0005:Helpers.Dot(w, b)|};
            }
            """,
            """
            using AutoDiffGen;

            namespace N;

            public static class Helpers
            {
                public static float Dot(float[] a, float b) => a[0] * b;

                [DerivativeOf(nameof(Dot))]
                public static void DotPullback(float[] a, float b, float seed, System.Span<float> da, ref float db)
                {
                    // TODO: add seed times the partial derivative of Dot into da, db (accumulate: +=, never =).
                    throw new System.NotImplementedException();
                }
            }

            partial class C
            {
                [Differentiable]
                static float F(float[] w, float b) => Helpers.Dot(w, b);
            }
            """).RunAsync();
    }

    [Fact]
    public async Task AddPullback_CalleeInReferencedAssembly_StubInCallersType()
    {
        var test = Pullback(
            """
            using System;
            using AutoDiffGen;
            using Lib;

            partial class C
            {
                [Differentiable]
                static double F(double x) => {|ADG0005:Functions.Cube(x)|};
            }
            """,
            """
            using System;
            using AutoDiffGen;
            using Lib;

            partial class C
            {
                [Differentiable]
                static double F(double x) => Functions.Cube(x);

                [DerivativeOf(typeof(Functions), nameof(Functions.Cube))]
                private static void CubePullback(double t, double seed, ref double dt)
                {
                    // TODO: add seed times the partial derivative of Cube into dt (accumulate: +=, never =).
                    throw new NotImplementedException();
                }
            }
            """);
        Microsoft.CodeAnalysis.MetadataReference library = TestReferences.Library("namespace Lib; public static class Functions { public static double Cube(double t) => t * t * t; }", "Lib");
        test.TestState.AdditionalReferences.Add(library);
        test.FixedState.AdditionalReferences.Add(library);
        await test.RunAsync();
    }

    [Fact]
    public async Task AddPullback_CalleeParameterNamedSeed_NamesStayDistinct()
    {
        await Pullback(
            """
            using System;
            using AutoDiffGen;

            partial class C
            {
                internal double G(double seed) => seed * seed;

                [Differentiable]
                double F(double x) => {|ADG0005:G(x)|};
            }
            """,
            """
            using System;
            using AutoDiffGen;

            partial class C
            {
                internal double G(double seed) => seed * seed;

                [DerivativeOf(nameof(G))]
                internal void GPullback(double seed, double seed1, ref double dseed)
                {
                    // TODO: add seed times the partial derivative of G into dseed (accumulate: +=, never =).
                    throw new NotImplementedException();
                }

                [Differentiable]
                double F(double x) => G(x);
            }
            """).RunAsync();
    }

    [Fact]
    public async Task MarkDifferentiable_SimpleCallee_AttributeAdded()
    {
        await MarkDifferentiable(
            """
            using System;
            using AutoDiffGen;

            partial class C
            {
                static double G(double t) => Math.Sin(t) * t;

                [Differentiable]
                static double F(double x) => 2 * {|ADG0005:G(x)|};
            }
            """,
            """
            using System;
            using AutoDiffGen;

            partial class C
            {
                [Differentiable]
                static double G(double t) => Math.Sin(t) * t;

                [Differentiable]
                static double F(double x) => 2 * G(x);
            }
            """).RunAsync();
    }

    [Fact]
    public async Task MarkDifferentiable_CalleeTypeNotPartial_TypeMadePartialToo()
    {
        await MarkDifferentiable(
            """
            using AutoDiffGen;

            public static class Helpers
            {
                /// <summary>Square.</summary>
                public static double Square(double t)
                {
                    return t * t;
                }
            }

            partial class C
            {
                [Differentiable]
                static double F(double x) => {|ADG0005:Helpers.Square(x)|};
            }
            """,
            """
            using AutoDiffGen;

            public static partial class Helpers
            {
                /// <summary>Square.</summary>
                [Differentiable]
                public static double Square(double t)
                {
                    return t * t;
                }
            }

            partial class C
            {
                [Differentiable]
                static double F(double x) => Helpers.Square(x);
            }
            """).RunAsync();
    }

    [Fact]
    public async Task MarkDifferentiable_CalleeNotDifferentiable_NotOffered()
    {
        // G's body has a remainder (ADG0004): marking it [Differentiable] would only move the error, so only the
        // pullback stub is offered.
        const string source = """
            using AutoDiffGen;

            partial class C
            {
                static double G(double t) => t % 2.0;

                [Differentiable]
                static double F(double x) => {|ADG0005:G(x)|};
            }
            """;
        await MarkDifferentiable(source, source).RunAsync();
    }

    [Fact]
    public async Task AddPullback_VoidCallee_NotOffered()
    {
        const string source = """
            using AutoDiffGen;

            partial class C
            {
                static void Log(double t) { }

                [Differentiable]
                static double F(double x)
                {
                    {|ADG0005:Log(x)|};
                    return x;
                }
            }
            """;
        var test = new CodeFixVerifier<AddDerivative>(source, source);
        await test.RunAsync();
    }
}
