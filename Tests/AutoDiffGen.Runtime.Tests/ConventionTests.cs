using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Xunit;

namespace AutoDiffGen.Runtime.Tests;

/// <summary>The calling convention the generator relies on, checked on every public kernel by reflection.</summary>
public class ConventionTests
{
    private static readonly MethodInfo[] Methods = typeof(Kernels).GetMethods(BindingFlags.Public | BindingFlags.Static);

    private static readonly MethodInfo[] Pullbacks = Methods.Where(m => m.GetCustomAttribute<DerivativeOfAttribute>() is not null).ToArray();

    /// <summary>
    /// The kernels: every public method that is not a registered pullback, nor an unregistered convenience overload
    /// of one (<c>LogSumExpPullback(x, seed, dx)</c>, which computes the result the registered one receives).
    /// </summary>
    private static readonly MethodInfo[] Primals = Methods.Except(Pullbacks).Where(m => !m.Name.EndsWith("Pullback", StringComparison.Ordinal)).ToArray();

    private static bool IsFloating(Type t) => t == typeof(double) || t == typeof(float);

    private static bool IsSpanOf(Type t, Type generic, out Type element)
    {
        element = t.IsGenericType && t.GetGenericTypeDefinition() == generic ? t.GetGenericArguments()[0] : typeof(void);
        return element != typeof(void);
    }

    /// <summary>The pullback's expected parameters (type, name) derived from the primal's, per the convention.</summary>
    private static List<(Type Type, string Name)> ExpectedPullbackParameters(MethodInfo primal, bool receivesResult)
    {
        ParameterInfo[] ps = primal.GetParameters();
        bool scalar = primal.ReturnType != typeof(void);
        var expected = new List<(Type, string)>();
        ParameterInfo[] inputs = scalar ? ps : ps[..^1];
        expected.AddRange(inputs.Select(p => (p.ParameterType, p.Name!)));
        if (scalar)
        {
            Assert.True(IsFloating(primal.ReturnType), $"{primal} returns a floating scalar");
            if (receivesResult)
            {
                expected.Add((primal.ReturnType, "result"));
            }

            expected.Add((primal.ReturnType, "seed"));
        }
        else
        {
            ParameterInfo output = ps[^1];
            Assert.True(IsSpanOf(output.ParameterType, typeof(Span<>), out Type element) && IsFloating(element), $"{primal}: last parameter is the output Span<T>");
            Assert.Equal("result", output.Name);
            Type readOnly = typeof(ReadOnlySpan<>).MakeGenericType(element);
            expected.Add((readOnly, output.Name!));
            expected.Add((readOnly, "seed"));
        }

        foreach (ParameterInfo p in inputs)
        {
            Type t = p.ParameterType;
            if (IsFloating(t))
            {
                expected.Add((t.MakeByRefType(), "d" + p.Name));
            }
            else if (IsSpanOf(t, typeof(ReadOnlySpan<>), out Type element) && IsFloating(element))
            {
                expected.Add((typeof(Span<>).MakeGenericType(element), "d" + p.Name));
            }
            else
            {
                Assert.True(t == typeof(int) || t == typeof(bool) || t == typeof(ReadOnlySpan<int>), $"{primal}: {p.Name} is a constant");
            }
        }

        return expected;
    }

    private static bool LeadingParametersMatch(MethodInfo primal, MethodInfo pullback)
    {
        Type[] primalTypes = primal.GetParameters().Select(p => p.ParameterType).ToArray();
        Type[] pullbackTypes = pullback.GetParameters().Select(p => p.ParameterType).ToArray();
        if (primal.ReturnType == typeof(void) && primalTypes.Length > 0 && IsSpanOf(primalTypes[^1], typeof(Span<>), out Type element))
        {
            primalTypes[^1] = typeof(ReadOnlySpan<>).MakeGenericType(element);
        }

        return pullbackTypes.Length > primalTypes.Length && primalTypes.SequenceEqual(pullbackTypes[..primalTypes.Length]);
    }

    public static IEnumerable<object[]> PrimalSignatures => Primals.Select(m => new object[] { m.ToString()! });

    [Theory]
    [MemberData(nameof(PrimalSignatures))]
    public void Kernel_HasExactlyOneConventionalPullback(string signature)
    {
        MethodInfo primal = Primals.Single(m => m.ToString() == signature);
        MethodInfo[] matches = Pullbacks
            .Where(p => p.GetCustomAttribute<DerivativeOfAttribute>()!.MethodName == primal.Name && p.GetCustomAttribute<DerivativeOfAttribute>()!.Type is null)
            .Where(p => LeadingParametersMatch(primal, p))
            .ToArray();
        MethodInfo pullback = Assert.Single(matches);

        Assert.Equal(primal.Name + "Pullback", pullback.Name);
        Assert.Equal(typeof(void), pullback.ReturnType);
        List<(Type Type, string Name)> expected = ExpectedPullbackParameters(primal, pullback.GetCustomAttribute<DerivativeOfAttribute>()!.ReceivesResult);
        List<(Type Type, string Name)> actual = pullback.GetParameters().Select(p => (p.ParameterType, p.Name!)).ToList();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void UnregisteredPullbackOverload_AgreesWithTheRegisteredOne()
    {
        MethodInfo[] helpers = Methods.Except(Pullbacks).Where(m => m.Name.EndsWith("Pullback", StringComparison.Ordinal)).ToArray();
        Assert.Equal(["LogSumExpPullback", "LogSumExpPullback"], helpers.Select(m => m.Name));
        double[] x = [0.5, -1.25, 3.0, 2.0];
        var viaResult = new double[4];
        var recomputed = new double[4];
        Kernels.LogSumExpPullback(x, Kernels.LogSumExp(x), 1.5, viaResult);
        Kernels.LogSumExpPullback(x, 1.5, recomputed);
        Assert.Equal(viaResult, recomputed);
    }

    [Fact]
    public void EveryPullback_BelongsToAKernel()
    {
        foreach (MethodInfo pullback in Pullbacks)
        {
            Assert.Single(Primals, primal => primal.Name == pullback.GetCustomAttribute<DerivativeOfAttribute>()!.MethodName && LeadingParametersMatch(primal, pullback));
        }
    }

    [Fact]
    public void EveryKernel_HasDoubleAndFloatOverloads()
    {
        string[] expected =
        [
            "Dot", "Sum", "Mean", "Scale", "Axpy", "Add", "Subtract", "Multiply", "Divide", "Exp", "Log", "Tanh", "Sigmoid",
            "Relu", "Softplus", "Square", "Sqrt", "Softmax", "LogSoftmax", "LogSumExp", "MatVec", "MatMul", "Mse",
            "BinaryCrossEntropy", "BinaryCrossEntropyWithLogits", "SoftmaxCrossEntropy",
        ];
        Assert.Equal(expected.OrderBy(n => n), Primals.Select(m => m.Name).Distinct().OrderBy(n => n));
        foreach (string name in expected)
        {
            Type[] elementTypes = Primals.Where(m => m.Name == name)
                .Select(m => m.GetParameters().Select(p => p.ParameterType).First(t => t.IsGenericType || IsFloating(t)))
                .Select(t => t.IsGenericType ? t.GetGenericArguments()[0] : t)
                .OrderBy(t => t.Name)
                .ToArray();
            Assert.Equal([typeof(double), typeof(float)], elementTypes);
        }
    }
}
