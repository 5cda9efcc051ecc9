using System;
using System.Linq;
using System.Reflection;
using Xunit;

namespace AutoDiffGen.Tests.CompileAndRun;

/// <summary>
/// Block views: inside a loop over <c>r</c>, elements <c>w[r * B + j]</c> with <c>0 &lt;= j &lt; B</c> are read and
/// written through a view of block <c>r</c> taken once per iteration, in both sweeps. Every method is checked
/// against finite differences; the generated text shows where views are taken and where they must not be (another
/// index into the same array, a mention outside the block loop, blocks that may overlap). A view is clamped to the
/// array, so an index out of range throws the same exception as the primal, at the same element.
/// </summary>
public sealed class BlockViewTests
{
    private static readonly string[] Viewed = { "RowProduct", "LiteralOffsets", "PooledBlocks", "StackBlocks", "OuterBlocks" };

    private static readonly string[] NotViewed = { "MixedIndex", "MentionedOutside", "OverlappingOffsets" };

    private const string Subjects = """
        using System;
        using AutoDiffGen;

        namespace Views;

        public static partial class Subjects
        {
            // Rows of 3: w[r * 3 + j] is row r, element j.
            [Differentiable]
            public static double RowProduct(double[] w, double a)
            {
                double s = 0;
                for (int r = 0; r < w.Length / 3; r++)
                {
                    double t = 0;
                    for (int j = 0; j < 3; j++)
                    {
                        t += w[(r * 3) + j] * (j + a);
                    }

                    s += Math.Sin(t);
                }

                return s + a;
            }

            // Literal offsets, read directly in the block loop (no inner loop): the reads must stay inside it.
            [Differentiable]
            public static double LiteralOffsets(double[] w, double a)
            {
                double s = 0;
                for (int r = 0; r < w.Length / 3; r++)
                {
                    s += (w[r * 3] * w[(r * 3) + 2]) - Math.Cos(w[(r * 3) + 1] * a);
                }

                return s;
            }

            // A local buffer (rented in the adjoint) filled and read block by block.
            [Differentiable]
            public static double PooledBlocks(double[] w, double a)
            {
                int d = 2;
                double[] buf = new double[2 * d];
                double s = 0;
                for (int p = 0; p < w.Length; p++)
                {
                    for (int c = 0; c < 2; c++)
                    {
                        for (int j = 0; j < 2; j++)
                        {
                            buf[(c * 2) + j] = w[(p + j) % w.Length] * (a + c);
                        }

                        for (int j = 0; j < 2; j++)
                        {
                            s += Math.Tanh(buf[(c * 2) + j] * buf[(c * 2) + j]);
                        }
                    }
                }

                return s;
            }

            // A stackalloc'd span as the buffer.
            [Differentiable]
            public static double StackBlocks(double[] w, double a)
            {
                Span<double> buf = stackalloc double[6];
                double s = 0;
                for (int c = 0; c < 2; c++)
                {
                    for (int j = 0; j < 3; j++)
                    {
                        buf[(c * 3) + j] = w[j % w.Length] * a + c;
                    }

                    for (int j = 1; j < 3; j++)
                    {
                        s += buf[(c * 3) + j] * buf[c * 3];
                    }
                }

                return s;
            }

            // The block counter is the outer loop's, the offset the inner loop's: one view per row, taken outside the
            // inner loop.
            [Differentiable]
            public static double OuterBlocks(double[] w, double a)
            {
                double s = 0;
                for (int r = 0; r < w.Length / 2; r++)
                {
                    double t = a;
                    for (int j = 0; j < 2; j++)
                    {
                        t = Math.Sin(t + w[(r * 2) + j]);
                    }

                    s += t * w[r * 2];
                }

                return s;
            }

            // w[j] and w[r * 3 + j] in the same loop: two names of one array would alias, so no view.
            [Differentiable]
            public static double MixedIndex(double[] w, double a)
            {
                double s = 0;
                for (int r = 0; r < w.Length / 3; r++)
                {
                    for (int j = 0; j < 3; j++)
                    {
                        s += w[(r * 3) + j] * w[j] * a;
                    }
                }

                return s;
            }

            // w is also read in the enclosing loop, outside the block loop: no view.
            [Differentiable]
            public static double MentionedOutside(double[] w, double a)
            {
                double s = 0;
                for (int p = 0; p < 2; p++)
                {
                    s += w[p] * a;
                    for (int r = 0; r < w.Length / 3; r++)
                    {
                        for (int j = 0; j < 3; j++)
                        {
                            s += Math.Sin(w[(r * 3) + j] + p);
                        }
                    }
                }

                return s;
            }

            // Offsets up to 3 in blocks of 3 reach into the next block: not provably inside, so no view.
            [Differentiable]
            public static double OverlappingOffsets(double[] w, double a)
            {
                double s = 0;
                for (int r = 0; r < (w.Length - 1) / 3; r++)
                {
                    for (int j = 0; j <= 3; j++)
                    {
                        s += w[(r * 3) + j] * a * (j + 1);
                    }
                }

                return s;
            }

            // Two rows of 3 whatever the length: a shorter w runs out inside the second row.
            [Differentiable]
            public static double FixedRows(double[] w, double a)
            {
                double s = 0;
                for (int r = 0; r < 2; r++)
                {
                    for (int j = 0; j < 3; j++)
                    {
                        s += w[(r * 3) + j] * a;
                    }
                }

                return s;
            }

            // Rows from -1: block -1 lies before the array.
            [Differentiable]
            public static double RowBeforeStart(double[] w, double a)
            {
                double s = 0;
                for (int r = -1; r < 1; r++)
                {
                    for (int j = 0; j < 3; j++)
                    {
                        s += w[(r * 3) + j] * a;
                    }
                }

                return s;
            }
        }
        """;

    private static readonly string[] All = Viewed.Concat(NotViewed).Concat(new[] { "FixedRows", "RowBeforeStart" }).ToArray();

    private static readonly ArrayMethodCheck Check = new(Subjects, All, "Views", "BlockViewTests");

    public static TheoryData<string, int> Cases() => ArrayMethodCheck.Cases(Viewed.Concat(NotViewed).ToArray(), points: 4);

    public static TheoryData<string> ViewedNames() => new(Viewed);

    public static TheoryData<string> NotViewedNames() => new(NotViewed);

    private static string Generated(string method)
        => Check.Compiled.GeneratedSources.Single(kv => kv.Key.Contains("." + method + "_", StringComparison.Ordinal)).Value;

    [Theory]
    [MemberData(nameof(Cases))]
    public void Method_AtPoint_GradientAndPullbackMatchFiniteDifferences(string method, int pointIndex)
    {
        var random = new Random(4000 + pointIndex);
        double[] w = Enumerable.Range(0, 5 + pointIndex).Select(_ => Math.Round((random.NextDouble() * 1.6) - 0.7, 3)).ToArray();
        Check.AgreesWithFiniteDifferences(method, w, Math.Round(0.3 + random.NextDouble(), 3));
    }

    [Theory]
    [MemberData(nameof(ViewedNames))]
    public void BlockAccesses_GoThroughAView(string method)
        => Assert.Contains("global::AutoDiffGen.CompilerServices.BlockView.", Generated(method), StringComparison.Ordinal);

    [Theory]
    [MemberData(nameof(NotViewedNames))]
    public void ArrayWithAnotherName_GetsNoView(string method)
        => Assert.DoesNotContain("BlockView.", Generated(method), StringComparison.Ordinal);

    [Fact]
    public void RowProduct_ViewsTheInputAndItsGradient()
    {
        string generated = Generated("RowProduct");
        Assert.Contains("global::System.Span<double> _v_w = global::AutoDiffGen.CompilerServices.BlockView.OfArray(w, r * 3, 3);", generated, StringComparison.Ordinal);
        Assert.Contains("global::System.Span<double> _v_dw = global::AutoDiffGen.CompilerServices.BlockView.Of(dw, r * 3, 3);", generated, StringComparison.Ordinal);
        Assert.Contains("_v_w[j]", generated, StringComparison.Ordinal);
        Assert.Contains("_v_dw[j]", generated, StringComparison.Ordinal);
        Assert.DoesNotContain("w[r * 3 + j]", Code(generated), StringComparison.Ordinal);
    }

    [Fact]
    public void LiteralOffsets_AreReadThroughTheViewInsideTheLoop()
    {
        string generated = Generated("LiteralOffsets");
        Assert.Contains("_v_w[0]", generated, StringComparison.Ordinal);
        Assert.Contains("_v_w[1]", generated, StringComparison.Ordinal);
        Assert.Contains("_v_w[2]", generated, StringComparison.Ordinal);
    }

    [Fact]
    public void Buffers_AndTheirAdjoints_AreViewed()
    {
        string pooled = Generated("PooledBlocks");
        Assert.Contains("global::System.Span<double> _v_buf = global::AutoDiffGen.CompilerServices.BlockView.Of(buf, c * 2, 2);", pooled, StringComparison.Ordinal);
        Assert.Contains("global::System.Span<double> _v_d_buf = global::AutoDiffGen.CompilerServices.BlockView.OfArray(_d_buf, c * 2, 2);", pooled, StringComparison.Ordinal);
        Assert.Contains("BlockView.Of(buf, c * 3, 3);", Generated("StackBlocks"), StringComparison.Ordinal);
    }

    [Fact]
    public void OuterBlocks_TakesTheViewOncePerRow()
    {
        string generated = Generated("OuterBlocks");
        Assert.Contains("BlockView.OfArray(w, r * 2, 2);", generated, StringComparison.Ordinal);
        Assert.Contains("_v_w[j]", generated, StringComparison.Ordinal);
        Assert.Contains("_v_w[0]", generated, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("FixedRows", 4)]
    [InlineData("FixedRows", 5)]
    [InlineData("RowBeforeStart", 3)]
    public void IndexOutOfRange_ThrowsWhereThePrimalThrows(string method, int length)
    {
        Assert.Contains("BlockView.", Generated(method), StringComparison.Ordinal);
        double[] w = Enumerable.Range(0, length).Select(i => 0.1 * (i + 1)).ToArray();
        Exception primal = Assert.Throws<TargetInvocationException>(() => Check.Primal(method, w, 0.5)).InnerException!;
        Exception gradient = Assert.Throws<TargetInvocationException>(() => Check.Gradient(method, w, 0.5)).InnerException!;
        Assert.IsType<IndexOutOfRangeException>(primal);
        Assert.IsType<IndexOutOfRangeException>(gradient);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(9)]
    public void FixedRows_InRange_MatchesFiniteDifferencesAndExactValues(int length)
    {
        double[] w = Enumerable.Range(0, length).Select(i => 0.1 * (i + 1)).ToArray();
        Check.AgreesWithFiniteDifferences("FixedRows", w, 0.5);
        (double value, double[] dw, double da) = Check.Gradient("FixedRows", w, 0.5);
        Assert.Equal(w.Take(6).Sum() * 0.5, value, 12);
        Assert.Equal(w.Take(6).Sum(), da, 12);
        Assert.All(dw.Take(6), g => Assert.Equal(0.5, g, 12));
        Assert.All(dw.Skip(6), g => Assert.Equal(0.0, g));
    }

    /// <summary>The generated code without its comments (which quote the user's source).</summary>
    private static string Code(string generated)
        => string.Join('\n', generated.Split('\n').Where(line => !line.TrimStart().StartsWith("//", StringComparison.Ordinal)));
}
