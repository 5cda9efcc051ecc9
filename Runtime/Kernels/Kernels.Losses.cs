using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace AutoDiffGen;

// Loss functions: Mse, BinaryCrossEntropy, BinaryCrossEntropyWithLogits, SoftmaxCrossEntropy.
// All are means over the elements (or over the batch), so their gradients carry a 1/n factor.
public static partial class Kernels
{
    // ---------------------------------------------------------------- Mse

    /// <summary>Mean squared error: <c>(1/n) sum_i (prediction[i] - target[i])^2</c>.</summary>
    /// <param name="prediction">The predictions; must not be empty.</param>
    /// <param name="target">The targets, of the same length.</param>
    /// <returns>The mean squared error.</returns>
    /// <exception cref="ArgumentException">The lengths differ, or the spans are empty.</exception>
    public static double Mse(ReadOnlySpan<double> prediction, ReadOnlySpan<double> target) => MseCore(prediction, target);

    /// <inheritdoc cref="Mse(ReadOnlySpan{double}, ReadOnlySpan{double})"/>
    public static float Mse(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target) => MseCore(prediction, target);

    /// <summary>
    /// Pullback of <see cref="Mse(ReadOnlySpan{double}, ReadOnlySpan{double})"/>:
    /// <c>dprediction += (2 seed / n) (prediction - target)</c>, <c>dtarget -= (2 seed / n) (prediction - target)</c>.
    /// </summary>
    /// <param name="prediction">The primal predictions.</param>
    /// <param name="target">The primal targets.</param>
    /// <param name="seed">The adjoint of the loss.</param>
    /// <param name="dprediction">Accumulates the gradient with respect to <paramref name="prediction"/>.</param>
    /// <param name="dtarget">Accumulates the gradient with respect to <paramref name="target"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ, or the spans are empty.</exception>
    [DerivativeOf(nameof(Mse))]
    public static void MsePullback(ReadOnlySpan<double> prediction, ReadOnlySpan<double> target, double seed, Span<double> dprediction, Span<double> dtarget)
        => MsePullbackCore(prediction, target, seed, dprediction, dtarget);

    /// <inheritdoc cref="MsePullback(ReadOnlySpan{double}, ReadOnlySpan{double}, double, Span{double}, Span{double})"/>
    [DerivativeOf(nameof(Mse))]
    public static void MsePullback(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, float seed, Span<float> dprediction, Span<float> dtarget)
        => MsePullbackCore(prediction, target, seed, dprediction, dtarget);

    private static void ValidatePair(int first, string firstName, int second, string secondName)
    {
        RequireSameLength(first, firstName, second, secondName);
        RequireNonEmpty(first, firstName);
    }

    private static void ValidatePairPullback(int first, string firstName, int second, string secondName, int dfirst, int dsecond)
    {
        ValidatePair(first, firstName, second, secondName);
        RequireSameLength(first, firstName, dfirst, "d" + firstName);
        RequireSameLength(second, secondName, dsecond, "d" + secondName);
    }

    private static T MseCore<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidatePair(prediction.Length, nameof(prediction), target.Length, nameof(target));
        Span<T> buffer = stackalloc T[ChunkLength];
        T sum = T.Zero;
        for (int start = 0; start < prediction.Length; start += ChunkLength)
        {
            int length = Math.Min(ChunkLength, prediction.Length - start);
            Span<T> t = buffer[..length];
            TensorPrimitives.Subtract(prediction.Slice(start, length), target.Slice(start, length), t);
            sum += TensorPrimitives.SumOfSquares<T>(t);
        }

        return sum / FromInt<T>(prediction.Length);
    }

    private static void MsePullbackCore<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, T seed, Span<T> dprediction, Span<T> dtarget)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidatePairPullback(prediction.Length, nameof(prediction), target.Length, nameof(target), dprediction.Length, dtarget.Length);

        // L = (1/n) sum_i (p_i - t_i)^2  =>  dp += (2 seed / n)(p - t); dt -= (2 seed / n)(p - t)
        T g = (seed + seed) / FromInt<T>(prediction.Length);
        Span<T> buffer = stackalloc T[ChunkLength];
        for (int start = 0; start < prediction.Length; start += ChunkLength)
        {
            int length = Math.Min(ChunkLength, prediction.Length - start);
            Span<T> t = buffer[..length];
            Span<T> dp = dprediction.Slice(start, length);
            Span<T> dt = dtarget.Slice(start, length);
            TensorPrimitives.Subtract(prediction.Slice(start, length), target.Slice(start, length), t);
            TensorPrimitives.MultiplyAdd(t, g, dp, dp);
            TensorPrimitives.MultiplyAdd(t, -g, dt, dt);
        }
    }

    // ---------------------------------------------------------------- BinaryCrossEntropy

    /// <summary>
    /// Binary cross-entropy from probabilities:
    /// <c>-(1/n) sum_i [t_i log p_i + (1 - t_i) log(1 - p_i)]</c>, with <c>log(1 - p)</c> evaluated as
    /// <c>log1p(-p)</c>. Probabilities must lie strictly inside (0, 1) for a finite loss; prefer
    /// <see cref="BinaryCrossEntropyWithLogits(ReadOnlySpan{double}, ReadOnlySpan{double})"/> when the
    /// probabilities come from a sigmoid.
    /// </summary>
    /// <param name="probabilities">The predicted probabilities <c>p</c>; must not be empty.</param>
    /// <param name="targets">The targets <c>t</c>, usually 0 or 1 (soft labels in [0, 1] are allowed).</param>
    /// <returns>The mean binary cross-entropy.</returns>
    /// <exception cref="ArgumentException">The lengths differ, or the spans are empty.</exception>
    public static double BinaryCrossEntropy(ReadOnlySpan<double> probabilities, ReadOnlySpan<double> targets) => BinaryCrossEntropyCore(probabilities, targets);

    /// <inheritdoc cref="BinaryCrossEntropy(ReadOnlySpan{double}, ReadOnlySpan{double})"/>
    public static float BinaryCrossEntropy(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets) => BinaryCrossEntropyCore(probabilities, targets);

    /// <summary>
    /// Pullback of <see cref="BinaryCrossEntropy(ReadOnlySpan{double}, ReadOnlySpan{double})"/>:
    /// <c>dprobabilities += (seed / n) (p - t) / (p (1 - p))</c>, <c>dtargets += (seed / n) (log(1 - p) - log p)</c>.
    /// </summary>
    /// <param name="probabilities">The primal probabilities.</param>
    /// <param name="targets">The primal targets.</param>
    /// <param name="seed">The adjoint of the loss.</param>
    /// <param name="dprobabilities">Accumulates the gradient with respect to <paramref name="probabilities"/>.</param>
    /// <param name="dtargets">Accumulates the gradient with respect to <paramref name="targets"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ, or the spans are empty.</exception>
    [DerivativeOf(nameof(BinaryCrossEntropy))]
    public static void BinaryCrossEntropyPullback(ReadOnlySpan<double> probabilities, ReadOnlySpan<double> targets, double seed, Span<double> dprobabilities, Span<double> dtargets)
        => BinaryCrossEntropyPullbackCore(probabilities, targets, seed, dprobabilities, dtargets);

    /// <inheritdoc cref="BinaryCrossEntropyPullback(ReadOnlySpan{double}, ReadOnlySpan{double}, double, Span{double}, Span{double})"/>
    [DerivativeOf(nameof(BinaryCrossEntropy))]
    public static void BinaryCrossEntropyPullback(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, float seed, Span<float> dprobabilities, Span<float> dtargets)
        => BinaryCrossEntropyPullbackCore(probabilities, targets, seed, dprobabilities, dtargets);

    private static T BinaryCrossEntropyCore<T>(ReadOnlySpan<T> probabilities, ReadOnlySpan<T> targets)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidatePair(probabilities.Length, nameof(probabilities), targets.Length, nameof(targets));

        // t log p + (1 - t) log(1 - p) = t (log p - log(1 - p)) + log(1 - p)
        Span<T> logP = stackalloc T[ChunkLength];
        Span<T> log1mP = stackalloc T[ChunkLength];
        T sum = T.Zero;
        for (int start = 0; start < probabilities.Length; start += ChunkLength)
        {
            int length = Math.Min(ChunkLength, probabilities.Length - start);
            Span<T> a = logP[..length];
            Span<T> b = log1mP[..length];
            ReadOnlySpan<T> p = probabilities.Slice(start, length);
            TensorPrimitives.Log(p, a);
            TensorPrimitives.Negate(p, b);
            TensorPrimitives.LogP1(b, b);
            TensorPrimitives.Subtract(a, b, a);
            sum += TensorPrimitives.Dot(targets.Slice(start, length), a) + TensorPrimitives.Sum<T>(b);
        }

        return -sum / FromInt<T>(probabilities.Length);
    }

    private static void BinaryCrossEntropyPullbackCore<T>(ReadOnlySpan<T> probabilities, ReadOnlySpan<T> targets, T seed, Span<T> dprobabilities, Span<T> dtargets)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidatePairPullback(probabilities.Length, nameof(probabilities), targets.Length, nameof(targets), dprobabilities.Length, dtargets.Length);

        // L = -(1/n) sum_i [t_i log p_i + (1 - t_i) log(1 - p_i)]
        //   =>  dL/dp_i = -(1/n) [t_i / p_i - (1 - t_i) / (1 - p_i)] = (1/n) (p_i - t_i) / (p_i (1 - p_i))
        //   =>  dL/dt_i = -(1/n) [log p_i - log(1 - p_i)]
        T g = seed / FromInt<T>(probabilities.Length);
        Span<T> first = stackalloc T[ChunkLength];
        Span<T> second = stackalloc T[ChunkLength];
        for (int start = 0; start < probabilities.Length; start += ChunkLength)
        {
            int length = Math.Min(ChunkLength, probabilities.Length - start);
            Span<T> u = first[..length];
            Span<T> v = second[..length];
            ReadOnlySpan<T> p = probabilities.Slice(start, length);
            Span<T> dp = dprobabilities.Slice(start, length);
            Span<T> dt = dtargets.Slice(start, length);

            TensorPrimitives.Subtract(T.One, p, v);                        // v = 1 - p
            TensorPrimitives.Multiply(v, p, v);                            // v = p (1 - p)
            TensorPrimitives.Subtract(p, targets.Slice(start, length), u); // u = p - t
            TensorPrimitives.Divide(u, v, u);
            TensorPrimitives.MultiplyAdd(u, g, dp, dp);

            TensorPrimitives.Negate(p, v);
            TensorPrimitives.LogP1(v, v);                                  // v = log(1 - p)
            TensorPrimitives.Log(p, u);                                    // u = log p
            TensorPrimitives.Subtract(v, u, v);
            TensorPrimitives.MultiplyAdd(v, g, dt, dt);
        }
    }

    // ---------------------------------------------------------------- BinaryCrossEntropyWithLogits

    /// <summary>
    /// Binary cross-entropy of <c>sigmoid(z)</c> against targets, computed from the logits <c>z</c> without
    /// forming the probabilities: <c>(1/n) sum_i [softplus(z_i) - t_i z_i]</c>, where
    /// <c>softplus(z) = max(z, 0) + log1p(exp(-|z|))</c> never overflows.
    /// </summary>
    /// <param name="logits">The logits <c>z</c>; must not be empty.</param>
    /// <param name="targets">The targets <c>t</c>, usually 0 or 1.</param>
    /// <returns>The mean binary cross-entropy.</returns>
    /// <exception cref="ArgumentException">The lengths differ, or the spans are empty.</exception>
    public static double BinaryCrossEntropyWithLogits(ReadOnlySpan<double> logits, ReadOnlySpan<double> targets) => BinaryCrossEntropyWithLogitsCore(logits, targets);

    /// <inheritdoc cref="BinaryCrossEntropyWithLogits(ReadOnlySpan{double}, ReadOnlySpan{double})"/>
    public static float BinaryCrossEntropyWithLogits(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets) => BinaryCrossEntropyWithLogitsCore(logits, targets);

    /// <summary>
    /// Pullback of <see cref="BinaryCrossEntropyWithLogits(ReadOnlySpan{double}, ReadOnlySpan{double})"/>:
    /// <c>dlogits += (seed / n) (sigmoid(z) - t)</c>, <c>dtargets -= (seed / n) z</c>.
    /// </summary>
    /// <param name="logits">The primal logits.</param>
    /// <param name="targets">The primal targets.</param>
    /// <param name="seed">The adjoint of the loss.</param>
    /// <param name="dlogits">Accumulates the gradient with respect to <paramref name="logits"/>.</param>
    /// <param name="dtargets">Accumulates the gradient with respect to <paramref name="targets"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ, or the spans are empty.</exception>
    [DerivativeOf(nameof(BinaryCrossEntropyWithLogits))]
    public static void BinaryCrossEntropyWithLogitsPullback(ReadOnlySpan<double> logits, ReadOnlySpan<double> targets, double seed, Span<double> dlogits, Span<double> dtargets)
        => BinaryCrossEntropyWithLogitsPullbackCore(logits, targets, seed, dlogits, dtargets);

    /// <inheritdoc cref="BinaryCrossEntropyWithLogitsPullback(ReadOnlySpan{double}, ReadOnlySpan{double}, double, Span{double}, Span{double})"/>
    [DerivativeOf(nameof(BinaryCrossEntropyWithLogits))]
    public static void BinaryCrossEntropyWithLogitsPullback(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, float seed, Span<float> dlogits, Span<float> dtargets)
        => BinaryCrossEntropyWithLogitsPullbackCore(logits, targets, seed, dlogits, dtargets);

    private static T BinaryCrossEntropyWithLogitsCore<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> targets)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidatePair(logits.Length, nameof(logits), targets.Length, nameof(targets));

        // With p = sigmoid(z): -[t log p + (1 - t) log(1 - p)] = softplus(z) - t z,
        // because log p = -softplus(-z), log(1 - p) = -softplus(z) and softplus(z) - softplus(-z) = z.
        Span<T> softplus = stackalloc T[ChunkLength];
        Span<T> scratch = stackalloc T[ChunkLength];
        T sum = T.Zero;
        for (int start = 0; start < logits.Length; start += ChunkLength)
        {
            int length = Math.Min(ChunkLength, logits.Length - start);
            Span<T> s = softplus[..length];
            SoftplusChunk(logits.Slice(start, length), s, scratch[..length]);
            sum += TensorPrimitives.Sum<T>(s);
        }

        sum -= TensorPrimitives.Dot(targets, logits);
        return sum / FromInt<T>(logits.Length);
    }

    private static void BinaryCrossEntropyWithLogitsPullbackCore<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> targets, T seed, Span<T> dlogits, Span<T> dtargets)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidatePairPullback(logits.Length, nameof(logits), targets.Length, nameof(targets), dlogits.Length, dtargets.Length);

        // L = (1/n) sum_i [softplus(z_i) - t_i z_i]  =>  dz += (seed/n)(sigmoid(z) - t); dt += -(seed/n) z
        T g = seed / FromInt<T>(logits.Length);
        Span<T> buffer = stackalloc T[ChunkLength];
        for (int start = 0; start < logits.Length; start += ChunkLength)
        {
            int length = Math.Min(ChunkLength, logits.Length - start);
            Span<T> u = buffer[..length];
            Span<T> dz = dlogits.Slice(start, length);
            TensorPrimitives.Sigmoid(logits.Slice(start, length), u);
            TensorPrimitives.Subtract(u, targets.Slice(start, length), u);
            TensorPrimitives.MultiplyAdd(u, g, dz, dz);
        }

        TensorPrimitives.MultiplyAdd(logits, -g, dtargets, dtargets);
    }

    // ---------------------------------------------------------------- SoftmaxCrossEntropy

    /// <summary>
    /// Softmax cross-entropy with integer labels, averaged over the batch:
    /// <c>(1/B) sum_b [lse(z_b) - z_b[labels[b]]]</c>, where <c>z_b</c> is row <c>b</c> of
    /// <paramref name="logits"/>. The batch size <c>B</c> is <c>labels.Length</c> and the number of classes is
    /// <c>logits.Length / B</c>.
    /// </summary>
    /// <param name="logits">The logits, <c>[batch x classes]</c> row-major.</param>
    /// <param name="labels">The class index of each row, in <c>[0, classes)</c>; must not be empty.</param>
    /// <returns>The mean cross-entropy.</returns>
    /// <exception cref="ArgumentException">
    /// <paramref name="labels"/> is empty, or the length of <paramref name="logits"/> is not a positive multiple
    /// of the length of <paramref name="labels"/>.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside <c>[0, classes)</c>.</exception>
    public static double SoftmaxCrossEntropy(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels) => SoftmaxCrossEntropyCore(logits, labels);

    /// <inheritdoc cref="SoftmaxCrossEntropy(ReadOnlySpan{double}, ReadOnlySpan{int})"/>
    public static float SoftmaxCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels) => SoftmaxCrossEntropyCore(logits, labels);

    /// <summary>
    /// Pullback of <see cref="SoftmaxCrossEntropy(ReadOnlySpan{double}, ReadOnlySpan{int})"/>:
    /// <c>dlogits_b += (seed / B) (softmax(z_b) - onehot(labels[b]))</c>. Labels are constants.
    /// </summary>
    /// <param name="logits">The primal logits.</param>
    /// <param name="labels">The primal labels.</param>
    /// <param name="seed">The adjoint of the loss.</param>
    /// <param name="dlogits">Accumulates the gradient with respect to <paramref name="logits"/>.</param>
    /// <exception cref="ArgumentException">The shapes do not agree (see the primal).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside <c>[0, classes)</c>.</exception>
    [DerivativeOf(nameof(SoftmaxCrossEntropy))]
    public static void SoftmaxCrossEntropyPullback(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, double seed, Span<double> dlogits)
        => SoftmaxCrossEntropyPullbackCore(logits, labels, seed, dlogits);

    /// <inheritdoc cref="SoftmaxCrossEntropyPullback(ReadOnlySpan{double}, ReadOnlySpan{int}, double, Span{double})"/>
    [DerivativeOf(nameof(SoftmaxCrossEntropy))]
    public static void SoftmaxCrossEntropyPullback(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, float seed, Span<float> dlogits)
        => SoftmaxCrossEntropyPullbackCore(logits, labels, seed, dlogits);

    /// <summary>Validates the batch shape and every label; returns the number of classes.</summary>
    private static int ValidateSoftmaxCrossEntropy(int logitsLength, ReadOnlySpan<int> labels)
    {
        RequireNonEmpty(labels.Length, nameof(labels));
        if (logitsLength == 0 || logitsLength % labels.Length != 0)
        {
            throw new ArgumentException(
                $"'logits' has length {logitsLength}, which is not a positive multiple of the batch size 'labels.Length' = {labels.Length}.",
                "logits");
        }

        int classes = logitsLength / labels.Length;
        for (int b = 0; b < labels.Length; b++)
        {
            if ((uint)labels[b] >= (uint)classes)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(labels), labels[b], $"labels[{b}] = {labels[b]} is outside [0, {classes}).");
            }
        }

        return classes;
    }

    private static T SoftmaxCrossEntropyCore<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int classes = ValidateSoftmaxCrossEntropy(logits.Length, labels);

        // -log softmax(z)_y = lse(z) - z_y
        T sum = T.Zero;
        for (int b = 0; b < labels.Length; b++)
        {
            ReadOnlySpan<T> row = logits.Slice(b * classes, classes);
            sum += LogSumExpCore(row) - row[labels[b]];
        }

        return sum / FromInt<T>(labels.Length);
    }

    private static void SoftmaxCrossEntropyPullbackCore<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, T seed, Span<T> dlogits)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int classes = ValidateSoftmaxCrossEntropy(logits.Length, labels);
        RequireSameLength(logits.Length, nameof(logits), dlogits.Length, nameof(dlogits));

        // L = (1/B) sum_b [lse(z_b) - z_b,y_b]  =>  dz_b += (seed/B) (softmax(z_b) - e_y_b),
        // with softmax(z_b) = exp(z_b - lse(z_b)).
        T g = seed / FromInt<T>(labels.Length);
        for (int b = 0; b < labels.Length; b++)
        {
            ReadOnlySpan<T> row = logits.Slice(b * classes, classes);
            Span<T> drow = dlogits.Slice(b * classes, classes);
            AddScaledShiftedExp(row, LogSumExpCore(row), g, drow);
            drow[labels[b]] -= g;
        }
    }
}
