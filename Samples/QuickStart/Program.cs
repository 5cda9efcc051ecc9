using System;
using AutoDiffGen;

namespace QuickStart;

public static partial class Functions
{
    /// <summary>The Rosenbrock function: minimum 0 at (1, 1), inside a long curved valley.</summary>
    [Differentiable]
    public static double Rosenbrock(double x, double y)
    {
        double a = 1 - x;
        double b = y - x * x;
        return a * a + 100 * b * b;
    }

    /// <summary>The computational-graph example: u3 = u1 + u2, u4 = u2 * u3.</summary>
    [Differentiable]
    public static double Graph(double u1, double u2)
    {
        double u3 = u1 + u2;
        double u4 = u2 * u3;
        return u4;
    }

    [Differentiable]
    public static double Branchy(double x, double y)
    {
        if (x < 0)
        {
            return -x * y;
        }

        double z = Math.Sin(x) * Math.Exp(y);
        z += x > 1 ? Math.Sqrt(x) : x * x;
        return z / (1 + y * y);
    }
}

public static class Program
{
    public static void Main()
    {
        double v = Functions.GraphGradient(2, 3, out double du1, out double du2);
        Console.WriteLine($"u4 = {v}, du4/du1 = {du1}, du4/du2 = {du2}");
        double r = Functions.RosenbrockGradient(-1.2, 1, out double dx, out double dy);
        Console.WriteLine($"rosen = {r}, {dx}, {dy}");
        double b = Functions.BranchyGradient(0.5, 0.3, out dx, out dy);
        Console.WriteLine($"branchy = {b}, {dx}, {dy}");
    }
}
