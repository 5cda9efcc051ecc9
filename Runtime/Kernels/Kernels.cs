using System;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;

namespace AutoDiffGen;

/// <summary>
/// Vectorised numeric kernels over spans of <see cref="double"/> and <see cref="float"/>, each with a registered
/// pullback, so that <see cref="DifferentiableAttribute"/> code may call them.
/// </summary>
/// <remarks>
/// <para>
/// <b>Scalar-valued kernels</b> (for example <c>double Dot(x, y)</c>) have a pullback
/// <c>DotPullback(x, y, double seed, Span&lt;double&gt; dx, Span&lt;double&gt; dy)</c>: the primal parameters in
/// order, then <c>seed</c> (of the return type), then one gradient parameter per differentiable parameter in the
/// same order (a scalar <c>T</c> gets <c>ref T</c>, a span of <c>T</c> gets <c>Span&lt;T&gt;</c> of the same
/// length). Integer and <see cref="bool"/> parameters (sizes, labels, transpose flags) are constants and get none.
/// </para>
/// <para>
/// <b>Vector-valued kernels</b> return <see langword="void"/> and write their result into their last parameter,
/// for example <c>Exp(ReadOnlySpan&lt;double&gt; x, Span&lt;double&gt; result)</c>. Their pullback takes every
/// primal parameter with the output passed as <c>ReadOnlySpan&lt;T&gt;</c> holding the primal result (it is read,
/// never written), then <c>seed</c> as a <c>ReadOnlySpan&lt;T&gt;</c> of the output's length, then one gradient
/// parameter per differentiable input: <c>ExpPullback(x, result, seed, dx)</c>.
/// </para>
/// <para>
/// Every pullback <em>adds</em> <c>seed * d(output)/d(input)</c> into its gradient buffers; it never overwrites
/// them. Lengths are validated before anything is written: a mismatch throws <see cref="ArgumentException"/>
/// naming both parameters. Each pullback is registered with <see cref="DerivativeOfAttribute"/>; the
/// <see cref="float"/> overloads follow the <see cref="double"/> ones exactly.
/// </para>
/// <para>
/// A kernel's output may be the same memory as one of its inputs (in-place use) unless its documentation says
/// otherwise; partially overlapping spans are not supported. Gradient buffers must not overlap the inputs.
/// </para>
/// </remarks>
public static partial class Kernels
{
    /// <summary>
    /// Length of the stack buffers that hold temporaries of composite operations. Work is done chunk by chunk so
    /// that no kernel allocates, while each chunk is still long enough for the vectorised primitives to run at
    /// full speed.
    /// </summary>
    private const int ChunkLength = 256;

    /// <summary>
    /// Length up to which reductions that chain several vectorised primitives (log-sum-exp and its pullback) run as
    /// one scalar loop instead: below it the fixed cost of each primitive call dominates.
    /// </summary>
    private const int ScalarLength = 16;

    /// <summary>Throws unless two spans that must match element for element have the same length.</summary>
    private static void RequireSameLength(int lengthA, string nameA, int lengthB, string nameB)
    {
        if (lengthA != lengthB)
        {
            ThrowLengthMismatch(nameA, lengthA, nameB, lengthB);
        }
    }

    /// <summary>
    /// Throws unless a gradient buffer matches its input, or is empty: a pullback registered with
    /// <see cref="DerivativeOfAttribute.AcceptsEmptyGradients"/> skips a gradient nobody needs.
    /// </summary>
    private static void RequireGradientLength(int inputLength, string inputName, int gradientLength, string gradientName)
    {
        if (gradientLength != 0)
        {
            RequireSameLength(inputLength, inputName, gradientLength, gradientName);
        }
    }

    /// <summary>Throws unless a span has the length that a shape (for example <c>m * k</c>) requires.</summary>
    private static void RequireLength(int actual, string name, long expected, string shape)
    {
        if (actual != expected)
        {
            throw new ArgumentException(
                $"'{name}' has length {actual}, but {shape} = {expected}; the lengths of '{name}' and {shape} must agree.",
                name);
        }
    }

    /// <summary>Throws unless a size argument is not negative.</summary>
    private static void RequireNonNegative(int value, string name)
    {
        if (value < 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"'{name}' must not be negative.");
        }
    }

    /// <summary>Throws unless a span that a mean or a normalisation divides by is non-empty.</summary>
    private static void RequireNonEmpty(int length, string name)
    {
        if (length == 0)
        {
            throw new ArgumentException($"'{name}' must not be empty.", name);
        }
    }

    /// <summary>Validates a unary vector kernel: the output matches the input.</summary>
    private static void ValidateUnary(int x, int result)
        => RequireSameLength(x, "x", result, "result");

    /// <summary>Validates a unary pullback: primal lengths, seed against output, gradient against input.</summary>
    private static void ValidateUnaryPullback(int x, int result, int seed, int dx)
    {
        RequireSameLength(x, "x", result, "result");
        RequireSameLength(result, "result", seed, "seed");
        RequireSameLength(x, "x", dx, "dx");
    }

    /// <summary>Validates a binary elementwise kernel.</summary>
    private static void ValidateBinary(int x, int y, int result)
    {
        RequireSameLength(x, "x", y, "y");
        RequireSameLength(x, "x", result, "result");
    }

    /// <summary>Validates a binary elementwise pullback.</summary>
    private static void ValidateBinaryPullback(int x, int y, int result, int seed, int dx, int dy)
    {
        ValidateBinary(x, y, result);
        RequireSameLength(result, "result", seed, "seed");
        RequireSameLength(x, "x", dx, "dx");
        RequireSameLength(y, "y", dy, "dy");
    }

    [DoesNotReturn]
    private static void ThrowLengthMismatch(string nameA, int lengthA, string nameB, int lengthB)
    {
        throw new ArgumentException(
            $"Length mismatch: '{nameA}' has length {lengthA} but '{nameB}' has length {lengthB}; '{nameA}' and '{nameB}' must have the same length.",
            nameB);
    }

    /// <summary>The constant <c>n</c> as a <typeparamref name="T"/>, used for means.</summary>
    private static T FromInt<T>(int n)
        where T : unmanaged, IFloatingPointIeee754<T>
        => T.CreateChecked(n);
}
