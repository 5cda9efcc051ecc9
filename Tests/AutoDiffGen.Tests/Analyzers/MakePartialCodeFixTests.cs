extern alias analyzers;

using System.Threading.Tasks;
using Xunit;
using MakePartial = analyzers::AutoDiffGen.CodeFixes.MakePartialCodeFixProvider;

namespace AutoDiffGen.Tests.Analyzers;

/// <summary>ADG0001: the type, the types around it and the types down to the method become partial.</summary>
public sealed class MakePartialCodeFixTests
{
    [Fact]
    public async Task MakePartial_PlainClass_AddsPartial()
    {
        await new CodeFixVerifier<MakePartial>(
            """
            using AutoDiffGen;

            class {|ADG0001:C|}
            {
                [Differentiable] static double F(double x) => x * x;
            }
            """,
            """
            using AutoDiffGen;

            partial class C
            {
                [Differentiable] static double F(double x) => x * x;
            }
            """).RunAsync();
    }

    [Fact]
    public async Task MakePartial_ModifiersAndDocComment_PartialLastAndCommentKept()
    {
        await new CodeFixVerifier<MakePartial>(
            """
            using AutoDiffGen;

            namespace N;

            /// <summary>Functions.</summary>
            public static class {|ADG0001:C|}
            {
                [Differentiable] public static double F(double x) => x * x;
            }

            /// <summary>No modifiers.</summary>
            [System.Serializable]
            class {|ADG0001:D|}
            {
                [Differentiable] public static double G(double x) => x * x;
            }
            """,
            """
            using AutoDiffGen;

            namespace N;

            /// <summary>Functions.</summary>
            public static partial class C
            {
                [Differentiable] public static double F(double x) => x * x;
            }

            /// <summary>No modifiers.</summary>
            [System.Serializable]
            partial class D
            {
                [Differentiable] public static double G(double x) => x * x;
            }
            """).RunAsync();
    }

    [Fact]
    public async Task MakePartial_NestedTypes_OneFixMakesEveryLevelPartial()
    {
        // Three levels, none partial: three ADG0001 for one method; fixing any of them fixes all (one iteration).
        var test = new CodeFixVerifier<MakePartial>(
            """
            using AutoDiffGen;

            public class {|ADG0001:Outer|}
            {
                internal class {|ADG0001:Middle|}
                {
                    private struct {|ADG0001:Inner|}
                    {
                        [Differentiable] public double F(double x) => x * x;
                    }
                }
            }
            """,
            """
            using AutoDiffGen;

            public partial class Outer
            {
                internal partial class Middle
                {
                    private partial struct Inner
                    {
                        [Differentiable] public double F(double x) => x * x;
                    }
                }
            }
            """);
        test.NumberOfIncrementalIterations = 1;
        await test.RunAsync();
    }

    [Fact]
    public async Task MakePartial_OuterOnly_InnerAlreadyPartial()
    {
        await new CodeFixVerifier<MakePartial>(
            """
            using AutoDiffGen;

            class {|ADG0001:Outer|}
            {
                partial record Inner
                {
                    [Differentiable] public static double F(double x) => x * x;
                }
            }
            """,
            """
            using AutoDiffGen;

            partial class Outer
            {
                partial record Inner
                {
                    [Differentiable] public static double F(double x) => x * x;
                }
            }
            """).RunAsync();
    }

    [Fact]
    public async Task MakePartial_RecordStruct_PartialBeforeRecord()
    {
        await new CodeFixVerifier<MakePartial>(
            """
            using AutoDiffGen;

            public readonly record struct {|ADG0001:Point|}(double X)
            {
                [Differentiable] public double Scale(double s) => X * s;
            }
            """,
            """
            using AutoDiffGen;

            public readonly partial record struct Point(double X)
            {
                [Differentiable] public double Scale(double s) => X * s;
            }
            """).RunAsync();
    }

    [Fact]
    public async Task MakePartial_FixAll_EveryTypeInTheDocument()
    {
        // Two methods in one type report ADG0001 twice at the same place; Fix All edits each type once.
        await new CodeFixVerifier<MakePartial>(
            """
            using AutoDiffGen;

            class {|ADG0001:{|ADG0001:A|}|}
            {
                [Differentiable] static double F(double x) => x * x;
                [Differentiable] static double G(double x) => x + x;
            }

            static class {|ADG0001:B|}
            {
                [Differentiable] static double H(double x) => x * 3;
            }
            """,
            """
            using AutoDiffGen;

            partial class A
            {
                [Differentiable] static double F(double x) => x * x;
                [Differentiable] static double G(double x) => x + x;
            }

            static partial class B
            {
                [Differentiable] static double H(double x) => x * 3;
            }
            """).RunAsync();
    }
}
