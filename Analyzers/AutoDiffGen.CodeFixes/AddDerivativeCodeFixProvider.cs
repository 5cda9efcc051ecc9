using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using AutoDiffGen.Generator.Analysis;
using AutoDiffGen.Generator.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;

namespace AutoDiffGen.CodeFixes;

/// <summary>
/// ADG0005 (a call to a method with no derivative) gets two fixes:
/// <list type="bullet">
/// <item>"Add a [DerivativeOf] pullback for 'G'": a stub with exactly the Pullback signature, next to the callee when
/// it is in the solution's source, otherwise (a static method of a referenced assembly) in the caller's type. Its
/// body throws <see cref="System.NotImplementedException"/> under a TODO: the derivative is the user's to write.</item>
/// <item>"Mark 'G' [Differentiable]": offered only when the callee is in source and the shared analysis accepts it
/// (with its types made partial, which the fix also does), so the fix never trades one error for another.</item>
/// </list>
/// Neither has a Fix All: each is a decision about one callee.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddDerivativeCodeFixProvider))]
[Shared]
public sealed class AddDerivativeCodeFixProvider : CodeFixProvider
{
    /// <summary>Equivalence key of the pullback stub.</summary>
    public const string AddPullbackKey = "AutoDiffGen.AddPullback";

    /// <summary>Equivalence key of marking the callee [Differentiable].</summary>
    public const string MarkDifferentiableKey = "AutoDiffGen.MarkDifferentiable";

    private static readonly SyntaxAnnotation CalleeAnnotation = new("AutoDiffGen.Callee");

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(DiagnosticIds.CallWithoutDerivative);

    /// <inheritdoc/>
    public override FixAllProvider? GetFixAllProvider() => null;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        Document document = context.Document;
        CancellationToken token = context.CancellationToken;
        if (await SyntaxEdits.RootAndModelAsync(document, token).ConfigureAwait(false) is not (SyntaxNode root, SemanticModel model))
        {
            return;
        }

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            SyntaxNode node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            InvocationExpressionSyntax? invocation = node.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>().FirstOrDefault();
            if (invocation is null
                || model.GetSymbolInfo(invocation, token).Symbol is not IMethodSymbol called
                || node.FirstAncestorOrSelf<MethodDeclarationSyntax>() is not MethodDeclarationSyntax caller)
            {
                continue;
            }

            IMethodSymbol callee = (called.ReducedFrom ?? called).OriginalDefinition;
            if (callee.MethodKind != MethodKind.Ordinary || callee.IsGenericMethod || callee.Parameters.Any(p => p.RefKind != RefKind.None)
                || DerivativeRegistry.ExpectedParameters(callee) is null || callee.ContainingType.TypeKind == TypeKind.Interface)
            {
                continue; // no pullback shape: void or non-floating result, ref arguments, generic
            }

            MethodDeclarationSyntax? calleeSyntax = callee.DeclaringSyntaxReferences.Select(r => r.GetSyntax(token)).OfType<MethodDeclarationSyntax>().FirstOrDefault();
            Document? calleeDocument = calleeSyntax is null ? null : document.Project.Solution.GetDocument(calleeSyntax.SyntaxTree);
            if (calleeSyntax is not null && calleeDocument is not null)
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Add a [DerivativeOf] pullback for '" + callee.Name + "'",
                        t => AddPullbackAsync(calleeDocument, calleeSyntax, callee, sameType: true, t), AddPullbackKey),
                    diagnostic);

                Solution? marked = await MarkDifferentiableAsync(calleeDocument, calleeSyntax, token).ConfigureAwait(false);
                if (marked is not null)
                {
                    context.RegisterCodeFix(CodeAction.Create("Mark '" + callee.Name + "' [Differentiable]", _ => Task.FromResult(marked), MarkDifferentiableKey), diagnostic);
                }
            }
            else if (callee.IsStatic && callee.Locations.All(l => l.IsInMetadata))
            {
                // A static method of a referenced assembly: register the pullback from the caller's type.
                context.RegisterCodeFix(
                    CodeAction.Create("Add a [DerivativeOf] pullback for '" + callee.Name + "'",
                        t => AddPullbackAsync(document, caller, callee, sameType: false, t), AddPullbackKey),
                    diagnostic);
            }
        }
    }

    /// <summary>Inserts the pullback stub after <paramref name="anchor"/>, a method of the type that will hold it.</summary>
    private static async Task<Solution> AddPullbackAsync(Document document, MethodDeclarationSyntax anchor, IMethodSymbol callee, bool sameType, CancellationToken token)
    {
        if (await SyntaxEdits.RootAndModelAsync(document, token).ConfigureAwait(false) is not (SyntaxNode root, SemanticModel model)
            || anchor.Parent is not TypeDeclarationSyntax owner || model.GetDeclaredSymbol(owner, token) is not INamedTypeSymbol ownerType)
        {
            return document.Project.Solution;
        }

        string newLine = SyntaxEdits.NewLine(root);
        string attribute = SyntaxEdits.AttributeName(model, anchor.SpanStart, DerivativeRegistry.DerivativeOfAttribute);
        string calleeType = callee.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        string target = sameType
            ? "nameof(" + SyntaxEdits.Identifier(callee.Name) + ")"
            : "typeof(" + calleeType + "), nameof(" + calleeType + "." + SyntaxEdits.Identifier(callee.Name) + ")";

        string name = callee.Name + "Pullback";
        for (int i = 2; ownerType.GetMembers(name).Any(); i++)
        {
            name = callee.Name + "Pullback" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        List<(string Type, RefKind RefKind)> expected = DerivativeRegistry.ExpectedParameters(callee)!;
        List<string> names = SyntaxEdits.PullbackParameterNames(callee);
        string gradients = string.Join(", ", names.Skip(callee.Parameters.Length + 1));
        string modifiers = sameType ? Accessibility(callee) + (callee.IsStatic ? " static" : string.Empty) : "private static";

        var text = new StringBuilder();
        text.Append('[').Append(attribute).Append('(').Append(target).Append(")]").Append(newLine);
        text.Append(modifiers).Append(" void ").Append(name).Append(SyntaxEdits.ParameterListText(expected, names)).Append(newLine);
        text.Append('{').Append(newLine);
        text.Append("// TODO: add seed times the partial derivative of ").Append(callee.Name).Append(" into ").Append(gradients.Length > 0 ? gradients : "the gradients").Append(" (accumulate: +=, never =).").Append(newLine);
        text.Append("throw new global::System.NotImplementedException();").Append(newLine);
        text.Append('}').Append(newLine);

        MemberDeclarationSyntax stub = SyntaxFactory.ParseMemberDeclaration(text.ToString())!
            .WithLeadingTrivia(SyntaxFactory.EndOfLine(newLine))
            .WithAdditionalAnnotations(Simplifier.Annotation, Formatter.Annotation);
        SyntaxNode newRoot = root.InsertNodesAfter(root.FindNode(anchor.Span), new[] { stub });
        return document.WithSyntaxRoot(newRoot).Project.Solution;
    }

    private static string Accessibility(IMethodSymbol method) => method.DeclaredAccessibility switch
    {
        Microsoft.CodeAnalysis.Accessibility.Public => "public",
        Microsoft.CodeAnalysis.Accessibility.Internal => "internal",
        Microsoft.CodeAnalysis.Accessibility.Protected => "protected",
        Microsoft.CodeAnalysis.Accessibility.ProtectedOrInternal => "protected internal",
        Microsoft.CodeAnalysis.Accessibility.ProtectedAndInternal => "private protected",
        _ => "private",
    };

    /// <summary>
    /// The solution with the callee marked [Differentiable] (and its types partial), or null when the shared analysis
    /// would refuse the callee: then the fix would only move the error.
    /// </summary>
    private static async Task<Solution?> MarkDifferentiableAsync(Document document, MethodDeclarationSyntax callee, CancellationToken token)
    {
        if (callee.Body is null && callee.ExpressionBody is null)
        {
            return null;
        }

        if (await SyntaxEdits.RootAndModelAsync(document, token).ConfigureAwait(false) is not (SyntaxNode root, SemanticModel model)
            || callee.Parent is not TypeDeclarationSyntax owner)
        {
            return null;
        }

        string attribute = SyntaxEdits.AttributeName(model, callee.SpanStart, DerivativeRegistry.DifferentiableAttribute);
        var partial = new HashSet<TypeDeclarationSyntax>(owner.AncestorsAndSelf().OfType<TypeDeclarationSyntax>());
        SyntaxNode newRoot = root.ReplaceNodes(
            partial.Cast<SyntaxNode>().Append(callee),
            (original, rewritten) => original == callee
                ? SyntaxEdits.AddAttribute((MethodDeclarationSyntax)rewritten, attribute, SyntaxEdits.NewLine(root)).WithAdditionalAnnotations(CalleeAnnotation)
                : SyntaxEdits.AddPartial((TypeDeclarationSyntax)rewritten));

        Document changed = document.WithSyntaxRoot(newRoot);
        return await SyntaxEdits.AcceptedAsync(changed, CalleeAnnotation, token).ConfigureAwait(false) ? changed.Project.Solution : null;
    }
}
