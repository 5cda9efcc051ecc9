using System;
using System.Linq;
using Xunit;

namespace AutoDiffGen.Tests.CompileAndRun;

/// <summary>
/// Constant data of any shape read by differentiable code: elements of static and instance fields, of jagged and
/// rectangular arrays, of local aliases of such data (<c>double[] row = Rows[i]</c>, also reassigned in loops whose
/// reverse sweep needs every iteration's row), and foreach over arrays of any element type. Each is a constant:
/// no adjoint, no error, and the gradient matches central differences.
/// </summary>
public class ConstantDataTests
{
    private const string Subjects = """
        using System;
        using AutoDiffGen;

        namespace Constants;

        public static partial class Subjects
        {
            private static readonly double[] Table = { 0.5, -1.25, 2.0 };
            private static readonly int[] Perm = { 2, 0, 1, 1 };
            private static readonly double[][] Rows = { new[] { 1.0, 0.5, -0.25 }, new[] { -0.75, 2.0 }, new[] { 0.3, -0.6, 0.9, 1.2 } };
            private static readonly double[,] Grid = { { 1.0, -0.5, 0.25 }, { 0.75, 1.5, -1.0 } };

            // A lookup table in a static field.
            [Differentiable]
            public static double StaticTable(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    s += Math.Sin(w[i] * Table[i % Table.Length] + a);
                }

                return s;
            }

            // x[i][j] of a jagged array, rows of different lengths.
            [Differentiable]
            public static double Jagged(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < Rows.Length; i++)
                {
                    double z = a;
                    for (int j = 0; j < Rows[i].Length; j++)
                    {
                        z += w[j % w.Length] * Rows[i][j];
                    }

                    s += z * z;
                }

                return s;
            }

            // A local alias of a row: one pass per row, nothing saved.
            [Differentiable]
            public static double RowAlias(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < Rows.Length; i++)
                {
                    double[] row = Rows[i];
                    double z = 0;
                    for (int j = 0; j < row.Length; j++)
                    {
                        z += w[j % w.Length] * row[j];
                    }

                    for (int j = 0; j < row.Length; j++)
                    {
                        s += Math.Sin(z * row[j] * a);
                    }
                }

                return s;
            }

            // The row is chosen through a permutation that the loop updates, and the carried product needs each
            // iteration's row in the reverse sweep: saved on the reference tape.
            [Differentiable]
            public static double CarriedRow(double[] w, double a)
            {
                double s = a;
                int k = 0;
                for (int i = 0; i < 6; i++)
                {
                    k = Perm[(k + i) % Perm.Length];
                    double[] row = Rows[k % Rows.Length];
                    s = (s * Math.Cos(row[0] * a)) + (w[i % w.Length] * row[1]);
                }

                return s;
            }

            // foreach over a jagged field, over each row, and over an int[] field.
            [Differentiable]
            public static double ForeachRows(double[] w, double a)
            {
                double s = a;
                foreach (double[] row in Rows)
                {
                    foreach (double v in row)
                    {
                        s = (s * Math.Cos(v * a)) + (w[0] * v);
                    }
                }

                foreach (int k in Perm)
                {
                    s += w[k % w.Length] * s;
                }

                return s;
            }

            // A rectangular array, with GetLength.
            [Differentiable]
            public static double Rectangular(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < Grid.GetLength(0); i++)
                {
                    for (int j = 0; j < Grid.GetLength(1); j++)
                    {
                        s += Math.Exp(w[j % w.Length] * Grid[i, j] * a);
                    }
                }

                return s;
            }

            // An alias that switches between two constant tables.
            [Differentiable]
            public static double SwitchingAlias(double[] w, double a)
            {
                double s = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    double[] c = i % 2 == 0 ? Table : Rows[1];
                    s = (s * c[0]) + Math.Sin(w[i] * c[1] * a);
                }

                return s;
            }

            // foreach over a span of constant data.
            [Differentiable]
            public static double ForeachSpan(double[] w, double a)
            {
                double s = a;
                foreach (double v in Table.AsSpan(1))
                {
                    s = (s * v) + (w[0] * Math.Sin(v * s));
                }

                return s;
            }
        }
        """;

    private static readonly string[] Methods = { "StaticTable", "Jagged", "RowAlias", "CarriedRow", "ForeachRows", "Rectangular", "SwitchingAlias", "ForeachSpan" };

    private static readonly ArrayMethodCheck Check = new(Subjects, Methods, "Constants", "ConstantDataTests");

    public static TheoryData<string, int> Cases() => ArrayMethodCheck.Cases(Methods, points: 4);

    private static (double[] W, double A) Point(int index)
    {
        var random = new Random(5200 + index);
        double[] w = Enumerable.Range(0, 5).Select(_ => Math.Round((random.NextDouble() * 1.6) - 0.8, 3)).ToArray();
        return (w, Math.Round(0.2 + random.NextDouble(), 3));
    }

    private static string Generated(string method) => Check.Generated(method);

    [Theory]
    [MemberData(nameof(Cases))]
    public void ConstantData_AtPoint_GradientAndPullbackMatchFiniteDifferences(string method, int pointIndex)
    {
        (double[] w, double a) = Point(pointIndex);
        Check.AgreesWithFiniteDifferences(method, w, a);
    }

    [Fact]
    public void Rectangular_ExactValueAtAPoint()
    {
        double[,] grid = { { 1.0, -0.5, 0.25 }, { 0.75, 1.5, -1.0 } };
        double[] w = { 0.3, -0.2, 0.1 };
        double a = 0.7;
        (double value, double[] dw, double da) = Check.Gradient("Rectangular", w, a);
        double expected = 0, dA = 0;
        double[] expectedDw = new double[3];
        for (int i = 0; i < 2; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                double e = Math.Exp(w[j] * grid[i, j] * a);
                expected += e;
                expectedDw[j] += e * grid[i, j] * a;
                dA += e * w[j] * grid[i, j];
            }
        }

        Assert.Equal(expected, value, 14);
        for (int j = 0; j < 3; j++)
        {
            Assert.Equal(expectedDw[j], dw[j], 14);
        }

        Assert.Equal(dA, da, 14);
    }

    [Fact]
    public void RowAlias_IsOnePassAndSavesNothing()
    {
        string gradient = Generated("RowAlias").Split("Pullback(")[0];
        Assert.Contains("// One pass", gradient, StringComparison.Ordinal);
        Assert.DoesNotContain("_tape", gradient, StringComparison.Ordinal);
        Assert.DoesNotContain("_d_row", gradient, StringComparison.Ordinal);
    }

    [Fact]
    public void CarriedRow_SavesEachRowOnTheReferenceTape()
    {
        string gradient = Generated("CarriedRow").Split("Pullback(")[0];
        Assert.Contains("_tapeRefs[_tapeRefTop++] = row;", gradient, StringComparison.Ordinal);
        Assert.Contains("row = (double[])_tapeRefs[--_tapeRefTop]!;", gradient, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CarriedRow")]
    [InlineData("ForeachRows")]
    [InlineData("SwitchingAlias")]
    public void ConstantData_SteadyState_AllocatesNothing(string method)
    {
        (double[] w, double a) = Point(0);
        long extra = Check.BytesFor4000Calls(method, w, a);
        Assert.True(extra < 64, $"{method}: {extra} bytes for 4000 extra calls");
    }
}
