using System.Collections.Generic;
using System.Linq;
using AutoDiffGen.Generator.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace AutoDiffGen.Generator.Analysis;

/// <summary>
/// A span (or array) local that views part of an array the method differentiates:
/// <c>ReadOnlySpan&lt;double&gt; row = w.AsSpan(i * d, d)</c>. It has no variable of its own: it becomes two integer
/// locals, its start and its length, and its element <c>row[j]</c> becomes <c>w[start + j]</c>, so the element's
/// adjoint goes straight into <c>w</c>'s and the analysis sees plain index arithmetic (recomputed or saved like
/// any integer).
/// </summary>
internal sealed class SliceAlias
{
    public SliceAlias(Var @base, Var start, Var length, bool baseIsSpan)
    {
        Base = @base;
        Start = start;
        Length = length;
        SpanCode = baseIsSpan
            ? @base.Name + ".Slice(" + start.Name + ", " + length.Name + ")"
            : "global::System.MemoryExtensions.AsSpan(" + @base.Name + ", " + start.Name + ", " + length.Name + ")";
    }

    /// <summary>The array or span parameter, or the local array the method created, that the slice views.</summary>
    public Var Base { get; }

    public Var Start { get; }

    public Var Length { get; }

    /// <summary>The slice as a span, for the places that use it whole (a call on constants, a condition).</summary>
    public string SpanCode { get; }

    /// <summary>The length when every assignment gives the same constant one (<c>w.AsSpan(i * d, 3)</c>): constant indices below it need no check.</summary>
    public int? ConstantLength { get; set; }
}

/// <summary>Slices: span locals that view part of an input or of a local array (see <see cref="SliceAlias"/>).</summary>
internal sealed partial class BodyLowering
{
    private const string SliceBoundsType = "global::AutoDiffGen.CompilerServices.SliceBounds";

    private readonly Dictionary<ILocalSymbol, SliceAlias> slices = new(SymbolEqualityComparer.Default);

    /// <summary>
    /// Finds the span and array locals whose every assignment is a slice of one and the same array or span the method
    /// differentiates (<c>w.AsSpan(s, n)</c>, <c>w.AsSpan(s)</c>, <c>w.Slice(s, n)</c>, <c>new ReadOnlySpan&lt;T&gt;(w, s, n)</c>,
    /// or <c>w</c> whole), and replaces their variables with a start and a length.
    /// </summary>
    private void FindSlices(IOperation body)
    {
        var writes = new Dictionary<ILocalSymbol, List<IOperation?>>(SymbolEqualityComparer.Default);
        var refused = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
        foreach (IOperation o in body.DescendantsAndSelf())
        {
            switch (o)
            {
                case IVariableDeclaratorOperation declarator when IsSliceCandidate(declarator.Symbol):
                    Add(declarator.Symbol, Initializer(declarator));
                    break;
                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment when IsSliceCandidate(target.Local):
                    Add(target.Local, assignment.Value);
                    break;
                case ILocalReferenceOperation reference when IsSliceCandidate(reference.Local) && IsOtherWrite(reference):
                    refused.Add(reference.Local);
                    break;
            }
        }

        foreach (KeyValuePair<ILocalSymbol, List<IOperation?>> local in writes.OrderBy(w => w.Key.Name, System.StringComparer.Ordinal))
        {
            List<IOperation> values = local.Value.Where(v => v is not null).Select(v => v!).ToList();
            if (refused.Contains(local.Key) || values.Count == 0)
            {
                continue;
            }

            var bases = values.Select(v => SliceOf(v)?.Base).ToList();
            if (bases.Any(b => b is null) || bases.Distinct().Count() != 1)
            {
                continue;
            }

            Var @base = bases[0]!;
            Var v = vars[local.Key];
            vars.Remove(local.Key);
            Variables.Remove(v);
            var start = new Var(names.Claim("_" + local.Key.Name + "Start"), "int", NumKind.Other, VarRole.Local);
            var length = new Var(names.Claim("_" + local.Key.Name + "Length"), "int", NumKind.Other, VarRole.Local);
            Variables.Add(start);
            Variables.Add(length);
            bool baseIsSpan = @base.IsPooled || @base.Type.Contains("Span<");
            var lengths = values.Select(v => SliceOf(v)!.Value.Length?.ConstantValue is { HasValue: true, Value: int n } ? n : (int?)null).Distinct().ToList();
            slices[local.Key] = new SliceAlias(@base, start, length, baseIsSpan) { ConstantLength = lengths.Count == 1 ? lengths[0] : null };
        }

        void Add(ILocalSymbol local, IOperation? value)
        {
            if (!writes.TryGetValue(local, out List<IOperation?>? list))
            {
                writes[local] = list = new List<IOperation?>();
            }

            list.Add(value);
        }
    }

    /// <summary>A local of a floating array, span or read-only span type.</summary>
    private bool IsSliceCandidate(ILocalSymbol local)
        => vars.ContainsKey(local) && !local.IsRef && !DerivativeRegistry.IsFloating(local.Type) && DerivativeRegistry.FloatingElement(local.Type) is not null;

    /// <summary>A write other than a plain assignment: ref or out argument, deconstruction, out variable.</summary>
    private static bool IsOtherWrite(ILocalReferenceOperation reference)
    {
        IOperation target = reference;
        while (target.Parent is ITupleOperation tuple)
        {
            target = tuple;
        }

        return target.Parent switch
        {
            IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } => true,
            IDeclarationExpressionOperation => true,
            IDeconstructionAssignmentOperation deconstruction => deconstruction.Target == target,
            ICompoundAssignmentOperation compound => compound.Target == target,
            _ => false,
        };
    }

    /// <summary>
    /// The array viewed by <paramref name="value"/> and where: <c>w.AsSpan(s, n)</c>, <c>w.AsSpan(s)</c>,
    /// <c>w.AsSpan()</c>, <c>w.Slice(s, n)</c>, <c>w.Slice(s)</c>, <c>new Span&lt;T&gt;(w, s, n)</c> or <c>w</c> itself, of
    /// an array or span parameter or a local array the method created. A null start is 0; a null length runs to the end.
    /// </summary>
    private (Var Base, IOperation? Start, IOperation? Length)? SliceOf(IOperation value)
    {
        while (value is IConversionOperation { IsImplicit: true } conversion)
        {
            value = conversion.Operand;
        }

        IOperation? viewed;
        IOperation[] positions;
        switch (value)
        {
            case IInvocationOperation { Instance: null, TargetMethod: { Name: "AsSpan", IsExtensionMethod: true } method } call
                when method.ContainingType.ToDisplayString() == "System.MemoryExtensions" && call.Arguments.Length >= 1:
            {
                IArgumentOperation[] arguments = call.Arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0).ToArray();
                viewed = arguments[0].Value;
                positions = arguments.Skip(1).Select(a => a.Value).ToArray();
                break;
            }

            case IInvocationOperation { Instance: { } instance, TargetMethod.Name: "Slice" } call when IsIndexable(instance.Type) && instance.Type is INamedTypeSymbol:
                viewed = instance;
                positions = call.Arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0).Select(a => a.Value).ToArray();
                break;
            case IObjectCreationOperation { Type: INamedTypeSymbol, Initializer: null } creation when IsIndexable(creation.Type) && creation.Arguments.Length is 1 or 3
                                                                                                   && creation.Arguments[0].Value.Type is IArrayTypeSymbol:
            {
                IArgumentOperation[] arguments = creation.Arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0).ToArray();
                viewed = arguments[0].Value;
                positions = arguments.Skip(1).Select(a => a.Value).ToArray();
                break;
            }

            default:
                viewed = value;
                positions = System.Array.Empty<IOperation>();
                break;
        }

        // Only int positions (AsSpan(Index) and AsSpan(Range) are other overloads).
        if (positions.Length > 2 || positions.Any(p => p.Type?.SpecialType != SpecialType.System_Int32))
        {
            return null;
        }

        while (viewed is IConversionOperation { IsImplicit: true } inner)
        {
            viewed = inner.Operand;
        }

        Var? @base = viewed switch
        {
            IParameterReferenceOperation p when vars.TryGetValue(p.Parameter, out Var? v) && v.IsArray && p.Parameter.RefKind == RefKind.None => v,
            ILocalReferenceOperation => OwnedArray(viewed),
            _ => null,
        };
        return @base is null ? null : (@base, positions.Length > 0 ? positions[0] : null, positions.Length > 1 ? positions[1] : null);
    }

    /// <summary><c>row = w.AsSpan(s, n)</c>: the start and the length, then the check the slice itself would make.</summary>
    private void LowerSliceAssignment(SliceAlias slice, IOperation value, SyntaxNode syntax)
    {
        (Var _, IOperation? startOperation, IOperation? lengthOperation) = SliceOf(value)!.Value;
        var zero = new OpaqueExpr(new Code("0", Code.Primary), NumKind.Other, new List<Var>());
        OpaqueExpr start = startOperation is null ? zero : Index(startOperation);
        OpaqueExpr length = lengthOperation is not null
            ? Index(lengthOperation)
            : startOperation is null
                ? new OpaqueExpr(new Code(slice.Base.Name + ".Length", Code.Primary), NumKind.Other, new List<Var>())
                : new OpaqueExpr(new Code(slice.Base.Name + ".Length - " + slice.Start.Name, Code.Additive), NumKind.Other, new List<Var> { slice.Start });
        slice.Start.AssignSites++;
        slice.Length.AssignSites++;
        current.Add(new AssignStmt(slice.Start, start, syntax));
        current.Add(new AssignStmt(slice.Length, length, null));
        if (startOperation is not null)
        {
            // The base's length never changes, so the check reads only the start and the length.
            var check = new Code(SliceBoundsType + ".Check(" + slice.Base.Name + ".Length, " + slice.Start.Name + ", " + slice.Length.Name + ")", Code.Primary);
            current.Add(new ForwardOnlyStmt(check, exits: false, new List<Var> { slice.Start, slice.Length }, null, null));
        }
    }

    /// <summary>
    /// <c>row[j]</c> of a slice: the base and <c>start + j</c>. Unless a loop header proves <c>j</c> inside the slice,
    /// a check that throws as the span's indexer would goes before the statement (the forward sweep checks each
    /// index once; the reverse sweep replays the same indices).
    /// </summary>
    private (Var Array, OpaqueExpr Index)? SliceElement(IOperation instance, IOperation index)
    {
        if (instance is not ILocalReferenceOperation { Local: var local } || !slices.TryGetValue(local, out SliceAlias? slice))
        {
            return null;
        }

        OpaqueExpr position = Index(index);
        bool constantInside = index.ConstantValue is { HasValue: true, Value: int c } && c >= 0 && c < slice.ConstantLength;
        if (!constantInside && !IsWithinSlice(index, local))
        {
            var check = new Code(SliceBoundsType + ".Index(" + position.Code.Text + ", " + slice.Length.Name + ")", Code.Primary);
            bool repeated = false;
            for (int k = current.Count - 1; k >= 0 && current[k] is ForwardOnlyStmt { IsCheck: true } previous; k--)
            {
                repeated |= previous.Code.Text == check.Text;
            }

            if (!repeated)
            {
                current.Add(new ForwardOnlyStmt(check, exits: false, new List<Var>(position.Reads) { slice.Length }, null, null) { IsCheck = true });
            }
        }

        var reads = new List<Var>(position.Reads) { slice.Start };
        Code element = position.Code.Text == "0"
            ? new Code(slice.Start.Name, Code.Primary)
            : new Code(slice.Start.Name + " + " + position.Code.At(Code.Additive), Code.Additive);
        return (slice.Base, new OpaqueExpr(element, NumKind.Other, reads));
    }

    /// <summary>
    /// <c>j</c> is the counter of an enclosing <c>for (int j = c; j &lt; row.Length; j++)</c> (c a non-negative
    /// constant, <c>j</c> written only by its step, <c>row</c> not reassigned in the loop): always inside the slice.
    /// </summary>
    private static bool IsWithinSlice(IOperation index, ILocalSymbol slice)
    {
        if (index is not ILocalReferenceOperation { Local: var counter })
        {
            return false;
        }

        for (IOperation? o = index.Parent; o is not null; o = o.Parent)
        {
            if (o is not IForLoopOperation loop || !loop.Locals.Contains(counter, SymbolEqualityComparer.Default))
            {
                continue;
            }

            bool IsLocal(IOperation? e, ILocalSymbol symbol) => e is ILocalReferenceOperation l && SymbolEqualityComparer.Default.Equals(l.Local, symbol);
            bool boundIsLength = loop.Condition is IBinaryOperation { OperatorKind: BinaryOperatorKind.LessThan, OperatorMethod: null } comparison
                                 && IsLocal(comparison.LeftOperand, counter)
                                 && comparison.RightOperand is IPropertyReferenceOperation { Property.Name: "Length", Instance: var instance } && IsLocal(instance, slice);
            bool startsNonNegative = loop.Before.SelectMany(b => b.DescendantsAndSelf()).OfType<IVariableDeclaratorOperation>()
                .Any(d => SymbolEqualityComparer.Default.Equals(d.Symbol, counter) && Initializer(d)?.ConstantValue is { HasValue: true, Value: int c } && c >= 0);
            IOperation? step = loop.AtLoopBottom.Length == 1 ? loop.AtLoopBottom[0] is IExpressionStatementOperation e ? e.Operation : loop.AtLoopBottom[0] : null;
            bool ascends = step is IIncrementOrDecrementOperation { Kind: OperationKind.Increment }
                           || step is ICompoundAssignmentOperation { OperatorKind: BinaryOperatorKind.Add, Value.ConstantValue: { HasValue: true, Value: int s } } && s > 0;
            return boundIsLength && startsNonNegative && ascends && !IsWrittenIn(loop.Body, counter) && !IsWrittenIn(loop, slice);
        }

        return false;
    }

    /// <summary>
    /// <c>foreach (var v in row)</c> over a slice: <c>for (_i = 0; _i &lt; length; _i++) { v = base[start + _i]; body }</c>.
    /// </summary>
    private bool TryLowerForEachOverSlice(IForEachLoopOperation loop, IVariableDeclaratorOperation control)
    {
        IOperation collection = loop.Collection is IConversionOperation conversion ? conversion.Operand : loop.Collection;
        if (collection is not ILocalReferenceOperation { Local: var local } || !slices.TryGetValue(local, out SliceAlias? slice))
        {
            return false;
        }

        Var index = NewTemp(NumKind.Other, "_i", "int");
        index.AssignSites += 2;
        AddLocal(control.Symbol);
        Var element = vars[control.Symbol];
        element.AssignSites++;
        int start = current.Count;
        loopDepth++;
        var position = new OpaqueExpr(new Code(slice.Start.Name + " + " + index.Name, Code.Additive), NumKind.Other, new List<Var> { slice.Start, index });
        List<Stmt> body = LowerBlock(null);
        body.Add(new AssignStmt(element, new ElemExpr(slice.Base, position), null));
        body.AddRange(LowerBlock(loop.Body));
        loopDepth--;
        LoopStmt lowered = CountedLoop(index, new OpaqueExpr(new Code(slice.Length.Name, Code.Primary), NumKind.Other, new List<Var> { slice.Length }), body, loop.Syntax);
        PlaceHoistedCreations(start);
        current.Add(lowered);
        return true;
    }

    /// <summary>
    /// An argument that is a slice of an array the method differentiates: a slice local, or a slice expression written
    /// in the call (<c>Dot(w.AsSpan(i * d, d), v)</c>), whose start and length go into locals of their own first.
    /// </summary>
    private SliceAlias? SliceArgument(IOperation argument)
    {
        IOperation value = Unconverted(argument);
        if (value is ILocalReferenceOperation { Local: var local })
        {
            return slices.TryGetValue(local, out SliceAlias? named) ? named : null;
        }

        if (value is IParameterReferenceOperation || SliceOf(value) is not { } direct)
        {
            return null;
        }

        var start = new Var(names.Next("_sliceStart"), "int", NumKind.Other, VarRole.Local);
        var length = new Var(names.Next("_sliceLength"), "int", NumKind.Other, VarRole.Local);
        Variables.Add(start);
        Variables.Add(length);
        var slice = new SliceAlias(direct.Base, start, length, direct.Base.IsPooled || direct.Base.Type.Contains("Span<"));
        LowerSliceAssignment(slice, value, argument.Syntax);
        return slice;
    }
}
