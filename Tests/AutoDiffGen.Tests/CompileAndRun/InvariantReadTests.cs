using System;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace AutoDiffGen.Tests.CompileAndRun;

/// <summary>
/// Loop-invariant element reads (<c>w[i]</c> inside a loop over <c>j</c>) are loaded once before the loop, guarded by
/// the loop's condition. Every method is checked against finite differences; the generated text shows which reads
/// were hoisted, and the ones that must not be (the array is written in the loop, the index is a call, the loop can
/// leave early) are here too.
/// </summary>
public sealed class InvariantReadTests
{
    private static readonly string[] Hoisted = { "TriangularRead", "ZeroTrip", "LocalArrayRead" };

    private static readonly string[] NotHoisted = { "WrittenInLoop", "IndexCall", "BreakInner" };

    private const string Subjects = """
        using System;
        using AutoDiffGen;

        namespace Invariant;

        public static partial class Subjects
        {
            // w[i] is the same in every iteration over j, forward and reverse.
            [Differentiable]
            public static double TriangularRead(double[] w, double a)
            {
                double s = 0;
                double p = a;
                for (int i = 0; i < w.Length; i++)
                {
                    for (int j = i + 1; j < w.Length; j++)
                    {
                        s += w[j] * w[i] * p;
                    }

                    p = Math.Sin(p + w[i]);
                }

                return s + p;
            }

            // The last i has no iteration over j, and w[i] is then out of range: the guard must keep the load from
            // running.
            [Differentiable]
            public static double ZeroTrip(double[] w, double a)
            {
                double s = 0;
                double p = a;
                for (int i = 0; i <= w.Length; i++)
                {
                    for (int j = i; j < w.Length; j++)
                    {
                        s += Math.Sin(w[j] * w[i] * p);
                    }

                    p = p * 0.5 + a;
                }

                return s * p;
            }

            [Differentiable]
            public static double LocalArrayRead(double[] w, double a)
            {
                double[] c = new double[w.Length];
                for (int i = 0; i < w.Length; i++)
                {
                    c[i] = Math.Exp(w[i] * a);
                }

                double s = 0;
                double p = a;
                for (int i = 0; i < w.Length; i++)
                {
                    for (int j = 0; j < w.Length; j++)
                    {
                        s += c[i] * w[j] * p;
                    }

                    p = Math.Cos(p) + s * 0.01;
                }

                return s + p;
            }

            // b[i] is read in the loop over j, which also writes b: not invariant.
            [Differentiable]
            public static double WrittenInLoop(double[] w, double a)
            {
                double[] b = new double[w.Length];
                b[0] = a;
                double p = a;
                for (int i = 0; i < w.Length; i++)
                {
                    for (int j = 1; j < w.Length; j++)
                    {
                        b[j] = b[j - 1] * 0.5 + b[i] * w[j] * p;
                    }

                    p = Math.Sin(p + b[w.Length - 1]);
                }

                return p;
            }

            private static int Pick(int i, int n) => (i * 7) % n;

            // The index is a call: it is left alone, whatever the call does.
            [Differentiable]
            public static double IndexCall(double[] w, double a)
            {
                double s = 0;
                double p = a;
                for (int i = 0; i < w.Length; i++)
                {
                    for (int j = 0; j < w.Length; j++)
                    {
                        s += w[j] * w[Pick(i, w.Length)] * p;
                    }

                    p = Math.Sin(p + s * 0.1);
                }

                return s + p;
            }

            // The inner loop can stop before the read.
            [Differentiable]
            public static double BreakInner(double[] w, double a)
            {
                double s = 0;
                double p = a;
                for (int i = 0; i < w.Length; i++)
                {
                    for (int j = 0; j < w.Length; j++)
                    {
                        if (w[j] > 0.9)
                        {
                            break;
                        }

                        s += w[j] * w[i] * p;
                    }

                    p = Math.Sin(p + s * 0.1);
                }

                return s + p;
            }
        }
        """;

    private static readonly ArrayMethodCheck Check = new(Subjects, Hoisted.Concat(NotHoisted).ToArray(), "Invariant", "InvariantReadTests");

    private static readonly Regex HoistedLoad = new(@"double _h\d+ = \S+ > 0 \? |double _h\d+ = \S+ < [^?]+\? ", RegexOptions.CultureInvariant);

    public static TheoryData<string, int> Cases() => ArrayMethodCheck.Cases(Hoisted.Concat(NotHoisted).ToArray(), points: 4);

    public static TheoryData<string> HoistedNames() => new(Hoisted);

    public static TheoryData<string> NotHoistedNames() => new(NotHoisted);

    private static string Generated(string method)
        => Check.Compiled.GeneratedSources.Single(kv => kv.Key.Contains("." + method + "_", StringComparison.Ordinal)).Value;

    [Theory]
    [MemberData(nameof(Cases))]
    public void Method_AtPoint_GradientAndPullbackMatchFiniteDifferences(string method, int pointIndex)
    {
        var random = new Random(3000 + pointIndex);
        double[] w = Enumerable.Range(0, 3 + pointIndex).Select(_ => Math.Round((random.NextDouble() * 1.6) - 0.7, 3)).ToArray();
        Check.AgreesWithFiniteDifferences(method, w, Math.Round(0.3 + random.NextDouble(), 3));
    }

    [Theory]
    [MemberData(nameof(HoistedNames))]
    public void InvariantRead_IsLoadedOnceBeforeTheLoop(string method)
        => Assert.Matches(HoistedLoad, Generated(method));

    [Fact]
    public void TriangularRead_BothSweepsUseTheLocal()
    {
        string generated = Generated("TriangularRead");

        // The forward product and the reverse accumulation into dw both read the local, not w[i].
        string[] sweeps = generated.Split("// Reverse sweep");
        Assert.Matches(@"double _h\d+ = j < w\.Length \? w\[i\] : 0;", sweeps[0]);
        // (The reverse loop over j runs its independent iterations in the forward order: its guard is its first test.)
        Assert.Matches(@"double _h\d+ = \(i \+ 1\) < w\.Length \? w\[i\] : 0;", sweeps[1]);
        Assert.Contains("for (j = i + 1; j < w.Length; j++)", sweeps[1], StringComparison.Ordinal);
        Assert.Matches(@"dw\[j\] \+= _r\d+ \* _h\d+;", sweeps[1]);
        string gradientCode = string.Join('\n', generated.Split("TriangularReadPullback")[0].Split("TriangularReadGradient")[1]
            .Split('\n').Where(line => !line.TrimStart().StartsWith("//", StringComparison.Ordinal)));
        Assert.DoesNotContain("* w[i]", gradientCode, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(NotHoistedNames))]
    public void ReadThatMayChange_IsNotHoisted(string method)
        => Assert.DoesNotMatch(HoistedLoad, Generated(method));
}
