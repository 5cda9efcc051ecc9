extern alias analyzers;

using System.Threading.Tasks;
using Xunit;
using FixSignature = analyzers::AutoDiffGen.CodeFixes.FixPullbackSignatureCodeFixProvider;

namespace AutoDiffGen.Tests.Analyzers;

/// <summary>ADG0014: the pullback's parameter list (and return type, static) rewritten to the expected shape.</summary>
public sealed class FixPullbackSignatureCodeFixTests
{
    [Fact]
    public async Task FixSignature_MissingGradient_ExpectedNamesAdded()
    {
        await new CodeFixVerifier<FixSignature>(
            """
            using AutoDiffGen;

            partial class C
            {
                static double G(double x, double y) => x * y;

                [DerivativeOf(nameof(G))]
                static void {|ADG0014:GPullback|}(double x, double y, double seed, ref double dx)
                {
                    dx += seed * y;
                }
            }
            """,
            """
            using AutoDiffGen;

            partial class C
            {
                static double G(double x, double y) => x * y;

                [DerivativeOf(nameof(G))]
                static void GPullback(double x, double y, double seed, ref double dx, ref double dy)
                {
                    dx += seed * y;
                }
            }
            """).RunAsync();
    }

    [Fact]
    public async Task FixSignature_ReceivesResult_ResultParameterAddedBeforeSeed()
    {
        await new CodeFixVerifier<FixSignature>(
            """
            using System;
            using AutoDiffGen;

            partial class C
            {
                static double G(double x) => Math.Exp(x);

                [DerivativeOf(nameof(G), ReceivesResult = true)]
                static void {|ADG0014:GPullback|}(double x, double seed, ref double dx)
                {
                    dx += seed * Math.Exp(x);
                }
            }
            """,
            """
            using System;
            using AutoDiffGen;

            partial class C
            {
                static double G(double x) => Math.Exp(x);

                [DerivativeOf(nameof(G), ReceivesResult = true)]
                static void GPullback(double x, double result, double seed, ref double dx)
                {
                    dx += seed * Math.Exp(x);
                }
            }
            """).RunAsync();
    }

    [Fact]
    public async Task FixSignature_SameCount_UserNamesKeptTypesFixed()
    {
        // Same number of parameters: only types, ref kinds and the return type change; the user's names stay.
        await new CodeFixVerifier<FixSignature>(
            """
            using System;
            using AutoDiffGen;

            partial class C
            {
                static double G(double[] w, double a) => w[0] * a;

                [DerivativeOf(nameof(G))]
                static double {|ADG0014:P|}(double[] weights, double alpha, double s, double[] gw, double ga) => throw new NotImplementedException();
            }
            """,
            """
            using System;
            using AutoDiffGen;

            partial class C
            {
                static double G(double[] w, double a) => w[0] * a;

                [DerivativeOf(nameof(G))]
                static void P(double[] weights, double alpha, double s, Span<double> gw, ref double ga) => throw new NotImplementedException();
            }
            """).RunAsync();
    }

    [Fact]
    public async Task FixSignature_MissingStatic_Added()
    {
        await new CodeFixVerifier<FixSignature>(
            """
            using AutoDiffGen;

            public partial class C
            {
                public static float G(float x) => x * x;

                [DerivativeOf(nameof(G))]
                public void {|ADG0014:GPullback|}(float x, float seed, ref float dx) => dx += 2 * x * seed;
            }
            """,
            """
            using AutoDiffGen;

            public partial class C
            {
                public static float G(float x) => x * x;

                [DerivativeOf(nameof(G))]
                public static void GPullback(float x, float seed, ref float dx) => dx += 2 * x * seed;
            }
            """).RunAsync();
    }

    [Fact]
    public async Task FixSignature_FixAll_EveryPullbackInTheDocument()
    {
        await new CodeFixVerifier<FixSignature>(
            """
            using AutoDiffGen;

            static class Targets
            {
                public static double A(double x) => x * x;
                public static double B(double x, [NoDiff] double k) => x * k;
            }

            static class Pullbacks
            {
                [DerivativeOf(typeof(Targets), nameof(Targets.A))]
                static void {|ADG0014:APullback|}(double x, double seed, double dx) { }

                [DerivativeOf(typeof(Targets), nameof(Targets.B))]
                static void {|ADG0014:BPullback|}(double x, double k, double seed, ref double dx, ref double dk) { }
            }
            """,
            """
            using AutoDiffGen;

            static class Targets
            {
                public static double A(double x) => x * x;
                public static double B(double x, [NoDiff] double k) => x * k;
            }

            static class Pullbacks
            {
                [DerivativeOf(typeof(Targets), nameof(Targets.A))]
                static void APullback(double x, double seed, ref double dx) { }

                [DerivativeOf(typeof(Targets), nameof(Targets.B))]
                static void BPullback(double x, double k, double seed, ref double dx) { }
            }
            """).RunAsync();
    }
}
