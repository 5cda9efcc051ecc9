using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using AutoDiffGen.Generator.Analysis;
using AutoDiffGen.Generator.Diagnostics;
using AutoDiffGen.Generator.Helpers;
using AutoDiffGen.Generator.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AutoDiffGen.Generator;

/// <summary>Extraction: symbols and operations in, equatable models out. Nothing here reaches the emitter but the model.</summary>
public sealed partial class DifferentiableGenerator
{
    private static MethodResult ExtractMethod(GeneratorAttributeSyntaxContext context, CancellationToken token)
    {
        if (context.TargetSymbol is not IMethodSymbol method || context.TargetNode is not MethodDeclarationSyntax syntax)
        {
            return new MethodResult(null, EquatableArray<DiagnosticInfo>.Empty);
        }

        return MethodAnalyzer.Analyze(method, syntax, context.SemanticModel, token);
    }

    /// <summary>One [DerivativeOf] registration, checked: the target it resolves to (for the duplicate check) and its diagnostics.</summary>
    internal sealed record Registration(string? TargetKey, string TargetDisplay, string PullbackName, bool TargetIsDifferentiable, LocationInfo? Location, EquatableArray<DiagnosticInfo> Diagnostics);

    private static Registration ExtractRegistration(GeneratorAttributeSyntaxContext context, CancellationToken token)
    {
        var pullback = (IMethodSymbol)context.TargetSymbol;
        LocationInfo? location = LocationInfo.From(((MethodDeclarationSyntax)context.TargetNode).Identifier.GetLocation());
        var diagnostics = new List<DiagnosticInfo>();
        IMethodSymbol? target = RegistrationChecks.Check(pullback, location, diagnostics);
        token.ThrowIfCancellationRequested();
        return new Registration(
            target is null ? null : DerivativeRegistry.Key(target),
            target?.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat) ?? string.Empty,
            pullback.Name,
            target is not null && DerivativeRegistry.HasAttribute(target, DerivativeRegistry.DifferentiableAttribute),
            location,
            diagnostics.ToEquatableArray());
    }

    private static EquatableArray<DiagnosticInfo> CheckDuplicates(ImmutableArray<Registration> registrations)
    {
        var result = new List<DiagnosticInfo>();
        var first = new Dictionary<string, Registration>();
        IEnumerable<Registration> ordered = registrations
            .OrderBy(r => r.Location?.FilePath, System.StringComparer.Ordinal)
            .ThenBy(r => r.Location?.Span.Start ?? 0);
        foreach (Registration r in ordered)
        {
            result.AddRange(r.Diagnostics);
            if (r.TargetKey is null)
            {
                continue;
            }

            if (r.TargetIsDifferentiable)
            {
                result.Add(new DiagnosticInfo(DiagnosticIds.DuplicateDerivative, r.Location, new[] { r.TargetDisplay, "its generated Pullback ([Differentiable])" }.ToEquatableArray()));
            }
            else if (first.TryGetValue(r.TargetKey, out Registration? earlier))
            {
                result.Add(new DiagnosticInfo(DiagnosticIds.DuplicateDerivative, r.Location, new[] { r.TargetDisplay, earlier.PullbackName }.ToEquatableArray()));
            }
            else
            {
                first[r.TargetKey] = r;
            }
        }

        return result.ToEquatableArray();
    }
}
