namespace AutoDiffGen.Bench;

/// <summary>
/// The 784 -> 128 (tanh) -> 10 softmax cross-entropy MLP on a batch of 64, written as ordinary differentiable
/// code over the runtime kernels: its gradient with respect to all four parameter arrays is generated.
/// </summary>
public static partial class GeneratedMlp
{
    public const int Batch = 64;
    public const int Inputs = 784;
    public const int Hidden = 128;
    public const int Classes = 10;

    /// <summary>Mean softmax cross-entropy of the batch <paramref name="x"/> (row-major, Batch x Inputs).</summary>
    /// <param name="w1">First layer weights, Inputs x Hidden, row-major.</param>
    /// <param name="b1">First layer biases.</param>
    /// <param name="w2">Second layer weights, Hidden x Classes, row-major.</param>
    /// <param name="b2">Second layer biases.</param>
    /// <param name="x">The input batch (data, no gradient).</param>
    /// <param name="labels">The class of each row.</param>
    /// <returns>The loss.</returns>
    [Differentiable]
    public static double Loss(double[] w1, double[] b1, double[] w2, double[] b2, [NoDiff] double[] x, int[] labels)
    {
        double[] z1 = new double[Batch * Hidden];
        Kernels.MatMul(x, w1, Batch, Inputs, Hidden, false, false, z1);
        double[] a1 = new double[Batch * Hidden];
        for (int r = 0; r < Batch; r++)
        {
            for (int c = 0; c < Hidden; c++)
            {
                a1[(r * Hidden) + c] = z1[(r * Hidden) + c] + b1[c];
            }
        }

        double[] h = new double[Batch * Hidden];
        Kernels.Tanh(a1, h);
        double[] z2 = new double[Batch * Classes];
        Kernels.MatMul(h, w2, Batch, Hidden, Classes, false, false, z2);
        double[] logits = new double[Batch * Classes];
        for (int r = 0; r < Batch; r++)
        {
            for (int c = 0; c < Classes; c++)
            {
                logits[(r * Classes) + c] = z2[(r * Classes) + c] + b2[c];
            }
        }

        return Kernels.SoftmaxCrossEntropy(logits, labels);
    }
}
