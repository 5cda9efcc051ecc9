using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using AutoDiffGen.Generator.Diagnostics;
using AutoDiffGen.Generator.Helpers;
using AutoDiffGen.Generator.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace AutoDiffGen.Generator.Analysis;

/// <summary>
/// The differentiability analysis of one <c>[Differentiable]</c> method: the single rule set that both the
/// generator (which prints the plan) and the analyzers (which report the diagnostics while typing) run.
/// </summary>
internal static class MethodAnalyzer
{
    public static MethodResult Analyze(IMethodSymbol method, MethodDeclarationSyntax syntax, SemanticModel model, CancellationToken token)
    {
        var diagnostics = new List<DiagnosticInfo>();
        try
        {
            MethodPlan? plan = AnalyzeCore(method, syntax, model, diagnostics, token);
            bool failed = diagnostics.Any(d => DiagnosticDescriptors.Get(d.Id).DefaultSeverity == DiagnosticSeverity.Error);
            return new MethodResult(failed ? null : plan, diagnostics.ToEquatableArray());
        }
        catch (System.OperationCanceledException)
        {
            throw;
        }
        catch (UnrecordableValueException ex)
        {
            // A value the reverse sweep needs per iteration that no tape holds: an error at the assignment.
            Location location = ex.Syntax?.GetLocation() ?? syntax.Identifier.GetLocation();
            string text = ex.Syntax is null ? method.Name : BodyLowering.Text(ex.Syntax);
            string reason = ex.Type.Contains("Span<")
                ? "the reverse sweep needs the span '" + ex.Value + "' of every iteration, and a span cannot be saved; make it an array, or index the array it views directly"
                : "the reverse sweep needs the value of '" + ex.Value + "' (a " + ex.Type + ") of every iteration, and only floating values, int and bool can be saved; use an int";
            diagnostics.Add(new DiagnosticInfo(DiagnosticIds.UnsupportedExpression, LocationInfo.From(location), new[] { text, reason }.ToEquatableArray()));
            return new MethodResult(null, diagnostics.ToEquatableArray());
        }
        catch (System.Exception ex)
        {
            // Never let an exception reach the compiler (CS8785): report it at the method and generate nothing.
            diagnostics.Add(new DiagnosticInfo(DiagnosticIds.InternalError, LocationInfo.From(syntax.Identifier.GetLocation()),
                new[] { method.Name, ex.GetType().Name + ": " + ex.Message }.ToEquatableArray()));
            return new MethodResult(null, diagnostics.ToEquatableArray());
        }
    }

    private static void Report(List<DiagnosticInfo> diagnostics, string id, Location location, params string[] args)
        => diagnostics.Add(new DiagnosticInfo(id, LocationInfo.From(location), args.ToEquatableArray()));

    private static MethodPlan? AnalyzeCore(IMethodSymbol method, MethodDeclarationSyntax syntax, SemanticModel model, List<DiagnosticInfo> diagnostics, CancellationToken token)
    {
        Location at = syntax.Identifier.GetLocation();

        // Shape of the method and its containing types.
        for (INamedTypeSymbol? type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            bool partial = type.DeclaringSyntaxReferences.Any(r => r.GetSyntax(token) is TypeDeclarationSyntax t && t.Modifiers.Any(SyntaxKind.PartialKeyword));
            if (!partial)
            {
                Location typeLocation = type.Locations.FirstOrDefault(l => l.IsInSource) ?? at;
                Report(diagnostics, DiagnosticIds.TypeNotPartial, typeLocation, type.Name, method.Name);
            }
        }

        if (!DerivativeRegistry.IsFloating(method.ReturnType))
        {
            Report(diagnostics, DiagnosticIds.ReturnTypeNotFloating, syntax.ReturnType.GetLocation(), method.Name, method.ReturnType.ToDisplayString());
        }

        if (method.IsGenericMethod)
        {
            Report(diagnostics, DiagnosticIds.GenericMethod, at, method.Name);
        }

        if (method.IsAbstract || method.IsExtern || (syntax.Body is null && syntax.ExpressionBody is null))
        {
            Report(diagnostics, DiagnosticIds.NoBody, at, method.Name);
            return null;
        }

        foreach (string generated in new[] { method.Name + "Gradient", method.Name + "Pullback" })
        {
            // Members AutoDiffGen generated itself (seen by the live analyzer in a compilation that includes them) are not clashes.
            if (method.ContainingType.GetMembers(generated).Any(m => !m.IsImplicitlyDeclared && !IsGeneratedByAutoDiffGen(m)))
            {
                Report(diagnostics, DiagnosticIds.MemberClash, at, generated, method.ContainingType.Name);
            }
        }

        if (method.IsAsync || method.ReturnsByRef || method.ReturnsByRefReadonly)
        {
            Report(diagnostics, DiagnosticIds.UnsupportedStatement, at, method.Name, method.IsAsync ? "async methods cannot be differentiated" : "ref returns cannot be differentiated");
        }

        // Names: every identifier the method mentions is reserved, so generated names never clash.
        var reserved = new HashSet<string>(syntax.DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText));
        var localNames = new HashSet<string>(syntax.DescendantNodes().Select(n => model.GetDeclaredSymbol(n, token)).OfType<ILocalSymbol>().Select(l => l.Name));
        reserved.ExceptWith(localNames);
        foreach (IParameterSymbol p in method.Parameters)
        {
            reserved.Add(p.Name);
        }

        var names = new NameAllocator(reserved);
        NumKind resultKind = BodyLowering.KindOf(method.ReturnType);
        var registry = DerivativeRegistry.For(model.Compilation, token);
        var lowering = new BodyLowering(registry, names, resultKind == NumKind.Other ? NumKind.Double : resultKind,
            resultKind == NumKind.Float ? "float" : "double", token);

        // Parameters.
        var parameterVars = new List<Var>();
        var parameterDeclarations = new List<string>();
        foreach (IParameterSymbol p in method.Parameters)
        {
            bool noDiff = DerivativeRegistry.HasAttribute(p, DerivativeRegistry.NoDiffAttribute);
            Location pLocation = p.Locations.FirstOrDefault() ?? at;
            bool floating = DerivativeRegistry.IsFloating(p.Type);
            if (noDiff && DerivativeRegistry.FloatingElement(p.Type) is null)
            {
                Report(diagnostics, DiagnosticIds.NoDiffMeaningless, pLocation, p.Name, p.Type.ToDisplayString());
            }

            if (p.RefKind != RefKind.None && floating && !noDiff)
            {
                Report(diagnostics, DiagnosticIds.UnsupportedParameter, pLocation, p.Name, p.Type.ToDisplayString(),
                    "ref, out and in parameters cannot carry gradients; pass the value and return the result, or mark it [NoDiff]");
            }
            else if (p.IsParams)
            {
                Report(diagnostics, DiagnosticIds.UnsupportedParameter, pLocation, p.Name, p.Type.ToDisplayString(), "params arrays are not supported");
            }
            else if (p.RefKind != RefKind.None && DerivativeRegistry.FloatingElement(p.Type) is not null && !noDiff)
            {
                Report(diagnostics, DiagnosticIds.UnsupportedParameter, pLocation, p.Name, p.Type.ToDisplayString(),
                    "ref, out and in parameters cannot carry gradients; pass the array or span by value, or mark it [NoDiff]");
            }

            parameterVars.Add(lowering.AddParameter(p, noDiff));
            parameterDeclarations.Add(ParameterDeclaration(p));
        }

        if (diagnostics.Any(d => DiagnosticDescriptors.Get(d.Id).DefaultSeverity == DiagnosticSeverity.Error))
        {
            return null;
        }

        // Body -> IR.
        IOperation? bodyOperation = model.GetOperation(syntax, token) switch
        {
            IMethodBodyOperation methodBody => (IOperation?)methodBody.BlockBody ?? methodBody.ExpressionBody,
            var other => other,
        };
        if (bodyOperation is null)
        {
            Report(diagnostics, DiagnosticIds.NoBody, at, method.Name);
            return null;
        }

        if (bodyOperation.DescendantsAndSelf().Any(o => o is IInvalidOperation) || model.GetDiagnostics(syntax.Span, token).Any(d => d.Severity == DiagnosticSeverity.Error))
        {
            // The user's code does not compile yet: the compiler reports that; generate nothing.
            return null;
        }

        foreach (ILocalSymbol local in syntax.DescendantNodes().Select(n => model.GetDeclaredSymbol(n, token)).OfType<ILocalSymbol>())
        {
            lowering.AddLocal(local);
        }

        List<Stmt> lowered = lowering.LowerBody(bodyOperation);
        token.ThrowIfCancellationRequested();
        List<Stmt> body = new Normalizer(lowering).Normalize(lowered);

        Activity.Run(body, parameterVars, lowering.Result);
        // One error per expression: the first guard that fires there says why (a slice argument before the
        // generic "stored in an object").
        var reported = new HashSet<(string, Microsoft.CodeAnalysis.Text.TextSpan)>();
        foreach (Guard guard in lowering.Guards)
        {
            if (guard.Inputs.Any(v => v.Varied) && reported.Add((guard.Id, guard.Syntax.Span)))
            {
                lowering.Report(guard.Id, guard.Syntax, guard.Arguments);
            }
        }

        diagnostics.AddRange(lowering.Diagnostics);
        if (!parameterVars.Any(v => v.Kind != NumKind.Other && !v.IsNoDiff))
        {
            Report(diagnostics, DiagnosticIds.NoActiveInput, at, method.Name);
        }

        if (diagnostics.Any(d => DiagnosticDescriptors.Get(d.Id).DefaultSeverity == DiagnosticSeverity.Error))
        {
            return null;
        }

        token.ThrowIfCancellationRequested();

        // Generated parameter names, then adjoints.
        string seed = names.Claim("seed");
        var gradients = new List<GradientParameter>();
        foreach (Var v in parameterVars)
        {
            if (v.Kind == NumKind.Other || v.IsNoDiff)
            {
                continue;
            }

            string gradName = names.Claim("d" + v.Name);
            if (v.IsArray)
            {
                // Inputs are read-only, so their adjoint only accumulates: straight into the caller's span.
                v.Adjoint = gradName;
                gradients.Add(new GradientParameter(v.Name, gradName, GradientKind.Span, BodyLowering.KindType(v.Kind), string.Empty));
                continue;
            }

            if (v.Active)
            {
                v.Adjoint = names.Claim("_d_" + v.Name);
            }

            gradients.Add(new GradientParameter(v.Name, gradName, GradientKind.Scalar, v.Type, v.Adjoint ?? string.Empty));
        }

        var builder = new AdjointBuilder(names);
        var declarations = new List<CodeNode>();
        foreach (Var v in lowering.Variables)
        {
            if (v.Role != VarRole.Parameter)
            {
                // A span local may hold stackalloc memory: scoped, so the hoisted declaration can take it.
                string scoped = (v.IsArray || v.IsAlias) && !v.IsReference ? "scoped " : string.Empty;
                if (v.IsPooled)
                {
                    // Rented from the pool in the generated adjoint: a span over the rented array.
                    declarations.Add(CodeNode.Line("scoped global::System.Span<" + BodyLowering.KindType(v.Kind) + "> " + v.Name + " = default;"));
                }
                else
                {
                    declarations.Add(CodeNode.Line(scoped + v.Type + " " + v.Name + (v.IsReference ? " = default!;" : " = default;")));
                }
            }

            if (v.Active && v.IsScalar && v.Adjoint is null && v != lowering.Result)
            {
                v.Adjoint = names.Claim("_d_" + v.Name.TrimStart('_'));
            }
        }

        foreach (Var v in lowering.Variables)
        {
            if (v.Active && v.IsArray && v.Role == VarRole.Local)
            {
                v.Adjoint = names.Claim("_d_" + v.Name);
                declarations.Add(CodeNode.Line(BodyLowering.KindType(v.Kind) + "[] " + v.Adjoint + " = default!;"));
            }

            if (v.Active && v.IsScalar && v != lowering.Result)
            {
                declarations.Add(CodeNode.Line(v.Type + " " + v.Adjoint + " = 0;"));
            }
        }

        lowering.Result.Adjoint = names.Claim("_d_result");
        builder.Plan(body, lowering.Result);
        (List<CodeNode> forward, List<CodeNode> reverse) = builder.Build(body);
        var localAdjoints = new HashSet<string>(lowering.Variables.Where(v => v.Active && v.IsScalar && v != lowering.Result && v.Adjoint is not null).Select(v => v.Adjoint!));
        var zero = new HashSet<string>(localAdjoints);
        forward = AdjointBuilder.FoldZeroAdjoints(forward, zero, localAdjoints);
        reverse = AdjointBuilder.FoldZeroAdjoints(reverse, zero, localAdjoints);
        var localArrayAdjoints = lowering.Variables.Where(v => v.Active && v.IsArray && v.Role == VarRole.Local && v.Adjoint is not null)
                                                   .ToDictionary(v => v.Adjoint!, v => BodyLowering.KindType(v.Kind), System.StringComparer.Ordinal);

        // The adjoint of a scratch block that the reverse fills in one loop is recomputed where it is read (the
        // forward sweep holds the reverse of loops run in one pass).
        var viewElements = builder.Views.ToDictionary(v => v.Name, v => BodyLowering.KindType(v.Array.Kind), System.StringComparer.Ordinal);
        var scratch = builder.Views.Where(v => v.IsScratch && v.AdjointName is not null)
                                   .ToDictionary(v => v.AdjointName!, v => (v.Array.Name, v.Size, BodyLowering.KindType(v.Array.Kind)), System.StringComparer.Ordinal);
        forward = AdjointForwarding.Apply(forward, scratch, viewElements, names);
        reverse = AdjointForwarding.Apply(reverse, scratch, viewElements, names);

        // Adjacent element-wise loops run as one.
        var owned = new HashSet<string>(System.StringComparer.Ordinal);
        var doubles = new HashSet<string>(gradients.Where(g => g.Kind == GradientKind.Span && g.ElementType == "double").Select(g => g.Name), System.StringComparer.Ordinal);
        foreach (Var v in lowering.Variables.Where(v => v.IsArray))
        {
            if (v.Role == VarRole.Local && v.IsPooled)
            {
                owned.Add(v.Name);
                owned.Add(v.Adjoint ?? v.Name);
            }

            if (v.Kind == NumKind.Double)
            {
                doubles.Add(v.Name);
                doubles.Add(v.Adjoint ?? v.Name);
            }
        }

        foreach (ArrayView view in builder.Views)
        {
            foreach (string name in new[] { view.Name, view.AdjointName ?? view.Name })
            {
                if (view.Array.Role == VarRole.Local && view.Array.IsPooled)
                {
                    owned.Add(name);
                }

                if (view.Array.Kind == NumKind.Double)
                {
                    doubles.Add(name);
                }
            }
        }

        forward = AdjacentLoopFusion.Apply(forward, owned, doubles);
        reverse = AdjacentLoopFusion.Apply(reverse, owned, doubles);

        // A block view is, inside its loop, the only name of its block: the passes below treat it as an array of its own.
        foreach (ArrayView view in builder.Views.Where(v => v.AdjointName is not null && v.Array.Role == VarRole.Local))
        {
            localArrayAdjoints[view.AdjointName!] = BodyLowering.KindType(view.Array.Kind);
        }

        forward = AccumulationHoisting.Apply(forward, localArrayAdjoints, names);
        reverse = AccumulationHoisting.Apply(reverse, localArrayAdjoints, names);
        var elementTargets = new Dictionary<string, string>(localArrayAdjoints, System.StringComparer.Ordinal);
        foreach (GradientParameter g in gradients.Where(g => g.Kind == GradientKind.Span))
        {
            elementTargets[g.Name] = g.ElementType;
        }

        foreach (ArrayView view in builder.Views.Where(v => v.AdjointName is not null))
        {
            elementTargets[view.AdjointName!] = BodyLowering.KindType(view.Array.Kind);
        }

        forward = AccumulationHoisting.MergeElementUpdates(forward, elementTargets, names);
        reverse = AccumulationHoisting.MergeElementUpdates(reverse, elementTargets, names);
        forward = AdjointForwarding.AssignFirstWrites(forward, scratch);
        reverse = AdjointForwarding.AssignFirstWrites(reverse, scratch);
        var primalArrays = lowering.Variables.Where(v => v.IsArray && v.Role is VarRole.Local or VarRole.Parameter && v.Kind is NumKind.Double or NumKind.Float)
                                             .ToDictionary(v => v.Name, v => BodyLowering.KindType(v.Kind), System.StringComparer.Ordinal);
        var parameterArrays = new HashSet<string>(lowering.Variables.Where(v => v.IsArray && v.Role == VarRole.Parameter).Select(v => v.Name), System.StringComparer.Ordinal);
        foreach (ArrayView view in builder.Views)
        {
            primalArrays[view.Name] = BodyLowering.KindType(view.Array.Kind);
            if (view.Array.Role == VarRole.Parameter)
            {
                parameterArrays.Add(view.Name);
            }
        }

        forward = AccumulationHoisting.HoistInvariantReads(forward, primalArrays, parameterArrays, names);
        reverse = AccumulationHoisting.HoistInvariantReads(reverse, primalArrays, parameterArrays, names);

        // Parameters viewed in blocks: exact-size views when one check on entry shows every block inside.
        Dictionary<string, string> fastForms = ViewVersioning.FastForms(builder.Views);
        if (fastForms.Count > 0)
        {
            string flag = names.Claim("_blocksInside");
            string condition = string.Join(" && ", builder.Views.Where(v => v.Guard is not null).SelectMany(v => v.Guard!.Split(new[] { " && " }, System.StringSplitOptions.None)).Distinct());
            forward = ViewVersioning.Apply(forward, fastForms, flag);
            reverse = ViewVersioning.Apply(reverse, fastForms, flag);
            if (forward.Any(n => n.Text == "if (" + flag + ")") || reverse.Any(n => n.Text == "if (" + flag + ")"))
            {
                forward.Insert(0, CodeNode.Line("bool " + flag + " = " + condition + ";"));
            }
        }
        // A pooled adjoint that nothing reads any more (every read recomputed) is not rented at all.
        var unused = new HashSet<string>(
            builder.PooledArrays.Select(p => p.Name).Where(n => localArrayAdjoints.ContainsKey(n) && !UsedBeyondPooling(forward, n) && !UsedBeyondPooling(reverse, n)),
            System.StringComparer.Ordinal);
        if (unused.Count > 0)
        {
            forward = WithoutPooling(forward, unused);
            reverse = WithoutPooling(reverse, unused);
            declarations.RemoveAll(d => !d.IsBlock && unused.Any(n => d.Text.EndsWith("[] " + n + " = default!;", System.StringComparison.Ordinal)));
        }

        foreach ((string element, string pooled) in builder.PooledArrays.Where(p => !unused.Contains(p.Name)))
        {
            // Null when the statement that creates the array did not run (an early return, an untaken branch).
            reverse.Add(CodeNode.Line("if (" + pooled + " is not null) global::System.Buffers.ArrayPool<" + element + ">.Shared.Return(" + pooled + ");"));
        }
        declarations.AddRange(builder.Declarations);

        return new MethodPlan(
            Namespace: method.ContainingNamespace.IsGlobalNamespace ? null : method.ContainingNamespace.ToDisplayString(),
            ContainingTypes: ContainingTypes(method.ContainingType).ToEquatableArray(),
            Modifiers: Modifiers(method),
            ReturnType: lowering.Result.Type,
            Name: method.Name,
            HintName: HintName(method),
            DocReference: method.Name + "(" + string.Join(", ", method.Parameters.Select(p => p.Type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat))) + ")",
            PrimalParameters: parameterDeclarations.ToEquatableArray(),
            SeedName: seed,
            Gradients: gradients.ToEquatableArray(),
            Declarations: declarations.ToEquatableArray(),
            Forward: forward.ToEquatableArray(),
            ResultLocal: lowering.Result.Name,
            ResultAdjointLocal: lowering.Result.Active ? lowering.Result.Adjoint! : string.Empty,
            Reverse: reverse.ToEquatableArray(),
            Tape: builder.Tape ?? string.Empty,
            TapeSetup: builder.TapeSetup.ToEquatableArray());
    }

    /// <summary>Whether <paramref name="name"/> appears in a line other than its renting and its clearing.</summary>
    private static bool UsedBeyondPooling(IEnumerable<CodeNode> nodes, string name)
        => nodes.Any(n => (!n.IsBlock && !n.Text.StartsWith("//", System.StringComparison.Ordinal) && !IsPooling(n.Text, name)
                           && AccumulationHoisting.Identifiers(n.Text).Contains(name))
                          || (n.IsBlock && (AccumulationHoisting.Identifiers(n.Text).Contains(name) || UsedBeyondPooling(n.Children, name))));

    private static bool IsPooling(string line, string name)
        => (line.StartsWith(name + " = global::System.Buffers.ArrayPool<", System.StringComparison.Ordinal) && line.Contains(">.Shared.Rent("))
           || line.StartsWith("global::System.Array.Clear(" + name + ", ", System.StringComparison.Ordinal);

    private static List<CodeNode> WithoutPooling(List<CodeNode> nodes, HashSet<string> names)
        => nodes.Where(n => n.IsBlock || !names.Any(name => IsPooling(n.Text, name)))
                .Select(n => n.IsBlock ? new CodeNode(n.Text, WithoutPooling(n.Children.ToList(), names).ToEquatableArray(), true) : n)
                .ToList();

    private static bool IsGeneratedByAutoDiffGen(ISymbol member)
        => member.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.CodeDom.Compiler.GeneratedCodeAttribute"
                                           && a.ConstructorArguments.Length > 0 && a.ConstructorArguments[0].Value as string == "AutoDiffGen");

    private static string ParameterDeclaration(IParameterSymbol p)
    {
        string prefix = p.RefKind switch
        {
            RefKind.Ref => "ref ",
            RefKind.Out => "out ",
            RefKind.In => "in ",
            _ => string.Empty,
        };
        string name = SyntaxFacts.GetKeywordKind(p.Name) != SyntaxKind.None ? "@" + p.Name : p.Name;
        return prefix + OperationPrinter.TypeName(p.Type) + " " + name;
    }

    private static string Modifiers(IMethodSymbol method)
    {
        string access = method.DeclaredAccessibility switch
        {
            Accessibility.Public => "public",
            Accessibility.Internal => "internal",
            Accessibility.Protected => "protected",
            Accessibility.ProtectedOrInternal => "protected internal",
            Accessibility.ProtectedAndInternal => "private protected",
            _ => "private",
        };
        return method.IsStatic ? access + " static" : access;
    }

    private static IEnumerable<ContainingTypeInfo> ContainingTypes(INamedTypeSymbol type)
    {
        var chain = new List<ContainingTypeInfo>();
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            string keyword = t switch
            {
                { IsRecord: true, TypeKind: TypeKind.Struct } => "partial record struct",
                { IsRecord: true } => "partial record",
                { TypeKind: TypeKind.Struct } => "partial struct",
                { TypeKind: TypeKind.Interface } => "partial interface",
                _ => "partial class",
            };
            string name = t.Name + (t.TypeParameters.Length > 0 ? "<" + string.Join(", ", t.TypeParameters.Select(p => p.Name)) + ">" : string.Empty);
            chain.Insert(0, new ContainingTypeInfo(keyword, name));
        }

        return chain;
    }

    private static string HintName(IMethodSymbol method)
    {
        var builder = new StringBuilder();
        string type = method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", string.Empty);
        builder.Append(type).Append('.').Append(method.Name);
        foreach (IParameterSymbol p in method.Parameters)
        {
            builder.Append('_').Append(p.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat));
        }

        var clean = new StringBuilder();
        foreach (char ch in builder.ToString())
        {
            clean.Append(char.IsLetterOrDigit(ch) || ch is '.' or '_' ? ch : '_');
        }

        return clean.Append(".g.cs").ToString();
    }
}
