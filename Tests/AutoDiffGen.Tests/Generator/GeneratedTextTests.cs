using System;
using System.IO;
using System.Linq;
using AutoDiffGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace AutoDiffGen.Tests.Generator;

/// <summary>
/// Expected generated text for representative methods (Baselines/*.generated.txt). To accept a deliberate change,
/// run the tests with ADG_UPDATE_BASELINES=1 and review the diff.
/// </summary>
public sealed class GeneratedTextTests
{
    private const string Source = """
        using System;
        using AutoDiffGen;

        namespace Demo;

        public static partial class Textbook
        {
            // u3 = u1 + u2, u4 = u2 * u3: the add node passes dout to both, the multiply node dout*y and dout*x.
            [Differentiable]
            public static double Graph(double u1, double u2)
            {
                double u3 = u1 + u2;
                double u4 = u2 * u3;
                return u4;
            }

            // Early return, ?: and an accumulation: the branch taken is recorded, s += e keeps nothing.
            [Differentiable]
            public static double Branches(double x, double y)
            {
                if (x < 0)
                {
                    return -x * y;
                }

                double s = Math.Sin(x) * Math.Exp(y);
                s += x > 1 ? Math.Sqrt(x) : x * x;
                return s / (1 + y * y);
            }

            // Activity: the [NoDiff] scale and the integer count get no adjoint work; float <-> double conversions.
            [Differentiable]
            public static float Mixed(float x, [NoDiff] float scale, int n)
            {
                double wide = x;
                wide = wide * wide + n;
                return (float)Math.Log(wide) * scale;
            }

            // A call to another [Differentiable] method goes through its Pullback.
            [Differentiable]
            public static double Caller(double x, double y) => Graph(x, y) * Math.Tanh(y);
        }

        public static partial class Arrays
        {
            // Nested counted loops: counters and iteration counts are recomputed in the reverse sweep, row += e keeps
            // nothing, and the [NoDiff] table c gets no adjoint work.
            [Differentiable]
            public static double Quadratic(double[] w, [NoDiff] double[] c, double a)
            {
                double s = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    double row = 0;
                    for (int j = 0; j <= i; j++)
                    {
                        row += c[(i * w.Length) + j] * w[j];
                    }

                    s += row * w[i] * a;
                }

                return s;
            }

            // A layer written with kernels: their pullbacks run in reverse order on pooled adjoint buffers; the
            // constant input x gets no gradient buffer at all.
            [Differentiable]
            public static double Layer(double[] w, [NoDiff] double[] x, double[] b)
            {
                double[] z = new double[2];
                Kernels.MatVec(w, x, 2, 3, false, z);
                double[] a = new double[2];
                Kernels.Add(z, b, a);
                double[] h = new double[2];
                Kernels.Tanh(a, h);
                return Kernels.Sum(h);
            }
        }

        public partial class Spring
        {
            private readonly double stiffness = 3;

            // Instance method: fields are read as constants; x is overwritten but only read afterwards, so nothing is saved.
            [Differentiable]
            public double Energy(double x)
            {
                x = x - 1;
                return 0.5 * stiffness * x * x;
            }
        }
        """;

    [Theory]
    [InlineData("Demo.Textbook.Graph_double_double")]
    [InlineData("Demo.Textbook.Branches_double_double")]
    [InlineData("Demo.Textbook.Mixed_float_float_int")]
    [InlineData("Demo.Textbook.Caller_double_double")]
    [InlineData("Demo.Spring.Energy_double")]
    [InlineData("Demo.Arrays.Quadratic_double___double___double")]
    [InlineData("Demo.Arrays.Layer_double___double___double__")]
    public void Generator_RepresentativeMethod_MatchesBaseline(string hint)
    {
        (GeneratorRunResult result, var diagnostics) = GeneratorHarness.Run(Source);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(diagnostics);
        string actual = GeneratorHarness.Generated(result, hint + ".g.cs").Replace("\r\n", "\n", StringComparison.Ordinal);
        string path = Path.Combine(DiagnosticTests.RepositoryRoot(), "Tests", "AutoDiffGen.Tests", "Generator", "Baselines", hint + ".generated.txt");
        if (Environment.GetEnvironmentVariable("ADG_UPDATE_BASELINES") == "1")
        {
            File.WriteAllText(path, actual);
        }

        Assert.True(File.Exists(path), "missing baseline " + path);
        Assert.Equal(File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal), actual);
    }

    [Fact]
    public void Generator_SameInput_ByteIdenticalOutput()
    {
        string first = string.Concat(GeneratorHarness.Run(Source).Result.GeneratedSources.Select(s => s.HintName + s.SourceText));
        string second = string.Concat(GeneratorHarness.Run(Source).Result.GeneratedSources.Select(s => s.HintName + s.SourceText));
        Assert.Equal(first, second);
    }
}
