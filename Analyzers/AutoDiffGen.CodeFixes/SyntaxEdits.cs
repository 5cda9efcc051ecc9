using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AutoDiffGen.Generator.Analysis;
using AutoDiffGen.Generator.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AutoDiffGen.CodeFixes;

/// <summary>Small syntax edits the fixes share: partial types, attributes, names.</summary>
internal static class SyntaxEdits
{
    /// <summary>The document's syntax root and semantic model (null when the document has none, e.g. not C#).</summary>
    public static async Task<(SyntaxNode Root, SemanticModel Model)?> RootAndModelAsync(Document document, CancellationToken token)
    {
        SyntaxNode? root = await document.GetSyntaxRootAsync(token).ConfigureAwait(false);
        SemanticModel? model = await document.GetSemanticModelAsync(token).ConfigureAwait(false);
        return root is null || model is null ? null : (root, model);
    }

    /// <summary>
    /// Whether the shared analysis (the one the generator runs) accepts the [Differentiable] method that carries
    /// <paramref name="annotation"/> in <paramref name="changed"/>: fixes that change a differentiable method are
    /// offered only if they do not trade one error for another.
    /// </summary>
    public static async Task<bool> AcceptedAsync(Document changed, SyntaxAnnotation annotation, CancellationToken token)
    {
        if (await RootAndModelAsync(changed, token).ConfigureAwait(false) is not (SyntaxNode root, SemanticModel model)
            || root.GetAnnotatedNodes(annotation).FirstOrDefault() is not MethodDeclarationSyntax method
            || model.GetDeclaredSymbol(method, token) is not IMethodSymbol symbol)
        {
            return false;
        }

        return !MethodAnalyzer.Analyze(symbol, method, model, token).Diagnostics
            .Any(d => DiagnosticDescriptors.Get(d.Id).DefaultSeverity == DiagnosticSeverity.Error);
    }

    /// <summary>
    /// The type declarations that must become partial for the generated members to be added: <paramref name="type"/>,
    /// every type around it, and every type between it and a [Differentiable] method it contains.
    /// </summary>
    public static IEnumerable<TypeDeclarationSyntax> TypesToMakePartial(TypeDeclarationSyntax type, SemanticModel model, CancellationToken token)
    {
        var result = new List<TypeDeclarationSyntax>(type.AncestorsAndSelf().OfType<TypeDeclarationSyntax>());
        foreach (MethodDeclarationSyntax method in type.DescendantNodes().OfType<MethodDeclarationSyntax>())
        {
            if (method.AttributeLists.Count > 0
                && model.GetDeclaredSymbol(method, token) is IMethodSymbol symbol
                && DerivativeRegistry.HasAttribute(symbol, DerivativeRegistry.DifferentiableAttribute))
            {
                result.AddRange(method.Ancestors().OfType<TypeDeclarationSyntax>().TakeWhile(t => t != type));
            }
        }

        return result.Where(t => !t.Modifiers.Any(SyntaxKind.PartialKeyword)).Distinct();
    }

    /// <summary><paramref name="type"/> with <c>partial</c> as its last modifier (where C# requires it), trivia kept.</summary>
    public static TypeDeclarationSyntax AddPartial(TypeDeclarationSyntax type)
    {
        if (type.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            return type;
        }

        SyntaxToken partial = SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space);
        if (type.Modifiers.Count > 0)
        {
            return type.AddModifiers(partial);
        }

        // No modifiers: the keyword's leading trivia (indentation, doc comment) moves to 'partial'.
        SyntaxToken keyword = type.Keyword;
        return type.WithKeyword(keyword.WithLeadingTrivia(SyntaxFactory.TriviaList()))
            .WithModifiers(SyntaxFactory.TokenList(partial.WithLeadingTrivia(keyword.LeadingTrivia)));
    }

    /// <summary>
    /// How to spell an AutoDiffGen attribute at <paramref name="position"/>: the short name when the namespace is in
    /// scope, otherwise qualified.
    /// </summary>
    public static string AttributeName(SemanticModel model, int position, string metadataName)
    {
        INamedTypeSymbol? attribute = model.Compilation.GetTypeByMetadataName(metadataName);
        string typeName = metadataName.Substring(metadataName.LastIndexOf('.') + 1);
        string shortName = typeName.Substring(0, typeName.Length - "Attribute".Length);
        bool inScope = attribute is not null
                       && model.LookupNamespacesAndTypes(position, name: typeName).Any(s => SymbolEqualityComparer.Default.Equals(s, attribute));
        return inScope ? shortName : "AutoDiffGen." + shortName;
    }

    /// <summary><paramref name="parameter"/> with <c>[name]</c> in front of it; its leading trivia stays in front.</summary>
    public static ParameterSyntax AddAttribute(ParameterSyntax parameter, string name)
    {
        AttributeListSyntax list = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Attribute(SyntaxFactory.ParseName(name))))
            .WithLeadingTrivia(parameter.GetLeadingTrivia())
            .WithTrailingTrivia(SyntaxFactory.Space);
        return parameter.WithoutLeadingTrivia().WithAttributeLists(parameter.AttributeLists.Insert(0, list));
    }

    /// <summary><paramref name="method"/> with <c>[name]</c> as its first attribute list, on a line of its own.</summary>
    public static MethodDeclarationSyntax AddAttribute(MethodDeclarationSyntax method, string name, string newLine)
    {
        SyntaxTriviaList leading = method.GetLeadingTrivia();
        SyntaxTriviaList indentation = SyntaxFactory.TriviaList(leading.Reverse().TakeWhile(t => t.IsKind(SyntaxKind.WhitespaceTrivia)).Reverse());
        AttributeListSyntax list = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Attribute(SyntaxFactory.ParseName(name))))
            .WithLeadingTrivia(leading)
            .WithTrailingTrivia(SyntaxFactory.EndOfLine(newLine));
        MethodDeclarationSyntax stripped = method.WithoutLeadingTrivia().WithLeadingTrivia(indentation);
        return stripped.WithAttributeLists(stripped.AttributeLists.Insert(0, list));
    }

    /// <summary>The line ending the document already uses.</summary>
    public static string NewLine(SyntaxNode root)
        => root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)).ToString() is { Length: > 0 } eol ? eol : "\n";

    /// <summary>A parameter name as C# source: keywords escaped.</summary>
    public static string Identifier(string name) => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    /// <summary>
    /// The parameter names of <paramref name="target"/>'s pullback, in the order of
    /// <see cref="DerivativeRegistry.ExpectedParameters"/>: its own, <c>seed</c>, then <c>d</c>+name per gradient.
    /// </summary>
    public static List<string> PullbackParameterNames(IMethodSymbol target, bool receivesResult = false)
    {
        var wanted = new List<string>();
        wanted.AddRange(target.Parameters.Select(p => p.Name));
        if (receivesResult && DerivativeRegistry.VectorOutputIndex(target) < 0)
        {
            wanted.Add("result");
        }

        wanted.Add("seed");
        wanted.AddRange(target.Parameters.Where(DerivativeRegistry.IsDifferentiable).Select(p => "d" + p.Name));

        // A target parameter may itself be called seed or dx: later names get a number.
        var used = new HashSet<string>();
        var names = new List<string>();
        foreach (string name in wanted)
        {
            string unique = name;
            for (int i = 1; !used.Add(unique); i++)
            {
                unique = name + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            names.Add(unique);
        }

        return names;
    }

    /// <summary>A parameter list in source form, from expected (type, ref kind) pairs and names.</summary>
    public static string ParameterListText(IReadOnlyList<(string Type, RefKind RefKind)> expected, IReadOnlyList<string> names)
    {
        var parts = new List<string>();
        for (int i = 0; i < expected.Count; i++)
        {
            string prefix = expected[i].RefKind switch
            {
                RefKind.Ref => "ref ",
                RefKind.Out => "out ",
                RefKind.In => "in ",
                _ => string.Empty,
            };
            parts.Add(prefix + expected[i].Type + " " + Identifier(names[i]));
        }

        return "(" + string.Join(", ", parts) + ")";
    }
}
