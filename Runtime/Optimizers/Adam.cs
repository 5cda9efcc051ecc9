using System;
using System.Numerics;

namespace AutoDiffGen.Optimizers;

/// <summary>
/// The Adam optimiser (Kingma and Ba, 2015) with bias correction and optional weight decay, either coupled (L2,
/// added to the gradient) or decoupled (AdamW), for <see cref="float"/> or <see cref="double"/> parameters.
/// </summary>
/// <remarks>
/// Step <c>t</c> (counting from 1), with moments <c>m</c>, <c>v</c> zero before the first step:
/// <code>
/// g  = gradient (+ weightDecay * p when coupled)
/// m  = beta1 * m + (1 - beta1) * g
/// v  = beta2 * v + (1 - beta2) * g^2
/// p -= lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + epsilon)   (- lr * weightDecay * p when decoupled)
/// </code>
/// An instance belongs to one parameter vector: its moment buffers are allocated on the first
/// <see cref="Step"/> and reused, so steps do not allocate.
/// </remarks>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class Adam<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[]? _m;
    private T[]? _v;

    /// <summary>Creates the optimiser.</summary>
    /// <param name="learningRate">The step size; positive.</param>
    /// <param name="beta1">Decay rate of the first moment, in [0, 1).</param>
    /// <param name="beta2">Decay rate of the second moment, in [0, 1).</param>
    /// <param name="epsilon">Added to the denominator for numerical stability; positive.</param>
    /// <param name="weightDecay">Weight-decay factor; non-negative, 0 disables it.</param>
    /// <param name="decoupledWeightDecay">Whether weight decay is applied directly to the parameters (AdamW) instead of through the gradient.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range.</exception>
    public Adam(double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0, bool decoupledWeightDecay = false)
    {
        OptimizerChecks.Positive(learningRate, nameof(learningRate));
        OptimizerChecks.InRange(beta1, 0, 1, nameof(beta1));
        OptimizerChecks.InRange(beta2, 0, 1, nameof(beta2));
        OptimizerChecks.Positive(epsilon, nameof(epsilon));
        OptimizerChecks.NonNegative(weightDecay, nameof(weightDecay));
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        DecoupledWeightDecay = decoupledWeightDecay;
    }

    /// <summary>The step size; may be changed between steps (for a schedule).</summary>
    public double LearningRate { get; set; }

    /// <summary>Decay rate of the first moment.</summary>
    public double Beta1 { get; }

    /// <summary>Decay rate of the second moment.</summary>
    public double Beta2 { get; }

    /// <summary>The stabilising term of the denominator.</summary>
    public double Epsilon { get; }

    /// <summary>The weight-decay factor.</summary>
    public double WeightDecay { get; }

    /// <summary>Whether weight decay is decoupled from the gradient (AdamW).</summary>
    public bool DecoupledWeightDecay { get; }

    /// <summary>The number of steps taken so far.</summary>
    public int StepCount { get; private set; }

    /// <summary>Updates <paramref name="parameters"/> in place from <paramref name="gradients"/>.</summary>
    /// <param name="parameters">The parameters; always the same length for one optimiser.</param>
    /// <param name="gradients">The gradient of the loss with respect to <paramref name="parameters"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    /// <exception cref="InvalidOperationException">The length differs from the one of the first step.</exception>
    public void Step(Span<T> parameters, ReadOnlySpan<T> gradients)
    {
        OptimizerChecks.SameLength(parameters.Length, gradients.Length);
        T[] m = OptimizerChecks.State(ref _m, parameters.Length);
        T[] v = OptimizerChecks.State(ref _v, parameters.Length);
        StepCount++;

        // The bias corrections are folded into two scalars, computed in double for accuracy:
        // p -= lr * m / (1 - b1^t) / (sqrt(v / (1 - b2^t)) + eps)
        double correction1 = 1 - Math.Pow(Beta1, StepCount);
        double correction2 = 1 - Math.Pow(Beta2, StepCount);
        T stepSize = T.CreateChecked(LearningRate / correction1);
        T inverseSqrtCorrection2 = T.CreateChecked(1 / Math.Sqrt(correction2));
        T b1 = T.CreateChecked(Beta1);
        T b2 = T.CreateChecked(Beta2);
        T oneMinusB1 = T.CreateChecked(1 - Beta1);
        T oneMinusB2 = T.CreateChecked(1 - Beta2);
        T eps = T.CreateChecked(Epsilon);
        T coupledDecay = DecoupledWeightDecay ? T.Zero : T.CreateChecked(WeightDecay);
        T decoupledShrink = DecoupledWeightDecay ? T.CreateChecked(LearningRate * WeightDecay) : T.Zero;

        for (int i = 0; i < parameters.Length; i++)
        {
            T p = parameters[i];
            T g = gradients[i] + (coupledDecay * p);
            T mi = (b1 * m[i]) + (oneMinusB1 * g);
            T vi = (b2 * v[i]) + (oneMinusB2 * g * g);
            m[i] = mi;
            v[i] = vi;
            parameters[i] = p - (decoupledShrink * p) - (stepSize * mi / ((T.Sqrt(vi) * inverseSqrtCorrection2) + eps));
        }
    }

    /// <summary>Forgets the moments and the step count, as if no step had been taken.</summary>
    public void Reset()
    {
        StepCount = 0;
        if (_m is not null)
        {
            Array.Clear(_m);
        }

        if (_v is not null)
        {
            Array.Clear(_v);
        }
    }
}
