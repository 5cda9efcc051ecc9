using AutoDiffGen.Generator.Helpers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace AutoDiffGen.Generator.Models;

/// <summary>Where a diagnostic points, without holding a <see cref="Location"/> (which pins a syntax tree).</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public static LocationInfo? From(Location? location)
        => location is null || location.SourceTree is null
            ? null
            : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);

    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);
}

/// <summary>A diagnostic as data: descriptor id, location and message arguments.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments);

/// <summary>
/// One line of generated code, or a block: <see cref="Text"/> is the header (<c>if (_c0)</c>, <c>else</c>) and
/// <see cref="Children"/> its body. The adjoint plan is a tree of these, so the emitter only prints.
/// </summary>
internal sealed record CodeNode(string Text, EquatableArray<CodeNode> Children, bool IsBlock)
{
    public static CodeNode Line(string text) => new(text, EquatableArray<CodeNode>.Empty, false);

    public static CodeNode Block(string header, EquatableArray<CodeNode> children) => new(header, children, true);
}

/// <summary>A containing type, outermost first: <c>partial class</c> and the name with its type parameters.</summary>
internal sealed record ContainingTypeInfo(string Keyword, string Name);

/// <summary>How a differentiable input receives its gradient.</summary>
internal enum GradientKind
{
    /// <summary><c>out T</c> in Gradient, <c>ref T</c> in Pullback.</summary>
    Scalar,

    /// <summary><c>Span&lt;T&gt;</c> of the input's length.</summary>
    Span,
}

/// <summary>One gradient parameter of the generated methods.</summary>
/// <param name="PrimalName">The user's parameter.</param>
/// <param name="Name">The generated gradient parameter (<c>dx</c>, renamed if the user has a <c>dx</c>).</param>
/// <param name="Kind">Scalar or span.</param>
/// <param name="ElementType"><c>double</c> or <c>float</c>.</param>
/// <param name="AdjointLocal">The local that accumulates the adjoint during the reverse sweep (scalars).</param>
internal sealed record GradientParameter(string PrimalName, string Name, GradientKind Kind, string ElementType, string AdjointLocal);

/// <summary>
/// The adjoint plan of one <c>[Differentiable]</c> method: everything the emitter prints, as equatable data.
/// </summary>
internal sealed record MethodPlan(
    string? Namespace,
    EquatableArray<ContainingTypeInfo> ContainingTypes,
    string Modifiers,
    string ReturnType,
    string Name,
    string HintName,
    string DocReference,
    EquatableArray<string> PrimalParameters,
    string SeedName,
    EquatableArray<GradientParameter> Gradients,
    EquatableArray<CodeNode> Declarations,
    EquatableArray<CodeNode> Forward,
    string ResultLocal,
    string ResultAdjointLocal,
    EquatableArray<CodeNode> Reverse,
    string Tape,
    EquatableArray<CodeNode> TapeSetup);

/// <summary>What the extract step yields for a method: a plan, or diagnostics only (or both, for warnings).</summary>
internal sealed record MethodResult(MethodPlan? Plan, EquatableArray<DiagnosticInfo> Diagnostics);
