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
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AutoDiffGen.CodeFixes;

/// <summary>
/// Marks a parameter of the [Differentiable] method <c>[NoDiff]</c> (a constant), where a diagnostic says an active
/// value reaches something that has no derivative and the value comes from that parameter:
/// ADG0005 (call without derivative), ADG0006 (math function without rule), ADG0008 (converted to an integer),
/// ADG0020 (passed to a [NoDiff] parameter); and ADG0010 for a ref, out or in parameter, which may be a constant but
/// cannot carry a gradient. Not ADG0009: the analysis refuses every floating write outside the method, constant or
/// not, so [NoDiff] would not remove it.
/// The fix is not offered when the parameter is the method's last differentiable input (the method would then
/// have nothing to differentiate, ADG0017), and it has no Fix All: which inputs are constants is a choice per
/// parameter.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddNoDiffCodeFixProvider))]
[Shared]
public sealed class AddNoDiffCodeFixProvider : CodeFixProvider
{
    /// <summary>Prefix of the equivalence key; the parameter name follows.</summary>
    public const string EquivalenceKeyPrefix = "AutoDiffGen.AddNoDiff.";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(
        DiagnosticIds.CallWithoutDerivative, DiagnosticIds.NoDerivativeRule, DiagnosticIds.ActiveToInteger,
        DiagnosticIds.UnsupportedParameter, DiagnosticIds.ActiveToNoDiffParameter);

    /// <inheritdoc/>
    public override FixAllProvider? GetFixAllProvider() => null;

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
            if (node.FirstAncestorOrSelf<MethodDeclarationSyntax>() is not MethodDeclarationSyntax declaration
                || model.GetDeclaredSymbol(declaration, context.CancellationToken) is not IMethodSymbol method)
            {
                continue;
            }

            IEnumerable<IParameterSymbol> candidates = diagnostic.Id == DiagnosticIds.UnsupportedParameter
                ? ConstantCapableParameter(node, model, context.CancellationToken)
                : ParametersFeeding(node, declaration, method, model, context.CancellationToken)
                    .Where(p => p.RefKind == RefKind.None && DerivativeRegistry.IsDifferentiable(p)
                                && method.Parameters.Any(other => !SymbolEqualityComparer.Default.Equals(other, p) && DerivativeRegistry.IsDifferentiable(other)));

            foreach (IParameterSymbol parameter in candidates)
            {
                if (parameter.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(context.CancellationToken) is not ParameterSyntax syntax)
                {
                    continue;
                }

                string attribute = SyntaxEdits.AttributeName(model, syntax.SpanStart, DerivativeRegistry.NoDiffAttribute);
                context.RegisterCodeFix(
                    CodeAction.Create(
                        "Mark parameter '" + parameter.Name + "' [NoDiff] (a constant: no gradient for it)",
                        _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(syntax, SyntaxEdits.AddAttribute(syntax, attribute)))),
                        EquivalenceKeyPrefix + parameter.Name),
                    diagnostic);
            }
        }
    }

    /// <summary>ADG0010 points at the parameter: a ref, out or in parameter may be a constant ([NoDiff]); params may not.</summary>
    private static IEnumerable<IParameterSymbol> ConstantCapableParameter(SyntaxNode node, SemanticModel model, CancellationToken token)
    {
        if (node.FirstAncestorOrSelf<ParameterSyntax>() is ParameterSyntax syntax
            && model.GetDeclaredSymbol(syntax, token) is IParameterSymbol { RefKind: not RefKind.None, IsParams: false } parameter
            && DerivativeRegistry.IsDifferentiable(parameter))
        {
            yield return parameter;
        }
    }

    /// <summary>
    /// The parameters of <paramref name="method"/> whose values may reach <paramref name="node"/>: read there
    /// directly, or through locals assigned from them (followed through every assignment of the local).
    /// </summary>
    private static IEnumerable<IParameterSymbol> ParametersFeeding(SyntaxNode node, MethodDeclarationSyntax declaration, IMethodSymbol method, SemanticModel model, CancellationToken token)
    {
        // Every value assigned to each local of the method.
        var sources = new Dictionary<ISymbol, List<SyntaxNode>>(SymbolEqualityComparer.Default);
        void AddSource(ISymbol? local, SyntaxNode? value)
        {
            if (local is ILocalSymbol && value is not null)
            {
                if (!sources.TryGetValue(local, out List<SyntaxNode>? list))
                {
                    sources[local] = list = new List<SyntaxNode>();
                }

                list.Add(value);
            }
        }

        foreach (SyntaxNode n in declaration.DescendantNodes())
        {
            switch (n)
            {
                case VariableDeclaratorSyntax { Initializer: not null } variable:
                    AddSource(model.GetDeclaredSymbol(variable, token), variable.Initializer.Value);
                    break;
                case AssignmentExpressionSyntax assignment:
                    AddSource(model.GetSymbolInfo(assignment.Left, token).Symbol, assignment.Right);
                    break;
                case ForEachStatementSyntax loop:
                    AddSource(model.GetDeclaredSymbol(loop, token), loop.Expression);
                    break;
            }
        }

        var found = new HashSet<IParameterSymbol>(SymbolEqualityComparer.Default);
        var seen = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        var pending = new Stack<SyntaxNode>();
        pending.Push(node);
        while (pending.Count > 0)
        {
            foreach (IdentifierNameSyntax name in pending.Pop().DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
            {
                switch (model.GetSymbolInfo(name, token).Symbol)
                {
                    case IParameterSymbol parameter when SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, method):
                        found.Add(parameter);
                        break;
                    case ILocalSymbol local when seen.Add(local) && sources.TryGetValue(local, out List<SyntaxNode>? values):
                        values.ForEach(pending.Push);
                        break;
                }
            }
        }

        return method.Parameters.Where(found.Contains);
    }
}
