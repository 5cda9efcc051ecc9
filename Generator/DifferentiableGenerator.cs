using Microsoft.CodeAnalysis;

namespace AutoDiffGen.Generator;

/// <summary>Writes reverse-mode adjoints of <c>[Differentiable]</c> methods.</summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class DifferentiableGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
    }
}
