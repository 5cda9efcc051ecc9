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

        context.RegisterSourceOutput(methods, static (spc, result) => Emit(spc, result));

        IncrementalValueProvider<Helpers.EquatableArray<Models.DiagnosticInfo>> registrations = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                Analysis.DerivativeRegistry.DerivativeOfAttribute,
                predicate: static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax,
                transform: static (ctx, token) => ExtractRegistration(ctx, token))
            .WithTrackingName(WellKnownTrackingNames.Registrations)
            .Collect()
            .Select(static (all, _) => CheckDuplicates(all))
            .WithTrackingName(WellKnownTrackingNames.RegistrationDiagnostics);

        context.RegisterSourceOutput(registrations, static (spc, diagnostics) => ReportAll(spc, diagnostics));
    }
}
