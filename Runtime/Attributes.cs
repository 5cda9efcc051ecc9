using System;

namespace AutoDiffGen;

/// <summary>
/// Marks a method whose reverse-mode derivative is written at build time by the AutoDiffGen source generator.
/// </summary>
/// <remarks>
/// For <c>static double F(double x, double[] w, [NoDiff] int n)</c> in a <c>partial</c> type the generator adds
/// <c>FGradient(x, w, n, out double dx, Span&lt;double&gt; dw)</c>, which returns the value and overwrites the
/// gradients, and <c>FPullback(x, w, n, seed, ref double dx, Span&lt;double&gt; dw)</c>, which adds
/// <c>seed * dF/d(input)</c> into the buffers. Code the generator cannot differentiate is reported as an
/// <c>ADG</c> error at the offending expression and nothing is generated for that method.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class DifferentiableAttribute : Attribute
{
}

/// <summary>
/// Marks a parameter of a <see cref="DifferentiableAttribute"/> method as a constant: no gradient is produced for it.
/// </summary>
/// <remarks>Integer, bool, enum and other non-floating parameters are constants without this attribute.</remarks>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class NoDiffAttribute : Attribute
{
}

/// <summary>
/// Registers the method it is placed on as the pullback (vector-Jacobian product) of another method, so that
/// <see cref="DifferentiableAttribute"/> code may call that method.
/// </summary>
/// <remarks>
/// The pullback has exactly the shape of a generated <c>Pullback</c>: the primal parameters, then <c>seed</c>,
/// then one <c>ref T</c> (scalar) or <c>Span&lt;T&gt;</c> (array or span) gradient parameter per differentiable
/// parameter, returning <c>void</c>; it adds <c>seed * dF/d(input)</c> into the gradient parameters.
/// Use <c>[DerivativeOf(nameof(M))]</c> for a method of the same type and
/// <c>[DerivativeOf(typeof(T), nameof(T.M))]</c> for a method of another type.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class DerivativeOfAttribute : Attribute
{
    /// <summary>Registers a pullback for the method <paramref name="methodName"/> of the same type.</summary>
    /// <param name="methodName">The name of the differentiated method; use <c>nameof</c>.</param>
    public DerivativeOfAttribute(string methodName)
    {
        MethodName = methodName;
    }

    /// <summary>Registers a pullback for the method <paramref name="methodName"/> of <paramref name="type"/>.</summary>
    /// <param name="type">The type that declares the differentiated method.</param>
    /// <param name="methodName">The name of the differentiated method; use <c>nameof</c>.</param>
    public DerivativeOfAttribute(Type type, string methodName)
    {
        Type = type;
        MethodName = methodName;
    }

    /// <summary>The type that declares the differentiated method, or <see langword="null"/> for the same type.</summary>
    public Type? Type { get; }

    /// <summary>The name of the differentiated method.</summary>
    public string MethodName { get; }

    /// <summary>
    /// Whether the pullback accepts an empty <c>Span&lt;T&gt;</c> for an array gradient the caller does not need,
    /// and then skips computing it. Generated code passes an empty span for an argument that carries no
    /// derivative (the data matrix of a layer, a constant table) instead of a scratch buffer, which for a matrix
    /// product saves as much work as the forward product itself. Off by default: a pullback without it gets a
    /// pooled scratch buffer of the right length.
    /// </summary>
    public bool AcceptsEmptyGradients { get; set; }

    /// <summary>
    /// Whether the pullback of a scalar-valued method also receives the value the method returned, as a parameter
    /// of the return type just before <c>seed</c>: <c>void FPullback(double x, double result, double seed, ref double
    /// dx)</c>. Generated code keeps the value from the forward sweep (in a local, or on the tape inside a loop) and
    /// passes it, so a derivative written in terms of the result (<c>exp</c>, <c>log-sum-exp</c>, a sigmoid) does
    /// not compute the method again. Off by default. A vector-valued method's pullback always receives its output.
    /// </summary>
    public bool ReceivesResult { get; set; }
}
