using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AutoDiffGen.Generator.Diagnostics;
using AutoDiffGen.Generator.Helpers;
using AutoDiffGen.Generator.Models;
using AutoDiffGen.Generator.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace AutoDiffGen.Generator.Analysis;

/// <summary>
/// Turns the IOperation tree of a method body into the IR: one visit method per construct; what cannot be
/// differentiated is reported at the construct (see BodyLowering.Diagnostics.cs) and lowering goes on, so one
/// build shows every problem of the method.
/// </summary>
internal sealed partial class BodyLowering
{
    private readonly DerivativeRegistry registry;
    private readonly Dictionary<ISymbol, Var> vars = new(SymbolEqualityComparer.Default);
    private readonly NameAllocator names;
    private readonly OperationPrinter printer;
    private readonly CancellationToken token;

    /// <summary>The statement list being built: hoisted conditionals are appended here before their use.</summary>
    private List<Stmt> current = new();

    public BodyLowering(DerivativeRegistry registry, NameAllocator names, NumKind resultKind, string resultType, CancellationToken token)
    {
        this.registry = registry;
        this.names = names;
        this.token = token;
        printer = new OperationPrinter(symbol => vars.TryGetValue(symbol, out Var? v) ? v : null, local => slices.TryGetValue(local, out SliceAlias? s) ? s : null);
        Result = new Var(names.Claim("_result"), resultType, resultKind, VarRole.Temp);
        ResultKind = resultKind;
        Variables.Add(Result);
    }

    public List<DiagnosticInfo> Diagnostics { get; } = new();

    public List<Guard> Guards { get; } = new();

    public List<Var> Variables { get; } = new();

    /// <summary>The variable every return assigns.</summary>
    public Var Result { get; }

    public NumKind ResultKind { get; }

    public static NumKind KindOf(ITypeSymbol? type) => type?.SpecialType switch
    {
        SpecialType.System_Double => NumKind.Double,
        SpecialType.System_Single => NumKind.Float,
        _ => NumKind.Other,
    };

    public static string KindType(NumKind kind) => kind == NumKind.Float ? "float" : "double";

    public Var AddParameter(IParameterSymbol parameter, bool noDiff)
    {
        ITypeSymbol? element = DerivativeRegistry.IsFloating(parameter.Type) ? null : DerivativeRegistry.FloatingElement(parameter.Type);
        NumKind kind = element is null ? KindOf(parameter.Type) : KindOf(element);
        var v = new Var(parameter.Name, OperationPrinter.TypeName(parameter.Type), kind, VarRole.Parameter) { IsNoDiff = noDiff, IsArray = element is not null, IsReference = !parameter.Type.IsValueType };
        vars[parameter] = v;
        Variables.Add(v);
        return v;
    }

    /// <summary>Locals keep their names unless two locals share one; then the later gets a suffix.</summary>
    public void AddLocal(ILocalSymbol local)
    {
        if (vars.ContainsKey(local) || slices.ContainsKey(local))
        {
            return;
        }

        // double[] and Span<double> locals hold elements (owned when created once with new T[n] or stackalloc).
        ITypeSymbol? element = local.Type switch
        {
            IArrayTypeSymbol { Rank: 1 } arrayType when DerivativeRegistry.IsFloating(arrayType.ElementType) => arrayType.ElementType,
            _ => DerivativeRegistry.WritableSpanElement(local.Type),
        };
        var v = new Var(names.Claim(local.Name), OperationPrinter.TypeName(local.Type), element is null ? KindOf(local.Type) : KindOf(element), VarRole.Local)
        {
            IsReference = !local.Type.IsValueType,
            IsArray = element is not null,
        };
        vars[local] = v;
        Variables.Add(v);
    }

    public Var NewTemp(NumKind kind, string prefix, string? type = null)
    {
        var v = new Var(names.Next(prefix), type ?? KindType(kind), kind, VarRole.Temp);
        Variables.Add(v);
        return v;
    }

    public List<Stmt> LowerBody(IOperation body)
    {
        FindSlices(body);
        DemoteAliases(body);
        current = new List<Stmt>();
        LowerStatement(body);
        return current;
    }

    /// <summary>
    /// Array and span locals that do not own their elements (not created once with <c>new T[n]</c> or
    /// <c>stackalloc</c>: <c>double[] row = x[i]</c>, <c>foreach (double[] row in x)</c>) hold no adjoint: they are
    /// constants, kept (recomputed or refused) like integer locals, and an alias of an active array is an error.
    /// </summary>
    private void DemoteAliases(IOperation body)
    {
        foreach (ILocalReferenceOperation reference in body.DescendantsAndSelf().OfType<ILocalReferenceOperation>())
        {
            if (vars.TryGetValue(reference.Local, out Var? v) && v.IsArray && v.Role == VarRole.Local && OwnedArray(reference) is null)
            {
                var alias = new Var(v.Name, v.Type, NumKind.Other, VarRole.Local) { IsReference = v.IsReference, IsAlias = true };
                vars[reference.Local] = alias;
                Variables[Variables.IndexOf(v)] = alias;
            }
        }
    }

    private List<Stmt> LowerBlock(IOperation? operation)
    {
        List<Stmt> saved = current;
        current = new List<Stmt>();
        if (operation is not null)
        {
            LowerStatement(operation);
        }

        List<Stmt> result = current;
        current = saved;
        return result;
    }

    private void LowerStatement(IOperation operation)
    {
        token.ThrowIfCancellationRequested();
        switch (operation)
        {
            case IBlockOperation block:
                foreach (IOperation statement in block.Operations)
                {
                    LowerStatement(statement);
                }

                break;
            case IVariableDeclarationGroupOperation group:
                foreach (IVariableDeclarationOperation declaration in group.Declarations)
                {
                    foreach (IVariableDeclaratorOperation declarator in declaration.Declarators)
                    {
                        if (declarator.Symbol.IsRef)
                        {
                            Report(DiagnosticIds.UnsupportedStatement, declarator.Syntax, Text(declarator.Syntax), RefLocalReason);
                            continue;
                        }

                        if (slices.TryGetValue(declarator.Symbol, out SliceAlias? slice))
                        {
                            if ((declarator.Initializer ?? declaration.Initializer) is { } sliceInitializer)
                            {
                                LowerSliceAssignment(slice, sliceInitializer.Value, declarator.Syntax);
                            }

                            continue;
                        }

                        AddLocal(declarator.Symbol);
                        IVariableInitializerOperation? initializer = declarator.Initializer ?? declaration.Initializer;
                        if (initializer is not null)
                        {
                            Var target = vars[declarator.Symbol];
                            target.AssignSites++;
                            if (target.IsArray && InsideLoop(declarator) && OutermostLoopToLeave(declarator, initializer.Value) is not null)
                            {
                                // A fresh array every iteration, of a length every iteration shares: created once
                                // before the outermost loop, and cleared here.
                                hoistedCreations.Add(new AssignStmt(target, LowerValue(initializer.Value, target), declarator.Syntax));
                                current.Add(Clearing(target, declarator));
                            }
                            else
                            {
                                current.Add(new AssignStmt(target, LowerValue(initializer.Value, target), declarator.Syntax));
                            }
                        }
                    }
                }

                break;
            case IExpressionStatementOperation expressionStatement:
                LowerExpressionStatement(expressionStatement.Operation, expressionStatement.Syntax);
                break;
            case IReturnOperation { ReturnedValue: not null } ret:
                current.Add(new ReturnStmt(LowerAs(ret.ReturnedValue, ResultKind), ret.Syntax));
                break;
            case IConditionalOperation conditional:
            {
                OpaqueExpr condition = Condition(conditional.Condition);
                List<Stmt> then = LowerBlock(conditional.WhenTrue);
                List<Stmt> @else = LowerBlock(conditional.WhenFalse);
                current.Add(new IfStmt(condition, then, @else, conditional.Syntax));
                break;
            }

            case IThrowOperation { Exception: not null } thrown:
            {
                var reads = new List<Var>();
                Code? exception = printer.Print(thrown.Exception, reads);
                if (exception is null)
                {
                    Report(DiagnosticIds.UnsupportedExpression, thrown.Exception.Syntax, Text(thrown.Exception.Syntax), "the exception must be created from constants, parameters and locals");
                }
                else
                {
                    current.Add(new ForwardOnlyStmt(new Code("throw " + exception.Value.Text, 0), exits: true, reads, null, thrown.Syntax));
                }

                break;
            }

            case IEmptyOperation:
                break;
            case IBranchOperation { BranchKind: BranchKind.Break } brk when brk.Target is not null && switchExits.Contains(brk.Target):
                Report(DiagnosticIds.UnsupportedStatement, brk.Syntax, Text(brk.Syntax), "a break that leaves a switch section before its end is not supported; use if/else inside the section");
                break;
            case ISwitchOperation @switch:
                LowerSwitch(@switch);
                break;
            case IBranchOperation { BranchKind: BranchKind.Break } brk when loopDepth > 0:
                current.Add(new BreakStmt(brk.Syntax));
                break;
            case IBranchOperation { BranchKind: BranchKind.Continue } cont when loopDepth > 0:
                current.Add(new ContinueStmt(cont.Syntax));
                break;
            case IForLoopOperation loop:
            {
                int start = current.Count;
                foreach (IOperation before in loop.Before)
                {
                    LowerStatement(before);
                }

                OpaqueExpr? condition = loop.Condition is null ? null : Condition(loop.Condition);
                loopDepth++;
                List<Stmt> body = LowerBlock(loop.Body);
                List<Stmt> increment = LowerBlock(null);
                List<Stmt> saved = current;
                current = increment;
                foreach (IOperation step in loop.AtLoopBottom)
                {
                    LowerStatement(step);
                }

                current = saved;
                loopDepth--;
                var lowered = new LoopStmt(condition, testFirst: true, body, increment, loop.Syntax);
                DetectCounter(loop, lowered);
                PlaceHoistedCreations(start);
                current.Add(lowered);
                break;
            }

            case IWhileLoopOperation loop when loop.Condition is not null && !loop.ConditionIsUntil:
            {
                OpaqueExpr condition = Condition(loop.Condition);
                loopDepth++;
                List<Stmt> body = LowerBlock(loop.Body);
                loopDepth--;
                PlaceHoistedCreations(current.Count);
                current.Add(new LoopStmt(condition, loop.ConditionIsTop, body, new List<Stmt>(), loop.Syntax));
                break;
            }

            case IForEachLoopOperation { LoopControlVariable: IVariableDeclaratorOperation { Symbol.IsRef: true } refControl }:
                Report(DiagnosticIds.UnsupportedStatement, refControl.Syntax, Text(refControl.Syntax), RefLocalReason);
                break;
            case IForEachLoopOperation loop when loop.LoopControlVariable is IVariableDeclaratorOperation control && TryLowerForEachOverSlice(loop, control):
                break;
            case IForEachLoopOperation loop when loop.LoopControlVariable is IVariableDeclaratorOperation control && ForEachSource(loop) is Var array:
                LowerForEach(loop, control, new OpaqueExpr(new Code(array.Name + ".Length", Code.Primary), NumKind.Other, new List<Var> { array }), (index, element) =>
                    element.Kind == NumKind.Other || !array.IsArray
                        ? new OpaqueExpr(new Code(array.Name + "[" + index.Name + "]", Code.Primary), element.Kind, new List<Var> { array, index })
                        : new ElemExpr(array, new OpaqueExpr(new Code(index.Name, Code.Primary), NumKind.Other, new List<Var> { index })));
                break;

            default:
                ReportStatement(operation);
                break;
        }
    }

    private int loopDepth;

    /// <summary><c>for (int i = ...; ...; i++ / i-- / i += c)</c> with <c>i</c> declared by the loop and written nowhere else.</summary>
    private void DetectCounter(IForLoopOperation loop, LoopStmt lowered)
    {
        if (loop.AtLoopBottom.Length != 1 || lowered.Increment.Count != 1 || lowered.Increment[0] is not AssignStmt step)
        {
            return;
        }

        IOperation bottom = loop.AtLoopBottom[0] is IExpressionStatementOperation e ? e.Operation : loop.AtLoopBottom[0];
        (ILocalSymbol? local, int delta) = bottom switch
        {
            IIncrementOrDecrementOperation { Target: ILocalReferenceOperation l } inc => (l.Local, inc.Kind == OperationKind.Increment ? 1 : -1),
            ICompoundAssignmentOperation { Target: ILocalReferenceOperation l, OperatorKind: BinaryOperatorKind.Add, Value.ConstantValue: { HasValue: true, Value: int c } } => (l.Local, c),
            ICompoundAssignmentOperation { Target: ILocalReferenceOperation l, OperatorKind: BinaryOperatorKind.Subtract, Value.ConstantValue: { HasValue: true, Value: int c } } => (l.Local, -c),
            _ => (null, 0),
        };
        if (local is null || local.Type.SpecialType != SpecialType.System_Int32 || !loop.Locals.Contains(local, SymbolEqualityComparer.Default))
        {
            return;
        }

        Var counter = vars[local];
        if (IsWrittenIn(loop.Body, local) || step.Target != counter)
        {
            return;
        }

        lowered.Counter = counter;
        lowered.Step = delta;
        step.IsCounterStep = true;

        // The counter lives only inside the loop, so its initial value need not be saved either.
        foreach (Stmt before in current)
        {
            if (before is AssignStmt init && init.Target == counter)
            {
                init.IsCounterStep = true;
                IOperation? initial = loop.Before.SelectMany(b => b.DescendantsAndSelf()).OfType<IVariableDeclaratorOperation>()
                    .FirstOrDefault(d => SymbolEqualityComparer.Default.Equals(d.Symbol, local))?.Initializer?.Value;
                lowered.Start = initial is not null && IsPure(initial) ? init.Value as OpaqueExpr : null;
            }
        }

        // counter < bound (or bound > counter, <=, >, >=, and counter + c < bound): the reverse sweep may compute
        // the iteration count.
        if (loop.Condition is IBinaryOperation { OperatorMethod: null } comparison)
        {
            int? leftOffset = CounterOffset(comparison.LeftOperand, local);
            int? rightOffset = CounterOffset(comparison.RightOperand, local);
            bool counterLeft = leftOffset is not null;
            string? op = comparison.OperatorKind switch
            {
                BinaryOperatorKind.LessThan => counterLeft ? "<" : ">",
                BinaryOperatorKind.LessThanOrEqual => counterLeft ? "<=" : ">=",
                BinaryOperatorKind.GreaterThan => counterLeft ? ">" : "<",
                BinaryOperatorKind.GreaterThanOrEqual => counterLeft ? ">=" : "<=",
                _ => null,
            };
            IOperation boundOperation = counterLeft ? comparison.RightOperand : comparison.LeftOperand;
            int offset = leftOffset ?? rightOffset ?? 0;
            var reads = new List<Var>();
            if (op is not null && (leftOffset is null) != (rightOffset is null) && boundOperation.Type?.SpecialType == SpecialType.System_Int32 && IsPure(boundOperation)
                && !boundOperation.DescendantsAndSelf().OfType<IConversionOperation>().Any(c => DerivativeRegistry.IsFloating(c.Operand.Type))
                && printer.Print(boundOperation, reads) is Code boundCode)
            {
                // counter + c < B  is  counter < B - c.
                Code shifted = offset == 0 ? boundCode
                    : int.TryParse(boundCode.Text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out int constant)
                        ? new Code((constant - offset).ToString(System.Globalization.CultureInfo.InvariantCulture), Code.Primary)
                        : new Code(boundCode.At(Code.Additive) + (offset > 0 ? " - " : " + ") + System.Math.Abs(offset).ToString(System.Globalization.CultureInfo.InvariantCulture), Code.Additive);
                lowered.Bound = new OpaqueExpr(shifted, NumKind.Other, reads);
                lowered.Comparison = op;
            }
        }
    }

    /// <summary>0 for <c>counter</c>, c for <c>counter + c</c> and -c for <c>counter - c</c> (c an integer constant); null otherwise.</summary>
    private static int? CounterOffset(IOperation operation, ILocalSymbol counter)
    {
        bool IsCounter(IOperation o) => o is ILocalReferenceOperation l && SymbolEqualityComparer.Default.Equals(l.Local, counter);
        return operation switch
        {
            _ when IsCounter(operation) => 0,
            IBinaryOperation { OperatorKind: BinaryOperatorKind.Add, OperatorMethod: null, RightOperand.ConstantValue: { HasValue: true, Value: int c } } b when IsCounter(b.LeftOperand) => c,
            IBinaryOperation { OperatorKind: BinaryOperatorKind.Subtract, OperatorMethod: null, RightOperand.ConstantValue: { HasValue: true, Value: int c } } b when IsCounter(b.LeftOperand) => -c,
            _ => null,
        };
    }

    private static bool IsInteger(ITypeSymbol? type) => type?.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64;

    /// <summary>An integer expression that can be evaluated again without effects: no calls, no assignments.</summary>
    private static bool IsPure(IOperation operation)
        => !operation.DescendantsAndSelf().Any(o => o is IInvocationOperation or IAssignmentOperation or IIncrementOrDecrementOperation or IObjectCreationOperation);

    /// <summary>
    /// The array or span a foreach walks: an array or span parameter or local (of any element type), or for other
    /// expressions of such a type (a field, <c>rows[i]</c>) a temporary assigned before the loop; null for other collections.
    /// </summary>
    private Var? ForEachSource(IForEachLoopOperation loop)
    {
        IOperation collection = loop.Collection is IConversionOperation conversion ? conversion.Operand : loop.Collection;
        if (!IsIndexable(collection.Type))
        {
            return null;
        }

        switch (collection)
        {
            case IParameterReferenceOperation p when vars.TryGetValue(p.Parameter, out Var? v):
                return v;
            case ILocalReferenceOperation l when vars.TryGetValue(l.Local, out Var? v):
                return v;
        }

        // Constant data: held in a temporary so the lowered loop can index it (and the reverse sweep recompute it).
        // A local (not a temporary) to the analysis: assigned once outside loops, it is stable where the loop runs.
        var temp = new Var(names.Next("_c"), OperationPrinter.TypeName(collection.Type!), NumKind.Other, VarRole.Local)
        {
            IsReference = !collection.Type!.IsValueType,
            IsAlias = true,
        };
        Variables.Add(temp);
        temp.AssignSites++;
        current.Add(new AssignStmt(temp, LowerValue(collection, temp), null));
        return temp;
    }

    /// <summary>A one-dimensional array or a <c>Span&lt;T&gt;</c> / <c>ReadOnlySpan&lt;T&gt;</c>: indexable by an int, with a Length.</summary>
    private static bool IsIndexable(ITypeSymbol? type) => type switch
    {
        IArrayTypeSymbol { Rank: 1 } => true,
        INamedTypeSymbol { IsGenericType: true } named => named.ConstructedFrom.ToDisplayString() is "System.Span<T>" or "System.ReadOnlySpan<T>",
        _ => false,
    };

    private void LowerExpressionStatement(IOperation operation, SyntaxNode statementSyntax)
    {
        switch (operation)
        {
            case IDeconstructionAssignmentOperation deconstruction:
                LowerDeconstruction(deconstruction, statementSyntax);
                return;
            case ISimpleAssignmentOperation { Target: ILocalReferenceOperation { Local: var sliceLocal } } assignment when slices.TryGetValue(sliceLocal, out SliceAlias? slice):
                LowerSliceAssignment(slice, assignment.Value, statementSyntax);
                return;
            case ISimpleAssignmentOperation assignment when TargetVar(assignment.Target) is Var target:
                target.AssignSites++;
                current.Add(new AssignStmt(target, LowerValue(assignment.Value, target), statementSyntax));
                return;
            case ICompoundAssignmentOperation compound when TargetVar(compound.Target) is Var target:
            {
                target.AssignSites++;
                if (target.Kind == NumKind.Other)
                {
                    OpaqueExpr e = Opaque(compound.Value, statementSyntax, null);
                    string operand = e.Code.At(Code.Multiplicative + 1);
                    var rhs = new OpaqueExpr(new Code(target.Name + " " + CompoundOperator(compound.OperatorKind) + " " + operand, Code.Additive), e.Kind, new List<Var>(e.Reads) { target }, e.Guard);
                    var statement = new AssignStmt(target, rhs, statementSyntax);
                    if (IsInteger(compound.Target.Type) && compound.OperatorMethod is null && !e.Reads.Contains(target) && IsPure(compound.Value)
                        && compound.OperatorKind is BinaryOperatorKind.Add or BinaryOperatorKind.Subtract)
                    {
                        // i += e is undone by i -= e.
                        string inverse = target.Name + (compound.OperatorKind == BinaryOperatorKind.Add ? " - " : " + ") + operand;
                        statement.Inverse = new OpaqueExpr(new Code(inverse, Code.Additive), NumKind.Other, new List<Var>(e.Reads) { target });
                    }

                    current.Add(statement);
                    return;
                }

                char? op = compound.OperatorKind switch
                {
                    BinaryOperatorKind.Add => '+',
                    BinaryOperatorKind.Subtract => '-',
                    BinaryOperatorKind.Multiply => '*',
                    BinaryOperatorKind.Divide => '/',
                    _ => null,
                };
                if (op is null)
                {
                    Report(DiagnosticIds.UnsupportedExpression, compound.Syntax, Text(compound.Syntax), "only += -= *= /= are differentiable compound assignments");
                    return;
                }

                Expr value = LowerAs(compound.Value, target.Kind);
                current.Add(new AssignStmt(target, new BinaryExpr(op.Value, new VarExpr(target), value, target.Kind), statementSyntax));
                return;
            }

            case IIncrementOrDecrementOperation increment when TargetVar(increment.Target) is Var target:
            {
                target.AssignSites++;
                bool up = increment.Kind is OperationKind.Increment;
                if (target.Kind == NumKind.Other)
                {
                    var statement = new AssignStmt(target, new OpaqueExpr(new Code(target.Name + (up ? " + 1" : " - 1"), Code.Additive), NumKind.Other, new List<Var> { target }), statementSyntax);
                    if (IsInteger(increment.Target.Type) && increment.OperatorMethod is null)
                    {
                        statement.Inverse = new OpaqueExpr(new Code(target.Name + (up ? " - 1" : " + 1"), Code.Additive), NumKind.Other, new List<Var> { target });
                    }

                    current.Add(statement);
                    return;
                }

                var one = new LitExpr(new Code("1", Code.Primary), target.Kind);
                current.Add(new AssignStmt(target, new BinaryExpr(up ? '+' : '-', new VarExpr(target), one, target.Kind), statementSyntax));
                return;
            }

            case ISimpleAssignmentOperation { Target: var elementTarget } assignment when OwnedElement(elementTarget) is (Var array, OpaqueExpr index):
            {
                // a[i] = e on a local array (or span) the method created, or on a slice of one.
                current.Add(new AssignStmt(array, LowerAs(assignment.Value, array.Kind), statementSyntax, index));
                return;
            }

            case ICompoundAssignmentOperation { Target: var elementTarget } compound when OwnedElement(elementTarget) is (Var array, OpaqueExpr index)
                                                                                       && compound.OperatorKind is BinaryOperatorKind.Add or BinaryOperatorKind.Subtract or BinaryOperatorKind.Multiply or BinaryOperatorKind.Divide:
            {
                char op = compound.OperatorKind switch
                {
                    BinaryOperatorKind.Add => '+',
                    BinaryOperatorKind.Subtract => '-',
                    BinaryOperatorKind.Multiply => '*',
                    _ => '/',
                };
                var old = new ElemExpr(array, index);
                current.Add(new AssignStmt(array, new BinaryExpr(op, old, LowerAs(compound.Value, array.Kind), array.Kind), statementSyntax, index));
                return;
            }

            case ISimpleAssignmentOperation or ICompoundAssignmentOperation or IIncrementOrDecrementOperation:
            {
                // A write to a field, property, array element or ref parameter: fine for constants (the guard reads
                // the target too, so writing into a differentiable input array is refused).
                var reads = new List<Var>();
                Code? code = PrintWrite(operation, reads);
                string what = WriteTargetDescription(operation);
                if (code is null)
                {
                    Report(DiagnosticIds.ActiveWriteOutside, operation.Syntax, Text(operation.Syntax), what);
                    return;
                }

                var guard = new Guard(DiagnosticIds.ActiveWriteOutside, operation.Syntax, new[] { Text(operation.Syntax), what }, Floating(reads));
                Guards.Add(guard);
                current.Add(new ForwardOnlyStmt(code.Value, exits: false, reads, guard, statementSyntax));
                return;
            }

            case IInvocationOperation invocation when VectorOutput(invocation) is int output:
                LowerVectorCall(invocation, output, statementSyntax);
                return;

            case IInvocationOperation invocation:
            {
                var reads = new List<Var>();
                Code? code = printer.Print(invocation, reads);
                if (code is null)
                {
                    Report(DiagnosticIds.UnsupportedExpression, invocation.Syntax, Text(invocation.Syntax), "the call has arguments that cannot be passed through generated code (ref, out or params)");
                    return;
                }

                var guard = new Guard(DiagnosticIds.CallWithoutDerivative, invocation.Syntax, new[] { Text(invocation.Syntax), Display(invocation.TargetMethod) }, Floating(reads));
                Guards.Add(guard);
                current.Add(new ForwardOnlyStmt(code.Value, exits: false, reads, guard, statementSyntax));
                return;
            }

            default:
                ReportStatement(operation);
                return;
        }
    }

    /// <summary>A write statement as code: <c>target = value</c>, <c>target op= value</c>, <c>target++</c>.</summary>
    private Code? PrintWrite(IOperation operation, List<Var> reads)
    {
        (IOperation? target, IOperation? value, string op) = operation switch
        {
            ISimpleAssignmentOperation a => (a.Target, a.Value, "="),
            ICompoundAssignmentOperation c => (c.Target, c.Value, CompoundOperator(c.OperatorKind) + "="),
            IIncrementOrDecrementOperation i => (i.Target, (IOperation?)null, i.Kind == OperationKind.Increment ? "++" : "--"),
            _ => (null, null, string.Empty),
        };
        if (target is null || printer.Print(target, reads) is not Code printedTarget)
        {
            return null;
        }

        if (value is null)
        {
            return new Code(printedTarget.Text + op, Code.Unary);
        }

        return printer.Print(value, reads) is Code printedValue ? new Code(printedTarget.Text + " " + op + " " + printedValue.Text, 1) : null;
    }

    private Var? TargetVar(IOperation target) => target switch
    {
        ILocalReferenceOperation local => vars.TryGetValue(local.Local, out Var? v) ? v : null,
        IParameterReferenceOperation { Parameter.RefKind: RefKind.None } parameter => vars.TryGetValue(parameter.Parameter, out Var? v) ? v : null,
        _ => null,
    };

    /// <summary>The right-hand side of an assignment to <paramref name="target"/>.</summary>
    private Expr LowerValue(IOperation value, Var target)
    {
        if (target.Kind == NumKind.Other || target.IsArray)
        {
            OpaqueExpr o = Opaque(value, value.Syntax, null);
            bool mayAlias = target.IsArray || target.IsAlias || target.Type.Contains("Span<double>") || target.Type.Contains("Span<float>");
            if (target.Role == VarRole.Local && mayAlias && o.Reads.Any(r => r.IsArray) && !IsCreation(value))
            {
                // ReadOnlySpan<double> v = w; would hide w's elements from the derivative (an alias of constant data,
                // a [NoDiff] array, is a constant itself).
                Guards.Add(new Guard(DiagnosticIds.UnsupportedExpression, value.Syntax,
                    new[] { Text(value.Syntax), "a local that aliases an array or span input must view one and the same input (or local array) in every assignment, whole or as a slice: w, w.AsSpan(s, n), w.Slice(s, n); index the inputs directly" },
                    o.Reads.Where(r => r.IsArray).ToList()));
            }

            return o;
        }

        return LowerAs(value, target.Kind);
    }

    /// <summary>Lowers a value that is used as <paramref name="kind"/>, inserting float/double conversions.</summary>
    private Expr LowerAs(IOperation operation, NumKind kind)
    {
        Expr e = Lower(operation);
        if (e.Kind == kind || kind == NumKind.Other)
        {
            return e;
        }

        if (e is LitExpr && operation.ConstantValue is { HasValue: true, Value: System.IConvertible constant })
        {
            // An integer constant used as a floating one (x += 1 carries no conversion node).
            double value = constant.ToDouble(System.Globalization.CultureInfo.InvariantCulture);
            return new LitExpr(kind == NumKind.Float ? OperationPrinter.Literal((float)value, null) : OperationPrinter.Literal(value, null), kind);
        }

        if (e.Kind == NumKind.Other && e is OpaqueExpr o)
        {
            // An integer (or other inactive) value used as a floating one.
            return new OpaqueExpr(new Code("(" + KindType(kind) + ")" + o.Code.At(Code.Unary), Code.Unary), kind, o.Reads);
        }

        return new ConvertExpr(e, kind);
    }

    private Expr Lower(IOperation operation)
    {
        token.ThrowIfCancellationRequested();
        NumKind kind = KindOf(operation.Type);
        if (operation.ConstantValue.HasValue)
        {
            return new LitExpr(OperationPrinter.Literal(operation.ConstantValue.Value, operation.Type), kind);
        }

        if (kind == NumKind.Other)
        {
            return LowerInactive(operation);
        }

        switch (operation)
        {
            case ILocalReferenceOperation local when vars.TryGetValue(local.Local, out Var? v):
                return new VarExpr(v);
            case IParameterReferenceOperation parameter when vars.TryGetValue(parameter.Parameter, out Var? v):
                return new VarExpr(v);
            case IBinaryOperation binary:
            {
                char? op = binary.OperatorKind switch
                {
                    BinaryOperatorKind.Add => '+',
                    BinaryOperatorKind.Subtract => '-',
                    BinaryOperatorKind.Multiply => '*',
                    BinaryOperatorKind.Divide => '/',
                    _ => null,
                };
                if (binary.OperatorMethod is not null)
                {
                    return LowerUnsupported(binary);
                }

                if (op is null)
                {
                    return Unsupported(binary, "only + - * / are differentiable binary operators");
                }

                return new BinaryExpr(op.Value, LowerAs(binary.LeftOperand, kind), LowerAs(binary.RightOperand, kind), kind);
            }

            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Minus } unary:
                return new NegExpr(LowerAs(unary.Operand, kind));
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Plus } unary:
                return LowerAs(unary.Operand, kind);
            case IConversionOperation conversion:
                return LowerAs(conversion.Operand, kind);
            case IInvocationOperation invocation:
                return LowerInvocation(invocation, kind);
            case ISwitchExpressionOperation switchExpression:
                return LowerSwitchExpression(switchExpression, kind);
            case IConditionalOperation { WhenFalse: not null } conditional:
            {
                // c ? a : b  =>  if (c) t = a; else t = b;  (so the reverse sweep replays the branch taken)
                Var temp = NewTemp(kind, "_v");
                temp.AssignSites++;
                OpaqueExpr condition = Condition(conditional.Condition);
                List<Stmt> saved = current;
                current = new List<Stmt>();
                Expr a = LowerAs(conditional.WhenTrue, kind);
                current.Add(new AssignStmt(temp, a, null));
                List<Stmt> then = current;
                current = new List<Stmt>();
                Expr b = LowerAs(conditional.WhenFalse, kind);
                current.Add(new AssignStmt(temp, b, null));
                List<Stmt> @else = current;
                current = saved;
                current.Add(new IfStmt(condition, then, @else, conditional.Syntax));
                return new VarExpr(temp);
            }

            case IArrayElementReferenceOperation element when element.Indices.Length == 1 && ArrayVar(element.ArrayReference) is Var array:
                return new ElemExpr(array, IndexInto(array, element.Indices[0]));
            case IImplicitIndexerReferenceOperation { Argument.Type.Name: "Index" } fromEnd when ArrayVar(fromEnd.Instance) is Var span:
                // span[^k]: an Index on a span goes through Length and the int indexer.
                return new ElemExpr(span, IndexInto(span, fromEnd.Argument));
            case IArrayElementReferenceOperation { Indices.Length: 1 } element when SliceElement(element.ArrayReference, element.Indices[0]) is (Var array, OpaqueExpr index):
                return new ElemExpr(array, index);
            case IPropertyReferenceOperation { Property.IsIndexer: true, Arguments.Length: 1, Instance: { } instance } indexer when SliceElement(instance, indexer.Arguments[0].Value) is (Var array, OpaqueExpr index):
                return new ElemExpr(array, index);
            case IPropertyReferenceOperation { Property.IsIndexer: true, Arguments.Length: 1 } indexer when indexer.Instance is not null && ArrayVar(indexer.Instance) is Var span:
                return new ElemExpr(span, Index(indexer.Arguments[0].Value));
            case IFieldReferenceOperation or IPropertyReferenceOperation or IInstanceReferenceOperation or IDefaultValueOperation:
                // Fields and properties are read as constants.
                return LowerInactive(operation);
            case IArrayElementReferenceOperation element when VaryingLengthCreation(element) is null:
                // An element of constant data (a field, a jagged or rectangular array, an alias of a [NoDiff] array):
                // a constant, refused only when an active value could flow through it.
                return Guarded(element, DiagnosticIds.UnsupportedExpression, new[] { Text(element.Syntax), ConstantElementReason }, kind);
            default:
                return LowerUnsupported(operation);
        }
    }

    /// <summary><c>a[i]</c> on an owned local array or span, or on a slice of one: the array and the index.</summary>
    private (Var Array, OpaqueExpr Index)? OwnedElement(IOperation target) => target switch
    {
        IArrayElementReferenceOperation { Indices.Length: 1 } element when OwnedArray(element.ArrayReference) is Var array => (array, IndexInto(array, element.Indices[0])),
        IPropertyReferenceOperation { Property.IsIndexer: true, Arguments.Length: 1, Instance: { } instance } indexer when OwnedArray(instance) is Var span => (span, Index(indexer.Arguments[0].Value)),
        IImplicitIndexerReferenceOperation { Argument.Type.Name: "Index" } fromEnd when OwnedArray(fromEnd.Instance) is Var span => (span, IndexInto(span, fromEnd.Argument)),
        IArrayElementReferenceOperation { Indices.Length: 1 } element when SliceElement(element.ArrayReference, element.Indices[0]) is (Var array, OpaqueExpr index) && array.Role == VarRole.Local => (array, index),
        IPropertyReferenceOperation { Property.IsIndexer: true, Arguments.Length: 1, Instance: { } instance } indexer
            when SliceElement(instance, indexer.Arguments[0].Value) is (Var array, OpaqueExpr index) && array.Role == VarRole.Local => (array, index),
        _ => null,
    };

    private Var? ArrayVar(IOperation operation) => operation switch
    {
        IParameterReferenceOperation p when vars.TryGetValue(p.Parameter, out Var? v) && v.IsArray => v,
        ILocalReferenceOperation => OwnedArray(operation),
        _ => null,
    };

    private readonly Dictionary<ILocalSymbol, bool> owned = new(SymbolEqualityComparer.Default);

    /// <summary>
    /// A local floating array the method creates with <c>new T[n]</c> (once outside loops, or declared inside loops
    /// with a length no iteration changes): it owns its elements, so they can be written and carry adjoints. Any
    /// other array local (an alias of an input) is refused.
    /// </summary>
    private Var? OwnedArray(IOperation operation)
    {
        if (operation is not ILocalReferenceOperation { Local: var local } || !vars.TryGetValue(local, out Var? v) || !v.IsArray)
        {
            return null;
        }

        if (!owned.TryGetValue(local, out bool isOwned))
        {
            SyntaxNode? scope = local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax()?.FirstAncestorOrSelf<Microsoft.CodeAnalysis.CSharp.Syntax.MemberDeclarationSyntax>();
            IOperation? root = operation;
            while (root.Parent is not null)
            {
                root = root.Parent;
            }

            var writes = root.DescendantsAndSelf().Where(o =>
                o is IVariableDeclaratorOperation d && SymbolEqualityComparer.Default.Equals(d.Symbol, local)
                || o is IAssignmentOperation { Target: ILocalReferenceOperation t } && SymbolEqualityComparer.Default.Equals(t.Local, local)).ToList();
            isOwned = scope is not null && writes.Count == 1 && writes[0] switch
            {
                IVariableDeclaratorOperation d => IsCreation(Initializer(d)) && (!InsideLoop(d) || OutermostLoopToLeave(d, Initializer(d)) is not null),
                ISimpleAssignmentOperation a => IsCreation(a.Value) && !InsideLoop(a),
                _ => false,
            };
            owned[local] = isOwned;
            if (isOwned && local.Type is IArrayTypeSymbol && Unwrap(writes[0] switch
                {
                    IVariableDeclaratorOperation d => d.Initializer?.Value ?? (d.Parent as IVariableDeclarationOperation)?.Initializer?.Value,
                    ISimpleAssignmentOperation a => a.Value,
                    _ => null,
                }) is IArrayCreationOperation { Initializer: null } creation
                && root.DescendantsAndSelf().OfType<ILocalReferenceOperation>().Where(r => SymbolEqualityComparer.Default.Equals(r.Local, local)).All(SpanCompatibleUse)
                && IsPure(creation.DimensionSizes[0]))
            {
                var reads = new List<Var>();
                if (printer.Print(creation.DimensionSizes[0], reads) is Code length)
                {
                    v.PoolLength = new OpaqueExpr(length, NumKind.Other, reads);
                }
            }
        }

        return isOwned ? v : null;
    }

    /// <summary>
    /// A use of a local array that a <c>Span&lt;T&gt;</c> supports as well: an element, <c>.Length</c>, an argument
    /// converted to a span parameter, a foreach source, or the array's own creation.
    /// </summary>
    private static bool SpanCompatibleUse(ILocalReferenceOperation reference) => reference.Parent switch
    {
        IArrayElementReferenceOperation element => element.ArrayReference == reference,
        IPropertyReferenceOperation { Property.Name: "Length" } => true,
        IConversionOperation { IsImplicit: true, Type: INamedTypeSymbol { IsGenericType: true } span } conversion
            when span.ConstructedFrom.ToDisplayString() is "System.Span<T>" or "System.ReadOnlySpan<T>"
            => conversion.Parent is IArgumentOperation or IForEachLoopOperation,
        IForEachLoopOperation => true,

        // t.AsSpan(s, n): a pooled span prints it as t.Slice(s, n).
        IArgumentOperation { Parent: IInvocationOperation { TargetMethod: { Name: "AsSpan", IsExtensionMethod: true } method } call } argument
            when argument.Parameter?.Ordinal == 0 && method.ContainingType.ToDisplayString() == "System.MemoryExtensions"
                 && call.Arguments.All(a => a == argument || a.Value.Type?.SpecialType == SpecialType.System_Int32) => true,

        // foreach over a local array sees it through an implicit conversion of the collection; the lowered loop
        // indexes it.
        IConversionOperation { IsImplicit: true, Parent: IForEachLoopOperation } => true,
        ISimpleAssignmentOperation assignment => assignment.Target == reference && Unwrap(assignment.Value) is IArrayCreationOperation,
        _ => false,
    };

    /// <summary><c>new T[n]</c> (also converted to a span) or <c>stackalloc T[n]</c>: fresh, zeroed elements.</summary>
    private static bool IsCreation(IOperation? value) => Unwrap(value) switch
    {
        IArrayCreationOperation { DimensionSizes.Length: 1 } => true,
        { } other => OperationPrinter.IsStackAlloc(other, out _, out _),
        null => false,
    };

    private static IOperation? Unwrap(IOperation? value) => value is IConversionOperation { IsImplicit: true } conversion ? conversion.Operand : value;

    private static IOperation? Initializer(IVariableDeclaratorOperation declarator)
        => declarator.Initializer?.Value ?? (declarator.Parent as IVariableDeclarationOperation)?.Initializer?.Value;

    /// <summary>
    /// For <c>T[] a = new T[n];</c> (or <c>stackalloc</c>) declared inside loops, the outermost of them when
    /// <paramref name="creation"/> can move before it: <c>n</c> is a pure integer expression of values that nothing in
    /// that loop writes and that are declared outside it, so every iteration creates an array of the same length.
    /// </summary>
    private static ILoopOperation? OutermostLoopToLeave(IVariableDeclaratorOperation declarator, IOperation? creation)
    {
        ILoopOperation? outermost = null;
        for (IOperation? o = declarator.Parent; o is not null; o = o.Parent)
        {
            if (o is ILoopOperation loop)
            {
                outermost = loop;
            }
        }

        IOperation? length = Unwrap(creation) switch
        {
            IArrayCreationOperation { DimensionSizes.Length: 1 } array => array.DimensionSizes[0],
            { } other when OperationPrinter.IsStackAlloc(other, out IOperation? size, out _) => size,
            _ => null,
        };
        if (outermost is null || length is null || !IsPure(length))
        {
            return null;
        }

        Microsoft.CodeAnalysis.Text.TextSpan span = outermost.Syntax.Span;
        foreach (IOperation read in length.DescendantsAndSelf())
        {
            ISymbol? symbol = read switch
            {
                ILocalReferenceOperation l => l.Local,
                IParameterReferenceOperation p => p.Parameter,
                // The length of an array or span never changes; other fields, properties and elements could.
                IPropertyReferenceOperation { Property.Name: "Length", Instance.Type: IArrayTypeSymbol or INamedTypeSymbol { IsRefLikeType: true } } => null,
                IFieldReferenceOperation { Field.IsConst: false } or IPropertyReferenceOperation or IArrayElementReferenceOperation => read.Type,
                _ => null,
            };
            if (symbol is ITypeSymbol
                || symbol is ILocalSymbol local && (local.DeclaringSyntaxReferences.Any(r => span.Contains(r.Span)) || IsWrittenIn(outermost, local))
                || symbol is IParameterSymbol parameter && IsWrittenIn(outermost, parameter))
            {
                return null;
            }
        }

        return outermost;
    }

    /// <summary>Whether anything in <paramref name="scope"/> assigns, increments or passes by reference <paramref name="symbol"/>.</summary>
    private static bool IsWrittenIn(IOperation scope, ISymbol symbol)
        => scope.DescendantsAndSelf().Any(o =>
        {
            if (o is not (ILocalReferenceOperation or IParameterReferenceOperation)
                || !SymbolEqualityComparer.Default.Equals(o is ILocalReferenceOperation l ? l.Local : ((IParameterReferenceOperation)o).Parameter, symbol))
            {
                return false;
            }

            IOperation target = o;
            while (target.Parent is ITupleOperation tuple)
            {
                target = tuple;
            }

            return target.Parent switch
            {
                IAssignmentOperation assignment => assignment.Target == target,
                IIncrementOrDecrementOperation => true,
                IArgumentOperation { Parameter.RefKind: not RefKind.None and not RefKind.In } => true,
                IDeclarationExpressionOperation => true,
                _ => false,
            };
        });

    /// <summary>The statements of fresh arrays declared inside the loop just lowered, moved before it (<paramref name="at"/>).</summary>
    private void PlaceHoistedCreations(int at)
    {
        if (loopDepth == 0 && hoistedCreations.Count > 0)
        {
            current.InsertRange(at, hoistedCreations);
            hoistedCreations.Clear();
        }
    }

    /// <summary>
    /// <c>for (int _z = 0; _z &lt; a.Length; _z++) a[_z] = 0;</c>: what the declaration of a fresh array inside a loop
    /// does to the array created once before it. Plain element writes, so the reverse sweep keeps the old values it
    /// needs and clears the adjoints.
    /// </summary>
    private LoopStmt Clearing(Var array, IVariableDeclaratorOperation declarator)
    {
        Var z = NewTemp(NumKind.Other, "_z", "int");
        z.AssignSites += 2;
        var index = new OpaqueExpr(new Code(z.Name, Code.Primary), NumKind.Other, new List<Var> { z });
        Code zero = array.Kind == NumKind.Float ? OperationPrinter.Literal(0f, null) : OperationPrinter.Literal(0.0, null);
        var body = new List<Stmt> { new AssignStmt(array, new LitExpr(zero, array.Kind), null, index) };
        SyntaxNode syntax = declarator.Syntax.FirstAncestorOrSelf<Microsoft.CodeAnalysis.CSharp.Syntax.LocalDeclarationStatementSyntax>() ?? declarator.Syntax;
        return OverWholeArray(z, array, body, syntax);
    }

    /// <summary>
    /// <c>k = 0;</c> (added to the current list), then the counted loop <c>while (k &lt; a.Length) { body; k = k + 1; }</c>
    /// over every element of <paramref name="array"/>: a foreach over it, or the clearing of a fresh array.
    /// </summary>
    private LoopStmt OverWholeArray(Var counter, Var array, List<Stmt> body, SyntaxNode? syntax)
        => CountedLoop(counter, new OpaqueExpr(new Code(array.Name + ".Length", Code.Primary), NumKind.Other, new List<Var> { array }), body, syntax);

    /// <summary>
    /// <c>foreach (var v in xs) body</c>  =&gt;  <c>for (int k = 0; k &lt; bound; k++) { v = element(k); body }</c>, with
    /// <paramref name="element"/> given the counter and the loop variable.
    /// </summary>
    private void LowerForEach(IForEachLoopOperation loop, IVariableDeclaratorOperation control, OpaqueExpr bound, System.Func<Var, Var, Expr> element)
    {
        Var index = NewTemp(NumKind.Other, "_i", "int");
        index.AssignSites += 2;
        AddLocal(control.Symbol);
        Var variable = vars[control.Symbol];
        variable.AssignSites++;
        int start = current.Count;
        loopDepth++;
        List<Stmt> body = LowerBlock(null);
        body.Add(new AssignStmt(variable, element(index, variable), null)); // the loop's own comment names the element
        body.AddRange(LowerBlock(loop.Body));
        loopDepth--;
        LoopStmt lowered = CountedLoop(index, bound, body, loop.Syntax);
        PlaceHoistedCreations(start);
        current.Add(lowered);
    }

    /// <summary><c>k = 0;</c> (added to the current list), then <c>while (k &lt; bound) { body; k = k + 1; }</c>.</summary>
    private LoopStmt CountedLoop(Var counter, OpaqueExpr bound, List<Stmt> body, SyntaxNode? syntax)
    {
        current.Add(new AssignStmt(counter, new OpaqueExpr(new Code("0", Code.Primary), NumKind.Other, new List<Var>()), null) { IsCounterStep = true });
        var condition = new OpaqueExpr(new Code(counter.Name + " < " + bound.Code.Text, 10), NumKind.Other, new List<Var>(bound.Reads) { counter });
        var increment = new List<Stmt> { new AssignStmt(counter, new OpaqueExpr(new Code(counter.Name + " + 1", Code.Additive), NumKind.Other, new List<Var> { counter }), null) { IsCounterStep = true } };
        return new LoopStmt(condition, testFirst: true, body, increment, syntax)
        {
            Counter = counter,
            Step = 1,
            Start = new OpaqueExpr(new Code("0", Code.Primary), NumKind.Other, new List<Var>()),
            Bound = bound,
            Comparison = "<",
        };
    }

    /// <summary>Fresh arrays declared inside the loop being lowered, to be created once before its outermost loop.</summary>
    private readonly List<Stmt> hoistedCreations = new();

    private static bool InsideLoop(IOperation operation)
    {
        for (IOperation? o = operation.Parent; o is not null; o = o.Parent)
        {
            if (o is ILoopOperation)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// An index into <paramref name="array"/>: <c>^k</c> counts from its end (<c>array.Length - k</c>, written out:
    /// the adjoint of a local array is a rented array longer than the local, so <c>^k</c> on it would miss).
    /// </summary>
    private OpaqueExpr IndexInto(Var array, IOperation index)
    {
        IOperation inner = index is IConversionOperation { IsImplicit: true } conversion ? conversion.Operand : index;
        if (inner is IUnaryOperation { OperatorKind: UnaryOperatorKind.Hat } hat)
        {
            OpaqueExpr fromEnd = Index(hat.Operand);
            return new OpaqueExpr(new Code(array.Name + ".Length - " + fromEnd.Code.At(Code.Additive + 1), Code.Additive), NumKind.Other, new List<Var>(fromEnd.Reads) { array }, fromEnd.Guard);
        }

        return Index(index);
    }

    private OpaqueExpr Index(IOperation index)
    {
        Expr lowered = LowerInactive(index);
        OpaqueExpr o = lowered as OpaqueExpr ?? new OpaqueExpr(new Code("0", Code.Primary), NumKind.Other, new List<Var>());
        if (index.Type?.SpecialType is SpecialType.System_Int64 or SpecialType.System_UInt32 or SpecialType.System_UInt64 or SpecialType.System_IntPtr or SpecialType.System_UIntPtr)
        {
            // An array takes a long index, a span (the gradient buffers, views, pooled locals) only an int.
            return new OpaqueExpr(new Code("global::AutoDiffGen.CompilerServices.SliceBounds.Narrow(" + o.Code.Text + ")", Code.Primary), NumKind.Other, o.Reads, o.Guard);
        }

        return o;
    }

    private Expr LowerInvocation(IInvocationOperation invocation, NumKind kind)
    {
        IMethodSymbol method = invocation.TargetMethod;
        IArgumentOperation[] arguments = invocation.Arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0).ToArray();
        string display = Display(method);
        bool isMath = DerivativeRules.IsMathType(method.ContainingType);
        bool allFloating = method.Parameters.All(p => DerivativeRegistry.IsFloating(p.Type) && p.RefKind == RefKind.None);

        if (isMath)
        {
            DerivativeRule? rule = DerivativeRules.Find(method.Name, method.Parameters.Length);
            if (rule is not null && rule.IsZero)
            {
                return Guarded(invocation, DiagnosticIds.ZeroDerivative, new[] { Text(invocation.Syntax) }, kind);
            }

            if (rule is not null && allFloating && arguments.Length == rule.Arity)
            {
                var args = arguments.Select(a => LowerAs(a.Value, kind)).ToArray();
                return new CallExpr(rule, OperationPrinter.TypeName(method.ContainingType) + "." + method.Name, args, kind);
            }

            if (rule is null && !method.Name.StartsWith("Round", System.StringComparison.Ordinal))
            {
                return Guarded(invocation, DiagnosticIds.NoDerivativeRule, new[] { Text(invocation.Syntax), display }, kind);
            }

            // Round(x, digits) and Round(x, mode): piecewise constant.
            return Guarded(invocation, DiagnosticIds.ZeroDerivative, new[] { Text(invocation.Syntax) }, kind);
        }

        if (!method.IsGenericMethod && method.Parameters.All(p => p.RefKind == RefKind.None)
            && registry.TryResolve(method, out string pullback, out IMethodSymbol? registered))
        {
            if (CallTargets(invocation, pullback, registered) is not (string target, string pullbackTarget))
            {
                return Unsupported(invocation, "the receiver of the call cannot be printed in generated code");
            }

            (Expr[] args, bool[] differentiable) = LowerCallArguments(method, arguments, output: -1);
            return new UserCallExpr(target, pullbackTarget, args, differentiable, kind)
            {
                AcceptsEmptyGradients = DerivativeRegistry.AcceptsEmptyGradients(registered),
                ReceivesResult = DerivativeRegistry.ReceivesResult(registered),
            };
        }

        return Guarded(invocation, DiagnosticIds.CallWithoutDerivative, new[] { Text(invocation.Syntax), display }, kind);
    }

    /// <summary>
    /// The arguments of a call to a method with a pullback: floating scalars as values, arrays and spans as their
    /// variables (their adjoint spans go to the pullback), everything else as constants. <paramref name="output"/>
    /// is the index of a vector-valued callee's output span (-1 for none): it is written, not differentiated.
    /// </summary>
    private (Expr[] Args, bool[] Differentiable) LowerCallArguments(IMethodSymbol method, IArgumentOperation[] arguments, int output)
    {
        var args = new Expr[arguments.Length];
        var differentiable = new bool[arguments.Length];
        for (int i = 0; i < arguments.Length; i++)
        {
            IParameterSymbol parameter = arguments[i].Parameter!;
            differentiable[i] = i != output && DerivativeRegistry.IsDifferentiable(parameter);
            if (DerivativeRegistry.IsFloating(parameter.Type))
            {
                args[i] = LowerAs(arguments[i].Value, KindOf(parameter.Type));
            }
            else if (DerivativeRegistry.FloatingElement(parameter.Type) is not null
                     && ArrayVar(Unconverted(arguments[i].Value)) is Var arrayArgument)
            {
                // An array or span input or a local array: its adjoint span is passed to the pullback.
                args[i] = new VarExpr(arrayArgument);
            }
            else if (DerivativeRegistry.FloatingElement(parameter.Type) is not null && i != output && SliceArgument(arguments[i].Value) is SliceAlias slice)
            {
                // A slice of one (a slice local, or w.AsSpan(s, n) written in the call): that part of its adjoint.
                args[i] = new VarExpr(slice.Base) { Slice = slice };
            }
            else
            {
                args[i] = LowerInactive(arguments[i].Value);
            }

            if (i != output && !differentiable[i] && args[i].Kind != NumKind.Other)
            {
                // A [NoDiff] parameter of the callee: an active argument would silently lose its gradient.
                var guard = new Guard(DiagnosticIds.ActiveToNoDiffParameter, arguments[i].Syntax,
                    new[] { Text(arguments[i].Syntax), parameter.Name, Display(method) }, VarsIn(args[i]));
                Guards.Add(guard);
            }
        }

        return (args, differentiable);
    }

    private static IOperation Unconverted(IOperation value) => value is IConversionOperation conversion ? conversion.Operand : value;

    /// <summary>
    /// The output index of a call to a vector-valued method with a pullback: it returns void and writes its result
    /// into its last parameter, a <c>Span&lt;T&gt;</c> of a floating type (the convention of the runtime kernels).
    /// </summary>
    private int? VectorOutput(IInvocationOperation invocation)
    {
        IMethodSymbol method = invocation.TargetMethod;
        int output = DerivativeRegistry.VectorOutputIndex(method);
        return output >= 0 && !method.IsGenericMethod && method.Parameters.All(p => p.RefKind == RefKind.None)
               && registry.TryResolve(method, out _, out _) ? output : null;
    }

    /// <summary>
    /// <c>Kernel(x, w, result)</c> writing a local array the method created: lowered as an assignment of the whole
    /// array, so activity, to-be-recorded analysis and the reverse sweep treat it like any other write.
    /// </summary>
    private void LowerVectorCall(IInvocationOperation invocation, int output, SyntaxNode statementSyntax)
    {
        IMethodSymbol method = invocation.TargetMethod;
        IArgumentOperation[] arguments = invocation.Arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0).ToArray();
        registry.TryResolve(method, out string pullback, out IMethodSymbol? registered);
        Var? target = OwnedArray(Unconverted(arguments[output].Value));
        if (target is null || CallTargets(invocation, pullback, registered) is not (string callee, string pullbackTarget))
        {
            // The result goes to memory the method does not own (an input span, a field): only constants may.
            var reads = new List<Var>();
            Code? code = printer.Print(invocation, reads);
            string what = "'" + Text(arguments[output].Syntax) + "', a span the method did not create with new T[n]";
            if (code is null)
            {
                Report(DiagnosticIds.ActiveWriteOutside, invocation.Syntax, Text(invocation.Syntax), what);
                return;
            }

            var guard = new Guard(DiagnosticIds.ActiveWriteOutside, invocation.Syntax, new[] { Text(invocation.Syntax), what }, Floating(reads));
            Guards.Add(guard);
            current.Add(new ForwardOnlyStmt(code.Value, exits: false, reads, guard, statementSyntax));
            return;
        }

        (Expr[] args, bool[] differentiable) = LowerCallArguments(method, arguments, output);
        for (int i = 0; i < args.Length; i++)
        {
            if (i != output && args[i] is VarExpr { Var: var input } && input == target)
            {
                Report(DiagnosticIds.UnsupportedExpression, arguments[i].Syntax, Text(invocation.Syntax),
                    "the output '" + target.Name + "' is also an input: the derivative needs the input after the call overwrote it; write the result into another local array");
                return;
            }
        }

        current.Add(new AssignStmt(target, new UserCallExpr(callee, pullbackTarget, args, differentiable, target.Kind)
        {
            Output = output,
            AcceptsEmptyGradients = DerivativeRegistry.AcceptsEmptyGradients(registered),
        }, statementSyntax));
    }

    /// <summary>The printed callee and pullback of a call (a pullback registered in another type is called there).</summary>
    private (string Target, string Pullback)? CallTargets(IInvocationOperation invocation, string pullback, IMethodSymbol? registered)
    {
        IMethodSymbol method = invocation.TargetMethod;
        string? receiver = CallReceiver(invocation);
        if (receiver is null)
        {
            return null;
        }

        string pullbackOwner = registered is { IsStatic: true } && !SymbolEqualityComparer.Default.Equals(registered.ContainingType, method.ContainingType.OriginalDefinition)
            ? OperationPrinter.TypeName(registered.ContainingType) + "."
            : receiver;
        return (receiver + method.Name, pullbackOwner + pullback);
    }

    private string? CallReceiver(IInvocationOperation invocation)
    {
        if (invocation.TargetMethod.IsStatic || invocation.Instance is null)
        {
            return OperationPrinter.TypeName(invocation.TargetMethod.ContainingType) + ".";
        }

        Code? receiver = printer.Print(invocation.Instance, new List<Var>());
        return receiver is null ? null : receiver.Value.At(Code.Primary) + ".";
    }

    /// <summary>A value with no derivative; the guard reports <paramref name="id"/> if it reads an active input.</summary>
    private Expr Guarded(IOperation operation, string id, string[] arguments, NumKind kind)
    {
        var reads = new List<Var>();
        Code? code = printer.Print(operation, reads);
        if (code is null)
        {
            return LowerUnsupported(operation);
        }

        var guard = new Guard(id, operation.Syntax, arguments, Floating(reads));
        Guards.Add(guard);
        return new OpaqueExpr(code.Value, kind, reads, guard);
    }

    /// <summary>A non-floating value: printed as is. A floating input converted to an integer stops the gradient.</summary>
    private Expr LowerInactive(IOperation operation)
    {
        var reads = new List<Var>();
        Code? code = printer.Print(operation, reads);
        if (code is null)
        {
            return LowerUnsupported(operation);
        }

        Guard? guard = null;
        if (operation is IConversionOperation { Operand.Type: var from } conversion && DerivativeRegistry.IsFloating(from) && !DerivativeRegistry.IsFloating(conversion.Type))
        {
            guard = new Guard(DiagnosticIds.ActiveToInteger, operation.Syntax, new[] { Text(operation.Syntax), conversion.Type?.ToDisplayString() ?? "?" }, Floating(reads));
            Guards.Add(guard);
        }
        else if (operation is IInvocationOperation call && DerivativeRules.IsMathType(call.TargetMethod.ContainingType) && call.TargetMethod.Name == "Sign")
        {
            guard = new Guard(DiagnosticIds.ZeroDerivative, operation.Syntax, new[] { Text(operation.Syntax) }, Floating(reads));
            Guards.Add(guard);
        }
        else
        {
            // Other non-floating values (x > 0, an int index) carry no derivative by definition, but a float-to-int
            // conversion nested inside one (w[(int)x]) still stops a gradient, and so does an active value stored
            // into an object, a tuple or an array initializer (new V(x), Tuple.Create(x), new[] { x }): report them.
            ConversionInside(operation);
            StoredInside(operation);
        }

        return new OpaqueExpr(code.Value, KindOf(operation.Type), reads, guard);
    }

    /// <summary>Reports floating-to-integer conversions nested in an inactive expression (e.g. <c>w[(int)x]</c>).</summary>
    private void ConversionInside(IOperation operation)
    {
        foreach (IOperation descendant in operation.DescendantsAndSelf())
        {
            if (descendant is IConversionOperation { Operand.Type: var from } conversion && DerivativeRegistry.IsFloating(from) && !DerivativeRegistry.IsFloating(conversion.Type))
            {
                var inner = new List<Var>();
                printer.Print(conversion.Operand, inner);
                var guard = new Guard(DiagnosticIds.ActiveToInteger, conversion.Syntax, new[] { Text(conversion.Syntax), conversion.Type?.ToDisplayString() ?? "?" }, Floating(inner));
                Guards.Add(guard);
            }
            else if (descendant is IInvocationOperation call && IsInteger(call.Type)
                     && !(DerivativeRules.IsMathType(call.TargetMethod.ContainingType) && call.TargetMethod.Name == "Sign")
                     && call.Arguments.Any(a => DerivativeRegistry.IsFloating(a.Value.Type)))
            {
                // An integer computed from floating inputs (BitConverter.DoubleToInt64Bits(x), Math.ILogB(x)) carries
                // no derivative, like a cast: if it turns back into a floating value, that part of the gradient is lost.
                var inner = new List<Var>();
                foreach (IArgumentOperation argument in call.Arguments.Where(a => DerivativeRegistry.IsFloating(a.Value.Type)))
                {
                    printer.Print(argument.Value, inner);
                }

                Guards.Add(new Guard(DiagnosticIds.ActiveToInteger, call.Syntax, new[] { Text(call.Syntax), call.Type!.ToDisplayString() }, Floating(inner)));
            }
        }

    }

    /// <summary>
    /// Reports floating values that an inactive expression hides in an object, a tuple, an array initializer or a
    /// call result that is not floating: read back later (<c>v.A</c>), they would carry no derivative.
    /// </summary>
    private void StoredInside(IOperation operation)
    {
        foreach (IOperation descendant in operation.DescendantsAndSelf())
        {
            bool hides = descendant switch
            {
                IObjectCreationOperation or IAnonymousObjectCreationOperation or ITupleOperation or IArrayCreationOperation { Initializer: not null } => true,
                IInvocationOperation call => !DerivativeRegistry.IsFloating(call.Type) && call.Type?.SpecialType != SpecialType.System_Boolean
                                             && !(call.Type?.IsValueType == true && call.Type.SpecialType != SpecialType.None),
                _ => false,
            };
            if (!hides)
            {
                continue;
            }

            var inner = new List<Var>();
            printer.Print(descendant, inner);
            List<Var> floating = Floating(inner);
            if (floating.Count > 0)
            {
                var guard = new Guard(DiagnosticIds.UnsupportedExpression, descendant.Syntax,
                    new[] { Text(descendant.Syntax), "an active value stored in an object, a tuple or an array initializer loses its derivative; use the value itself, or write a local array element by element" }, floating);
                Guards.Add(guard);
                return;
            }
        }
    }

    private OpaqueExpr Condition(IOperation condition)
    {
        var reads = new List<Var>();
        Code? code = printer.Print(condition, reads);
        if (code is null)
        {
            Report(DiagnosticIds.UnsupportedExpression, condition.Syntax, Text(condition.Syntax), "this condition cannot be evaluated in generated code");
            return new OpaqueExpr(new Code("false", Code.Primary), NumKind.Other, reads);
        }

        ConversionInside(condition);
        return new OpaqueExpr(code.Value, NumKind.Other, reads);
    }

    private OpaqueExpr Opaque(IOperation value, SyntaxNode syntax, System.Func<Code, string>? shape)
    {
        Expr lowered = LowerInactive(value);
        if (lowered is not OpaqueExpr o)
        {
            return new OpaqueExpr(new Code("default", Code.Primary), NumKind.Other, new List<Var>());
        }

        return shape is null ? o : new OpaqueExpr(new Code(shape(o.Code), Code.Additive), o.Kind, o.Reads, o.Guard);
    }

    private static string CompoundOperator(BinaryOperatorKind kind) => kind switch
    {
        BinaryOperatorKind.Add => "+",
        BinaryOperatorKind.Subtract => "-",
        BinaryOperatorKind.Multiply => "*",
        BinaryOperatorKind.Divide => "/",
        BinaryOperatorKind.Remainder => "%",
        BinaryOperatorKind.And => "&",
        BinaryOperatorKind.Or => "|",
        BinaryOperatorKind.ExclusiveOr => "^",
        BinaryOperatorKind.LeftShift => "<<",
        BinaryOperatorKind.RightShift => ">>",
        _ => "+",
    };

    /// <summary>The floating variables an expression reads.</summary>
    private static List<Var> VarsIn(Expr e)
    {
        var result = new List<Var>();
        var pending = new Stack<Expr>();
        pending.Push(e);
        while (pending.Count > 0)
        {
            switch (pending.Pop())
            {
                case VarExpr v:
                    result.Add(v.Var);
                    break;
                case ElemExpr el:
                    result.Add(el.Array);
                    break;
                case var node:
                    foreach (Expr child in Expr.Children(node))
                    {
                        pending.Push(child);
                    }

                    break;
            }
        }

        return result;
    }

    private static List<Var> Floating(List<Var> reads) => reads.Where(v => v.Kind != NumKind.Other).ToList();

    private static string Display(IMethodSymbol method) => method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);

    public static string Text(SyntaxNode syntax)
    {
        string text = syntax.ToString();
        text = string.Join(" ", text.Split(new[] { '\r', '\n' }, System.StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()));
        return text.Length > 80 ? text.Substring(0, 77) + "..." : text;
    }
}
