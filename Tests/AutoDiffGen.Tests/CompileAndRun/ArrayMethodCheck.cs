using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Xunit;

namespace AutoDiffGen.Tests.CompileAndRun;

/// <summary>
/// Checks methods of the shape <c>double M(double[] w, double a)</c> in a compiled test source: drivers that pass
/// arrays to the generated Gradient and Pullback (spans cannot go through reflection), and the check of both
/// against central finite differences.
/// </summary>
internal sealed class ArrayMethodCheck
{
    private readonly Lazy<CompiledAssembly> compiled;
    private readonly string subjects;
    private readonly string drivers;

    /// <param name="source">Source declaring <c>public static partial class Subjects</c> in <paramref name="ns"/> (file-scoped).</param>
    /// <param name="methods">The methods to drive.</param>
    /// <param name="ns">The namespace of the subjects.</param>
    /// <param name="assemblyName">The name of the compiled test assembly.</param>
    public ArrayMethodCheck(string source, string[] methods, string ns, string assemblyName)
    {
        compiled = new Lazy<CompiledAssembly>(() => TestCompiler.Compile(source + Drivers(methods), assemblyName));
        subjects = ns + ".Subjects";
        drivers = ns + ".Drivers";
    }

    public CompiledAssembly Compiled => compiled.Value;

    /// <summary>The generated source of <paramref name="method"/> (its Gradient and Pullback).</summary>
    public string Generated(string method)
        => Compiled.GeneratedSources.Single(kv => kv.Key.Contains("." + method + "_", StringComparison.Ordinal)).Value;

    /// <summary>Every method at <paramref name="points"/> points.</summary>
    public static TheoryData<string, int> Cases(string[] methods, int points)
    {
        var data = new TheoryData<string, int>();
        foreach (string m in methods)
        {
            for (int p = 0; p < points; p++)
            {
                data.Add(m, p);
            }
        }

        return data;
    }

    /// <summary>A static class named <c>Drivers</c> in the subjects' namespace, with Gradient, Pullback and Loop drivers per method.</summary>
    private static string Drivers(IEnumerable<string> methods)
    {
        var b = new StringBuilder("public static class Drivers\n{\n");
        foreach (string m in methods)
        {
            b.Append("    public static double ").Append(m).Append("Gradient(double[] w, double a, double[] dw, double[] da) { double v = Subjects.").Append(m)
             .Append("Gradient(w, a, dw, out double d); da[0] = d; return v; }\n");
            b.Append("    public static void ").Append(m).Append("Pullback(double[] w, double a, double seed, double[] dw, double[] da) { double d = da[0]; Subjects.").Append(m)
             .Append("Pullback(w, a, seed, dw, ref d); da[0] = d; }\n");
            b.Append("    public static double ").Append(m).Append("Loop(double[] w, double a, double[] dw, int n) { double s = 0; for (int i = 0; i < n; i++) s += Subjects.").Append(m)
             .Append("Gradient(w, a, dw, out double d) + d; return s; }\n");
        }

        return b.Append("}\n").ToString();
    }

    public double Primal(string method, double[] w, double a)
        => (double)compiled.Value.Method(subjects, method).Invoke(null, new object[] { w, a })!;

    public (double Value, double[] Dw, double Da) Gradient(string method, double[] w, double a)
    {
        double[] dw = Enumerable.Repeat(123.0, w.Length).ToArray(); // Gradient overwrites whatever is there.
        double[] da = { 0 };
        double v = (double)compiled.Value.Method(drivers, method + "Gradient").Invoke(null, new object[] { w, a, dw, da })!;
        return (v, dw, da[0]);
    }

    /// <summary>Gradient against central differences in every coordinate; Pullback adds seed * gradient into pre-filled buffers.</summary>
    public void AgreesWithFiniteDifferences(string method, double[] w, double a, double tolerance = 1e-5)
    {
        (double value, double[] dw, double da) = Gradient(method, w, a);
        Assert.Equal(Primal(method, w, a), value);

        for (int i = 0; i <= w.Length; i++)
        {
            double Shifted(double h)
            {
                double[] ws = (double[])w.Clone();
                double ash = a;
                if (i < w.Length)
                {
                    ws[i] += h;
                }
                else
                {
                    ash += h;
                }

                return Primal(method, ws, ash);
            }

            double step = 1e-6;
            double fd = (Shifted(step) - Shifted(-step)) / (2 * step);
            double actual = i < w.Length ? dw[i] : da;
            Assert.True(Math.Abs(fd - actual) <= tolerance * Math.Max(1, Math.Abs(fd)),
                string.Create(CultureInfo.InvariantCulture, $"{method} d/d{(i < w.Length ? "w[" + i + "]" : "a")}: finite differences {fd}, gradient {actual}"));
        }

        double[] pw = Enumerable.Range(0, w.Length).Select(k => 0.25 * k).ToArray();
        double[] pa = { -2.0 };
        compiled.Value.Method(drivers, method + "Pullback").Invoke(null, new object[] { w, a, 1.7, pw, pa });
        for (int k = 0; k < w.Length; k++)
        {
            Assert.Equal((0.25 * k) + (1.7 * dw[k]), pw[k], 10);
        }

        Assert.Equal(-2.0 + (1.7 * da), pa[0], 10);
    }

    /// <summary>
    /// Bytes that 4000 more steady-state Gradient calls allocate, measured through the Loop driver (bound to a
    /// delegate once, so no reflection runs between the two readings), the fewest of up to five measurements.
    /// </summary>
    public long BytesFor4000Calls(string method, double[] w, double a)
    {
        double[] dw = new double[w.Length];
        var loop = compiled.Value.Method(drivers, method + "Loop").CreateDelegate<Func<double[], double, double[], int, double>>();
        long Measure(int calls)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            _ = loop(w, a, dw, calls);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Measure(50);
        Measure(50);

        // An allocation per call shows in every difference (4000 calls, at least 96 KB); a one-off allocation of the
        // runtime on this thread (tiering, while the rest of the suite loads the machine) in one. A one-off in the
        // shorter run makes its difference negative: such a difference says nothing and is measured again.
        long fewest = long.MaxValue;
        for (int pass = 0; pass < 5 && fewest > 0; pass++)
        {
            long difference = Measure(6000) - Measure(2000);
            if (difference >= 0)
            {
                fewest = Math.Min(fewest, difference);
            }
        }

        return fewest == long.MaxValue ? 0 : fewest;
    }
}
