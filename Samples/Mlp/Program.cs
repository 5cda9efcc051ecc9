using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using AutoDiffGen;
using AutoDiffGen.Optimizers;
using AutoDiffGen.Samples;

namespace Mlp;

/// <summary>
/// A two-layer perceptron for two input features and one output: hidden = sigmoid(W1 x + b1),
/// p = sigmoid(w2 . hidden + b2). Its loss is marked [Differentiable], so at build time AutoDiffGen writes
/// LossGradient (value, and one gradient span per parameter array) into this class. The loss is plain scalar
/// code: loops over the batch and the hidden units.
/// </summary>
public static partial class Network
{
    /// <summary>Number of input features.</summary>
    public const int Inputs = 2;

    /// <summary>The logistic function 1 / (1 + e^-z); [Differentiable], so Loss may call it.</summary>
    /// <param name="z">The pre-activation.</param>
    /// <returns>A value in (0, 1).</returns>
    [Differentiable]
    public static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    /// <summary>The output logit z = w2 . sigmoid(W1 x + b1) + b2 for one point; p(class 1) = sigmoid(z).</summary>
    /// <param name="w1">Hidden weights, row-major hidden x <see cref="Inputs"/>.</param>
    /// <param name="b1">Hidden biases; its length is the number of hidden units.</param>
    /// <param name="w2">Output weights, one per hidden unit.</param>
    /// <param name="b2">Output bias (a vector of one, like every other bias).</param>
    /// <param name="x0">First feature.</param>
    /// <param name="x1">Second feature.</param>
    /// <returns>The logit.</returns>
    [Differentiable]
    public static double Logit(
        ReadOnlySpan<double> w1, ReadOnlySpan<double> b1, ReadOnlySpan<double> w2, ReadOnlySpan<double> b2, double x0, double x1)
    {
        double z = b2[0];
        for (int j = 0; j < b1.Length; j++)
        {
            double hidden = Sigmoid(b1[j] + (w1[j * Inputs] * x0) + (w1[(j * Inputs) + 1] * x1));
            z += w2[j] * hidden;
        }

        return z;
    }

    /// <summary>
    /// Mean binary cross-entropy -[t log p + (1 - t) log(1 - p)] with p = sigmoid(z), over a batch. It is computed
    /// from the logit as softplus(z) - t z (the same quantity: log p = -softplus(-z), log(1 - p) = -softplus(z)),
    /// with softplus(z) = max(z, 0) + log(1 + e^-|z|), so a confident wrong prediction never takes log(0).
    /// </summary>
    /// <param name="w1">Hidden weights: differentiated.</param>
    /// <param name="b1">Hidden biases: differentiated.</param>
    /// <param name="w2">Output weights: differentiated.</param>
    /// <param name="b2">Output bias: differentiated.</param>
    /// <param name="features">The batch, row-major <paramref name="count"/> x <see cref="Inputs"/>: constant.</param>
    /// <param name="labels">0 or 1 per point: constant.</param>
    /// <param name="count">Batch size.</param>
    /// <returns>The mean loss over the batch.</returns>
    [Differentiable]
    public static double Loss(
        ReadOnlySpan<double> w1,
        ReadOnlySpan<double> b1,
        ReadOnlySpan<double> w2,
        ReadOnlySpan<double> b2,
        [NoDiff] ReadOnlySpan<double> features,
        [NoDiff] ReadOnlySpan<double> labels,
        int count)
    {
        double total = 0;
        for (int i = 0; i < count; i++)
        {
            double z = Logit(w1, b1, w2, b2, features[i * Inputs], features[(i * Inputs) + 1]);
            double softplus = Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z)));
            total += softplus - (labels[i] * z);
        }

        return total / count;
    }
}

/// <summary>The trainable parameters, one array per layer tensor, each with its gradient buffer and optimiser.</summary>
internal sealed class Layer
{
    public Layer(int length, double scale, Random random, double learningRate)
    {
        Values = new double[length];
        Gradient = new double[length];
        Optimizer = new Adam<double>(learningRate);
        for (int i = 0; i < length; i++)
        {
            Values[i] = scale * Program.Gaussian(random);
        }
    }

    public double[] Values { get; }

    public double[] Gradient { get; }

    public Adam<double> Optimizer { get; }

    public void Step() => Optimizer.Step(Values, Gradient);
}

/// <summary>What a training run ended with.</summary>
/// <param name="TrainAccuracy">Fraction of training points classified correctly.</param>
/// <param name="TestAccuracy">Fraction of held-out points classified correctly.</param>
/// <param name="Losses">Mean training loss per epoch.</param>
public sealed record TrainingResult(double TrainAccuracy, double TestAccuracy, IReadOnlyList<double> Losses);

public static class Program
{
    public const int Hidden = 16;
    public const int TrainCount = 400;
    public const int TestCount = 200;
    public const int Epochs = 40;
    public const int BatchSize = 20;
    public const double LearningRate = 0.05;
    public const double Noise = 0.15;
    public const int Seed = 7;

    /// <summary>Name of the loss-curve file written to the working directory.</summary>
    public const string PlotFile = "mlp-loss.svg";

    public static void Main()
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        Run(Console.Out, Directory.GetCurrentDirectory());
    }

    /// <summary>Generates the data, trains the network and reports progress to <paramref name="output"/>.</summary>
    /// <param name="output">Where progress goes.</param>
    /// <param name="plotDirectory">Where the loss curve (<see cref="PlotFile"/>) is written.</param>
    /// <returns>Accuracies and the loss curve.</returns>
    public static TrainingResult Run(TextWriter output, string plotDirectory)
    {
        ArgumentNullException.ThrowIfNull(output);
        var random = new Random(Seed);

        // 1. Data: two interleaving half circles ("two moons") with Gaussian noise, shuffled, then split.
        int total = TrainCount + TestCount;
        (double[] features, double[] labels) = TwoMoons(total, Noise, random);
        double[] trainX = features[..(TrainCount * Network.Inputs)], trainY = labels[..TrainCount];
        double[] testX = features[(TrainCount * Network.Inputs)..], testY = labels[TrainCount..];

        // 2. Parameters: small Gaussian initial weights (scaled by 1/sqrt(fan-in)), zero-mean biases.
        var w1 = new Layer(Hidden * Network.Inputs, 1.0, random, LearningRate);
        var b1 = new Layer(Hidden, 0.1, random, LearningRate);
        var w2 = new Layer(Hidden, 1.0 / Math.Sqrt(Hidden), random, LearningRate);
        var b2 = new Layer(1, 0.1, random, LearningRate);
        Layer[] layers = [w1, b1, w2, b2];

        output.WriteLine($"MLP {Network.Inputs} -> {Hidden} (sigmoid) -> 1 (sigmoid), binary cross-entropy, Adam (learning rate {LearningRate})");
        output.WriteLine($"two moons, noise {Noise}: {TrainCount} training points, {TestCount} test points, batches of {BatchSize}");

        // 3. Mini-batch training: shuffle the training points each epoch, one Adam step per batch.
        int[] order = new int[TrainCount];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        double[] batchX = new double[BatchSize * Network.Inputs];
        double[] batchY = new double[BatchSize];
        var losses = new List<double>(Epochs);
        for (int epoch = 1; epoch <= Epochs; epoch++)
        {
            random.Shuffle(order);
            double epochLoss = 0;
            int batches = 0;
            for (int start = 0; start + BatchSize <= TrainCount; start += BatchSize)
            {
                for (int b = 0; b < BatchSize; b++)
                {
                    int row = order[start + b];
                    batchX[b * Network.Inputs] = trainX[row * Network.Inputs];
                    batchX[(b * Network.Inputs) + 1] = trainX[(row * Network.Inputs) + 1];
                    batchY[b] = trainY[row];
                }

                // Loss and all four gradients in one call.
                epochLoss += Network.LossGradient(
                    w1.Values, b1.Values, w2.Values, b2.Values, batchX, batchY, BatchSize,
                    w1.Gradient, b1.Gradient, w2.Gradient, b2.Gradient);
                batches++;
                foreach (Layer layer in layers)
                {
                    layer.Step();
                }
            }

            losses.Add(epochLoss / batches);
            double trainAccuracy = Accuracy(layers, trainX, trainY);
            output.WriteLine($"  epoch {epoch,2}: loss = {epochLoss / batches:F4}  train accuracy = {trainAccuracy:F3}");
        }

        string plotPath = Path.Combine(plotDirectory, PlotFile);
        SvgPlot.WriteLinePlot(plotPath, "MLP on two moons: training loss per epoch", "epoch", "binary cross-entropy", losses);

        double train = Accuracy(layers, trainX, trainY);
        double test = Accuracy(layers, testX, testY);
        output.WriteLine($"train accuracy: {train:F2}");
        output.WriteLine($"loss curve: {plotPath}");
        output.WriteLine($"accuracy: {test:F2}");
        return new TrainingResult(train, test, losses);
    }

    /// <summary>Fraction of points whose predicted class (p at least one half, i.e. logit at least 0) is right.</summary>
    private static double Accuracy(Layer[] layers, double[] features, double[] labels)
    {
        int correct = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            double z = Network.Logit(
                layers[0].Values, layers[1].Values, layers[2].Values, layers[3].Values,
                features[i * Network.Inputs], features[(i * Network.Inputs) + 1]);
            correct += (z >= 0 ? 1 : 0) == (int)labels[i] ? 1 : 0;
        }

        return (double)correct / labels.Length;
    }

    /// <summary>
    /// Half the points on the upper half circle of radius 1 around (0, 0) (label 0), half on the lower half circle
    /// around (1, 0.5) (label 1), each coordinate plus N(0, noise^2), in random order.
    /// </summary>
    private static (double[] Features, double[] Labels) TwoMoons(int count, double noise, Random random)
    {
        double[] features = new double[count * Network.Inputs];
        double[] labels = new double[count];
        int[] order = new int[count];
        for (int i = 0; i < count; i++)
        {
            order[i] = i;
        }

        random.Shuffle(order);
        for (int i = 0; i < count; i++)
        {
            int slot = order[i];
            int label = i % 2;
            double t = Math.PI * random.NextDouble();
            double x = label == 0 ? Math.Cos(t) : 1 - Math.Cos(t);
            double y = label == 0 ? Math.Sin(t) : 0.5 - Math.Sin(t);
            features[slot * Network.Inputs] = x + (noise * Gaussian(random));
            features[(slot * Network.Inputs) + 1] = y + (noise * Gaussian(random));
            labels[slot] = label;
        }

        return (features, labels);
    }

    /// <summary>A standard normal sample (Box-Muller).</summary>
    internal static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
