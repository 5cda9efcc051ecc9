using System;
using System.Globalization;
using System.IO;
using System.Linq;
using AutoDiffGen;

namespace ComputationalGraph;

/// <summary>
/// The nodes and the small graph of the classic backpropagation walk-through, each a [Differentiable] method.
/// At build time AutoDiffGen writes an XGradient (value and every partial derivative) and an XPullback (adds
/// seed * derivative into ref parameters) for each; the program prints those methods beside their numbers.
/// </summary>
public static partial class Nodes
{
    /// <summary>A multiply node: z = x * y.</summary>
    /// <param name="x">Left input.</param>
    /// <param name="y">Right input.</param>
    /// <returns>The product.</returns>
    [Differentiable]
    public static double Multiply(double x, double y)
    {
        double z = x * y;
        return z;
    }

    /// <summary>An add node: z = x + y.</summary>
    /// <param name="x">Left input.</param>
    /// <param name="y">Right input.</param>
    /// <returns>The sum.</returns>
    [Differentiable]
    public static double Add(double x, double y)
    {
        double z = x + y;
        return z;
    }

    /// <summary>The graph u3 = u1 + u2 (an add node), u4 = u2 * u3 (a multiply node).</summary>
    /// <param name="u1">First input.</param>
    /// <param name="u2">Second input; it feeds both nodes.</param>
    /// <returns>u4.</returns>
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
    /// <summary>Folder beside the program where the build copies AutoDiffGen's generated files.</summary>
    public static string GeneratedFolder => Path.Combine(AppContext.BaseDirectory, "generated");

    public static void Main()
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        Run(Console.Out, GeneratedFolder);
    }

    /// <summary>Prints the walk-through to <paramref name="output"/>.</summary>
    /// <param name="output">Where the walk-through goes.</param>
    /// <param name="generatedFolder">Folder holding the generated *.g.cs files.</param>
    public static void Run(TextWriter output, string generatedFolder)
    {
        ArgumentNullException.ThrowIfNull(output);

        // 1. A multiply node z = x * y. Backward, it receives dout = dL/dz from above and passes dout * y to x
        //    and dout * x to y: each input gets the upstream gradient times the *other* input.
        double x = 4, y = 3, dout = 1.5;
        double dx = 0, dy = 0;
        double z = Nodes.Multiply(x, y);
        Nodes.MultiplyPullback(x, y, dout, ref dx, ref dy);
        output.WriteLine("1. Multiply node z = x * y");
        output.WriteLine($"   forward:  x = {x}, y = {y}  ->  z = {z}");
        output.WriteLine($"   backward: dout = {dout}  ->  dx = dout * y = {dx},  dy = dout * x = {dy}");
        PrintMethod(output, generatedFolder, "MultiplyPullback");

        // 2. An add node z = x + y passes dout unchanged to both inputs (dz/dx = dz/dy = 1).
        dx = 0;
        dy = 0;
        z = Nodes.Add(x, y);
        Nodes.AddPullback(x, y, dout, ref dx, ref dy);
        output.WriteLine("2. Add node z = x + y");
        output.WriteLine($"   forward:  x = {x}, y = {y}  ->  z = {z}");
        output.WriteLine($"   backward: dout = {dout}  ->  dx = dout = {dx},  dy = dout = {dy}");
        PrintMethod(output, generatedFolder, "AddPullback");

        // 3. The graph u3 = u1 + u2, u4 = u2 * u3 at u1 = 2, u2 = 3, first node by node with the pullbacks above:
        //    start from du4 = 1; the multiply node gives du2 (direct) = du4 * u3 and du3 = du4 * u2; the add node
        //    passes du3 on to both u1 and u2, and the two contributions to u2 add up.
        double u1 = 2, u2 = 3;
        double u3 = Nodes.Add(u1, u2);
        double u4 = Nodes.Multiply(u2, u3);
        double du1 = 0, du2 = 0, du3 = 0;
        Nodes.MultiplyPullback(u2, u3, 1.0, ref du2, ref du3);
        output.WriteLine("3. Graph u3 = u1 + u2, u4 = u2 * u3 at u1 = 2, u2 = 3");
        output.WriteLine($"   forward:  u3 = {u3}, u4 = {u4}");
        output.WriteLine($"   multiply node (du4 = 1): du2 += du4 * u3 = {du2},  du3 = du4 * u2 = {du3}");
        Nodes.AddPullback(u1, u2, du3, ref du1, ref du2);
        output.WriteLine($"   add node (du3 = {du3}):      du1 = du3 = {du1},  du2 += du3  ->  du2 = {du2}");

        //    ... and in one call, with the adjoint AutoDiffGen generated for the whole method.
        double value = Nodes.GraphGradient(u1, u2, out double g1, out double g2);
        output.WriteLine($"   GraphGradient(2, 3) = {value}");
        output.WriteLine($"   du4/du1 = {g1}");
        output.WriteLine($"   du4/du2 = {g2}");
        PrintMethod(output, generatedFolder, "GraphGradient");
    }

    /// <summary>
    /// Prints one generated method, from its signature to the closing brace at the signature's indentation. The
    /// method is looked up by name in every generated file, so the sample does not depend on how the files are
    /// named.
    /// </summary>
    private static void PrintMethod(TextWriter output, string generatedFolder, string method)
    {
        if (!Directory.Exists(generatedFolder))
        {
            throw new DirectoryNotFoundException(
                $"{generatedFolder} does not exist. The build copies AutoDiffGen's output there (see ComputationalGraph.csproj).");
        }

        foreach (string file in Directory.GetFiles(generatedFolder, "*.g.cs").Order(StringComparer.Ordinal))
        {
            string[] lines = File.ReadAllLines(file);
            int start = Array.FindIndex(lines, l => l.Contains(" static ", StringComparison.Ordinal) && l.Contains($" {method}(", StringComparison.Ordinal));
            if (start < 0)
            {
                continue;
            }

            string indent = lines[start][..(lines[start].Length - lines[start].TrimStart().Length)];
            int end = Array.FindIndex(lines, start, l => l == indent + "}");
            output.WriteLine($"   generated by AutoDiffGen ({Path.GetFileName(file)}):");
            for (int i = start; i <= end; i++)
            {
                output.WriteLine("   | " + (lines[i].StartsWith(indent, StringComparison.Ordinal) ? lines[i][indent.Length..] : lines[i]));
            }

            output.WriteLine();
            return;
        }

        throw new InvalidOperationException($"No generated file in {generatedFolder} declares {method}.");
    }
}
