using System;
using System.Numerics;

namespace AutoDiffGen.Optimizers;

/// <summary>
/// Stochastic gradient descent with optional momentum (classic or Nesterov) and L2 weight decay, for
/// <see cref="float"/> or <see cref="double"/> parameters.
/// </summary>
/// <remarks>
/// One step, with <c>g = gradient + weightDecay * p</c> and velocity <c>v</c> (zero before the first step):
/// <list type="bullet">
/// <item>without momentum: <c>p -= lr * g</c>;</item>
/// <item>with momentum <c>mu</c>: <c>v = mu * v + g</c>, then <c>p -= lr * v</c>, or with Nesterov
/// <c>p -= lr * (g + mu * v)</c>.</item>
/// </list>
/// These are the update rules of the common deep-learning frameworks (no dampening). An instance belongs to one
/// parameter vector: its velocity is allocated on the first <see cref="Step"/> and reused, so steps do not
/// allocate.
/// </remarks>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class Sgd<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[]? _velocity;

    /// <summary>Creates the optimiser.</summary>
    /// <param name="learningRate">The step size; positive.</param>
    /// <param name="momentum">The momentum factor in [0, 1); 0 disables momentum.</param>
    /// <param name="nesterov">Whether to use Nesterov momentum (requires a positive <paramref name="momentum"/>).</param>
    /// <param name="weightDecay">The L2 penalty factor added to the gradient as <c>weightDecay * p</c>; non-negative.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="nesterov"/> is set without momentum.</exception>
    public Sgd(double learningRate, double momentum = 0, bool nesterov = false, double weightDecay = 0)
    {
        OptimizerChecks.Positive(learningRate, nameof(learningRate));
        OptimizerChecks.InRange(momentum, 0, 1, nameof(momentum));
        OptimizerChecks.NonNegative(weightDecay, nameof(weightDecay));
        if (nesterov && momentum == 0)
        {
            throw new ArgumentException("Nesterov momentum needs a positive momentum.", nameof(nesterov));
        }

        LearningRate = learningRate;
        Momentum = momentum;
        Nesterov = nesterov;
        WeightDecay = weightDecay;
    }

    /// <summary>The step size; may be changed between steps (for a schedule).</summary>
    public double LearningRate { get; set; }

    /// <summary>The momentum factor; 0 when momentum is off.</summary>
    public double Momentum { get; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    /// <summary>The L2 weight-decay factor.</summary>
    public double WeightDecay { get; }

    /// <summary>Updates <paramref name="parameters"/> in place from <paramref name="gradients"/>.</summary>
    /// <param name="parameters">The parameters; always the same length for one optimiser.</param>
    /// <param name="gradients">The gradient of the loss with respect to <paramref name="parameters"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    /// <exception cref="InvalidOperationException">The length differs from the one of the first step.</exception>
    public void Step(Span<T> parameters, ReadOnlySpan<T> gradients)
    {
        OptimizerChecks.SameLength(parameters.Length, gradients.Length);
        T lr = T.CreateChecked(LearningRate);
        T decay = T.CreateChecked(WeightDecay);
        if (Momentum == 0)
        {
            // p -= lr * (g + wd p)
            for (int i = 0; i < parameters.Length; i++)
            {
                T g = gradients[i] + (decay * parameters[i]);
                parameters[i] -= lr * g;
            }

            return;
        }

        T[] velocity = OptimizerChecks.State(ref _velocity, parameters.Length);
        T mu = T.CreateChecked(Momentum);
        for (int i = 0; i < parameters.Length; i++)
        {
            T g = gradients[i] + (decay * parameters[i]);
            T v = (mu * velocity[i]) + g;
            velocity[i] = v;
            parameters[i] -= lr * (Nesterov ? g + (mu * v) : v);
        }
    }

    /// <summary>Forgets the velocity, as if no step had been taken.</summary>
    public void Reset()
    {
        if (_velocity is not null)
        {
            Array.Clear(_velocity);
        }
    }
}
