using System;
using AutoDiffGen;

namespace QuickStart;

/// <summary>
/// Functions marked [Differentiable]: at build time AutoDiffGen writes RosenbrockGradient / RosenbrockPullback
/// (and the same for Graph) into this partial class. Nothing is recorded at run time.
/// </summary>
public static partial class Functions
{
    /// <summary>The Rosenbrock function: minimum 0 at (1, 1), at the bottom of a long curved valley.</summary>
    [Differentiable]
    public static double Rosenbrock(double x, double y)
    {
        double a = 1 - x;
        double b = y - x * x;
        return a * a + 100 * b * b;
    }

    /// <summary>The computational-graph example: u3 = u1 + u2 (an add node), u4 = u2 * u3 (a multiply node).</summary>
    [Differentiable]
    public static double Graph(double u1, double u2)
    {
        double u3 = u1 + u2;
        double u4 = u2 * u3;
        return u4;
    }
}

public static class Program
{
    public static void Main()
    {
        Console.WriteLine("AutoDiffGen quick start");
        Console.WriteLine();

        // 1. The computational graph u3 = u1 + u2, u4 = u2 * u3 at u1 = 2, u2 = 3.
        //    Backward: du4/du3 = u2 = 3 and du4/du2 (direct) = u3 = 5; the add node passes du4/du3 to both inputs,
        //    so du4/du1 = 3 and du4/du2 = 5 + 3 = 8 (the two paths into u2 add up).
        double u4 = Functions.GraphGradient(2, 3, out double du1, out double du2);
        Console.WriteLine($"u4 = u2 * (u1 + u2) at (2, 3) = {u4}");
        Console.WriteLine($"  du4/du1 = {du1}   (expected 3)");
        Console.WriteLine($"  du4/du2 = {du2}   (expected 8)");
        Console.WriteLine();

        // 2. Minimise Rosenbrock by gradient descent with momentum, from the classic start (-1.2, 1).
        double x = -1.2, y = 1.0, vx = 0, vy = 0;
        const double learningRate = 2e-4, momentum = 0.9;
        Console.WriteLine("Gradient descent on Rosenbrock from (-1.2, 1):");
        for (int step = 0; step <= 20_000; step++)
        {
            double f = Functions.RosenbrockGradient(x, y, out double dx, out double dy);
            if (step % 2_500 == 0)
            {
                Console.WriteLine($"  step {step,6}: f = {f,12:0.0000e+00}  at ({x,9:F6}, {y,9:F6})  |grad| = {Math.Sqrt(dx * dx + dy * dy):0.00e+00}");
            }

            vx = momentum * vx - learningRate * dx;
            vy = momentum * vy - learningRate * dy;
            x += vx;
            y += vy;
        }

        Console.WriteLine($"Minimum found at ({x:F4}, {y:F4}); the true minimum is (1, 1).");
        Console.WriteLine();

        // 3. A pullback scales by a seed and adds into existing buffers (useful when a gradient flows in from
        //    an outer computation, or to sum gradients over a batch).
        double gx = 10, gy = 10;
        Functions.RosenbrockPullback(0.5, 0.5, seed: 2.0, ref gx, ref gy);
        Console.WriteLine($"10 + 2 * grad Rosenbrock(0.5, 0.5) = ({gx}, {gy})");
        Console.WriteLine();
        Console.WriteLine("The generated code is in obj/Debug/net10.0/generated/AutoDiffGen.Generator/ (this sample sets");
        Console.WriteLine("EmitCompilerGeneratedFiles); in an IDE, expand Dependencies > Analyzers > AutoDiffGen.Generator.");
    }
}
