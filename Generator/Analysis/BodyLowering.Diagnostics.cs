using System.Collections.Generic;
using System.Linq;
using AutoDiffGen.Generator.Diagnostics;
using AutoDiffGen.Generator.Helpers;
using AutoDiffGen.Generator.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace AutoDiffGen.Generator.Analysis;

/// <summary>Rejections: every construct the lowering refuses, with the reason the user reads.</summary>
internal sealed partial class BodyLowering
{
    public void Report(string id, SyntaxNode syntax, params string[] arguments)
        => Diagnostics.Add(new DiagnosticInfo(id, LocationInfo.From(syntax.GetLocation()), arguments.ToEquatableArray()));

    private Expr Unsupported(IOperation operation, string reason)
    {
        Report(DiagnosticIds.UnsupportedExpression, operation.Syntax, Text(operation.Syntax), reason);
        return new LitExpr(new Code("default", Code.Primary), KindOf(operation.Type));
    }

    private Expr LowerUnsupported(IOperation operation) => Unsupported(operation, operation switch
    {
        _ when operation.DescendantsAndSelf().Any(o => o is IRangeOperation)
            => "ranges (w[1..3]) are not supported in differentiable code; take a slice with w.AsSpan(start, length) or index the elements",
        IAnonymousFunctionOperation or IDelegateCreationOperation => "lambdas and delegates are not differentiable; write a [Differentiable] method instead",
        IAwaitOperation => "await is not supported in differentiable code",
        IDynamicInvocationOperation or IDynamicMemberReferenceOperation or IDynamicIndexerAccessOperation or IDynamicObjectCreationOperation
            => "dynamic is not supported in differentiable code",
        IAddressOfOperation => "pointers and unsafe code are not supported in differentiable code",
        ITranslatedQueryOperation => "LINQ queries are not supported in differentiable code",
        IArrayElementReferenceOperation element when VaryingLengthCreation(element) is string array
            => "'" + array + "' is created inside a loop with a length that can change between iterations; create it once before the loop, or give it a length that no iteration changes",
        IArrayElementReferenceOperation => ConstantElementReason,
        IBinaryOperation { OperatorMethod: not null } => "user-defined operators are not supported",
        IBinaryOperation => "only + - * / are differentiable binary operators",
        IAssignmentOperation or IIncrementOrDecrementOperation => "assignments inside expressions are not supported; assign in a statement of its own",
        _ => "this kind of expression (" + operation.Kind + ") is not supported in differentiable code",
    });

    /// <summary>Why a ref local (or a ref foreach variable) is refused: writes through it would bypass the derivative.</summary>
    private const string RefLocalReason = "ref locals are not supported in differentiable code: a write through the alias would change a value without its derivative; use the variable or the element itself";

    /// <summary>Why an active element of anything but an array or span parameter or a local array the method created is refused.</summary>
    private const string ConstantElementReason = "only elements of array and span parameters, and of local arrays created with new T[n] (in a loop, of a length that no iteration changes), can be differentiated";

    /// <summary>The name of the local array of <paramref name="element"/> when it is declared inside a loop whose iterations may ask for different lengths.</summary>
    private static string? VaryingLengthCreation(IArrayElementReferenceOperation element)
    {
        if (element.ArrayReference is not ILocalReferenceOperation { Local: var local })
        {
            return null;
        }

        IOperation root = element;
        while (root.Parent is not null)
        {
            root = root.Parent;
        }

        foreach (IOperation o in root.DescendantsAndSelf())
        {
            if (o is IVariableDeclaratorOperation declarator && SymbolEqualityComparer.Default.Equals(declarator.Symbol, local))
            {
                IOperation? value = Initializer(declarator);
                return InsideLoop(declarator) && IsCreation(value) && OutermostLoopToLeave(declarator, value) is null ? local.Name : null;
            }
        }

        return null;
    }

    private void ReportStatement(IOperation operation)
    {
        string reason = operation switch
        {
            IForEachLoopOperation => "foreach is supported over arrays and spans, with one loop variable; index other collections in a for loop",
            IWhileLoopOperation => "this loop form is not supported",
            IBranchOperation { BranchKind: BranchKind.GoTo } => "goto cannot be replayed backwards",
            IBranchOperation => "break and continue are only meaningful inside loops",
            ILabeledOperation => "labels and goto cannot be replayed backwards",
            ITryOperation => "try/catch/finally is not supported: exceptions cannot be replayed backwards",
            ILockOperation => "lock is not supported in differentiable code",
            IUsingOperation or IUsingDeclarationOperation => "using is not supported in differentiable code",
            ILocalFunctionOperation => "local functions are not supported; make it a [Differentiable] method of the type",
            IReturnOperation { Kind: OperationKind.YieldReturn } or IReturnOperation { Kind: OperationKind.YieldBreak } => "iterators are not supported",
            _ => "this statement (" + operation.Kind + ") is not supported in differentiable code",
        };
        Report(DiagnosticIds.UnsupportedStatement, operation.Syntax, FirstLine(operation.Syntax), reason);
    }

    private static string FirstLine(SyntaxNode syntax)
    {
        string text = Text(syntax);
        int brace = text.IndexOf('{');
        return brace > 0 ? text.Substring(0, brace).TrimEnd() : text;
    }

    private static string WriteTargetDescription(IOperation operation)
    {
        IOperation? target = operation switch
        {
            IAssignmentOperation assignment => assignment.Target,
            IIncrementOrDecrementOperation increment => increment.Target,
            _ => null,
        };
        return target switch
        {
            IFieldReferenceOperation { Field.IsStatic: true } field => "the static field '" + field.Field.Name + "'",
            IFieldReferenceOperation field => "the field '" + field.Field.Name + "'",
            IPropertyReferenceOperation { Property.IsIndexer: false } property => "the property '" + property.Property.Name + "'",
            IParameterReferenceOperation parameter => "the " + parameter.Parameter.RefKind.ToString().ToLowerInvariant() + " parameter '" + parameter.Parameter.Name + "'",
            IArrayElementReferenceOperation element => "an element of '" + Text(element.ArrayReference.Syntax) + "'",
            IPropertyReferenceOperation { Property.IsIndexer: true } indexer when indexer.Instance is not null => "an element of '" + Text(indexer.Instance.Syntax) + "'",
            _ => "a location outside the method",
        };
    }
}
