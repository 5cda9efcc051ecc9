namespace AutoDiffGen.Generator;

/// <summary>Names of the tracked pipeline steps, so tests can assert what was cached after an edit.</summary>
internal static class WellKnownTrackingNames
{
    /// <summary>[Differentiable] method -> adjoint plan and diagnostics.</summary>
    public const string Methods = "AutoDiffGen.Methods";

    /// <summary>[DerivativeOf] pullback -> registration diagnostics.</summary>
    public const string Registrations = "AutoDiffGen.Registrations";

    /// <summary>All registration diagnostics, after the duplicate check.</summary>
    public const string RegistrationDiagnostics = "AutoDiffGen.RegistrationDiagnostics";
}
