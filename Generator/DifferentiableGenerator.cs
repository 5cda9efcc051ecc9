using Microsoft.CodeAnalysis;

namespace AutoDiffGen.Generator;

/// <summary>
/// Writes the reverse-mode adjoints (<c>FGradient</c>, <c>FPullback</c>) of <c>[Differentiable]</c> methods.
/// The pipeline: each method is analysed once into an equatable adjoint plan (Extract), which is printed
/// (Emit); [DerivativeOf] registrations are checked on their own.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class DifferentiableGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<Models.MethodResult> methods = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                Analysis.DerivativeRegistry.DifferentiableAttribute,
                predicate: static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax,
                transform: static (ctx, token) => ExtractMethod(ctx, token))
            .WithTrackingName(WellKnownTrackingNames.Methods);

        // The AutoDiffGen package also ships the live analyzers, which report these diagnostics at source locations
        // (pragma-suppressible); its build props set AutoDiffGenLiveAnalyzers so the generator does not report twice.
        IncrementalValueProvider<bool> analyzersReport = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => options.GlobalOptions.TryGetValue("build_property.AutoDiffGenLiveAnalyzers", out string? value)
                                           && string.Equals(value, "true", System.StringComparison.OrdinalIgnoreCase));

        context.RegisterSourceOutput(methods.Combine(analyzersReport), static (spc, pair) => Emit(spc, pair.Left, reportDiagnostics: !pair.Right));

        IncrementalValueProvider<Helpers.EquatableArray<Models.DiagnosticInfo>> registrations = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                Analysis.DerivativeRegistry.DerivativeOfAttribute,
                predicate: static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax,
                transform: static (ctx, token) => ExtractRegistration(ctx, token))
            .WithTrackingName(WellKnownTrackingNames.Registrations)
            .Collect()
            .Select(static (all, _) => CheckDuplicates(all))
            .WithTrackingName(WellKnownTrackingNames.RegistrationDiagnostics);

        context.RegisterSourceOutput(registrations.Combine(analyzersReport), static (spc, pair) => ReportAll(spc, pair.Left, onlyWholeCompilation: pair.Right));
    }
}
