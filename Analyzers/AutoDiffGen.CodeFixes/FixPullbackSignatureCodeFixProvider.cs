using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AutoDiffGen.Generator.Analysis;
using AutoDiffGen.Generator.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;

namespace AutoDiffGen.CodeFixes;

/// <summary>
/// ADG0014: rewrites a [DerivativeOf] pullback's signature to the Pullback shape of its target (void, static as the
/// target, the expected parameter list). When the parameter count already matches, the user's names are kept (only
/// types and ref kinds change, so the body still compiles); otherwise the names are the target's, <c>seed</c> and
/// <c>d</c>+name. One fix per overload the attribute names; Fix All uses the first overload.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(FixPullbackSignatureCodeFixProvider))]
[Shared]
public sealed class FixPullbackSignatureCodeFixProvider : CodeFixProvider
{
    /// <summary>Equivalence key for the first overload; later overloads append their index.</summary>
    public const string EquivalenceKey = "AutoDiffGen.FixPullbackSignature";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(DiagnosticIds.DerivativeSignatureMismatch);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(async (context, document, diagnostics) =>
    {
        if (await SyntaxEdits.RootAndModelAsync(document, context.CancellationToken).ConfigureAwait(false) is not (SyntaxNode root, SemanticModel model))
        {
            return document;
        }

        int index = context.CodeActionEquivalenceKey is { } key && key.Length > EquivalenceKey.Length
            ? int.Parse(key.Substring(EquivalenceKey.Length + 1), CultureInfo.InvariantCulture)
            : 0;
        var rewrites = new Dictionary<MethodDeclarationSyntax, MethodDeclarationSyntax>();
        foreach (Diagnostic diagnostic in diagnostics)
        {
            if (PullbackAt(root, diagnostic, model, context.CancellationToken) is ({ } syntax, { } pullback)
                && Targets(pullback).ElementAtOrDefault(index) is IMethodSymbol target)
            {
                rewrites[syntax] = Rewrite(syntax, pullback, target);
            }
        }

        return document.WithSyntaxRoot(root.ReplaceNodes(rewrites.Keys, (original, _) => rewrites[original]));
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
            if (PullbackAt(root, diagnostic, model, context.CancellationToken) is not ({ } syntax, { } pullback))
            {
                continue;
            }

            List<IMethodSymbol> targets = Targets(pullback);
            for (int i = 0; i < targets.Count; i++)
            {
                IMethodSymbol target = targets[i];
                string title = "Use the pullback signature of '" + target.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat) + "'";
                string key = i == 0 ? EquivalenceKey : EquivalenceKey + "." + i.ToString(CultureInfo.InvariantCulture);
                context.RegisterCodeFix(
                    CodeAction.Create(title, _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(syntax, Rewrite(syntax, pullback, target)))), key),
                    diagnostic);
            }
        }
    }

    private static (MethodDeclarationSyntax? Syntax, IMethodSymbol? Symbol) PullbackAt(SyntaxNode root, Diagnostic diagnostic, SemanticModel model, CancellationToken token)
    {
        MethodDeclarationSyntax? syntax = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<MethodDeclarationSyntax>();
        return (syntax, syntax is null ? null : model.GetDeclaredSymbol(syntax, token));
    }

    /// <summary>The overloads the attribute names whose pullback shape this method can take.</summary>
    private static List<IMethodSymbol> Targets(IMethodSymbol pullback)
    {
        DerivativeRegistry.ResolveTarget(pullback, out _, out _, out List<IMethodSymbol> candidates);
        return candidates
            .Where(c => DerivativeRegistry.ExpectedParameters(c) is not null && c.IsGenericMethod == pullback.IsGenericMethod
                        && (c.IsStatic || SymbolEqualityComparer.Default.Equals(c.ContainingType, pullback.ContainingType)))
            .ToList();
    }

    private static MethodDeclarationSyntax Rewrite(MethodDeclarationSyntax syntax, IMethodSymbol pullback, IMethodSymbol target)
    {
        bool receivesResult = DerivativeRegistry.ReceivesResult(pullback);
        List<(string Type, RefKind RefKind)> expected = DerivativeRegistry.ExpectedParameters(target, receivesResult)!;
        List<string> names = pullback.Parameters.Length == expected.Count && pullback.Parameters.Select(p => p.Name).Distinct().Count() == expected.Count
            ? pullback.Parameters.Select(p => p.Name).ToList()
            : SyntaxEdits.PullbackParameterNames(target, receivesResult);

        ParameterListSyntax parameters = SyntaxFactory.ParseParameterList(SyntaxEdits.ParameterListText(expected, names));
        parameters = parameters.ReplaceNodes(parameters.Parameters.Select(p => p.Type!), (_, type) => type.WithAdditionalAnnotations(Simplifier.Annotation))
            .WithOpenParenToken(syntax.ParameterList.OpenParenToken)
            .WithCloseParenToken(syntax.ParameterList.CloseParenToken);
        MethodDeclarationSyntax result = syntax.WithParameterList(parameters);

        if (!pullback.ReturnsVoid)
        {
            result = result.WithReturnType(SyntaxFactory.PredefinedType(SyntaxFactory.Token(SyntaxKind.VoidKeyword)).WithTriviaFrom(syntax.ReturnType));
        }

        if (target.IsStatic && !pullback.IsStatic)
        {
            SyntaxToken keyword = SyntaxFactory.Token(SyntaxKind.StaticKeyword).WithTrailingTrivia(SyntaxFactory.Space);
            result = result.Modifiers.Count > 0
                ? result.AddModifiers(keyword)
                : result.WithReturnType(result.ReturnType.WithoutLeadingTrivia())
                    .WithModifiers(SyntaxFactory.TokenList(keyword.WithLeadingTrivia(result.ReturnType.GetLeadingTrivia())));
        }
        else if (!target.IsStatic && pullback.IsStatic)
        {
            SyntaxToken keyword = result.Modifiers.First(m => m.IsKind(SyntaxKind.StaticKeyword));
            int at = result.Modifiers.IndexOf(keyword);
            result = at == 0 && result.Modifiers.Count == 1
                ? result.WithModifiers(SyntaxFactory.TokenList()).WithReturnType(result.ReturnType.WithLeadingTrivia(keyword.LeadingTrivia))
                : result.WithModifiers(result.Modifiers.RemoveAt(at));
        }

        return result;
    }
}
