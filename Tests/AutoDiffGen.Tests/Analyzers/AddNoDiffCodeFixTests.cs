extern alias analyzers;

using System.Threading.Tasks;
using Xunit;
using AddNoDiff = analyzers::AutoDiffGen.CodeFixes.AddNoDiffCodeFixProvider;

namespace AutoDiffGen.Tests.Analyzers;

/// <summary>[NoDiff] on the parameter an offending value comes from, when the method keeps another input.</summary>
public sealed class AddNoDiffCodeFixTests
{
    [Fact]
    public async Task AddNoDiff_CallWithoutDerivative_MarksTheParameterPassed()
    {
        await new CodeFixVerifier<AddNoDiff>(
            """
            using AutoDiffGen;

            partial class C
            {
                static double G(double t) => t * t;

                [Differentiable]
                static double F(double x, double k) => x * {|ADG0005:G(k)|};
            }
            """,
            """
            using AutoDiffGen;

            partial class C
            {
                static double G(double t) => t * t;

                [Differentiable]
                static double F(double x, [NoDiff] double k) => x * G(k);
            }
            """).RunAsync();
    }

    [Fact]
    public async Task AddNoDiff_ValueThroughLocals_MarksTheParameterItCameFrom()
    {
        await new CodeFixVerifier<AddNoDiff>(
            """
            using System;
            using AutoDiffGen;

            partial class C
            {
                [Differentiable]
                static double F(double x,
                    double k)
                {
                    double t = k * 2;
                    double u;
                    u = t + 1;
                    return x * {|ADG0006:Math.IEEERemainder(u, 3.0)|};
                }
            }
            """,
            """
            using System;
            using AutoDiffGen;

            partial class C
            {
                [Differentiable]
                static double F(double x,
                    [NoDiff] double k)
                {
                    double t = k * 2;
                    double u;
                    u = t + 1;
                    return x * Math.IEEERemainder(u, 3.0);
                }
            }
            """).RunAsync();
    }

    [Fact]
    public async Task AddNoDiff_RefParameter_MarkedConstant()
    {
        await new CodeFixVerifier<AddNoDiff>(
            """
            using AutoDiffGen;

            partial class C
            {
                [Differentiable]
                static double F(double x, ref double {|ADG0010:scale|}) => x * scale;
            }
            """,
            """
            using AutoDiffGen;

            partial class C
            {
                [Differentiable]
                static double F(double x, [NoDiff] ref double scale) => x * scale;
            }
            """).RunAsync();
    }

    [Fact]
    public async Task AddNoDiff_ActiveToNoDiffParameter_ArgumentsParameterMarked()
    {
        await new CodeFixVerifier<AddNoDiff>(
            """
            using AutoDiffGen;

            partial class C
            {
                [Differentiable]
                static double S(double x, [NoDiff] double s) => s * x;

                [Differentiable]
                static double F(double x, double y) => S(x, {|ADG0020:y * 2|});
            }
            """,
            """
            using AutoDiffGen;

            partial class C
            {
                [Differentiable]
                static double S(double x, [NoDiff] double s) => s * x;

                [Differentiable]
                static double F(double x, [NoDiff] double y) => S(x, y * 2);
            }
            """).RunAsync();
    }

    [Fact]
    public async Task AddNoDiff_Conversion_NamespaceNotImported_QualifiedAttribute()
    {
        await new CodeFixVerifier<AddNoDiff>(
            """
            partial class C
            {
                [AutoDiffGen.Differentiable]
                static double G(double x, double n)
                {
                    int count = {|ADG0008:(int)n|};
                    return x * count;
                }
            }
            """,
            """
            partial class C
            {
                [AutoDiffGen.Differentiable]
                static double G(double x, [AutoDiffGen.NoDiff] double n)
                {
                    int count = (int)n;
                    return x * count;
                }
            }
            """).RunAsync();
    }

    [Fact]
    public async Task AddNoDiff_OnlyInput_NotOffered()
    {
        // Marking x [NoDiff] would leave F nothing to differentiate: the fix is not offered.
        const string source = """
            using AutoDiffGen;

            partial class C
            {
                static double G(double t) => t * t;

                [Differentiable]
                static double F(double x) => {|ADG0005:G(x)|};
            }
            """;
        await new CodeFixVerifier<AddNoDiff>(source, source).RunAsync();
    }
}
