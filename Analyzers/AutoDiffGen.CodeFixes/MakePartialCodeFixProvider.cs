using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AutoDiffGen.Generator.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AutoDiffGen.CodeFixes;

/// <summary>
/// ADG0001: makes the type that holds a [Differentiable] method partial, together with every type around it and
/// every type between it and the method, so that one fix removes every ADG0001 of that method.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialCodeFixProvider))]
[Shared]
public sealed class MakePartialCodeFixProvider : CodeFixProvider
{
    /// <summary>The equivalence key of the fix (one kind of fix, so Fix All applies it everywhere).</summary>
    public const string EquivalenceKey = "AutoDiffGen.MakePartial";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(DiagnosticIds.TypeNotPartial);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider()
        => FixAllProvider.Create(async (context, document, diagnostics) => await MakePartialAsync(document, diagnostics, context.CancellationToken).ConfigureAwait(false));

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        if (await SyntaxEdits.RootAndModelAsync(context.Document, context.CancellationToken).ConfigureAwait(false) is not (SyntaxNode root, SemanticModel model))
        {
            return;
        }

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (TypeAt(root, diagnostic) is not TypeDeclarationSyntax type)
            {
                continue;
            }

            int count = SyntaxEdits.TypesToMakePartial(type, model, context.CancellationToken).Count();
            string title = count > 1
                ? "Make '" + type.Identifier.ValueText + "' and the types around it partial"
                : "Make '" + type.Identifier.ValueText + "' partial";
            context.RegisterCodeFix(
                CodeAction.Create(title, token => MakePartialAsync(context.Document, ImmutableArray.Create(diagnostic), token), EquivalenceKey),
                diagnostic);
        }
    }

    private static TypeDeclarationSyntax? TypeAt(SyntaxNode root, Diagnostic diagnostic)
        => root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).AncestorsAndSelf().OfType<TypeDeclarationSyntax>().FirstOrDefault();

    private static async Task<Document> MakePartialAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken token)
    {
        if (await SyntaxEdits.RootAndModelAsync(document, token).ConfigureAwait(false) is not (SyntaxNode root, SemanticModel model))
        {
            return document;
        }

        var types = new HashSet<TypeDeclarationSyntax>();
        foreach (Diagnostic diagnostic in diagnostics)
        {
            if (TypeAt(root, diagnostic) is TypeDeclarationSyntax type)
            {
                types.UnionWith(SyntaxEdits.TypesToMakePartial(type, model, token));
            }
        }

        // Nested declarations are rewritten inside-out by ReplaceNodes, so an outer and an inner type both change.
        return document.WithSyntaxRoot(root.ReplaceNodes(types, (_, rewritten) => SyntaxEdits.AddPartial(rewritten)));
    }
}
