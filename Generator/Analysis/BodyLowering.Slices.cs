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
    private readonly bool baseIsSpan;

    /// <param name="base">The array viewed.</param>
    /// <param name="start">The local holding the start; null for a slice whose start and length are written in place (<see cref="StartInline"/>).</param>
    /// <param name="length">The local holding the length; null with <paramref name="start"/>.</param>
    /// <param name="baseIsSpan">Whether the base is a span in generated code (so it is sliced with Slice, not AsSpan).</param>
    public SliceAlias(Var @base, Var? start, Var? length, bool baseIsSpan)
    {
        Base = @base;
        Start = start;
        Length = length;
        this.baseIsSpan = baseIsSpan;
    }

    /// <summary>The array or span parameter, or the local array the method created, that the slice views.</summary>
    public Var Base { get; }

    public Var? Start { get; }

    public Var? Length { get; }

    /// <summary>
    /// For a slice assigned once from expressions nothing in its scope changes (<c>xc.AsSpan(ik * d, d)</c> in the
    /// body of the loop over <c>ik</c>): the start, written where the slice is used, so <c>c[j]</c> is
    /// <c>xc[ik * d + j]</c>, exactly the flattened index.
    /// </summary>
    public OpaqueExpr? StartInline { get; set; }

    /// <summary>The length of a slice written in place (see <see cref="StartInline"/>).</summary>
    public OpaqueExpr? LengthInline { get; set; }

    public OpaqueExpr StartValue => StartInline ?? new OpaqueExpr(new Code(Start!.Name, Code.Primary), NumKind.Other, new List<Var> { Start });

    public OpaqueExpr LengthValue => LengthInline ?? new OpaqueExpr(new Code(Length!.Name, Code.Primary), NumKind.Other, new List<Var> { Length });

    /// <summary>The slice as a span, for the places that use it whole (a call, a condition).</summary>
    public string SpanCode => baseIsSpan
        ? Base.Name + ".Slice(" + StartValue.Code.Text + ", " + LengthValue.Code.Text + ")"
        : "global::System.MemoryExtensions.AsSpan(" + Base.Name + ", " + StartValue.Code.Text + ", " + LengthValue.Code.Text + ")";

    /// <summary>The length when every assignment gives the same constant one (<c>w.AsSpan(i * d, 3)</c>): constant indices below it need no check.</summary>
    public int? ConstantLength { get; set; }

    /// <summary>The parameter every assignment takes as the length (<c>w.AsSpan(i * d, d)</c>, <c>d</c> never assigned): <c>j &lt; d</c> proves <c>j</c> inside.</summary>
    public IParameterSymbol? LengthParameter { get; set; }
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

        // A local's base: the one array all its assignments view, directly or through other slice locals (r = r.Slice(1)).
        var resolved = new Dictionary<ILocalSymbol, Var>(SymbolEqualityComparer.Default);
        var ordered = writes.Keys.Where(l => !refused.Contains(l)).OrderBy(l => l.Name, System.StringComparer.Ordinal).ToList();
        for (bool changed = true; changed;)
        {
            changed = false;
            foreach (ILocalSymbol local in ordered.Where(l => !resolved.ContainsKey(l)))
            {
                List<IOperation> values = writes[local].Where(v => v is not null).Select(v => v!).ToList();
                var bases = new List<Var?>();
                bool pending = false;
                foreach (IOperation value in values)
                {
                    switch (SliceParts(value)?.Viewed)
                    {
                        case { } viewed when ArrayBase(viewed) is Var direct:
                            bases.Add(direct);
                            break;
                        case ILocalReferenceOperation { Local: var viewedLocal } when writes.ContainsKey(viewedLocal) && !refused.Contains(viewedLocal):
                            if (SymbolEqualityComparer.Default.Equals(viewedLocal, local))
                            {
                                break; // a slice of itself: the same base
                            }

                            if (resolved.TryGetValue(viewedLocal, out Var? through))
                            {
                                bases.Add(through);
                            }
                            else
                            {
                                pending = true;
                            }

                            break;
                        default:
                            bases.Add(null);
                            break;
                    }
                }

                if (!pending && bases.Count > 0 && bases.All(b => b is not null) && bases.Distinct().Count() == 1)
                {
                    resolved[local] = bases[0]!;
                    changed = true;
                }
            }
        }

        foreach (ILocalSymbol local in ordered.Where(resolved.ContainsKey))
        {
            Var @base = resolved[local];
            Var v = vars[local];
            vars.Remove(local);
            Variables.Remove(v);
            Var? start = null;
            Var? length = null;
            if (!InPlace(local, writes[local]))
            {
                start = new Var(names.Claim("_" + local.Name + "Start"), "int", NumKind.Other, VarRole.Local);
                length = new Var(names.Claim("_" + local.Name + "Length"), "int", NumKind.Other, VarRole.Local);
                Variables.Add(start);
                Variables.Add(length);
            }

            bool baseIsSpan = @base.IsPooled || @base.Type.Contains("Span<");
            var lengths = writes[local].Select(w => w is null ? null : SliceParts(w)?.Length?.ConstantValue is { HasValue: true, Value: int n } ? n : (int?)null).Distinct().ToList();
            var lengthParameters = writes[local].Select(w => w is null ? null : SliceParts(w)?.Length is IParameterReferenceOperation p ? p.Parameter : null)
                .Distinct(SymbolEqualityComparer.Default).ToList();
            slices[local] = new SliceAlias(@base, start, length, baseIsSpan)
            {
                ConstantLength = lengths.Count == 1 ? lengths[0] : null,
                LengthParameter = lengthParameters.Count == 1 && lengthParameters[0] is IParameterSymbol p && !IsWrittenIn(body, p) ? p : null,
            };
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

    /// <summary>
    /// A slice assigned only where it is declared, of an array directly, from start and length expressions that
    /// read nothing its scope writes (counters of enclosing loops, parameters, locals assigned once; no calls,
    /// fields or elements): they can be written wherever the slice is used.
    /// </summary>
    private bool InPlace(ILocalSymbol local, List<IOperation?> values)
    {
        if (values.Count != 1 || values[0] is not { } value || SliceParts(value) is not { } parts || ArrayBase(parts.Viewed) is null)
        {
            return false;
        }

        IVariableDeclaratorOperation? declarator = value.Parent?.Parent as IVariableDeclaratorOperation
            ?? (value.Parent is IConversionOperation { Parent.Parent: IVariableDeclaratorOperation converted } ? converted : null);
        if (declarator is null || !SymbolEqualityComparer.Default.Equals(declarator.Symbol, local))
        {
            return false;
        }

        IOperation? scope = declarator.Parent;
        while (scope is not null and not IBlockOperation and not ILoopOperation)
        {
            scope = scope.Parent;
        }

        return scope is not null && new[] { parts.Start, parts.Length }.All(e => e is null || IsStableIn(e, scope));
    }

    /// <summary>A pure integer expression whose every variable nothing in <paramref name="scope"/> writes.</summary>
    private static bool IsStableIn(IOperation expression, IOperation scope)
        => IsPure(expression) && expression.DescendantsAndSelf().All(o => o switch
        {
            ILocalReferenceOperation l => !IsWrittenIn(scope, l.Local),
            IParameterReferenceOperation p => !IsWrittenIn(scope, p.Parameter),
            IPropertyReferenceOperation { Property.Name: "Length", Instance.Type: IArrayTypeSymbol or INamedTypeSymbol { IsRefLikeType: true } } => true,
            IFieldReferenceOperation { Field.IsConst: true } => true,
            IFieldReferenceOperation or IPropertyReferenceOperation or IArrayElementReferenceOperation => false,
            _ => true,
        });

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
    /// What <paramref name="value"/> views and where: <c>w.AsSpan(s, n)</c>, <c>w.AsSpan(s)</c>, <c>w.AsSpan()</c>,
    /// <c>w.Slice(s, n)</c>, <c>w.Slice(s)</c>, <c>new Span&lt;T&gt;(w, s, n)</c> or <c>w</c> itself. A null start is 0; a null
    /// length runs to the end. Null for anything else (ranges, other overloads).
    /// </summary>
    private static (IOperation Viewed, IOperation? Start, IOperation? Length)? SliceParts(IOperation value)
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

            case ILocalReferenceOperation or IParameterReferenceOperation:
                viewed = value;
                positions = System.Array.Empty<IOperation>();
                break;
            default:
                return null;
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

        return (viewed, positions.Length > 0 ? positions[0] : null, positions.Length > 1 ? positions[1] : null);
    }

    /// <summary>An array or span parameter, or a local array the method created: what a slice may view.</summary>
    private Var? ArrayBase(IOperation viewed) => viewed switch
    {
        IParameterReferenceOperation p when vars.TryGetValue(p.Parameter, out Var? v) && v.IsArray && p.Parameter.RefKind == RefKind.None => v,
        ILocalReferenceOperation => OwnedArray(viewed),
        _ => null,
    };

    /// <summary>
    /// The slice <paramref name="value"/> takes, once the slice locals are known: of an array (<see cref="ArrayBase"/>) or
    /// of another slice local (<c>Through</c>, whose start it adds to its own).
    /// </summary>
    private (Var Base, SliceAlias? Through, IOperation? Start, IOperation? Length)? SliceOf(IOperation value)
    {
        if (SliceParts(value) is not { } parts)
        {
            return null;
        }

        (IOperation viewed, IOperation? start, IOperation? length) = parts;

        if (viewed is ILocalReferenceOperation { Local: var local } && slices.TryGetValue(local, out SliceAlias? through))
        {
            return (through.Base, through, start, length);
        }

        return ArrayBase(viewed) is Var @base ? (@base, null, start, length) : null;
    }

    /// <summary>
    /// <c>row = w.AsSpan(s, n)</c>: the start and the length, with the check the slice itself would make. A slice of a
    /// slice local (<c>r = r.Slice(1)</c>) checks against that local's length and adds its start.
    /// </summary>
    private void LowerSliceAssignment(SliceAlias slice, IOperation value, SyntaxNode syntax)
    {
        (Var _, SliceAlias? through, IOperation? startOperation, IOperation? lengthOperation) = SliceOf(value)!.Value;
        var none = new List<Var>();
        if (slice.Start is null)
        {
            // Written in place (see InPlace): only the check the slice itself would make stays here.
            OpaqueExpr at = startOperation is null ? new OpaqueExpr(new Code("0", Code.Primary), NumKind.Other, none) : Index(startOperation);
            slice.StartInline = at;
            slice.LengthInline = lengthOperation is not null
                ? Index(lengthOperation)
                : new OpaqueExpr(
                    startOperation is null ? new Code(slice.Base.Name + ".Length", Code.Primary) : new Code(slice.Base.Name + ".Length - " + at.Code.At(Code.Additive + 1), Code.Additive),
                    NumKind.Other,
                    new List<Var>(at.Reads));
            if (startOperation is not null)
            {
                var inPlaceCheck = new Code(SliceBoundsType + ".Check(" + slice.Base.Name + ".Length, " + at.Code.Text + ", " + slice.LengthInline.Code.Text + ")", Code.Primary);
                current.Add(new ForwardOnlyStmt(inPlaceCheck, exits: false, at.Reads.Concat(slice.LengthInline.Reads).ToList(), null, null) { IsCheck = true });
            }

            return;
        }

        if (through is null && startOperation is null && lengthOperation is null)
        {
            // The whole array.
            Assign(slice.Start, new OpaqueExpr(new Code("0", Code.Primary), NumKind.Other, none), syntax);
            Assign(slice.Length!, new OpaqueExpr(new Code(slice.Base.Name + ".Length", Code.Primary), NumKind.Other, none), null);
            return;
        }

        // The offset and the length within what is viewed, in locals of their own when they are expressions (each is
        // read more than once below, and the viewed slice may be the one being assigned).
        OpaqueExpr offset = startOperation is null ? new OpaqueExpr(new Code("0", Code.Primary), NumKind.Other, none) : Held(Index(startOperation), "_sliceOffset");
        OpaqueExpr viewedLength = through is null
            ? new OpaqueExpr(new Code(slice.Base.Name + ".Length", Code.Primary), NumKind.Other, none)
            : through.LengthValue;
        bool whole = offset.Code.Text == "0" && lengthOperation is null;
        OpaqueExpr length = lengthOperation is not null
            ? Held(Index(lengthOperation), "_sliceCount")
            : whole
                ? viewedLength
                : Held(new OpaqueExpr(new Code(viewedLength.Code.Text + " - " + offset.Code.At(Code.Additive + 1), Code.Additive), NumKind.Other, viewedLength.Reads.Concat(offset.Reads).ToList()), "_sliceCount");
        if (!whole)
        {
            var check = new Code(SliceBoundsType + ".Check(" + viewedLength.Code.Text + ", " + offset.Code.Text + ", " + length.Code.Text + ")", Code.Primary);
            current.Add(new ForwardOnlyStmt(check, exits: false, viewedLength.Reads.Concat(offset.Reads).Concat(length.Reads).ToList(), null, null) { IsCheck = true });
        }

        OpaqueExpr start = through is null
            ? offset
            : offset.Code.Text == "0"
                ? through.StartValue
                : new OpaqueExpr(new Code(through.StartValue.Code.At(Code.Additive) + " + " + offset.Code.At(Code.Additive), Code.Additive), NumKind.Other, offset.Reads.Concat(through.StartValue.Reads).ToList());
        Assign(slice.Start, start, syntax);
        Assign(slice.Length!, length, null);

        void Assign(Var target, OpaqueExpr e, SyntaxNode? at)
        {
            target.AssignSites++;
            current.Add(new AssignStmt(target, e, at));
        }
    }

    /// <summary>A constant or a single variable as is; anything else evaluated once into a new int local.</summary>
    private OpaqueExpr Held(OpaqueExpr e, string prefix)
    {
        if (e.Reads.Count == 0 && int.TryParse(e.Code.Text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _)
            || e.Reads.Count == 1 && e.Code.Text == e.Reads[0].Name && e.Reads[0].Role != VarRole.Temp)
        {
            return e;
        }

        var held = new Var(names.Next(prefix), "int", NumKind.Other, VarRole.Local);
        Variables.Add(held);
        held.AssignSites++;
        current.Add(new AssignStmt(held, e, null));
        return new OpaqueExpr(new Code(held.Name, Code.Primary), NumKind.Other, new List<Var> { held });
    }

    /// <summary>
    /// <c>row[j]</c> of a slice: the base and <c>start + j</c>. Unless a loop header proves <c>j</c> inside the slice,
    /// a check that throws as the span's indexer would goes before the statement (the forward sweep checks each
    /// index once; the reverse sweep replays the same indices).
    /// </summary>
    /// <remarks>
    /// Adds to the current statements (the check, or the start and length of a slice expression) when it returns a
    /// result: callers match on it only where the element is then lowered, or where the statement is refused anyway.
    /// </remarks>
    private (Var Array, OpaqueExpr Index)? SliceElement(IOperation instance, IOperation index)
    {
        ILocalSymbol? local = null;
        SliceAlias? slice;
        if (instance is ILocalReferenceOperation { Local: var named })
        {
            if (!slices.TryGetValue(named, out slice))
            {
                return null;
            }

            local = named;
        }
        else if (instance is IParameterReferenceOperation || SliceOf(instance) is null || (slice = SliceArgument(instance)) is null)
        {
            // (An element of a slice expression, w.AsSpan(1)[0], takes its slice first.)
            return null;
        }

        OpaqueExpr position = Index(index);
        bool constantInside = index.ConstantValue is { HasValue: true, Value: int c } && c >= 0 && c < slice.ConstantLength;
        if (!constantInside && (local is null || !IsWithinSlice(index, local, slice)))
        {
            var check = new Code(SliceBoundsType + ".Index(" + position.Code.Text + ", " + slice.LengthValue.Code.Text + ")", Code.Primary);
            bool repeated = false;
            for (int k = current.Count - 1; k >= 0 && current[k] is ForwardOnlyStmt { IsCheck: true } previous; k--)
            {
                repeated |= previous.Code.Text == check.Text;
            }

            if (!repeated)
            {
                current.Add(new ForwardOnlyStmt(check, exits: false, position.Reads.Concat(slice.LengthValue.Reads).ToList(), null, null) { IsCheck = true });
            }
        }

        OpaqueExpr start = slice.StartValue;
        var reads = position.Reads.Concat(start.Reads).ToList();
        Code element = position.Code.Text == "0"
            ? start.Code
            : start.Code.Text == "0"
                ? position.Code
                : new Code(start.Code.At(Code.Additive) + " + " + position.Code.At(Code.Additive), Code.Additive);
        return (slice.Base, new OpaqueExpr(element, NumKind.Other, reads));
    }

    /// <summary>
    /// <c>j</c> is the counter of an enclosing <c>for (int j = c; j &lt; row.Length; j++)</c> (c a non-negative
    /// constant, <c>j</c> written only by its step, <c>row</c> not reassigned in the loop): always inside the slice.
    /// </summary>
    private static bool IsWithinSlice(IOperation index, ILocalSymbol slice, SliceAlias alias)
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
            // j < row.Length, j < d (every slice of row takes d, a parameter never assigned), or j < c (c at most its constant length).
            bool boundIsLength = loop.Condition is IBinaryOperation { OperatorKind: BinaryOperatorKind.LessThan, OperatorMethod: null } comparison
                                 && IsLocal(comparison.LeftOperand, counter)
                                 && (comparison.RightOperand is IPropertyReferenceOperation { Property.Name: "Length", Instance: var instance } && IsLocal(instance, slice)
                                     || comparison.RightOperand is IParameterReferenceOperation bound && alias.LengthParameter is not null
                                        && SymbolEqualityComparer.Default.Equals(bound.Parameter, alias.LengthParameter)
                                     || comparison.RightOperand.ConstantValue is { HasValue: true, Value: int c } && c <= alias.ConstantLength);
            return boundIsLength && IsNonNegativeCounter(loop, counter) && !IsWrittenIn(loop, slice);
        }

        return false;
    }

    /// <summary>
    /// <paramref name="counter"/> of <c>for (int c = start; ...; c++)</c> (or <c>c += k</c>, k &gt; 0), written only by
    /// its step, with a start that is never negative: a non-negative constant, an enclosing such counter, or a sum of
    /// those (<c>j = i + 1</c> under <c>for (int i = 0; ...; i++)</c>).
    /// </summary>
    private static bool IsNonNegativeCounter(IForLoopOperation loop, ILocalSymbol counter)
    {
        IOperation? step = loop.AtLoopBottom.Length == 1 ? loop.AtLoopBottom[0] is IExpressionStatementOperation e ? e.Operation : loop.AtLoopBottom[0] : null;
        bool ascends = step is IIncrementOrDecrementOperation { Kind: OperationKind.Increment, Target: ILocalReferenceOperation t } && SymbolEqualityComparer.Default.Equals(t.Local, counter)
                       || step is ICompoundAssignmentOperation { OperatorKind: BinaryOperatorKind.Add, Target: ILocalReferenceOperation u, Value.ConstantValue: { HasValue: true, Value: int k } }
                          && k > 0 && SymbolEqualityComparer.Default.Equals(u.Local, counter);
        IOperation? start = loop.Before.SelectMany(b => b.DescendantsAndSelf()).OfType<IVariableDeclaratorOperation>()
            .Where(d => SymbolEqualityComparer.Default.Equals(d.Symbol, counter)).Select(Initializer).FirstOrDefault();
        return ascends && start is not null && !IsWrittenIn(loop.Body, counter) && IsNonNegative(start, loop);
    }

    /// <summary>A non-negative constant, a counter of a loop around <paramref name="at"/> that never goes negative, or a sum of those.</summary>
    private static bool IsNonNegative(IOperation value, IOperation at) => value switch
    {
        { ConstantValue: { HasValue: true, Value: int c } } => c >= 0,
        IBinaryOperation { OperatorKind: BinaryOperatorKind.Add, OperatorMethod: null } sum => IsNonNegative(sum.LeftOperand, at) && IsNonNegative(sum.RightOperand, at),
        ILocalReferenceOperation { Local: var local } => EnclosingLoopOf(at, local) is IForLoopOperation outer && IsNonNegativeCounter(outer, local),
        _ => false,
    };

    /// <summary>The for loop around <paramref name="at"/> (not counting <paramref name="at"/> itself) that declares <paramref name="counter"/>.</summary>
    private static IForLoopOperation? EnclosingLoopOf(IOperation at, ILocalSymbol counter)
    {
        for (IOperation? o = at.Parent; o is not null; o = o.Parent)
        {
            if (o is IForLoopOperation loop && loop.Locals.Contains(counter, SymbolEqualityComparer.Default))
            {
                return loop;
            }
        }

        return null;
    }

    /// <summary>
    /// <c>foreach (var v in row)</c> over a slice: <c>for (_i = 0; _i &lt; length; _i++) { v = base[start + _i]; body }</c>.
    /// </summary>
    private bool TryLowerForEachOverSlice(IForEachLoopOperation loop, IVariableDeclaratorOperation control)
    {
        IOperation collection = loop.Collection is IConversionOperation conversion ? conversion.Operand : loop.Collection;
        SliceAlias? slice;
        if (collection is ILocalReferenceOperation { Local: var local })
        {
            if (!slices.TryGetValue(local, out slice))
            {
                return false;
            }

            if (slice.Start is not null && IsWrittenIn(loop.Body, local))
            {
                // (A slice written in place is assigned once, where it is declared: never in a loop body that reads it.)
                // foreach walks the span it started with: the body's reassignments do not change it.
                slice = new SliceAlias(slice.Base, Copy(slice.Start), Copy(slice.Length!), baseIsSpan: false);
            }
        }
        else if (collection is IParameterReferenceOperation || SliceOf(collection) is null || (slice = SliceArgument(collection)) is null)
        {
            // (foreach over w.AsSpan(1) takes its slice first.)
            return false;
        }

        OpaqueExpr first = slice.StartValue;
        SliceAlias walked = slice;
        LowerForEach(loop, control, slice.LengthValue, (index, _) => new ElemExpr(walked.Base,
            new OpaqueExpr(new Code(first.Code.At(Code.Additive) + " + " + index.Name, Code.Additive), NumKind.Other, new List<Var>(first.Reads) { index })));
        return true;
    }

    /// <summary>A new int local holding the current value of <paramref name="v"/>.</summary>
    private Var Copy(Var v)
    {
        var copy = new Var(names.Next(v.Name + "At"), "int", NumKind.Other, VarRole.Local);
        Variables.Add(copy);
        copy.AssignSites++;
        current.Add(new AssignStmt(copy, new OpaqueExpr(new Code(v.Name, Code.Primary), NumKind.Other, new List<Var> { v }), null));
        return copy;
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
