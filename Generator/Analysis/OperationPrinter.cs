using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Operations;

namespace AutoDiffGen.Generator.Analysis;

/// <summary>
/// Prints the operations that carry no derivative (conditions, integer arithmetic, fields, constants) back to C#:
/// with the generator's names for locals and fully qualified names for everything else, because generated code
/// lives in another file without the user's using directives.
/// </summary>
internal sealed class OperationPrinter
{
    private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers);

    private readonly System.Func<ISymbol, Var?> lookup;
    private readonly System.Func<ILocalSymbol, SliceAlias?> slices;

    public OperationPrinter(System.Func<ISymbol, Var?> lookup, System.Func<ILocalSymbol, SliceAlias?>? slices = null)
    {
        this.lookup = lookup;
        this.slices = slices ?? (_ => null);
    }

    public static string TypeName(ITypeSymbol type) => type.ToDisplayString(TypeFormat);

    /// <summary>A constant of the given type as a C# literal, in invariant culture and round-trip form.</summary>
    public static Code Literal(object? value, ITypeSymbol? type)
    {
        switch (value)
        {
            case double d:
                return new Code(FormatDouble(d), double.IsNaN(d) || double.IsInfinity(d) || d >= 0 ? Code.Primary : Code.Unary);
            case float f:
                return new Code(FormatFloat(f), float.IsNaN(f) || float.IsInfinity(f) || f >= 0 ? Code.Primary : Code.Unary);
            case bool b:
                return new Code(b ? "true" : "false", Code.Primary);
            case string s:
                return new Code(SymbolDisplay.FormatLiteral(s, quote: true), Code.Primary);
            case char c:
                return new Code(SymbolDisplay.FormatLiteral(c, quote: true), Code.Primary);
            case null:
                return new Code(type is null ? "null" : "default(" + TypeName(type) + ")", Code.Primary);
            default:
                string text = System.Convert.ToString(value, CultureInfo.InvariantCulture) ?? "0";
                string suffix = value switch
                {
                    long => "L",
                    ulong => "UL",
                    uint => "U",
                    decimal => "M",
                    _ => string.Empty,
                };
                if (type is { TypeKind: TypeKind.Enum })
                {
                    return new Code("(" + TypeName(type) + ")(" + text + ")", Code.Unary);
                }

                if (value is byte or sbyte or short or ushort)
                {
                    return new Code("(" + TypeName(type!) + ")" + text, Code.Unary);
                }

                return new Code(text + suffix, text.StartsWith("-", System.StringComparison.Ordinal) ? Code.Unary : Code.Primary);
        }
    }

    public static string FormatDouble(double d)
    {
        if (double.IsNaN(d))
        {
            return "double.NaN";
        }

        if (double.IsPositiveInfinity(d))
        {
            return "double.PositiveInfinity";
        }

        if (double.IsNegativeInfinity(d))
        {
            return "double.NegativeInfinity";
        }

        string text = d.ToString("R", CultureInfo.InvariantCulture);
        return text.IndexOfAny(new[] { '.', 'E', 'e' }) >= 0 ? text : text + ".0";
    }

    public static string FormatFloat(float f)
    {
        if (float.IsNaN(f))
        {
            return "float.NaN";
        }

        if (float.IsPositiveInfinity(f))
        {
            return "float.PositiveInfinity";
        }

        if (float.IsNegativeInfinity(f))
        {
            return "float.NegativeInfinity";
        }

        return f.ToString("R", CultureInfo.InvariantCulture) + "f";
    }

    /// <summary>Prints <paramref name="operation"/>, adding the variables it reads to <paramref name="reads"/>; null if unsupported.</summary>
    public Code? Print(IOperation operation, List<Var> reads)
    {
        if (operation.ConstantValue.HasValue)
        {
            return Literal(operation.ConstantValue.Value, operation.Type);
        }

        switch (operation)
        {
            // A slice local is its base array, a start and a length (see BodyLowering.Slices.cs).
            case ILocalReferenceOperation local when slices(local.Local) is SliceAlias slice:
                reads.Add(slice.Base);
                reads.AddRange(slice.StartValue.Reads);
                reads.AddRange(slice.LengthValue.Reads);
                return new Code(slice.SpanCode, Code.Primary);
            case IPropertyReferenceOperation { Property.Name: "Length", Instance: ILocalReferenceOperation local } when slices(local.Local) is SliceAlias slice:
                reads.AddRange(slice.LengthValue.Reads);
                return slice.LengthValue.Code;
            case ILocalReferenceOperation local:
                return Name(local.Local, reads);
            case IParameterReferenceOperation parameter:
                return Name(parameter.Parameter, reads);
            case IInstanceReferenceOperation:
                return new Code("this", Code.Primary);
            case IFieldReferenceOperation field:
                return Member(field.Instance, field.Field, reads);
            case IPropertyReferenceOperation property when property.Arguments.Length == 0:
                return Member(property.Instance, property.Property, reads);
            case IArrayElementReferenceOperation element:
            {
                // a[i], and a[i, j] of a rectangular array.
                Code? array = Print(element.ArrayReference, reads);
                var indices = new List<string>();
                foreach (IOperation index in element.Indices)
                {
                    if (Print(index, reads) is not Code printed)
                    {
                        return null;
                    }

                    indices.Add(printed.Text);
                }

                return array is null ? null : new Code(array.Value.At(Code.Primary) + "[" + string.Join(", ", indices) + "]", Code.Primary);
            }

            case IPropertyReferenceOperation indexer when indexer.Property.IsIndexer && indexer.Arguments.Length == 1 && indexer.Instance is not null:
            {
                Code? receiver = Print(indexer.Instance, reads);
                Code? index = Print(indexer.Arguments[0].Value, reads);
                return receiver is null || index is null ? null : new Code(receiver.Value.At(Code.Primary) + "[" + index.Value.Text + "]", Code.Primary);
            }

            case IImplicitIndexerReferenceOperation { Argument.Type.Name: "Index" } fromEnd:
            {
                // table[^1] on constant data (a span or a list): printed as written.
                Code? receiver = Print(fromEnd.Instance, reads);
                Code? index = Print(fromEnd.Argument, reads);
                return receiver is null || index is null ? null : new Code(receiver.Value.At(Code.Primary) + "[" + index.Value.Text + "]", Code.Primary);
            }

            case IBinaryOperation binary:
                return Binary(binary, reads);
            case IUnaryOperation unary:
            {
                Code? operand = Print(unary.Operand, reads);
                string? op = unary.OperatorKind switch
                {
                    UnaryOperatorKind.Hat => "^",
                    UnaryOperatorKind.Minus => "-",
                    UnaryOperatorKind.Plus => "+",
                    UnaryOperatorKind.Not => "!",
                    UnaryOperatorKind.BitwiseNegation => "~",
                    _ => null,
                };
                return operand is null || op is null ? null : operand.Value.Prefix(op);
            }

            case IConversionOperation conversion:
            {
                Code? operand = Print(conversion.Operand, reads);
                if (operand is null || conversion.Type is null)
                {
                    return null;
                }

                if (conversion.Conversion.IsIdentity || conversion.Conversion.IsReference || conversion.Conversion.IsImplicit && !conversion.Conversion.IsNumeric)
                {
                    return operand;
                }

                return new Code("(" + TypeName(conversion.Type) + ")" + operand.Value.At(Code.Unary), Code.Unary);
            }

            case IConditionalOperation conditional when conditional.WhenFalse is not null:
            {
                Code? c = Print(conditional.Condition, reads);
                Code? a = Print(conditional.WhenTrue, reads);
                Code? b = Print(conditional.WhenFalse, reads);
                return c is null || a is null || b is null
                    ? null
                    : new Code(c.Value.At(Code.Conditional + 1) + " ? " + a.Value.At(Code.Conditional) + " : " + b.Value.At(Code.Conditional), Code.Conditional);
            }

            case IInvocationOperation { TargetMethod: { Name: "AsSpan", IsExtensionMethod: true } } span
                when span.Arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0).First().Value is ILocalReferenceOperation { Local: var local } && lookup(local) is { IsPooled: true } pooled:
            {
                // A local array the generated adjoint holds as a span over a rented array: AsSpan(t, s, n) is t.Slice(s, n).
                reads.Add(pooled);
                string? rest = Arguments(span.Arguments.Where(a => a.Parameter?.Ordinal > 0), reads);
                return rest is null ? null : new Code(rest.Length == 0 ? pooled.Name : pooled.Name + ".Slice(" + rest + ")", Code.Primary);
            }

            case IInvocationOperation invocation:
            {
                string? receiver = Receiver(invocation.Instance, invocation.TargetMethod, reads);
                string? args = Arguments(invocation.Arguments, reads);
                if (receiver is null || args is null)
                {
                    return null;
                }

                string name = invocation.TargetMethod.Name;
                if (invocation.TargetMethod.IsGenericMethod)
                {
                    name += "<" + string.Join(", ", invocation.TargetMethod.TypeArguments.Select(TypeName)) + ">";
                }

                return new Code(receiver + name + "(" + args + ")", Code.Primary);
            }

            case IObjectCreationOperation creation when creation.Type is not null && creation.Initializer is null:
            {
                string? args = Arguments(creation.Arguments, reads);
                return args is null ? null : new Code("new " + TypeName(creation.Type) + "(" + args + ")", Code.Primary);
            }

            case IArrayCreationOperation { DimensionSizes.Length: 1, Type: IArrayTypeSymbol arrayType } creation:
            {
                if (creation.Initializer is not null)
                {
                    var items = new List<string>();
                    foreach (IOperation item in creation.Initializer.ElementValues)
                    {
                        Code? value = Print(item, reads);
                        if (value is null)
                        {
                            return null;
                        }

                        items.Add(value.Value.Text);
                    }

                    return new Code("new " + TypeName(arrayType.ElementType) + "[] { " + string.Join(", ", items) + " }", Code.Primary);
                }

                Code? size = Print(creation.DimensionSizes[0], reads);
                return size is null ? null : new Code("new " + TypeName(arrayType.ElementType) + "[" + size.Value.Text + "]", Code.Primary);
            }

            case { Kind: OperationKind.None, Syntax: Microsoft.CodeAnalysis.CSharp.Syntax.StackAllocArrayCreationExpressionSyntax } when IsStackAlloc(operation, out IOperation? length, out ITypeSymbol? element):
            {
                // stackalloc T[n] (Roslyn has no IOperation node for it; its only child is the length).
                Code? size = Print(length!, reads);
                return size is null ? null : new Code("stackalloc " + TypeName(element!) + "[" + size.Value.Text + "]", Code.Primary);
            }

            case IIsPatternOperation isPattern:
            {
                // x is > 0 and < 10: the pattern is C# of constants, kept as the user wrote it (without designations).
                Code? value = Print(isPattern.Value, reads);
                string? pattern = Pattern(isPattern.Pattern, reads);
                return value is null || pattern is null ? null : new Code(value.Value.At(Code.Relational) + " is " + pattern, Code.Relational);
            }

            case ISwitchExpressionOperation switchExpression:
            {
                // An inactive switch expression (an int chosen by cases): printed as written, arms in order.
                Code? value = Print(switchExpression.Value, reads);
                var arms = new List<string>();
                foreach (ISwitchExpressionArmOperation arm in switchExpression.Arms)
                {
                    string? pattern = arm.Pattern is IDiscardPatternOperation ? "_" : Pattern(arm.Pattern, reads);
                    Code? guard = arm.Guard is null ? null : Print(arm.Guard, reads);
                    Code? result = Print(arm.Value, reads);
                    if (pattern is null || result is null || (arm.Guard is not null && guard is null))
                    {
                        return null;
                    }

                    arms.Add(pattern + (guard is null ? string.Empty : " when " + guard.Value.Text) + " => " + result.Value.Text);
                }

                return value is null ? null : new Code("(" + value.Value.At(Code.Primary) + " switch { " + string.Join(", ", arms) + " })", Code.Primary);
            }

            case IDefaultValueOperation defaultValue when defaultValue.Type is not null:
                return new Code("default(" + TypeName(defaultValue.Type) + ")", Code.Primary);
            case IInterpolatedStringOperation interpolated:
                return Interpolated(interpolated, reads);
            default:
                return null;
        }
    }

    /// <summary>
    /// A pattern of constants (<c>0</c>, <c>&gt; 1.5</c>, <c>not null</c>, <c>&gt;= 0 and &lt; 10</c>, <c>double</c>),
    /// parenthesized wherever it nests; null for a pattern that declares a variable or deconstructs its value.
    /// </summary>
    public string? Pattern(IPatternOperation pattern, List<Var> reads) => PatternCode(pattern, reads)?.Text;

    /// <summary>A pattern with its precedence: 1 for <c>or</c>, 2 for <c>and</c>, 3 for the rest.</summary>
    private (string Text, int Precedence)? PatternCode(IPatternOperation pattern, List<Var> reads)
    {
        switch (pattern)
        {
            case IConstantPatternOperation { Value.ConstantValue: { HasValue: true, Value: null } }:
                return ("null", 3);
            case IConstantPatternOperation constant:
                return Print(constant.Value, reads) is Code value ? (value.At(Code.Relational + 1), 3) : null;
            case IRelationalPatternOperation relational:
            {
                string? op = relational.OperatorKind switch
                {
                    BinaryOperatorKind.LessThan => "<",
                    BinaryOperatorKind.LessThanOrEqual => "<=",
                    BinaryOperatorKind.GreaterThan => ">",
                    BinaryOperatorKind.GreaterThanOrEqual => ">=",
                    _ => null,
                };
                return op is not null && Print(relational.Value, reads) is Code bound ? (op + " " + bound.At(Code.Relational + 1), 3) : null;
            }

            case IBinaryPatternOperation binary when binary.OperatorKind is BinaryOperatorKind.And or BinaryOperatorKind.Or:
            {
                int precedence = binary.OperatorKind == BinaryOperatorKind.And ? 2 : 1;
                (string Text, int Precedence)? left = PatternCode(binary.LeftPattern, reads);
                (string Text, int Precedence)? right = PatternCode(binary.RightPattern, reads);
                string op = precedence == 2 ? " and " : " or ";
                return left is null || right is null ? null : (Nest(left.Value, precedence) + op + Nest(right.Value, precedence), precedence);
            }

            case INegatedPatternOperation negated:
                return PatternCode(negated.Pattern, reads) is { } inner ? ("not " + Nest(inner, 3), 3) : null;
            case ITypePatternOperation type when type.MatchedType is not null:
                return (TypeName(type.MatchedType), 3);
            case IDeclarationPatternOperation { DeclaredSymbol: null, MatchesNull: false, MatchedType: { } matched }:
                return (TypeName(matched), 3);
            default:
                return null;
        }

        static string Nest((string Text, int Precedence) part, int precedence) => part.Precedence < precedence ? "(" + part.Text + ")" : part.Text;
    }

    /// <summary><c>stackalloc T[n]</c> without an initializer: its length and element type.</summary>
    public static bool IsStackAlloc(IOperation operation, out IOperation? length, out ITypeSymbol? element)
    {
        length = null;
        element = null;
        if (operation is not { Kind: OperationKind.None, Syntax: Microsoft.CodeAnalysis.CSharp.Syntax.StackAllocArrayCreationExpressionSyntax { Initializer: null } syntax }
            || syntax.Type is not Microsoft.CodeAnalysis.CSharp.Syntax.ArrayTypeSyntax { RankSpecifiers.Count: 1 } arrayType
            || operation.SemanticModel?.GetTypeInfo(arrayType.ElementType).Type is not ITypeSymbol type)
        {
            return false;
        }

        length = operation.ChildOperations.FirstOrDefault();
        element = type;
        return length is not null;
    }

    private Code? Interpolated(IInterpolatedStringOperation interpolated, List<Var> reads)
    {
        var builder = new StringBuilder("$\"");
        foreach (IInterpolatedStringContentOperation part in interpolated.Parts)
        {
            switch (part)
            {
                case IInterpolatedStringTextOperation text when text.Text.ConstantValue.Value is string s:
                    builder.Append(s.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("{", "{{").Replace("}", "}}").Replace("\n", "\\n").Replace("\r", "\\r"));
                    break;
                case IInterpolationOperation hole when hole.Alignment is null && hole.FormatString is null:
                    Code? value = Print(hole.Expression, reads);
                    if (value is null)
                    {
                        return null;
                    }

                    builder.Append('{').Append('(').Append(value.Value.Text).Append(')').Append('}');
                    break;
                default:
                    return null;
            }
        }

        return new Code(builder.Append('"').ToString(), Code.Primary);
    }

    private string? Arguments(IEnumerable<IArgumentOperation> arguments, List<Var> reads)
    {
        var parts = new List<string>();
        foreach (IArgumentOperation argument in arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0))
        {
            if (argument.ArgumentKind == ArgumentKind.ParamArray || argument.Parameter is null || argument.Parameter.RefKind is RefKind.Ref or RefKind.Out)
            {
                return null;
            }

            Code? value = Print(argument.Value, reads);
            if (value is null)
            {
                return null;
            }

            parts.Add(value.Value.Text);
        }

        return string.Join(", ", parts);
    }

    private string? Receiver(IOperation? instance, ISymbol member, List<Var> reads)
    {
        if (member.IsStatic || instance is null)
        {
            return TypeName(member.ContainingType) + ".";
        }

        Code? receiver = Print(instance, reads);
        return receiver is null ? null : receiver.Value.At(Code.Primary) + ".";
    }

    private Code? Member(IOperation? instance, ISymbol member, List<Var> reads)
    {
        string? receiver = Receiver(instance, member, reads);
        return receiver is null ? null : new Code(receiver + member.Name, Code.Primary);
    }

    private Code? Name(ISymbol symbol, List<Var> reads)
    {
        Var? v = lookup(symbol);
        if (v is null)
        {
            return null;
        }

        if (!reads.Contains(v))
        {
            reads.Add(v);
        }

        return new Code(v.Name, Code.Primary);
    }

    private Code? Binary(IBinaryOperation binary, List<Var> reads)
    {
        (string op, int precedence)? info = binary.OperatorKind switch
        {
            BinaryOperatorKind.Add => ("+", Code.Additive),
            BinaryOperatorKind.Subtract => ("-", Code.Additive),
            BinaryOperatorKind.Multiply => ("*", Code.Multiplicative),
            BinaryOperatorKind.Divide => ("/", Code.Multiplicative),
            BinaryOperatorKind.Remainder => ("%", Code.Multiplicative),
            BinaryOperatorKind.LeftShift => ("<<", 11),
            BinaryOperatorKind.RightShift => (">>", 11),
            BinaryOperatorKind.LessThan => ("<", Code.Relational),
            BinaryOperatorKind.LessThanOrEqual => ("<=", Code.Relational),
            BinaryOperatorKind.GreaterThan => (">", Code.Relational),
            BinaryOperatorKind.GreaterThanOrEqual => (">=", Code.Relational),
            BinaryOperatorKind.Equals => ("==", 9),
            BinaryOperatorKind.NotEquals => ("!=", 9),
            BinaryOperatorKind.And => ("&", 8),
            BinaryOperatorKind.ExclusiveOr => ("^", 7),
            BinaryOperatorKind.Or => ("|", 6),
            BinaryOperatorKind.ConditionalAnd => ("&&", Code.ConditionalAnd),
            BinaryOperatorKind.ConditionalOr => ("||", Code.ConditionalOr),
            _ => null,
        };
        if (info is null)
        {
            return null;
        }

        Code? left = Print(binary.LeftOperand, reads);
        Code? right = Print(binary.RightOperand, reads);
        if (left is null || right is null)
        {
            return null;
        }

        (string op, int p) = info.Value;
        return new Code(left.Value.At(p) + " " + op + " " + right.Value.At(p + 1), p);
    }
}
