using System.Collections.Generic;
using System.Linq;
using AutoDiffGen.Generator.Helpers;
using AutoDiffGen.Generator.Models;

namespace AutoDiffGen.Generator.Analysis;

/// <summary>
/// Sweep fusion: a loop whose iterations are independent in the reverse sweep runs its forward and reverse bodies
/// one after the other in each iteration, in the forward sweep, instead of replaying the whole loop backwards later.
/// </summary>
/// <remarks>
/// <para>
/// A loop qualifies when the reverse of one iteration needs nothing from the reverse of the next: every value the
/// loop carries from one iteration to the next is an accumulator <c>s += e</c> that the loop reads nowhere else (its
/// adjoint is the same in every reversed iteration), and every other variable it writes is overwritten in each
/// iteration before it is read (locals, and local arrays overwritten whole by a counted loop or a vector-valued call).
/// </para>
/// <para>
/// The accumulators' adjoints at the loop's exit must be known before the loop runs: the statements after the loop
/// use them only linearly with coefficients fixed before the loop (<c>return s</c>, <c>return c + s - n * t</c>), so
/// the adjoint is the seed times a coefficient. It is set before the loop and reset after it, and the ordinary
/// reverse sweep of the statements after the loop computes it again for the statements before the loop.
/// </para>
/// <para>
/// This is the pass structure of a hand-written adjoint (value and gradient of each term together): one sweep over
/// the data instead of two, and nothing recorded across iterations (the tape holds at most one iteration).
/// </para>
/// </remarks>
internal sealed partial class AdjointBuilder
{
    private readonly HashSet<LoopStmt> fused = new();

    /// <summary>The loop depth of the body of the fused loop being built (-1 outside one, or inside one of its branches).</summary>
    private int fusedLevel = -1;

    /// <summary>
    /// Building a statement directly in a fused body: it runs once per iteration and its reverse runs later in the
    /// same iteration and scope, so what it keeps for the reverse (intermediates, old values, branch decisions,
    /// inner loops' counts) stays in locals instead of going on the tape or being recomputed.
    /// </summary>
    private bool AtFusedTop => fusedLevel > 0 && loopDepth == fusedLevel;
    private readonly HashSet<CodeNode> prologueAssignments = new();

    /// <summary>Assignments directly in the body of a fused loop: each runs once per iteration.</summary>
    private readonly HashSet<AssignStmt> fusedTopStatements = new();

    /// <summary>The accumulation statements of fused loops: never saved inside the loop.</summary>
    private readonly Dictionary<AssignStmt, LoopStmt> fusedAccumulations = new();

    /// <summary>Accumulators whose value before a fused loop the reverse sweep reads: saved before the loop, restored at its place in the reverse sweep.</summary>
    private readonly List<(LoopStmt Loop, Var Accumulator, string Save)> accumulatorSaves = new();
    private readonly Dictionary<LoopStmt, List<(Var Accumulator, Code Adjoint)>> exitAdjoints = new();

    /// <summary>Finds the fusable loops among the unconditionally reached statements (top level and top-level if branches).</summary>
    private void FindFusable(List<Stmt> body, Var result)
    {
        if (!result.Active || result.Adjoint is null)
        {
            return;
        }

        Visit(body, new List<Stmt>(), new List<Stmt>());

        void Visit(List<Stmt> statements, List<Stmt> before, List<Stmt> outerTail)
        {
            for (int i = 0; i < statements.Count; i++)
            {
                var tail = statements.Skip(i + 1).Concat(outerTail).ToList();
                switch (statements[i])
                {
                    case LoopStmt loop:
                        if (TryFuse(loop, before, tail, result, out List<(Var, Code)>? exits))
                        {
                            fused.Add(loop);
                            exitAdjoints[loop] = exits!;
                            fusedTopStatements.UnionWith(loop.Body.Take(loop.Body.Count - loop.Increment.Count).OfType<AssignStmt>());
                            var accumulators = new HashSet<Var>(exits!.Select(e => e.Item1));
                            Stmt.Walk(loop.Body, s =>
                            {
                                if (s is AssignStmt a && accumulators.Contains(a.Target))
                                {
                                    fusedAccumulations[a] = loop;
                                }
                            });
                        }

                        break;
                    case IfStmt branch:
                        Visit(branch.Then, new List<Stmt>(before), tail);
                        Visit(branch.Else, new List<Stmt>(before), tail);
                        break;
                }

                before.Add(statements[i]);
            }
        }
    }

    private bool TryFuse(LoopStmt loop, List<Stmt> before, List<Stmt> tail, Var result, out List<(Var, Code)>? exits)
    {
        exits = null;
        if (loop.Counter is null || loop.BreakFlag is not null || loop.ReturnFlag is not null || loop.Increment.Count == 0
            || loop.Body.Count < loop.Increment.Count
            || !loop.Increment.SequenceEqual(loop.Body.Skip(loop.Body.Count - loop.Increment.Count)))
        {
            return false;
        }

        var loopStatements = new List<Stmt> { loop };
        var written = new HashSet<Var>();
        var arraysWritten = new HashSet<Var>();
        bool unsupported = false;
        Stmt.Walk(loopStatements, s =>
        {
            switch (s)
            {
                case AssignStmt { IsArrayCreation: true }:
                    unsupported = true;
                    break;
                case AssignStmt a when a.Target.IsArray:
                    arraysWritten.Add(a.Target);
                    break;
                case AssignStmt a:
                    written.Add(a.Target);
                    break;
                case ForwardOnlyStmt f when !f.Exits && f.Reads.Any(v => v.IsArray || v.Active):
                    // A call that may write an array or reads active values: its effect is not modelled.
                    unsupported = true;
                    break;
            }
        });
        if (unsupported || written.Contains(result))
        {
            return false;
        }

        // Accumulators: every write is s = s ± terms without another read of s, and the loop reads s nowhere else.
        var accumulators = new List<Var>();
        foreach (Var v in written)
        {
            if (!v.Active || !v.IsScalar)
            {
                continue;
            }

            bool accumulates = true;
            Stmt.Walk(loopStatements, s =>
            {
                if (OwnReads(s).Contains(v) && !(s is AssignStmt a && a.Target == v && a.Index is null && TryAccumulation(v, a.Value, out _)))
                {
                    accumulates = false;
                }

                if (s is AssignStmt w && w.Target == v && !(w.Index is null && TryAccumulation(v, w.Value, out _)))
                {
                    accumulates = false;
                }
            });
            if (accumulates)
            {
                accumulators.Add(v);
            }
        }

        var carried = new HashSet<Var>(written);
        carried.ExceptWith(accumulators);
        carried.Remove(loop.Counter);
        if (loop.ContinueFlag is not null)
        {
            carried.Remove(loop.ContinueFlag);
        }

        HashSet<Var> tailReads = AllReads(tail);
        HashSet<Var> tailWrites = AllWrites(tail);

        // Everything else the loop writes is overwritten in each iteration before it is read, and dead after the loop.
        if (carried.Overlaps(tailReads) || arraysWritten.Overlaps(tailReads) || (loop.Condition is not null && carried.Overlaps(loop.Condition.Reads)))
        {
            return false;
        }

        var assigned = new HashSet<Var>();
        if (Exposed(loop.Body, assigned, carried))
        {
            return false;
        }

        foreach (Var array in arraysWritten)
        {
            if (!OverwrittenBeforeRead(loop.Body, array))
            {
                return false;
            }
        }

        // The adjoints the loop sends to values from before it must not be reset or rescaled by the statements after
        // it (their reverse runs first in the ordinary order).
        HashSet<Var> loopReads = AllReads(loopStatements);
        if (loopReads.Any(v => v.Active && !written.Contains(v) && !arraysWritten.Contains(v) && tailWrites.Contains(v)))
        {
            return false;
        }

        if (!TryExitAdjoints(accumulators, tail, before, result, out Dictionary<Var, Code>? adjoints))
        {
            return false;
        }

        exits = accumulators.OrderBy(v => v.Name, System.StringComparer.Ordinal)
                            .Select(v => (v, adjoints!.TryGetValue(v, out Code c) ? c : new Code("0", Code.Primary)))
                            .ToList();
        return true;
    }

    /// <summary>
    /// Whether a variable of <paramref name="tracked"/> may be read in an iteration before the iteration writes it
    /// (its value would come from the previous iteration). Inner loops may run zero times: what they assign does not
    /// count after them.
    /// </summary>
    private static bool Exposed(List<Stmt> statements, HashSet<Var> assigned, HashSet<Var> tracked)
    {
        bool ReadsUnassigned(IEnumerable<Var> reads) => reads.Any(v => tracked.Contains(v) && !assigned.Contains(v));
        foreach (Stmt s in statements)
        {
            switch (s)
            {
                case AssignStmt a:
                {
                    var reads = new HashSet<Var>();
                    ExprReads(a.Value, reads);
                    if (a.Index is not null)
                    {
                        reads.UnionWith(a.Index.Reads);
                    }

                    if (ReadsUnassigned(reads))
                    {
                        return true;
                    }

                    if (a.Index is null)
                    {
                        assigned.Add(a.Target);
                    }

                    break;
                }

                case IfStmt i:
                {
                    if (ReadsUnassigned(i.Condition.Reads))
                    {
                        return true;
                    }

                    var then = new HashSet<Var>(assigned);
                    var @else = new HashSet<Var>(assigned);
                    if (Exposed(i.Then, then, tracked) || Exposed(i.Else, @else, tracked))
                    {
                        return true;
                    }

                    then.IntersectWith(@else);
                    assigned.UnionWith(then);
                    break;
                }

                case LoopStmt l:
                    if ((l.Condition is not null && ReadsUnassigned(l.Condition.Reads)) || Exposed(l.Body, new HashSet<Var>(assigned), tracked))
                    {
                        return true;
                    }

                    break;
                case ForwardOnlyStmt f:
                    if (ReadsUnassigned(f.Reads))
                    {
                        return true;
                    }

                    break;
            }
        }

        return false;
    }

    /// <summary>
    /// A local array the loop writes: at the top level of the body, every statement that reads it comes after one
    /// that overwrites it whole: a vector-valued call into it, or a counted loop <c>for (j = 0; j &lt; n; j++)</c>
    /// over its pooled length that assigns <c>a[j]</c> unconditionally and reads nothing of <c>a</c>; or it is read
    /// only inside nested loops whose bodies satisfy the same rule, and not after them.
    /// </summary>
    private bool OverwrittenBeforeRead(List<Stmt> body, Var array)
    {
        foreach (Stmt s in body)
        {
            if (s is AssignStmt { IsVectorCall: true } call && call.Target == array && !Reads(call.Value, array))
            {
                return true;
            }

            if (s is LoopStmt l && OverwritesWhole(l, array))
            {
                return true;
            }

            if (s is LoopStmt local && BlockLocal(local, array))
            {
                // Each iteration fills its own block before reading it; later statements must not read the array.
                continue;
            }

            if (s is LoopStmt nested && OverwrittenBeforeRead(nested.Body, array))
            {
                // Each iteration of a nested loop overwrites the array before reading it (a scratch buffer refilled
                // per component); later statements must not read it, since the nested loop may run no iteration.
                continue;
            }

            if (AllReads(new List<Stmt> { s }).Contains(array))
            {
                return false;
            }
        }

        // Written but never read in the loop: nothing flows between iterations.
        return true;
    }

    private static bool OverwritesWhole(LoopStmt l, Var array)
    {
        if (l.Counter is null || l.Step != 1 || l.Comparison != "<" || l.Start?.Code.Text != "0" || l.Bound is null
            || l.BreakFlag is not null || l.ContinueFlag is not null || l.ReturnFlag is not null || !array.IsPooled)
        {
            return false;
        }

        string bound = l.Bound.Code.Text;
        bool stableLength = array.PoolLength!.Reads.All(v => v.IsFixedParameter);
        if (!(bound == array.Name + ".Length" || (stableLength && bound == array.PoolLength.Code.Text)))
        {
            return false;
        }

        return l.Body.Any(s => s is AssignStmt { Index: not null } a && a.Target == array && a.Index.Code.Text == l.Counter.Name)
               && !AllReads(l.Body).Contains(array);
    }

    /// <summary>
    /// The adjoint of each accumulator at the loop's exit, as code valid before the loop: the statements after the
    /// loop (the tail) must use the accumulators, and what is computed from them, only in top-level assignments that
    /// are linear in them with coefficients fixed before the loop.
    /// </summary>
    private static bool TryExitAdjoints(List<Var> accumulators, List<Stmt> tail, List<Stmt> before, Var result, out Dictionary<Var, Code>? adjoints)
    {
        adjoints = null;
        var stable = new HashSet<Var>(before.OfType<AssignStmt>()
                                            .Where(a => a.Index is null && !a.Target.IsArray && a.Target.AssignSites == 1)
                                            .Select(a => a.Target));
        var tainted = new HashSet<Var>(accumulators);
        foreach (Stmt s in tail)
        {
            if (s is AssignStmt { Index: null, IsVectorCall: false } a && a.Target.IsScalar)
            {
                var reads = new HashSet<Var>();
                ExprReads(a.Value, reads);
                if (reads.Overlaps(tainted))
                {
                    tainted.Add(a.Target);
                }

                continue;
            }

            var touched = AllReads(new List<Stmt> { s });
            touched.UnionWith(AllWrites(new List<Stmt> { s }));
            if (touched.Contains(result) || touched.Overlaps(tainted))
            {
                return false;
            }
        }

        var adjoint = new Dictionary<Var, Code> { [result] = new Code(result.Adjoint!, Code.Primary) };
        for (int i = tail.Count - 1; i >= 0; i--)
        {
            if (tail[i] is not AssignStmt { Index: null } a || !a.Target.IsScalar || !adjoint.TryGetValue(a.Target, out Code old))
            {
                continue;
            }

            var reads = new HashSet<Var>();
            ExprReads(a.Value, reads);
            adjoint.Remove(a.Target);
            if (!reads.Overlaps(tainted))
            {
                continue;
            }

            var terms = new List<(Expr Term, bool Negated)>();
            Flatten(a.Value, false, terms);
            foreach ((Expr term, bool negated) in terms)
            {
                var termReads = new HashSet<Var>();
                ExprReads(term, termReads);
                if (!termReads.Overlaps(tainted))
                {
                    continue;
                }

                if (!TryLinearTerm(term, negated, tainted, stable, out Var? v, out bool minus, out char op, out Code coefficient))
                {
                    return false;
                }

                Code contribution = coefficient.Text == "1" ? old : new Code(old.At(Code.Multiplicative) + " " + op + " " + coefficient.At(Code.Multiplicative + 1), Code.Multiplicative);
                if (adjoint.TryGetValue(v!, out Code sum))
                {
                    adjoint[v!] = new Code(sum.At(Code.Additive) + (minus ? " - " : " + ") + contribution.At(Code.Additive + 1), Code.Additive);
                }
                else
                {
                    adjoint[v!] = minus ? contribution.Prefix("-") : contribution;
                }
            }
        }

        adjoints = adjoint;
        return true;
    }

    /// <summary>A term <c>v</c>, <c>-v</c>, <c>c * v</c>, <c>v * c</c> or <c>v / c</c> with <c>c</c> fixed before the loop.</summary>
    private static bool TryLinearTerm(Expr term, bool negated, HashSet<Var> tainted, HashSet<Var> stable, out Var? v, out bool minus, out char op, out Code coefficient)
    {
        v = null;
        minus = negated;
        op = '*';
        coefficient = new Code("1", Code.Primary);
        switch (term)
        {
            case VarExpr ve when tainted.Contains(ve.Var):
                v = ve.Var;
                return true;
            case NegExpr n:
                return TryLinearTerm(n.Operand, !negated, tainted, stable, out v, out minus, out op, out coefficient);
            case BinaryExpr { Op: '*', Left: VarExpr l } b when tainted.Contains(l.Var) && IsCoefficient(b.Right, tainted, stable):
                v = l.Var;
                coefficient = PrintPlain(b.Right);
                return true;
            case BinaryExpr { Op: '*', Right: VarExpr r } b when tainted.Contains(r.Var) && IsCoefficient(b.Left, tainted, stable):
                v = r.Var;
                coefficient = PrintPlain(b.Left);
                return true;
            case BinaryExpr { Op: '/', Left: VarExpr l } b when tainted.Contains(l.Var) && IsCoefficient(b.Right, tainted, stable):
                v = l.Var;
                op = '/';
                coefficient = PrintPlain(b.Right);
                return true;
            default:
                return false;
        }
    }

    /// <summary>A value fixed before the loop: constants, unassigned parameters, locals assigned once before it.</summary>
    private static bool IsCoefficient(Expr e, HashSet<Var> tainted, HashSet<Var> stable)
    {
        bool Fixed(Var v) => !tainted.Contains(v) && !v.IsArray && (stable.Contains(v) || (v.Role == VarRole.Parameter && v.AssignSites == 0));
        return e switch
        {
            LitExpr => true,
            VarExpr v => Fixed(v.Var),
            // An input's .Length is fixed too (return s / x.Length).
            OpaqueExpr o => o.Reads.All(v => v.IsArray ? v.Role == VarRole.Parameter && OnlyLength(o.Code.Text, v.Name) : Fixed(v)),
            NegExpr n => IsCoefficient(n.Operand, tainted, stable),
            ConvertExpr c => IsCoefficient(c.Operand, tainted, stable),
            BinaryExpr b => IsCoefficient(b.Left, tainted, stable) && IsCoefficient(b.Right, tainted, stable),
            CallExpr c => c.Args.All(a => IsCoefficient(a, tainted, stable)),
            _ => false,
        };
    }

    /// <summary>An expression printed from its operands, ignoring the temporaries planning attached to it.</summary>
    private static Code PrintPlain(Expr e) => PrintDefinition(e, PrintPlain);

    /// <summary>What one statement reads itself (not what nested statements read).</summary>
    private static HashSet<Var> OwnReads(Stmt s)
    {
        var reads = new HashSet<Var>();
        switch (s)
        {
            case AssignStmt a:
                ExprReads(a.Value, reads);
                if (a.Index is not null)
                {
                    reads.UnionWith(a.Index.Reads);
                }

                break;
            case IfStmt i:
                reads.UnionWith(i.Condition.Reads);
                break;
            case LoopStmt l when l.Condition is not null:
                reads.UnionWith(l.Condition.Reads);
                break;
            case ForwardOnlyStmt f:
                reads.UnionWith(f.Reads);
                break;
        }

        return reads;
    }

    private static HashSet<Var> AllReads(List<Stmt> statements)
    {
        var all = new HashSet<Var>();
        Stmt.Walk(statements, s =>
        {
            all.UnionWith(OwnReads(s));
        });
        return all;
    }

    private static HashSet<Var> AllWrites(List<Stmt> statements)
    {
        var all = new HashSet<Var>();
        Stmt.Walk(statements, s =>
        {
            switch (s)
            {
                case AssignStmt a:
                    all.Add(a.Target);
                    break;
                case ForwardOnlyStmt f:
                    // A forward-only call may write the arrays it mentions.
                    all.UnionWith(f.Reads.Where(v => v.IsArray));
                    break;
            }
        });
        return all;
    }

    private static void ExprReads(Expr e, HashSet<Var> into)
    {
        switch (e)
        {
            case VarExpr v:
                into.Add(v.Var);
                break;
            case OpaqueExpr o:
                into.UnionWith(o.Reads);
                break;
            case ElemExpr el:
                into.Add(el.Array);
                into.UnionWith(el.Index.Reads);
                break;
            default:
                foreach (Expr child in Expr.Children(e))
                {
                    ExprReads(child, into);
                }

                break;
        }
    }

    /// <summary>
    /// A fused loop: the exit adjoints of its accumulators, then per iteration the forward body and the reverse body
    /// (each in its own block, so their temporaries do not clash), then the counter step; the accumulators' adjoints
    /// are reset after the loop (the ordinary reverse sweep of the statements after the loop sets them again).
    /// </summary>
    private void BuildFused(LoopStmt loop, List<CodeNode> forward, List<CodeNode> reverse)
    {
        List<Stmt> statements = loop.Body.Take(loop.Body.Count - loop.Increment.Count).ToList();
        loopDepth++;
        int level = fusedLevel;
        fusedLevel = loopDepth;
        prologues.Push(new List<CodeNode>());
        (List<CodeNode> bodyForward, List<CodeNode> bodyReverse) = Build(statements);
        List<CodeNode> prologue = prologues.Pop();
        (List<CodeNode> step, List<CodeNode> _) = Build(loop.Increment);
        fusedLevel = level;
        loopDepth--;
        if (bodyReverse.Count > 0)
        {
            // Locals recomputed at the start of a reversed iteration still hold their value here.
            bodyReverse.InsertRange(0, prologue.Where(line => !prologueAssignments.Contains(line)));
        }

        List<(Var Accumulator, Code Adjoint)> exits = exitAdjoints[loop];
        string header = loop.Syntax is null ? "loop" : FirstLine(loop.Syntax);
        forward.Add(CodeNode.Line("// " + header));
        forward.Add(CodeNode.Line("// One pass: each iteration runs forward, then in reverse" + (exits.Count == 0
            ? "."
            : "; the adjoint of " + string.Join(", ", exits.Select(e => e.Accumulator.Name)) + " at the loop's exit is known before it.")));
        foreach ((Var accumulator, Code adjoint) in exits)
        {
            forward.Add(CodeNode.Line(accumulator.Adjoint + " = " + adjoint.Text + ";"));
        }

        foreach ((LoopStmt _, Var accumulator, string save) in accumulatorSaves.Where(e => e.Loop == loop))
        {
            forward.Add(CodeNode.Line(save + " = " + accumulator.Name + ";"));
            if (loop.Syntax is not null)
            {
                reverse.Add(CodeNode.Line("// " + header + ": fused, " + accumulator.Name + " back to its value before the loop"));
            }

            reverse.Add(CodeNode.Line(accumulator.Name + " = " + save + ";"));
        }

        var body = new List<CodeNode>();
        if (loop.ContinueFlag is not null)
        {
            body.Add(CodeNode.Line(loop.ContinueFlag.Name + " = false;"));
        }

        // One scope: the reverse half reads the forward half's locals (intermediates, old values, decisions) and
        // the views of this iteration's blocks.
        body.AddRange(ViewDeclarations(loop, bodyForward.Concat(bodyReverse)));
        body.AddRange(bodyForward);
        if (bodyReverse.Count > 0)
        {
            body.Add(CodeNode.Line("// Reverse of this iteration"));
            body.AddRange(bodyReverse);
        }

        body.AddRange(step);
        string condition = loop.Condition?.Code.Text ?? "true";
        if (loop.TestFirst)
        {
            forward.Add(CodeNode.Block("while (" + condition + ")", body.ToEquatableArray()));
        }
        else
        {
            forward.Add(new CodeNode("do", body.ToEquatableArray(), true));
            forward.Add(CodeNode.Line("while (" + condition + ");"));
        }

        foreach ((Var accumulator, Code _) in exits)
        {
            forward.Add(CodeNode.Line(accumulator.Adjoint + " = 0;"));
        }
    }
}
