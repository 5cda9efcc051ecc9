using System;
using Xunit;

namespace AutoDiffGen.Tests.CompileAndRun;

/// <summary>A steady-state Gradient or Pullback call of scalar code allocates nothing.</summary>
public sealed class AllocationTests
{
    private const int Calls = 10_000;

    private const string Source = """
        using System;
        using AutoDiffGen;

        namespace Subjects;

        public static partial class Hot
        {
            [Differentiable]
            public static double Loss(double x, double y)
            {
                double a = 1 - x;
                double b = y - x * x;
                double r = a * a + 100 * b * b;
                if (r > 10)
                {
                    r = Math.Sqrt(r) * Math.Log(r);
                }

                return r + Math.Max(x, y) + Math.Abs(Inner(x, y));
            }

            [Differentiable]
            public static double Inner(double x, double y) { return Math.Sin(x) * Math.Exp(-y * y); }

            /// Calls the generated Gradient n times; the test measures around this driver.
            public static double DriveGradient(int n)
            {
                double sum = 0;
                for (int i = 0; i < n; i++)
                {
                    sum += LossGradient(0.5 + (i * 1e-6), 1.5, out double dx, out double dy) + dx + dy;
                }

                return sum;
            }

            public static double DrivePullback(int n)
            {
                double dx = 0;
                double dy = 0;
                for (int i = 0; i < n; i++)
                {
                    LossPullback(0.5 + (i * 1e-6), 1.5, 2.5, ref dx, ref dy);
                }

                return dx + dy;
            }
        }
        """;

    private static readonly Lazy<CompiledAssembly> Compiled = new(() => TestCompiler.Compile(Source, "AllocationTests"));

    /// <summary>
    /// The fewest bytes this thread allocates over three runs of <paramref name="run"/>: an allocation per call shows
    /// in every run (10,000 calls), a one-off allocation of the runtime (tiering, while the rest of the suite loads
    /// the machine) in one.
    /// </summary>
    private static long FewestBytes(Action run)
    {
        long fewest = long.MaxValue;
        for (int pass = 0; pass < 3; pass++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            run();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return fewest;
    }

    [Theory]
    [InlineData("DriveGradient")]
    [InlineData("DrivePullback")]
    public void Driver_SteadyState_AllocatesNothing(string driver)
    {
        Func<int, double> drive = Compiled.Value.Method("Subjects.Hot", driver).CreateDelegate<Func<int, double>>();
        _ = drive(Calls);
        _ = drive(Calls);

        double result = 0;
        long allocated = FewestBytes(() => result = drive(Calls));

        Assert.True(double.IsFinite(result));
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void GradientDelegate_SteadyState_AllocatesNothing()
    {
        var gradient = Compiled.Value.Method("Subjects.Hot", "LossGradient").CreateDelegate<Gradient2>();
        double sum = Loop(gradient, 100);
        long allocated = FewestBytes(() => sum += Loop(gradient, Calls));

        Assert.True(double.IsFinite(sum));
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void PullbackDelegate_SteadyState_AllocatesNothing()
    {
        var pullback = Compiled.Value.Method("Subjects.Hot", "LossPullback").CreateDelegate<Pullback2>();
        double dx = 0, dy = 0;
        pullback(0.5, 1.5, 2.5, ref dx, ref dy);
        long allocated = FewestBytes(() =>
        {
            for (int i = 0; i < Calls; i++)
            {
                pullback(0.5 + (i * 1e-6), 1.5, 2.5, ref dx, ref dy);
            }
        });
        Assert.True(double.IsFinite(dx + dy));
        Assert.Equal(0, allocated);
    }

    private static double Loop(Gradient2 gradient, int n)
    {
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            sum += gradient(0.5 + (i * 1e-6), 1.5, out double dx, out double dy) + dx + dy;
        }

        return sum;
    }
}

/// <summary>The shape of a generated Gradient of two doubles, bound to the compiled method once.</summary>
public delegate double Gradient2(double x, double y, out double dx, out double dy);

/// <summary>The shape of a generated Pullback of two doubles.</summary>
public delegate void Pullback2(double x, double y, double seed, ref double dx, ref double dy);
