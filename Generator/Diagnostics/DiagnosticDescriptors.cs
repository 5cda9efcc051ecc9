using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace AutoDiffGen.Generator.Diagnostics;

/// <summary>Every diagnostic id AutoDiffGen reports. Ids are never reused.</summary>
internal static class DiagnosticIds
{
    public const string TypeNotPartial = "ADG0001";
    public const string ReturnTypeNotFloating = "ADG0002";
    public const string UnsupportedStatement = "ADG0003";
    public const string UnsupportedExpression = "ADG0004";
    public const string CallWithoutDerivative = "ADG0005";
    public const string NoDerivativeRule = "ADG0006";
    public const string ZeroDerivative = "ADG0007";
    public const string ActiveToInteger = "ADG0008";
    public const string ActiveWriteOutside = "ADG0009";
    public const string UnsupportedParameter = "ADG0010";
    public const string GenericMethod = "ADG0011";
    public const string MemberClash = "ADG0012";
    public const string DerivativeTargetNotFound = "ADG0013";
    public const string DerivativeSignatureMismatch = "ADG0014";
    public const string DuplicateDerivative = "ADG0015";
    public const string NoDiffMeaningless = "ADG0016";
    public const string NoActiveInput = "ADG0017";
    public const string NoBody = "ADG0018";
    public const string InternalError = "ADG0019";
    public const string ActiveToNoDiffParameter = "ADG0020";
}

/// <summary>
/// The one catalog of AutoDiffGen diagnostics, shared by the generator and the analyzers. Each descriptor links
/// to its section of docs/diagnostics.md, which shows a wrong and a fixed example.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Usage = "AutoDiffGen.Usage";
    private const string Differentiability = "AutoDiffGen.Differentiability";
    private const string Registration = "AutoDiffGen.Registration";
    private const string HelpBase = "https://github.com/AutoDiffGen/AutoDiffGen/blob/main/docs/diagnostics.md#";

    /// <summary>"The type '{0}' that contains [Differentiable] method '{1}' must be declared partial".</summary>
    public static readonly DiagnosticDescriptor TypeNotPartial = Create(
        DiagnosticIds.TypeNotPartial, "Containing type must be partial",
        "The type '{0}' that contains [Differentiable] method '{1}' must be declared partial, so the generated gradient methods can be added to it",
        Usage, DiagnosticSeverity.Error);

    /// <summary>"'{0}' returns '{1}'; a [Differentiable] method must return double or float".</summary>
    public static readonly DiagnosticDescriptor ReturnTypeNotFloating = Create(
        DiagnosticIds.ReturnTypeNotFloating, "Return type must be double or float",
        "'{0}' returns '{1}'; a [Differentiable] method must return double or float",
        Usage, DiagnosticSeverity.Error);

    /// <summary>"'{0}' is not supported in a [Differentiable] method: {1}".</summary>
    public static readonly DiagnosticDescriptor UnsupportedStatement = Create(
        DiagnosticIds.UnsupportedStatement, "Statement not supported in differentiable code",
        "'{0}' is not supported in a [Differentiable] method: {1}",
        Differentiability, DiagnosticSeverity.Error);

    /// <summary>"'{0}' cannot be differentiated: {1}".</summary>
    public static readonly DiagnosticDescriptor UnsupportedExpression = Create(
        DiagnosticIds.UnsupportedExpression, "Expression not supported in differentiable code",
        "'{0}' cannot be differentiated: {1}",
        Differentiability, DiagnosticSeverity.Error);

    /// <summary>"'{0}' passes an active value to '{1}', which has no derivative: mark it [Differentiable] or register a pullback with [DerivativeOf]".</summary>
    public static readonly DiagnosticDescriptor CallWithoutDerivative = Create(
        DiagnosticIds.CallWithoutDerivative, "Called method has no derivative",
        "'{0}' passes an active value to '{1}', which has no derivative: mark it [Differentiable] or register a pullback with [DerivativeOf]",
        Differentiability, DiagnosticSeverity.Error);

    /// <summary>"'{0}' calls '{1}', which has no derivative rule".</summary>
    public static readonly DiagnosticDescriptor NoDerivativeRule = Create(
        DiagnosticIds.NoDerivativeRule, "Math function has no derivative rule",
        "'{0}' calls '{1}', which has no derivative rule; rewrite it with supported functions or register a pullback for a wrapper method with [DerivativeOf]",
        Differentiability, DiagnosticSeverity.Error);

    /// <summary>"'{0}' has derivative zero almost everywhere: no gradient flows through it".</summary>
    public static readonly DiagnosticDescriptor ZeroDerivative = Create(
        DiagnosticIds.ZeroDerivative, "Function has derivative zero",
        "'{0}' has derivative zero almost everywhere: no gradient flows through it",
        Differentiability, DiagnosticSeverity.Warning);

    /// <summary>"'{0}' converts an active value to '{1}': the gradient stops here".</summary>
    public static readonly DiagnosticDescriptor ActiveToInteger = Create(
        DiagnosticIds.ActiveToInteger, "Active value converted to a non-floating type",
        "'{0}' converts an active value to '{1}': the gradient stops here",
        Differentiability, DiagnosticSeverity.Warning);

    /// <summary>"'{0}' writes an active value to {1}, which the method does not own: the gradient would be lost".</summary>
    public static readonly DiagnosticDescriptor ActiveWriteOutside = Create(
        DiagnosticIds.ActiveWriteOutside, "Active value written outside the method",
        "'{0}' writes an active value to {1}, which the method does not own: the gradient would be lost",
        Differentiability, DiagnosticSeverity.Error);

    /// <summary>"Parameter '{0}' of type '{1}' is not supported: {2}".</summary>
    public static readonly DiagnosticDescriptor UnsupportedParameter = Create(
        DiagnosticIds.UnsupportedParameter, "Parameter not supported",
        "Parameter '{0}' of type '{1}' is not supported: {2}",
        Usage, DiagnosticSeverity.Error);

    /// <summary>"Generic method '{0}' cannot be [Differentiable]; write it for double or float".</summary>
    public static readonly DiagnosticDescriptor GenericMethod = Create(
        DiagnosticIds.GenericMethod, "Generic methods are not supported",
        "Generic method '{0}' cannot be [Differentiable]; write it for double or float",
        Usage, DiagnosticSeverity.Error);

    /// <summary>"The generated member '{0}' would clash with an existing member of '{1}'".</summary>
    public static readonly DiagnosticDescriptor MemberClash = Create(
        DiagnosticIds.MemberClash, "Generated member clashes with an existing member",
        "The generated member '{0}' would clash with an existing member of '{1}'; rename the existing member or the [Differentiable] method",
        Usage, DiagnosticSeverity.Error);

    /// <summary>"[DerivativeOf] names '{0}', but '{1}' has no method of that name".</summary>
    public static readonly DiagnosticDescriptor DerivativeTargetNotFound = Create(
        DiagnosticIds.DerivativeTargetNotFound, "Derivative target not found",
        "[DerivativeOf] names '{0}', but '{1}' has no method of that name",
        Registration, DiagnosticSeverity.Error);

    /// <summary>"'{0}' does not have the pullback signature of '{1}'; expected: {2}".</summary>
    public static readonly DiagnosticDescriptor DerivativeSignatureMismatch = Create(
        DiagnosticIds.DerivativeSignatureMismatch, "Pullback signature does not match",
        "'{0}' does not have the pullback signature of '{1}'; expected: {2}",
        Registration, DiagnosticSeverity.Error);

    /// <summary>"'{0}' already has a registered derivative, '{1}'".</summary>
    public static readonly DiagnosticDescriptor DuplicateDerivative = Create(
        DiagnosticIds.DuplicateDerivative, "Two derivatives registered for one method",
        "'{0}' already has a derivative, '{1}'; keep exactly one",
        Registration, DiagnosticSeverity.Error);

    /// <summary>"[NoDiff] on '{0}' has no effect: parameters of type '{1}' are constants anyway".</summary>
    public static readonly DiagnosticDescriptor NoDiffMeaningless = Create(
        DiagnosticIds.NoDiffMeaningless, "[NoDiff] has no effect",
        "[NoDiff] on '{0}' has no effect: parameters of type '{1}' are constants anyway",
        Usage, DiagnosticSeverity.Warning);

    /// <summary>"'{0}' has no differentiable input: every gradient it produces is zero".</summary>
    public static readonly DiagnosticDescriptor NoActiveInput = Create(
        DiagnosticIds.NoActiveInput, "No differentiable input",
        "'{0}' has no differentiable input: the generated methods have no gradient to produce",
        Usage, DiagnosticSeverity.Warning);

    /// <summary>"'{0}' has no body to differentiate".</summary>
    public static readonly DiagnosticDescriptor NoBody = Create(
        DiagnosticIds.NoBody, "Method has no body",
        "'{0}' has no body to differentiate (abstract, extern or partial without implementation); register a pullback with [DerivativeOf] instead",
        Usage, DiagnosticSeverity.Error);

    /// <summary>"AutoDiffGen could not differentiate '{0}': {1}".</summary>
    public static readonly DiagnosticDescriptor InternalError = Create(
        DiagnosticIds.InternalError, "Internal generator error",
        "AutoDiffGen could not differentiate '{0}': {1}. Please report this with the method's source",
        Usage, DiagnosticSeverity.Error);

    /// <summary>"'{0}' passes an active value to parameter '{1}' of '{2}', which is [NoDiff]: its gradient would be lost".</summary>
    public static readonly DiagnosticDescriptor ActiveToNoDiffParameter = Create(
        DiagnosticIds.ActiveToNoDiffParameter, "Active value passed to a [NoDiff] parameter",
        "'{0}' passes an active value to parameter '{1}' of '{2}', which is [NoDiff]: its gradient would be lost; remove [NoDiff] from that parameter or pass a constant",
        Differentiability, DiagnosticSeverity.Error);

    public static readonly ImmutableArray<DiagnosticDescriptor> All = ImmutableArray.Create(
        TypeNotPartial, ReturnTypeNotFloating, UnsupportedStatement, UnsupportedExpression, CallWithoutDerivative,
        NoDerivativeRule, ZeroDerivative, ActiveToInteger, ActiveWriteOutside, UnsupportedParameter, GenericMethod,
        MemberClash, DerivativeTargetNotFound, DerivativeSignatureMismatch, DuplicateDerivative, NoDiffMeaningless,
        NoActiveInput, NoBody, InternalError, ActiveToNoDiffParameter);

    private static readonly Dictionary<string, DiagnosticDescriptor> ById = CreateIndex();

    public static DiagnosticDescriptor Get(string id) => ById[id];

    public static Diagnostic ToDiagnostic(Models.DiagnosticInfo info)
    {
        object[] args = new object[info.Arguments.Count];
        for (int i = 0; i < args.Length; i++)
        {
            args[i] = info.Arguments[i];
        }

        return Diagnostic.Create(Get(info.Id), info.Location?.ToLocation() ?? Location.None, args);
    }

    private static Dictionary<string, DiagnosticDescriptor> CreateIndex()
    {
        var index = new Dictionary<string, DiagnosticDescriptor>();
        foreach (DiagnosticDescriptor d in All)
        {
            index[d.Id] = d;
        }

        return index;
    }

    private static DiagnosticDescriptor Create(string id, string title, string message, string category, DiagnosticSeverity severity)
        => new(id, title, message, category, severity, isEnabledByDefault: true,
            helpLinkUri: HelpBase + id.ToLowerInvariant());
}
