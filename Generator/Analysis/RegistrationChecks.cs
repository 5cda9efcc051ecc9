using System.Collections.Generic;
using System.Linq;
using AutoDiffGen.Generator.Diagnostics;
using AutoDiffGen.Generator.Helpers;
using AutoDiffGen.Generator.Models;
using Microsoft.CodeAnalysis;

namespace AutoDiffGen.Generator.Analysis;

/// <summary>The rules for a [DerivativeOf] registration, shared by the generator and the analyzers.</summary>
internal static class RegistrationChecks
{
    /// <summary>Checks one pullback; returns the method it registers a derivative for, or null (with a diagnostic).</summary>
    public static IMethodSymbol? Check(IMethodSymbol pullback, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        IMethodSymbol? target = DerivativeRegistry.ResolveTarget(pullback, out INamedTypeSymbol? type, out string? name, out List<IMethodSymbol> candidates);
        if (target is not null)
        {
            return target;
        }

        if (type is null || name is null || candidates.Count == 0)
        {
            diagnostics.Add(new DiagnosticInfo(DiagnosticIds.DerivativeTargetNotFound, location,
                new[] { name ?? "?", type?.ToDisplayString() ?? "?" }.ToEquatableArray()));
            return null;
        }

        string expected = string.Join(" or ", candidates.Select(c => DerivativeRegistry.ExpectedSignature(c, pullback.Name, DerivativeRegistry.ReceivesResult(pullback))));
        diagnostics.Add(new DiagnosticInfo(DiagnosticIds.DerivativeSignatureMismatch, location,
            new[] { pullback.Name, candidates[0].ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat), expected }.ToEquatableArray()));
        return null;
    }
}
