using System;

namespace AutoDiffGen.GradBench.Objectives;

/// <summary>
/// GradBench's det eval (cmpad's det_by_minor): the determinant of an ℓ×ℓ row-major matrix by expansion by minors
/// along the first row, recursively:
///
///   det M = Σ_j (-1)^j M[0, j] det S_j,   S_j = M without its row 0 and column j;   det of a 1×1 matrix = its entry.
///
/// As in cmpad, a minor is a set of remaining rows and columns of A, not a copy: its rows are always the last
/// <c>size</c> rows of A (row 0 of a minor is row ℓ - size of A) and its columns are those not set in a bit mask,
/// taken in increasing order. The recursion goes through the generated Pullback of <see cref="Minor"/>.
/// </summary>
internal static partial class Det
{
    /// <summary>The determinant of the <paramref name="ell"/>×<paramref name="ell"/> row-major matrix <paramref name="a"/>.</summary>
    [Differentiable]
    public static double Determinant(ReadOnlySpan<double> a, int ell) => Minor(a, ell, ell, 0);

    /// <summary>
    /// The determinant of the <paramref name="size"/>×<paramref name="size"/> minor of <paramref name="a"/> made of its
    /// last <paramref name="size"/> rows and the columns whose bit is clear in <paramref name="removedColumns"/>.
    /// </summary>
    [Differentiable]
    public static double Minor(ReadOnlySpan<double> a, int ell, int size, int removedColumns)
    {
        int row = (ell - size) * ell;
        if (size == 1)
        {
            int last = 0;
            while ((removedColumns & (1 << last)) != 0)
            {
                last++;
            }

            return a[row + last];
        }

        double det = 0;
        int position = 0;
        for (int column = 0; column < ell; column++)
        {
            if ((removedColumns & (1 << column)) == 0)
            {
                double term = a[row + column] * Minor(a, ell, size - 1, removedColumns | (1 << column));

                // Columns of the minor alternate in sign, whatever their index in A.
                if ((position & 1) == 0)
                {
                    det += term;
                }
                else
                {
                    det -= term;
                }

                position++;
            }
        }

        return det;
    }
}
