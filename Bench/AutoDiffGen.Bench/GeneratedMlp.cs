namespace AutoDiffGen.Bench;

/// <summary>
/// The <see cref="MlpProblem"/> network (784 -> 128 tanh -> 10, softmax cross-entropy, batch 64, weights stored
/// [out x in]) written as ordinary differentiable code over the runtime kernels: its gradient with respect to all
/// four parameter arrays is generated (<c>LossGradient</c>).
/// </summary>
public static partial class GeneratedMlp
{
    private const int Batch = MlpProblem.Batch;
    private const int Inputs = MlpProblem.Inputs;
    private const int Hidden = MlpProblem.Hidden;
    private const int Classes = MlpProblem.Classes;

    /// <summary>Mean softmax cross-entropy of the batch <paramref name="x"/> (row-major, Batch x Inputs).</summary>
    /// <param name="w1">First layer weights, Hidden x Inputs, row-major.</param>
    /// <param name="b1">First layer biases.</param>
    /// <param name="w2">Second layer weights, Classes x Hidden, row-major.</param>
    /// <param name="b2">Second layer biases.</param>
    /// <param name="x">The input batch (data, no gradient).</param>
    /// <param name="labels">The class of each row.</param>
    /// <returns>The loss.</returns>
    [Differentiable]
    public static double Loss(double[] w1, double[] b1, double[] w2, double[] b2, [NoDiff] double[] x, int[] labels)
    {
        double[] z1 = new double[Batch * Hidden];
        Kernels.MatMul(x, w1, Batch, Inputs, Hidden, false, true, z1);
        double[] a1 = new double[Batch * Hidden];
        AddBias(z1, b1, Batch, Hidden, a1);
        double[] h = new double[Batch * Hidden];
        Kernels.Tanh(a1, h);
        double[] z2 = new double[Batch * Classes];
        Kernels.MatMul(h, w2, Batch, Hidden, Classes, false, true, z2);
        double[] logits = new double[Batch * Classes];
        AddBias(z2, b2, Batch, Classes, logits);
        return Kernels.SoftmaxCrossEntropy(logits, labels);
    }

    /// <summary>result = z + 1 b^T (the bias added to every row), itself differentiable and called through its Pullback.</summary>
    /// <param name="z">Rows x columns, row-major.</param>
    /// <param name="b">One bias per column.</param>
    /// <param name="rows">The number of rows.</param>
    /// <param name="columns">The number of columns.</param>
    /// <param name="result">Receives the sum.</param>
    public static void AddBias(System.ReadOnlySpan<double> z, System.ReadOnlySpan<double> b, int rows, int columns, System.Span<double> result)
    {
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                result[(r * columns) + c] = z[(r * columns) + c] + b[c];
            }
        }
    }

    /// <summary>Pullback of <see cref="AddBias"/>: dz += seed, db += column sums of seed.</summary>
    /// <param name="z">The primal matrix.</param>
    /// <param name="b">The primal bias.</param>
    /// <param name="rows">The number of rows.</param>
    /// <param name="columns">The number of columns.</param>
    /// <param name="result">The primal result.</param>
    /// <param name="seed">The adjoint of the result.</param>
    /// <param name="dz">Accumulates the gradient of z.</param>
    /// <param name="db">Accumulates the gradient of b.</param>
    [DerivativeOf(nameof(AddBias))]
    public static void AddBiasPullback(System.ReadOnlySpan<double> z, System.ReadOnlySpan<double> b, int rows, int columns, System.ReadOnlySpan<double> result, System.ReadOnlySpan<double> seed, System.Span<double> dz, System.Span<double> db)
    {
        Kernels.Add(dz, seed, dz);
        for (int r = 0; r < rows; r++)
        {
            Kernels.Add(db, seed.Slice(r * columns, columns), db);
        }
    }
}
