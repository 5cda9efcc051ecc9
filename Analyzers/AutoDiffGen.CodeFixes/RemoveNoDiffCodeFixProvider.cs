using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AutoDiffGen.Generator.Analysis;
using AutoDiffGen.Generator.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AutoDiffGen.CodeFixes;

/// <summary>
/// Removes a <c>[NoDiff]</c>: ADG0016, where it has no effect (an integer or other non-floating parameter; Fix All
/// removes every such one), and ADG0020, from the parameter of the called [Differentiable] method that receives an
/// active value, so its generated derivative produces that gradient. The latter is offered only when the callee is
/// source in the solution and the analysis still accepts it with the parameter active.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RemoveNoDiffCodeFixProvider))]
[Shared]
public sealed class RemoveNoDiffCodeFixProvider : CodeFixProvider
{
    /// <summary>Equivalence key of removing a meaningless [NoDiff] (ADG0016).</summary>
    public const string MeaninglessKey = "AutoDiffGen.RemoveNoDiff";

    /// <summary>Equivalence key of removing [NoDiff] from the callee's parameter (ADG0020).</summary>
    public const string CalleeKey = "AutoDiffGen.RemoveNoDiffFromCallee";

    private static readonly SyntaxAnnotation CalleeAnnotation = new("AutoDiffGen.Callee");

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(DiagnosticIds.NoDiffMeaningless, DiagnosticIds.ActiveToNoDiffParameter);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(async (context, document, diagnostics) =>
    {
        if (context.CodeActionEquivalenceKey != MeaninglessKey
            || await SyntaxEdits.RootAndModelAsync(document, context.CancellationToken).ConfigureAwait(false) is not (SyntaxNode root, SemanticModel model))
        {
            return null;
        }

        var parameters = diagnostics.Where(d => d.Id == DiagnosticIds.NoDiffMeaningless)
            .Select(d => root.FindNode(d.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<ParameterSyntax>())
            .OfType<ParameterSyntax>()
            .Distinct()
            .ToList();
        return document.WithSyntaxRoot(root.ReplaceNodes(parameters, (original, _) => WithoutNoDiff(original, model, context.CancellationToken)));
    });

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        if (await SyntaxEdits.RootAndModelAsync(context.Document, context.CancellationToken).ConfigureAwait(false) is not (SyntaxNode root, SemanticModel model))
        {
            return;
        }

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            SyntaxNode node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            if (diagnostic.Id == DiagnosticIds.NoDiffMeaningless)
            {
                if (node.FirstAncestorOrSelf<ParameterSyntax>() is ParameterSyntax parameter)
                {
                    context.RegisterCodeFix(
                        CodeAction.Create("Remove [NoDiff] from '" + parameter.Identifier.ValueText + "' (it is a constant anyway)",
                            token => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(parameter, WithoutNoDiff(parameter, model, token)))),
                            MeaninglessKey),
                        diagnostic);
                }

                continue;
            }

            // ADG0020: the argument's parameter in the callee.
            ArgumentSyntax? argument = node.FirstAncestorOrSelf<ArgumentSyntax>();
            if (argument is null
                || model.GetOperation(argument, context.CancellationToken) is not Microsoft.CodeAnalysis.Operations.IArgumentOperation { Parameter: { } target }
                || target.ContainingSymbol is not IMethodSymbol callee
                || !DerivativeRegistry.HasAttribute(callee, DerivativeRegistry.DifferentiableAttribute)
                || target.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(context.CancellationToken) is not ParameterSyntax targetSyntax
                || targetSyntax.FirstAncestorOrSelf<MethodDeclarationSyntax>() is not MethodDeclarationSyntax calleeSyntax
                || context.Document.Project.Solution.GetDocument(targetSyntax.SyntaxTree) is not Document calleeDocument)
            {
                continue;
            }

            Solution? fixedSolution = await RemoveFromCalleeAsync(calleeDocument, calleeSyntax, targetSyntax, context.CancellationToken).ConfigureAwait(false);
            if (fixedSolution is not null)
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Remove [NoDiff] from parameter '" + target.Name + "' of '" + callee.Name + "'", _ => Task.FromResult(fixedSolution), CalleeKey),
                    diagnostic);
            }
        }
    }

    private static async Task<Solution?> RemoveFromCalleeAsync(Document document, MethodDeclarationSyntax callee, ParameterSyntax parameter, CancellationToken token)
    {
        if (await SyntaxEdits.RootAndModelAsync(document, token).ConfigureAwait(false) is not (SyntaxNode root, SemanticModel model))
        {
            return null;
        }

        MethodDeclarationSyntax rewritten = callee.ReplaceNode(parameter, WithoutNoDiff(parameter, model, token)).WithAdditionalAnnotations(CalleeAnnotation);
        Document changed = document.WithSyntaxRoot(root.ReplaceNode(callee, rewritten));
        return await SyntaxEdits.AcceptedAsync(changed, CalleeAnnotation, token).ConfigureAwait(false) ? changed.Project.Solution : null;
    }

    /// <summary><paramref name="parameter"/> without its [NoDiff] attribute (an emptied list goes, its leading trivia stays).</summary>
    private static ParameterSyntax WithoutNoDiff(ParameterSyntax parameter, SemanticModel model, CancellationToken token)
    {
        List<AttributeSyntax> noDiff = parameter.AttributeLists.SelectMany(l => l.Attributes)
            .Where(a => model.GetSymbolInfo(a, token).Symbol is IMethodSymbol { ContainingType: { } type } && type.ToDisplayString() == DerivativeRegistry.NoDiffAttribute)
            .ToList();
        var lists = new List<AttributeListSyntax>();
        SyntaxTriviaList leading = parameter.GetLeadingTrivia();
        foreach (AttributeListSyntax list in parameter.AttributeLists)
        {
            SeparatedSyntaxList<AttributeSyntax> kept = Microsoft.CodeAnalysis.CSharp.SyntaxFactory.SeparatedList(list.Attributes.Where(a => !noDiff.Contains(a)));
            if (kept.Count > 0)
            {
                lists.Add(list.WithAttributes(kept));
            }
        }

        ParameterSyntax result = parameter.WithAttributeLists(Microsoft.CodeAnalysis.CSharp.SyntaxFactory.List(lists));
        return result.WithLeadingTrivia(leading);
    }
}
