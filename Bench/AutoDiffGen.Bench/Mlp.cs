using System;

namespace AutoDiffGen.Bench;

/// <summary>
/// The benchmark MLP: inputs 784 -> hidden 128 (tanh) -> 10 classes, softmax cross-entropy averaged over a batch of
/// 64, weights stored as [out x in] (so the forward products take B transposed). One instance holds the shapes,
/// the data, the parameters and the gradient buffers, so every implementation of value-and-gradient (hand-written
/// here, generated later) runs on identical inputs and can be compared with the others.
/// </summary>
public sealed class MlpProblem
{
    public const int Batch = 64;
    public const int Inputs = 784;
    public const int Hidden = 128;
    public const int Classes = 10;

    /// <summary>Creates the problem with data and parameters drawn from a fixed seed.</summary>
    public MlpProblem(int seed = 20261126)
    {
        Random random = new(seed);
        X = Uniform(random, Batch * Inputs, 0, 1);                     // pixel-like inputs in [0, 1)
        W1 = Uniform(random, Hidden * Inputs, -1 / Math.Sqrt(Inputs), 1 / Math.Sqrt(Inputs));
        B1 = Uniform(random, Hidden, -0.1, 0.1);
        W2 = Uniform(random, Classes * Hidden, -1 / Math.Sqrt(Hidden), 1 / Math.Sqrt(Hidden));
        B2 = Uniform(random, Classes, -0.1, 0.1);
        Labels = new int[Batch];
        for (int i = 0; i < Batch; i++)
        {
#pragma warning disable CA5394 // Reproducible benchmark inputs, not security.
            Labels[i] = random.Next(Classes);
#pragma warning restore CA5394
        }
    }

    /// <summary>Inputs, [Batch x Inputs] row-major.</summary>
    public double[] X { get; }

    /// <summary>The class of each batch row.</summary>
    public int[] Labels { get; }

    /// <summary>First-layer weights, [Hidden x Inputs].</summary>
    public double[] W1 { get; }

    /// <summary>First-layer biases, [Hidden].</summary>
    public double[] B1 { get; }

    /// <summary>Second-layer weights, [Classes x Hidden].</summary>
    public double[] W2 { get; }

    /// <summary>Second-layer biases, [Classes].</summary>
    public double[] B2 { get; }

    /// <summary>Gradient buffers, one per parameter array, same shapes; overwritten by each value-and-gradient.</summary>
    public double[] DW1 { get; } = new double[Hidden * Inputs];

    public double[] DB1 { get; } = new double[Hidden];

    public double[] DW2 { get; } = new double[Classes * Hidden];

    public double[] DB2 { get; } = new double[Classes];

    /// <summary>All parameters, in the order W1, B1, W2, B2.</summary>
    public double[][] Parameters => [W1, B1, W2, B2];

    /// <summary>The gradient buffers, in the order of <see cref="Parameters"/>.</summary>
    public double[][] Gradients => [DW1, DB1, DW2, DB2];

    private static double[] Uniform(Random random, int length, double low, double high)
    {
        double[] values = new double[length];
        for (int i = 0; i < length; i++)
        {
#pragma warning disable CA5394 // Reproducible benchmark inputs, not security.
            values[i] = low + ((high - low) * random.NextDouble());
#pragma warning restore CA5394
        }

        return values;
    }
}

/// <summary>
/// The MLP's loss and gradient written by hand from the runtime kernels and their pullbacks, as an expert would:
/// every intermediate in a preallocated buffer, products with transpose options instead of explicit transposes, and
/// no gradient for the constant inputs X.
/// </summary>
public sealed class MlpHandWritten
{
    private const int B = MlpProblem.Batch, I = MlpProblem.Inputs, H = MlpProblem.Hidden, C = MlpProblem.Classes;

    // Forward intermediates (kept for the reverse sweep) and reverse adjoints.
    private readonly double[] z1 = new double[B * H];
    private readonly double[] a1 = new double[B * H];
    private readonly double[] z2 = new double[B * C];
    private readonly double[] dz2 = new double[B * C];
    private readonly double[] da1 = new double[B * H];
    private readonly double[] dz1 = new double[B * H];
    private readonly double[] ones = [.. System.Linq.Enumerable.Repeat(1.0, B)];

    /// <summary>Mean loss over the batch; writes the gradients into the problem's buffers.</summary>
    public double ValueAndGradient(MlpProblem p)
    {
        ArgumentNullException.ThrowIfNull(p);
        double loss = Forward(p);

        // Reverse sweep.
        // L = SCE(Z2)                   =>  dZ2 = (softmax(Z2) - onehot) / B
        Array.Clear(dz2);
        Kernels.SoftmaxCrossEntropyPullback(z2, p.Labels, 1.0, dz2);

        // Z2 = A1 W2^T + 1 b2^T         =>  dW2 = dZ2^T A1 [C x H], db2 = dZ2^T 1, dA1 = dZ2 W2 [B x H]
        Kernels.MatMul(dz2, a1, C, B, H, transposeA: true, transposeB: false, p.DW2);
        Kernels.MatVec(dz2, ones, B, C, transpose: true, p.DB2);
        Kernels.MatMul(dz2, p.W2, B, C, H, transposeA: false, transposeB: false, da1);

        // A1 = tanh(Z1)                 =>  dZ1 = dA1 (1 - A1^2)
        Array.Clear(dz1);
        Kernels.TanhPullback(z1, a1, da1, dz1);

        // Z1 = X W1^T + 1 b1^T          =>  dW1 = dZ1^T X [H x I], db1 = dZ1^T 1 (X is data: no dX)
        Kernels.MatMul(dz1, p.X, H, B, I, transposeA: true, transposeB: false, p.DW1);
        Kernels.MatVec(dz1, ones, B, H, transpose: true, p.DB1);
        return loss;
    }

    /// <summary>The mean loss alone (also the forward sweep of <see cref="ValueAndGradient"/>).</summary>
    public double Forward(MlpProblem p)
    {
        ArgumentNullException.ThrowIfNull(p);

        // Z1 = X W1^T + b1 (per row); A1 = tanh(Z1)
        Kernels.MatMul(p.X, p.W1, B, I, H, transposeA: false, transposeB: true, z1);
        AddRowVector(z1, p.B1, H);
        Kernels.Tanh(z1, a1);

        // Z2 = A1 W2^T + b2 (per row); L = mean_b [logsumexp(Z2_b) - Z2_b,label_b]
        Kernels.MatMul(a1, p.W2, B, H, C, transposeA: false, transposeB: true, z2);
        AddRowVector(z2, p.B2, C);
        return Kernels.SoftmaxCrossEntropy(z2, p.Labels);
    }

    /// <summary>Adds <paramref name="bias"/> to every row of the row-major matrix <paramref name="m"/>.</summary>
    private static void AddRowVector(double[] m, double[] bias, int columns)
    {
        for (int row = 0; row < m.Length; row += columns)
        {
            Span<double> r = m.AsSpan(row, columns);
            Kernels.Add(r, bias, r);
        }
    }
}
