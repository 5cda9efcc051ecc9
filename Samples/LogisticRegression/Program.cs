using System;
using System.Globalization;
using AutoDiffGen;

namespace LogisticRegression;

/// <summary>
/// The model's loss, marked [Differentiable]: at build time AutoDiffGen writes MeanNegativeLogLikelihoodGradient
/// (value, dLoss/dweights into a Span, dLoss/dbias as an out) and MeanNegativeLogLikelihoodPullback into this class.
/// </summary>
public static partial class Model
{
    /// <summary>
    /// Mean negative log-likelihood of logistic regression: for each point z = bias + w . x, p(y = 1) = sigmoid(z),
    /// and -log p(y | x) = softplus(z) - y z. softplus(z) = log(1 + e^z) is written as max(z, 0) + log(1 + e^-|z|)
    /// so that it never overflows.
    /// </summary>
    /// <param name="weights">One weight per feature (differentiated: the gradient is a Span of the same length).</param>
    /// <param name="bias">The bias (differentiated: an out double).</param>
    /// <param name="features">Row-major data, <paramref name="count"/> rows of <paramref name="dims"/>: constant.</param>
    /// <param name="labels">0 or 1 per point: constant.</param>
    /// <param name="count">Number of points.</param>
    /// <param name="dims">Number of features.</param>
    /// <returns>The mean loss over the points.</returns>
    [Differentiable]
    public static double MeanNegativeLogLikelihood(
        ReadOnlySpan<double> weights,
        double bias,
        [NoDiff] ReadOnlySpan<double> features,
        [NoDiff] ReadOnlySpan<double> labels,
        int count,
        int dims)
    {
        double total = 0;
        for (int i = 0; i < count; i++)
        {
            double z = bias;
            for (int j = 0; j < dims; j++)
            {
                z += weights[j] * features[(i * dims) + j];
            }

            double softplus = Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z)));
            total += softplus - (labels[i] * z);
        }

        return total / count;
    }

    /// <summary>The predicted class: 1 when z = bias + w . x is at least 0 (probability at least one half).</summary>
    public static int Predict(ReadOnlySpan<double> weights, double bias, ReadOnlySpan<double> point)
    {
        double z = bias;
        for (int j = 0; j < weights.Length; j++)
        {
            z += weights[j] * point[j];
        }

        return z >= 0 ? 1 : 0;
    }
}

public static class Program
{
    private const int PointsPerClass = 100;
    private const int Dims = 2;

    public static void Main()
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

        // 1. Data: two Gaussian blobs in the plane (standard deviation 1), centred at (-1, -1) (label 0) and
        //    (1.5, 1.5) (label 1), drawn from a seeded generator so every run sees the same 200 points.
        int count = 2 * PointsPerClass;
        double[] features = new double[count * Dims];
        double[] labels = new double[count];
        var random = new Random(42);
        for (int i = 0; i < count; i++)
        {
            int label = i < PointsPerClass ? 0 : 1;
            double centre = label == 0 ? -1.0 : 1.5;
            features[i * Dims] = centre + Gaussian(random);
            features[(i * Dims) + 1] = centre + Gaussian(random);
            labels[i] = label;
        }

        Console.WriteLine($"Logistic regression on {count} points ({PointsPerClass} per class), {Dims} features");

        // 2. Plain gradient descent. MeanNegativeLogLikelihoodGradient returns the loss and overwrites dWeights
        //    and dBias with its gradient: nothing is recorded at run time, the adjoint is ordinary compiled code.
        double[] weights = new double[Dims];
        double[] dWeights = new double[Dims];
        double bias = 0;
        const double learningRate = 0.5;
        const int epochs = 500;
        for (int epoch = 0; epoch <= epochs; epoch++)
        {
            double loss = Model.MeanNegativeLogLikelihoodGradient(weights, bias, features, labels, count, Dims, dWeights, out double dBias);
            if (epoch % 50 == 0)
            {
                Console.WriteLine($"  epoch {epoch,3}: loss = {loss:F4}");
            }

            if (epoch == epochs)
            {
                break;
            }

            for (int j = 0; j < Dims; j++)
            {
                weights[j] -= learningRate * dWeights[j];
            }

            bias -= learningRate * dBias;
        }

        // 3. Accuracy on the training data.
        int correct = 0;
        for (int i = 0; i < count; i++)
        {
            int predicted = Model.Predict(weights, bias, features.AsSpan(i * Dims, Dims));
            correct += predicted == (int)labels[i] ? 1 : 0;
        }

        Console.WriteLine($"weights: ({weights[0]:F3}, {weights[1]:F3}), bias: {bias:F3}");
        Console.WriteLine($"accuracy: {(double)correct / count:F2}");
    }

    /// <summary>A standard normal sample (Box-Muller).</summary>
    private static double Gaussian(Random random)
    {
#pragma warning disable CA5394 // Reproducible sample data, not security.
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
#pragma warning restore CA5394
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
