using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AutoDiffGen.Generator.Analysis;

/// <summary>
/// Finds the derivative of a called method: the generated Pullback of a [Differentiable] method, or a pullback
/// registered with [DerivativeOf] in the same type, another type, or a referenced assembly.
/// </summary>
internal sealed class DerivativeRegistry
{
    public const string DifferentiableAttribute = "AutoDiffGen.DifferentiableAttribute";
    public const string DerivativeOfAttribute = "AutoDiffGen.DerivativeOfAttribute";
    public const string NoDiffAttribute = "AutoDiffGen.NoDiffAttribute";

    private static readonly ConditionalWeakTable<Compilation, DerivativeRegistry> PerCompilation = new();
    private static readonly ConditionalWeakTable<IAssemblySymbol, Dictionary<string, IMethodSymbol>> PerAssembly = new();

    /// <summary>Target method key -> registered pullback. Only registrations whose signature is valid.</summary>
    private readonly Dictionary<string, IMethodSymbol> pullbacks;

    private DerivativeRegistry(Dictionary<string, IMethodSymbol> pullbacks) => this.pullbacks = pullbacks;

    public static DerivativeRegistry For(Compilation compilation, CancellationToken token)
    {
        if (PerCompilation.TryGetValue(compilation, out DerivativeRegistry? cached))
        {
            return cached;
        }

        var map = new Dictionary<string, IMethodSymbol>();
        foreach (SyntaxTree tree in compilation.SyntaxTrees)
        {
            token.ThrowIfCancellationRequested();
            SemanticModel? model = null;
            foreach (MethodDeclarationSyntax method in tree.GetRoot(token).DescendantNodes().OfType<MethodDeclarationSyntax>())
            {
                if (!method.AttributeLists.SelectMany(l => l.Attributes).Any(a => a.Name.ToString().Contains("DerivativeOf")))
                {
                    continue;
                }

                model ??= compilation.GetSemanticModel(tree);
                if (model.GetDeclaredSymbol(method, token) is IMethodSymbol pullback)
                {
                    Register(map, pullback);
                }
            }
        }

        foreach (IAssemblySymbol assembly in compilation.SourceModule.ReferencedAssemblySymbols)
        {
            if (!MayRegister(assembly))
            {
                continue;
            }

            foreach (KeyValuePair<string, IMethodSymbol> entry in PerAssembly.GetValue(assembly, Scan))
            {
                if (!map.ContainsKey(entry.Key))
                {
                    map[entry.Key] = entry.Value;
                }
            }
        }

        var registry = new DerivativeRegistry(map);
        return PerCompilation.GetValue(compilation, _ => registry);
    }

    /// <summary>The pullback to call for <paramref name="callee"/>, and which of its parameters get gradients.</summary>
    public bool TryResolve(IMethodSymbol callee, out string pullbackName, out IMethodSymbol? registered)
    {
        callee = callee.OriginalDefinition;
        registered = null;
        if (HasAttribute(callee, DifferentiableAttribute))
        {
            pullbackName = callee.Name + "Pullback";

            // A [Differentiable] method of a referenced assembly: its generated Pullback must be there.
            if (callee.Locations.Any(l => l.IsInMetadata) && !callee.ContainingType.GetMembers(pullbackName).Any())
            {
                if (pullbacks.TryGetValue(Key(callee), out registered))
                {
                    pullbackName = registered.Name;
                    return true;
                }

                return false;
            }

            return true;
        }

        if (pullbacks.TryGetValue(Key(callee), out registered))
        {
            pullbackName = registered.Name;
            return true;
        }

        pullbackName = string.Empty;
        return false;
    }

    /// <summary>A registered pullback that skips gradients passed as empty spans (<c>AcceptsEmptyGradients = true</c>).</summary>
    public static bool AcceptsEmptyGradients(IMethodSymbol? pullback) => Flag(pullback, "AcceptsEmptyGradients");

    /// <summary>
    /// A registered pullback of a scalar-valued method that takes the method's result before the seed
    /// (<c>ReceivesResult = true</c>).
    /// </summary>
    public static bool ReceivesResult(IMethodSymbol? pullback) => Flag(pullback, "ReceivesResult");

    private static bool Flag(IMethodSymbol? pullback, string name)
        => pullback is not null && pullback.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == DerivativeOfAttribute
                                                                   && a.NamedArguments.Any(n => n.Key == name && n.Value.Value is true));

    public static bool HasAttribute(ISymbol symbol, string metadataName)
        => symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == metadataName);

    /// <summary>Floating scalar, or array/span of floating, and not [NoDiff].</summary>
    public static bool IsDifferentiable(IParameterSymbol parameter)
        => !HasAttribute(parameter, NoDiffAttribute) && FloatingElement(parameter.Type) is not null;

    /// <summary>double/float for scalars and arrays/spans of them; null otherwise.</summary>
    public static ITypeSymbol? FloatingElement(ITypeSymbol type)
    {
        if (IsFloating(type))
        {
            return type;
        }

        if (type is IArrayTypeSymbol { Rank: 1 } array && IsFloating(array.ElementType))
        {
            return array.ElementType;
        }

        if (type is INamedTypeSymbol { IsGenericType: true } named
            && named.ConstructedFrom.ToDisplayString() is "System.Span<T>" or "System.ReadOnlySpan<T>"
            && IsFloating(named.TypeArguments[0]))
        {
            return named.TypeArguments[0];
        }

        return null;
    }

    public static bool IsFloating(ITypeSymbol? type) => type?.SpecialType is SpecialType.System_Double or SpecialType.System_Single;

    public static string Key(IMethodSymbol method)
    {
        method = method.OriginalDefinition;
        var builder = new StringBuilder();
        builder.Append(method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)).Append('.').Append(method.Name).Append('(');
        builder.Append(string.Join(",", method.Parameters.Select(p => p.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat))));
        return builder.Append(')').ToString();
    }

    /// <summary>
    /// Resolves the target of a [DerivativeOf] registration. Returns the candidates named by the attribute (empty if
    /// none exists) and the one whose signature the pullback matches (null if none).
    /// </summary>
    public static IMethodSymbol? ResolveTarget(IMethodSymbol pullback, out INamedTypeSymbol? targetType, out string? targetName, out List<IMethodSymbol> candidates)
    {
        candidates = new List<IMethodSymbol>();
        targetType = null;
        targetName = null;
        AttributeData? attribute = pullback.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == DerivativeOfAttribute);
        if (attribute is null)
        {
            return null;
        }

        if (attribute.ConstructorArguments.Length == 1)
        {
            targetType = pullback.ContainingType;
            targetName = attribute.ConstructorArguments[0].Value as string;
        }
        else if (attribute.ConstructorArguments.Length == 2)
        {
            targetType = attribute.ConstructorArguments[0].Value as INamedTypeSymbol;
            targetName = attribute.ConstructorArguments[1].Value as string;
        }

        if (targetType is null || targetName is null)
        {
            return null;
        }

        candidates.AddRange(targetType.GetMembers(targetName).OfType<IMethodSymbol>().Where(m => !SymbolEqualityComparer.Default.Equals(m, pullback)));
        return candidates.FirstOrDefault(c => Matches(c, pullback));
    }

    /// <summary>Whether <paramref name="pullback"/> has exactly the Pullback shape of <paramref name="target"/>.</summary>
    public static bool Matches(IMethodSymbol target, IMethodSymbol pullback)
    {
        if (!pullback.ReturnsVoid || pullback.IsGenericMethod != target.IsGenericMethod || pullback.IsStatic != target.IsStatic
            || (!target.IsStatic && !SymbolEqualityComparer.Default.Equals(target.ContainingType, pullback.ContainingType)))
        {
            return false;
        }

        List<(string Type, RefKind RefKind)>? expected = ExpectedParameters(target, ReceivesResult(pullback));
        if (expected is null || expected.Count != pullback.Parameters.Length)
        {
            return false;
        }

        for (int i = 0; i < expected.Count; i++)
        {
            IParameterSymbol actual = pullback.Parameters[i];
            if (actual.RefKind != expected[i].RefKind || actual.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) != expected[i].Type)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The pullback parameter types (fully qualified) of <paramref name="target"/>; null when it cannot have one.
    /// With <paramref name="receivesResult"/>, a scalar-valued target's pullback takes its result before the seed.
    /// </summary>
    public static List<(string Type, RefKind RefKind)>? ExpectedParameters(IMethodSymbol target, bool receivesResult = false)
    {
        int output = VectorOutputIndex(target);
        if (!IsFloating(target.ReturnType) && output < 0)
        {
            return null;
        }

        var result = new List<(string, RefKind)>();
        foreach (IParameterSymbol p in target.Parameters)
        {
            result.Add(p.Ordinal == output ? (ReadOnlySpanOf(p.Type), RefKind.None) : (Display(p.Type), p.RefKind));
        }

        if (receivesResult && output < 0)
        {
            result.Add((Display(target.ReturnType), RefKind.None));
        }

        result.Add(output >= 0 ? (ReadOnlySpanOf(target.Parameters[output].Type), RefKind.None) : (Display(target.ReturnType), RefKind.None));
        foreach (IParameterSymbol p in target.Parameters)
        {
            if (!IsDifferentiable(p) || p.Ordinal == output)
            {
                continue;
            }

            result.Add(IsFloating(p.Type)
                ? (Display(p.Type), RefKind.Ref)
                : ("global::System.Span<" + Display(FloatingElement(p.Type)!) + ">", RefKind.None));
        }

        return result;
    }

    private static string Display(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);

    private static string ReadOnlySpanOf(ITypeSymbol span) => "global::System.ReadOnlySpan<" + Display(FloatingElement(span)!) + ">";

    /// <summary>
    /// A vector-valued method returns void and writes its result into its last parameter, a <c>Span&lt;T&gt;</c> of
    /// a floating type: the index of that parameter, or -1.
    /// </summary>
    public static int VectorOutputIndex(IMethodSymbol method)
    {
        if (!method.ReturnsVoid || method.Parameters.Length == 0)
        {
            return -1;
        }

        IParameterSymbol last = method.Parameters[method.Parameters.Length - 1];
        return last.RefKind == RefKind.None && WritableSpanElement(last.Type) is not null ? last.Ordinal : -1;
    }

    /// <summary>The element type of a <c>Span&lt;double&gt;</c> or <c>Span&lt;float&gt;</c>; null for anything else.</summary>
    public static ITypeSymbol? WritableSpanElement(ITypeSymbol type)
        => type is INamedTypeSymbol { IsGenericType: true } named && named.ConstructedFrom.ToDisplayString() == "System.Span<T>" && IsFloating(named.TypeArguments[0])
            ? named.TypeArguments[0]
            : null;

    /// <summary>The expected pullback signature of <paramref name="target"/>, as the user would write it.</summary>
    public static string ExpectedSignature(IMethodSymbol target, string pullbackName, bool receivesResult = false)
    {
        int output = VectorOutputIndex(target);
        string Minimal(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
        string OutputType() => "ReadOnlySpan<" + Minimal(FloatingElement(target.Parameters[output].Type)!) + ">";
        var parts = new List<string>();
        foreach (IParameterSymbol p in target.Parameters)
        {
            parts.Add((p.Ordinal == output ? OutputType() : Minimal(p.Type)) + " " + p.Name);
        }

        if (receivesResult && output < 0)
        {
            parts.Add(Minimal(target.ReturnType) + " result");
        }

        parts.Add((output >= 0 ? OutputType() : Minimal(target.ReturnType)) + " seed");
        foreach (IParameterSymbol p in target.Parameters)
        {
            if (!IsDifferentiable(p) || p.Ordinal == output)
            {
                continue;
            }

            ITypeSymbol element = FloatingElement(p.Type)!;
            string elementName = element.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
            parts.Add(IsFloating(p.Type) ? "ref " + elementName + " d" + p.Name : "Span<" + elementName + "> d" + p.Name);
        }

        return (target.IsStatic ? "static " : string.Empty) + "void " + pullbackName + "(" + string.Join(", ", parts) + ")";
    }

    private static void Register(Dictionary<string, IMethodSymbol> map, IMethodSymbol pullback)
    {
        IMethodSymbol? target = ResolveTarget(pullback, out _, out _, out _);
        if (target is not null)
        {
            string key = Key(target);
            if (!map.ContainsKey(key))
            {
                map[key] = pullback;
            }
        }
    }

    private static bool MayRegister(IAssemblySymbol assembly)
        => assembly.Name == "AutoDiffGen.Runtime" || assembly.Modules.Any(m => m.ReferencedAssemblies.Any(r => r.Name == "AutoDiffGen.Runtime"));

    private static Dictionary<string, IMethodSymbol> Scan(IAssemblySymbol assembly)
    {
        var map = new Dictionary<string, IMethodSymbol>();
        var stack = new Stack<INamespaceOrTypeSymbol>();
        stack.Push(assembly.GlobalNamespace);
        while (stack.Count > 0)
        {
            INamespaceOrTypeSymbol current = stack.Pop();
            foreach (ISymbol member in current.GetMembers())
            {
                switch (member)
                {
                    case INamespaceOrTypeSymbol nested:
                        stack.Push(nested);
                        break;
                    case IMethodSymbol method when method.DeclaredAccessibility is Accessibility.Public or Accessibility.Protected or Accessibility.ProtectedOrInternal
                                                   && HasAttribute(method, DerivativeOfAttribute):
                        Register(map, method);
                        break;
                }
            }
        }

        return map;
    }
}
