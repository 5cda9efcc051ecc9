using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using AutoDiffGen.Generator.Analysis;
using AutoDiffGen.Generator.Diagnostics;
using AutoDiffGen.Generator.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace AutoDiffGen.Analyzers;

/// <summary>
/// Reports AutoDiffGen's diagnostics while the user types. It runs the generator's own analysis (the same
/// source files, compiled into this assembly), so the analyzer and the generator never disagree; its locations
/// are in the user's syntax trees, so <c>#pragma warning disable</c> and .editorconfig severities apply.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DifferentiableAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => DiagnosticDescriptors.All;

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            if (start.Compilation.GetTypeByMetadataName(DerivativeRegistry.DifferentiableAttribute) is null)
            {
                return; // AutoDiffGen.Runtime is not referenced: nothing to analyse.
            }

            start.RegisterSyntaxNodeAction(AnalyzeMethod, SyntaxKind.MethodDeclaration);
            start.RegisterSyntaxNodeAction(AnalyzeType, SyntaxKind.ClassDeclaration, SyntaxKind.StructDeclaration, SyntaxKind.RecordDeclaration,
                SyntaxKind.RecordStructDeclaration, SyntaxKind.InterfaceDeclaration);
        });
    }

    /// <summary>
    /// ADG0001 from the type's side: the shared analysis finds it from the method, but it points at the type, and a
    /// diagnostic outside the analysed node is not local (the IDE would not refresh it with the type, and code fixes
    /// are not offered for it). Same count, place and message as the generator: one per [Differentiable] method inside.
    /// </summary>
    private static void AnalyzeType(SyntaxNodeAnalysisContext context)
    {
        var type = (TypeDeclarationSyntax)context.Node;

        // Partial as the shared analysis sees it: any declaration of the type (another one without the modifier is
        // the compiler's CS0260).
        if (type.Modifiers.Any(SyntaxKind.PartialKeyword)
            || context.SemanticModel.GetDeclaredSymbol(type, context.CancellationToken) is not INamedTypeSymbol symbol
            || symbol.DeclaringSyntaxReferences.Any(r => r.GetSyntax(context.CancellationToken) is TypeDeclarationSyntax t && t.Modifiers.Any(SyntaxKind.PartialKeyword)))
        {
            return;
        }

        foreach (MethodDeclarationSyntax method in type.DescendantNodes().OfType<MethodDeclarationSyntax>())
        {
            if (method.AttributeLists.Count > 0
                && context.SemanticModel.GetDeclaredSymbol(method, context.CancellationToken) is IMethodSymbol differentiable
                && DerivativeRegistry.HasAttribute(differentiable, DerivativeRegistry.DifferentiableAttribute))
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.TypeNotPartial, type.Identifier.GetLocation(), symbol.Name, differentiable.Name));
            }
        }
    }

    private static void AnalyzeMethod(SyntaxNodeAnalysisContext context)
    {
        var syntax = (MethodDeclarationSyntax)context.Node;
        if (syntax.AttributeLists.Count == 0 || context.SemanticModel.GetDeclaredSymbol(syntax, context.CancellationToken) is not IMethodSymbol method)
        {
            return;
        }

        var diagnostics = new List<DiagnosticInfo>();
        if (DerivativeRegistry.HasAttribute(method, DerivativeRegistry.DifferentiableAttribute))
        {
            diagnostics.AddRange(MethodAnalyzer.Analyze(method, syntax, context.SemanticModel, context.CancellationToken).Diagnostics);
        }

        if (DerivativeRegistry.HasAttribute(method, DerivativeRegistry.DerivativeOfAttribute))
        {
            // ADG0015 (two registrations for one method) needs the whole compilation: the generator reports it.
            RegistrationChecks.Check(method, LocationInfo.From(syntax.Identifier.GetLocation()), diagnostics);
        }

        foreach (DiagnosticInfo info in diagnostics.Where(d => d.Id != DiagnosticIds.TypeNotPartial))
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.Get(info.Id), InSource(info, context.Compilation), info.Arguments.Select(a => (object)a).ToArray()));
        }
    }

    /// <summary>The diagnostic's location in the user's syntax tree (so pragmas apply), not a file position.</summary>
    private static Location InSource(DiagnosticInfo info, Compilation compilation)
    {
        if (info.Location is null)
        {
            return Location.None;
        }

        SyntaxTree? tree = compilation.SyntaxTrees.FirstOrDefault(t => t.FilePath == info.Location.FilePath);
        return tree is null ? info.Location.ToLocation() : Location.Create(tree, info.Location.Span);
    }
}
