namespace AutoDiffGen.GradBench.Objectives;

/// <summary>GradBench's hello eval: f(x) = x², whose generated gradient is the eval's <c>double</c> function.</summary>
internal static partial class Hello
{
    /// <summary>x².</summary>
    [Differentiable]
    public static double Square(double x) => x * x;
}
