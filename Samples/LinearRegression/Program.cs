using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using AutoDiffGen;
using AutoDiffGen.Optimizers;
using AutoDiffGen.Samples;

namespace LinearRegression;

/// <summary>
/// The model y = w x + b and its loss, marked [Differentiable]: at build time AutoDiffGen writes
/// MeanSquaredErrorGradient (value, dLoss/dw and dLoss/db as out doubles) and MeanSquaredErrorPullback into this
/// class.
/// </summary>
public static partial class Model
{
    /// <summary>Mean squared error of the line y = w x + b over the points (x[i], y[i]).</summary>
    /// <param name="w">The weight (slope): differentiated.</param>
    /// <param name="b">The bias (intercept): differentiated.</param>
    /// <param name="x">The inputs: constant.</param>
    /// <param name="y">The targets: constant, as long as <paramref name="x"/>.</param>
    /// <returns>(1/n) sum_i (w x_i + b - y_i)^2.</returns>
    [Differentiable]
    public static double MeanSquaredError(double w, double b, [NoDiff] double[] x, [NoDiff] double[] y)
    {
        double total = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double residual = (w * x[i]) + b - y[i];
            total += residual * residual;
        }

        return total / x.Length;
    }
}

/// <summary>What a training run ended with.</summary>
/// <param name="Weight">The final w.</param>
/// <param name="Bias">The final b.</param>
/// <param name="Losses">The loss before each epoch's step, then the final loss (epochs + 1 values).</param>
public sealed record TrainingResult(double Weight, double Bias, IReadOnlyList<double> Losses);

public static class Program
{
    /// <summary>The step size the sample is about.</summary>
    public const double LearningRate = 0.01;

    /// <summary>
    /// Momentum of the SGD optimiser. The loss surface is a long narrow valley (the Hessian's eigenvalues are
    /// 16.7 and 0.30), so plain SGD at this learning rate needs about 2,000 epochs to get b within 0.01 of 1;
    /// momentum 0.9 gets there in a few hundred.
    /// </summary>
    public const double Momentum = 0.9;

    /// <summary>Number of optimiser steps.</summary>
    public const int Epochs = 200;

    /// <summary>Name of the loss-curve file written to the working directory.</summary>
    public const string PlotFile = "linear-regression-loss.svg";

    public static void Main()
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        Run(Console.Out, Directory.GetCurrentDirectory());
    }

    /// <summary>Trains the line on the four points, printing progress to <paramref name="output"/>.</summary>
    /// <param name="output">Where progress goes.</param>
    /// <param name="plotDirectory">Where the loss curve (<see cref="PlotFile"/>) is written.</param>
    /// <returns>The final parameters and the loss per epoch.</returns>
    public static TrainingResult Run(TextWriter output, string plotDirectory)
    {
        ArgumentNullException.ThrowIfNull(output);

        // The data lie exactly on y = x + 1, so the loss can reach 0 at w = 1, b = 1.
        double[] x = [1, 2, 3, 4];
        double[] y = [2, 3, 4, 5];

        // Sgd updates a span of parameters from a span of gradients: keep (w, b) and (dw, db) side by side.
        double[] parameters = [0.0, 0.0];
        double[] gradients = new double[2];
        var optimizer = new Sgd<double>(LearningRate, Momentum);
        var losses = new List<double>(Epochs + 1);

        output.WriteLine($"Linear regression y = w x + b on {x.Length} points, SGD (learning rate {LearningRate}, momentum {Momentum})");
        for (int epoch = 0; epoch <= Epochs; epoch++)
        {
            // One call gives the loss and both partial derivatives; nothing is recorded at run time.
            double loss = Model.MeanSquaredErrorGradient(parameters[0], parameters[1], x, y, out gradients[0], out gradients[1]);
            losses.Add(loss);
            if (epoch % 10 == 0)
            {
                output.WriteLine($"  epoch {epoch,3}: loss = {loss:E3}  w = {parameters[0]:F4}  b = {parameters[1]:F4}");
            }

            if (epoch < Epochs)
            {
                optimizer.Step(parameters, gradients);
            }
        }

        string plotPath = Path.Combine(plotDirectory, PlotFile);
        SvgPlot.WriteLinePlot(plotPath, "Linear regression: MSE per epoch", "epoch", "loss", losses, logScale: true);

        output.WriteLine($"weight: {parameters[0]:F4}");
        output.WriteLine($"bias: {parameters[1]:F4}");
        output.WriteLine($"loss curve: {plotPath}");
        return new TrainingResult(parameters[0], parameters[1], losses);
    }
}
