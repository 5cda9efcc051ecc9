using Microsoft.CodeAnalysis;

namespace AutoDiffGen.Generator.Analysis;

/// <summary>
/// The reverse sweep needs the value a local had in each iteration of a loop, and neither recomputes it nor can
/// save one of its type on the tape (a span, a long): reported as ADG0004 at the assignment, never as a crash.
/// </summary>
internal sealed class UnrecordableValueException : System.Exception
{
    public UnrecordableValueException(string value, string type, SyntaxNode? syntax)
        : base("the reverse sweep needs the value '" + value + "' had in each iteration, and a value of type '" + type + "' cannot be saved inside a loop")
    {
        Value = value;
        Type = type;
        Syntax = syntax;
    }

    public string Value { get; }

    public string Type { get; }

    /// <summary>The assignment that overwrites the value, when known.</summary>
    public SyntaxNode? Syntax { get; }
}
