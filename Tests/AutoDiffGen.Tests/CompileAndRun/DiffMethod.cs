using System;
using System.Globalization;
using System.Linq;
using System.Reflection;

namespace AutoDiffGen.Tests.CompileAndRun;

/// <summary>
/// A compiled [Differentiable] method with its generated <c>Gradient</c> and <c>Pullback</c>, called by reflection.
/// Arguments are given as doubles for every primal parameter (converted to float or int as the parameter needs);
/// gradients come back as doubles, one per differentiable parameter (floating and not [NoDiff]), in order.
/// </summary>
internal sealed class DiffMethod
{
    private readonly object? _target;

    public DiffMethod(CompiledAssembly assembly, string typeName, string name, object? target)
    {
        Name = typeName + "." + name;
        Primal = assembly.Method(typeName, name);
        Gradient = assembly.Method(typeName, name + "Gradient");
        Pullback = assembly.Method(typeName, name + "Pullback");
        _target = Primal.IsStatic ? null : target ?? Activator.CreateInstance(Primal.DeclaringType!);
        ParameterInfo[] parameters = Primal.GetParameters();
        ParameterTypes = parameters.Select(p => p.ParameterType).ToArray();
        DifferentiableIndices = parameters
            .Select((p, i) => (p, i))
            .Where(t => IsFloating(t.p.ParameterType) && !t.p.CustomAttributes.Any(a => a.AttributeType.Name == "NoDiffAttribute"))
            .Select(t => t.i)
            .ToArray();
        IsSingle = Primal.ReturnType == typeof(float);
    }

    public string Name { get; }

    public MethodInfo Primal { get; }

    public MethodInfo Gradient { get; }

    public MethodInfo Pullback { get; }

    public Type[] ParameterTypes { get; }

    /// <summary>Indices of the primal parameters that get a gradient parameter.</summary>
    public int[] DifferentiableIndices { get; }

    public bool IsSingle { get; }

    public double Value(params double[] args)
        => ToDouble(Primal.Invoke(_target, Convert(args)));

    /// <summary>Calls <c>FGradient(args..., out d0, out d1, ...)</c>.</summary>
    public double ValueAndGradient(double[] args, out double[] gradient)
    {
        object?[] call = new object?[args.Length + DifferentiableIndices.Length];
        Array.Copy(Convert(args), call, args.Length);
        double value = ToDouble(Gradient.Invoke(_target, call));
        gradient = call.Skip(args.Length).Select(ToDouble).ToArray();
        return value;
    }

    /// <summary>Calls <c>FPullback(args..., seed, ref d0, ref d1, ...)</c> with the refs pre-filled; returns them.</summary>
    public double[] AddPullback(double[] args, double seed, double[] prefill)
    {
        if (prefill.Length != DifferentiableIndices.Length)
        {
            throw new ArgumentException("One pre-filled value per differentiable parameter.", nameof(prefill));
        }

        object?[] call = new object?[args.Length + 1 + prefill.Length];
        Array.Copy(Convert(args), call, args.Length);
        call[args.Length] = IsSingle ? (object)(float)seed : seed;
        for (int i = 0; i < prefill.Length; i++)
        {
            call[args.Length + 1 + i] = FromDouble(prefill[i], ParameterTypes[DifferentiableIndices[i]]);
        }

        _ = Pullback.Invoke(_target, call);
        return call.Skip(args.Length + 1).Select(ToDouble).ToArray();
    }

    public override string ToString() => Name;

    private object?[] Convert(double[] args)
    {
        if (args.Length != ParameterTypes.Length)
        {
            throw new ArgumentException(Name + " takes " + ParameterTypes.Length + " arguments.", nameof(args));
        }

        return args.Select((a, i) => FromDouble(a, ParameterTypes[i])).ToArray();
    }

    private static object FromDouble(double value, Type type)
        => type == typeof(double) ? value
        : type == typeof(float) ? (float)value
        : System.Convert.ChangeType(value, type, CultureInfo.InvariantCulture);

    private static double ToDouble(object? value)
        => value switch
        {
            double d => d,
            float f => f,
            _ => throw new InvalidOperationException("Expected a floating value, got " + (value?.GetType().Name ?? "null") + "."),
        };

    private static bool IsFloating(Type type) => type == typeof(double) || type == typeof(float);
}
