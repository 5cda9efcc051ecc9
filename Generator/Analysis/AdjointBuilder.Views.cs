using System.Collections.Generic;
using System.Linq;
using AutoDiffGen.Generator.Models;

namespace AutoDiffGen.Generator.Analysis;

/// <summary>
/// Block views: inside a counted loop over <c>c</c>, an array used only through elements <c>a[c * B + j]</c> with
/// <c>0 &lt;= j &lt; B</c> proved (a row of a flattened matrix, a per-component buffer) is read and written through
/// <c>view[j]</c>, the view taken once per iteration of <c>c</c> in both sweeps; so is its adjoint. The compiler then
/// needs no multiplication per element, keeps fewer values live, and can drop the bounds checks of loops over
/// <c>j</c>. The view is clamped to the array, so <c>view[j]</c> throws exactly where <c>a[c * B + j]</c> would.
/// </summary>
/// <remarks>
/// An array gets a view in a loop only when every mention of it inside the loop is such an element access (no
/// whole-array use, no other index), and nothing else in the outermost enclosing loop mentions it: inside that loop
/// the view is the only name of that memory, which keeps the text-level passes that follow (register
/// accumulation, invariant reads) free of aliases.
/// </remarks>
internal sealed partial class AdjointBuilder
{
    private readonly List<ArrayView> views = new();

    /// <summary>Every block view planned, for the text-level passes that treat arrays by name.</summary>
    public IReadOnlyList<ArrayView> Views => views;

    /// <summary>Views for every counted loop, outer loops first, each judged within its outermost loop.</summary>
    private void PlanViews(List<Stmt> statements)
    {
        foreach (Stmt s in statements)
        {
            if (s is IfStmt i)
            {
                PlanViews(i.Then);
                PlanViews(i.Else);
            }
            else if (s is LoopStmt outermost)
            {
                Stmt.Walk(new List<Stmt> { outermost }, x =>
                {
                    if (x is LoopStmt { Counter: not null } l)
                    {
                        PlanLoopViews(l, outermost);
                    }
                });
            }
        }
    }

    private void PlanLoopViews(LoopStmt loop, LoopStmt top)
    {
        var inside = new List<Mention>();
        CollectMentions(loop, inside);
        var everywhere = new List<Mention>();
        CollectMentions(top, everywhere);
        string counter = loop.Counter!.Name;
        foreach (IGrouping<Var, Mention> group in inside.GroupBy(m => m.Array))
        {
            Var array = group.Key;
            List<Mention> mentions = group.ToList();
            if (array.Kind == NumKind.Other || !array.IsArray || array.Role == VarRole.Temp || ViewKind(array) is null
                || everywhere.Count(m => m.Array == array) != mentions.Count)
            {
                continue;
            }

            string? block = null;
            var offsets = new List<string>();
            foreach (Mention m in mentions)
            {
                if (m.Index is null || m.Index.Reads.Contains(array) || m.Element?.View is not null || m.Target?.View is not null
                    || !TryBlock(m.Index, counter, out string? b) || (block is not null && b != block)
                    || !TrySplitBlock(m.Index.Code.Text, counter, out _, out string? offset))
                {
                    block = null;
                    break;
                }

                block = b;
                offsets.Add(offset!);
            }

            if (block is null)
            {
                continue;
            }

            string start = counter + " * " + block;
            string name = names.Claim("_v_" + array.Name.TrimStart('_'));
            string? adjoint = array.Adjoint is null ? null : names.Claim("_v_" + array.Adjoint.TrimStart('_'));
            var view = new ArrayView(array, start, block, name, adjoint, BlocksInside(array, loop, block)) { Guard = ParameterGuard(array, loop, block) };
            loop.Views.Add(view);
            views.Add(view);
            for (int k = 0; k < mentions.Count; k++)
            {
                var access = new ViewAccess(view, offsets[k]);
                if (mentions[k].Element is ElemExpr el)
                {
                    el.View = access;
                }
                else
                {
                    mentions[k].Target!.View = access;
                }
            }
        }
    }

    /// <summary>
    /// Marks the views whose array is a scratch of the view's loop (see <see cref="ArrayView.IsScratch"/>): a local
    /// pooled array, filled block by block (<see cref="BlockLocal"/>), and mentioned nowhere outside the loop except
    /// where it is created.
    /// </summary>
    private void MarkScratchViews(List<Stmt> body)
    {
        var everywhere = new List<Mention>();
        CollectMentions(body, everywhere);
        Stmt.Walk(body, s =>
        {
            if (s is not LoopStmt loop || loop.Views.Count == 0)
            {
                return;
            }

            var inside = new List<Mention>();
            CollectMentions(new List<Stmt> { loop }, inside);
            foreach (ArrayView view in loop.Views)
            {
                Var array = view.Array;
                view.IsScratch = array.Role == VarRole.Local && array.IsPooled && array.Adjoint is not null
                    && everywhere.Count(m => m.Array == array) == inside.Count(m => m.Array == array) + Creations(body, array)
                    && BlockLocal(loop, array);
            }
        });
    }

    /// <summary>How many statements create <paramref name="array"/> (each counts as one mention).</summary>
    private static int Creations(List<Stmt> body, Var array)
    {
        int count = 0;
        Stmt.Walk(body, s => count += s is AssignStmt { IsArrayCreation: true } a && a.Target == array ? 1 : 0);
        return count;
    }

    /// <summary>
    /// Every block <c>[c * B, c * B + B)</c> the loop takes lies inside <paramref name="array"/>: a local array created
    /// once with length <c>C * B</c> (or a constant at least <c>C * B</c>), viewed in a counted loop <c>c = 0 .. C - 1</c>,
    /// where <c>C</c> and <c>B</c> read only parameters that are never assigned. Its pooled adjoint is at least as
    /// long. (Only when <c>C * B</c> overflows <c>int</c> can a block leave the array; the view then throws when taken.)
    /// </summary>
    private static bool BlocksInside(Var array, LoopStmt loop, string block)
    {
        if (array.PoolLength is not OpaqueExpr length || loop.Start is null || loop.Bound is null
            || loop.Comparison != "<" || loop.Step <= 0 || Compact(loop.Start.Code.Text) != "0")
        {
            return false;
        }

        if (!length.Reads.All(v => v.IsFixedParameter) || !loop.Bound.Reads.All(v => v.IsFixedParameter))
        {
            return false;
        }

        string c = Compact(loop.Bound.Code.Text);
        string b = Compact(block);
        string l = Compact(length.Code.Text);
        if (int.TryParse(c, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int cc)
            && int.TryParse(b, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int bb)
            && int.TryParse(l, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int ll))
        {
            return (long)cc * bb <= ll;
        }

        // B must read only what the length reads (so it, too, is stable).
        if (!AccumulationHoisting.Identifiers(block).All(id => length.Reads.Any(v => v.Name == id)))
        {
            return false;
        }

        string pc = Factor(c);
        string pb = Factor(b);
        return l == pc + "*" + pb || l == pb + "*" + pc;
    }

    /// <summary>
    /// For a parameter viewed in a counted loop <c>c = 0 .. C - 1</c> (C reading only parameters that are never
    /// assigned; B, as for every view, a positive literal or such a parameter; the array itself never assigned): the condition under which every block lies inside it,
    /// <c>B &gt;= 0 &amp;&amp; (long)C * B &lt;= x.Length</c>. Its gradient buffer has the same length (checked on entry). Null
    /// when the blocks cannot be bounded so.
    /// </summary>
    private static string? ParameterGuard(Var array, LoopStmt loop, string block)
    {
        if (array.Role != VarRole.Parameter || array.AssignSites != 0 || loop.Start is null || loop.Bound is null
            || loop.Comparison != "<" || loop.Step <= 0 || Compact(loop.Start.Code.Text) != "0"
            || !loop.Bound.Reads.All(v => v.IsFixedParameter))
        {
            return null;
        }

        string c = Compact(loop.Bound.Code.Text);
        string b = Compact(block);
        bool literal = int.TryParse(b, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _);
        string nonNull = array.Type.EndsWith("[]", System.StringComparison.Ordinal) ? array.Name + " is not null && " : string.Empty;
        string bound = IsName(c) ? c : "(" + c + ")";
        return nonNull + (literal ? string.Empty : b + " >= 0 && ") + "(long)" + bound + " * " + b + " <= " + array.Name + ".Length";
    }

    private static bool IsName(string text) => text.Length > 0 && text.All(ch => char.IsLetterOrDigit(ch) || ch == '_');

    /// <summary>The text without spaces or enclosing parentheses.</summary>
    private static string Compact(string text)
    {
        string t = text.Replace(" ", string.Empty);
        while (t.Length > 1 && t[0] == '(' && t[t.Length - 1] == ')' && Balanced(t.Substring(1, t.Length - 2)))
        {
            t = t.Substring(1, t.Length - 2);
        }

        return t;
    }

    /// <summary>A compact operand as it must appear in a product: parenthesised unless a name, a number or a product.</summary>
    private static string Factor(string compact)
    {
        int depth = 0;
        foreach (char ch in compact)
        {
            depth += ch == '(' ? 1 : ch == ')' ? -1 : 0;
            if (depth == 0 && (ch == '+' || ch == '-' || ch == '?' || ch == '<' || ch == '>' || ch == '=' || ch == '&' || ch == '|' || ch == '^' || ch == '/' || ch == '%'))
            {
                return "(" + compact + ")";
            }
        }

        return compact;
    }

    private static bool Balanced(string text)
    {
        int depth = 0;
        foreach (char ch in text)
        {
            depth += ch == '(' ? 1 : ch == ')' ? -1 : 0;
            if (depth < 0)
            {
                return false;
            }
        }

        return depth == 0;
    }

    /// <summary>How a view of <paramref name="array"/> is taken: the helper and the view's type; null if it cannot be.</summary>
    private static (string Helper, string Type)? ViewKind(Var array)
    {
        string element = BodyLowering.KindType(array.Kind);
        if (array.IsPooled || array.Type.StartsWith("global::System.Span<", System.StringComparison.Ordinal))
        {
            return ("Of", "global::System.Span<" + element + ">");
        }

        if (array.Type.StartsWith("global::System.ReadOnlySpan<", System.StringComparison.Ordinal))
        {
            return ("OfReadOnly", "global::System.ReadOnlySpan<" + element + ">");
        }

        return array.Type.EndsWith("[]", System.StringComparison.Ordinal) ? ("OfArray", "global::System.Span<" + element + ">") : null;
    }

    /// <summary>The declaration of <paramref name="view"/> (or of the view of the adjoint) at the start of an iteration.</summary>
    internal static CodeNode ViewDeclaration(ArrayView view, bool adjoint)
    {
        const string Helper = "global::AutoDiffGen.CompilerServices.BlockView.";
        string element = BodyLowering.KindType(view.Array.Kind);
        if (adjoint)
        {
            // A parameter's adjoint is the caller's gradient span; a local array's is a pooled array.
            string helper = view.Inside ? "InsideArray" : view.Array.Role == VarRole.Parameter ? "Of" : "OfArray";
            return CodeNode.Line("global::System.Span<" + element + "> " + view.AdjointName + " = " + Helper + helper + "(" + view.Array.Adjoint + ", " + view.Start + ", " + view.Size + ");");
        }

        (string h, string type) = ViewKind(view.Array)!.Value;
        if (view.Inside)
        {
            h = "Inside";
        }

        return CodeNode.Line(type + " " + view.Name + " = " + Helper + h + "(" + view.Array.Name + ", " + view.Start + ", " + view.Size + ");");
    }

    /// <summary>The declarations of the views of <paramref name="loop"/> that <paramref name="code"/> uses.</summary>
    private static List<CodeNode> ViewDeclarations(LoopStmt loop, IEnumerable<CodeNode> code)
    {
        var declarations = new List<CodeNode>();
        if (loop.Views.Count == 0)
        {
            return declarations;
        }

        var used = new HashSet<string>(System.StringComparer.Ordinal);
        CollectIdentifiers(code, used);
        foreach (ArrayView view in loop.Views)
        {
            if (used.Contains(view.Name))
            {
                declarations.Add(ViewDeclaration(view, adjoint: false));
            }

            if (view.AdjointName is not null && used.Contains(view.AdjointName))
            {
                declarations.Add(ViewDeclaration(view, adjoint: true));
            }
        }

        return declarations;
    }

    private static void CollectIdentifiers(IEnumerable<CodeNode> code, HashSet<string> into)
    {
        foreach (CodeNode node in code)
        {
            if (!node.Text.StartsWith("//", System.StringComparison.Ordinal))
            {
                into.UnionWith(AccumulationHoisting.Identifiers(node.Text));
            }

            if (node.IsBlock)
            {
                CollectIdentifiers(node.Children, into);
            }
        }
    }

    /// <summary>One mention of an array variable: an element access (read or written) or any other use (index null).</summary>
    private readonly struct Mention
    {
        public Mention(Var array, OpaqueExpr? index, ElemExpr? element, AssignStmt? target)
        {
            Array = array;
            Index = index;
            Element = element;
            Target = target;
        }

        public Var Array { get; }

        public OpaqueExpr? Index { get; }

        public ElemExpr? Element { get; }

        public AssignStmt? Target { get; }
    }

    /// <summary>Every mention of an array in <paramref name="loop"/>: its header and its body.</summary>
    private static void CollectMentions(LoopStmt loop, List<Mention> into) => CollectMentions(new List<Stmt> { loop }, into);

    /// <summary>Every mention of an array in <paramref name="statements"/>, nested ones included.</summary>
    private static void CollectMentions(List<Stmt> statements, List<Mention> into)
        => Stmt.Walk(statements, s =>
        {
            switch (s)
            {
                case AssignStmt a:
                    if (a.Target.IsArray)
                    {
                        into.Add(a.Index is not null && !a.IsVectorCall ? new Mention(a.Target, a.Index, null, a) : new Mention(a.Target, null, null, null));
                    }

                    Opaque(a.Index, into);
                    Expression(a.Value, into);
                    break;
                case IfStmt i:
                    Opaque(i.Condition, into);
                    break;
                case LoopStmt l:
                    Opaque(l.Condition, into);
                    Opaque(l.Start, into);
                    Opaque(l.Bound, into);
                    break;
                case ReturnStmt r:
                    Expression(r.Value, into);
                    break;
                case ForwardOnlyStmt f:
                    foreach (Var v in f.Reads.Where(v => v.IsArray))
                    {
                        into.Add(new Mention(v, null, null, null));
                    }

                    break;
            }
        });

    private static void Expression(Expr e, List<Mention> into)
    {
        switch (e)
        {
            case ElemExpr el:
                into.Add(new Mention(el.Array, el.Index, el, null));
                Opaque(el.Index, into);
                return;
            case VarExpr v when v.Var.IsArray:
                into.Add(new Mention(v.Var, null, null, null));
                return;
            case OpaqueExpr o:
                Opaque(o, into);
                return;
        }

        foreach (Expr child in Expr.Children(e))
        {
            Expression(child, into);
        }
    }

    private static void Opaque(OpaqueExpr? o, List<Mention> into)
    {
        if (o is null)
        {
            return;
        }

        foreach (Var v in o.Reads.Where(v => v.IsArray && !OnlyLength(o.Code.Text, v.Name)))
        {
            into.Add(new Mention(v, null, null, null));
        }
    }

    /// <summary>Loops reversed in the forward order, outermost of each nest: the running integers the nest advances.</summary>
    private readonly Dictionary<LoopStmt, List<Var>> ascendingNests = new();

    /// <summary>Loops reversed in the forward order inside such a nest.</summary>
    private readonly HashSet<LoopStmt> ascendingInner = new();

    /// <summary>Running integer updates (<c>l += 1</c>) of ascending nests: re-applied at the end of each reversed iteration, not undone.</summary>
    private readonly HashSet<AssignStmt> ascendingUpdates = new();

    /// <summary>Loops decided to be reversed in the mirror order (outermost of their nest when decided).</summary>
    private readonly HashSet<LoopStmt> mirrored = new();

    /// <summary>
    /// A nest reversed in the forward order sets its running integers itself before its reversed iterations (from
    /// their value before the nest, recorded or computed again) and leaves them at that value. A reader of such an
    /// integer inside the nest therefore never reads the value the reverse sweep restores outside it: an assignment
    /// outside every such nest whose only later readers are there (<c>l = ik * s + d</c> before the packed triangle)
    /// needs no save.
    /// </summary>
    private void DropRunningSaves()
    {
        var running = new HashSet<Var>(ascendingNests.Values.SelectMany(v => v));
        foreach (AssignStmt a in saves.Keys.Where(a => a.Index is null && !a.IsVectorCall && running.Contains(a.Target)).ToList())
        {
            Var v = a.Target;
            if (positions[a].Loops.Any(l => ascendingNests.ContainsKey(l) || ascendingInner.Contains(l))
                || NeedsSave(a, v, r => positions[r].Loops.Any(l => ascendingNests.TryGetValue(l, out List<Var>? vars) && vars.Contains(v))))
            {
                continue;
            }

            string save = saves[a];
            saves.Remove(a);
            declarations.RemoveAll(d => d.Text == v.Type + " " + save + " = default;");
        }
    }

    /// <summary>
    /// Whether the reverse of <paramref name="loop"/> runs its iterations in the forward order; decided once per nest,
    /// at its outermost loop, before the nest is built.
    /// </summary>
    private bool DecideAscending(LoopStmt loop)
    {
        if (ascendingInner.Contains(loop) || ascendingNests.ContainsKey(loop))
        {
            return true;
        }

        if (mirrored.Contains(loop))
        {
            return false;
        }

        var updates = new List<AssignStmt>();
        if (!OrderFreeNest(loop, updates, out _))
        {
            mirrored.Add(loop);
            return false;
        }

        ascendingNests[loop] = updates.Select(u => u.Target).Distinct().ToList();
        ascendingUpdates.UnionWith(updates);
        Stmt.Walk(loop.Body, s =>
        {
            if (s is LoopStmt inner)
            {
                ascendingInner.Add(inner);
            }
        });
        return true;
    }

    /// <summary>
    /// The reversed iterations of <paramref name="loop"/> (and of every loop inside it) do not depend on each other
    /// except through running integers, so the reverse sweep may run them in the forward order: a loop the compiler
    /// recognises, with the bounds checks of its views removed.
    /// </summary>
    /// <remarks>
    /// Sufficient and simple. Every loop of the nest is counted, with a stable start and bound. Its body is straight
    /// assignments and nested such loops. An assignment writes either an element indexed by the counter (or by it
    /// through a view), read back only at that index; or an element accumulation <c>a[k] += e</c> of an array read
    /// nowhere else in the nest; or a floating accumulator <c>s += e</c> read nowhere else in the loop. Nothing is
    /// recorded on the tape, and nothing calls a pullback. Each iteration then writes elements of its own or only adds
    /// into sums, and its reverse reads values no other iteration changes. Running integers (<c>l++</c> as the last
    /// statements of a body, undone exactly in the mirror order) are instead advanced at the end of each reversed
    /// iteration, from their value before the nest; a body with a nested loop that advances one has no other
    /// statement that reads it, and only one such loop.
    /// </remarks>
    private bool OrderFreeNest(LoopStmt loop, List<AssignStmt> updates, out bool advances)
    {
        advances = false;
        if (loop.Counter is null || !loop.CountIsComputable || !loop.StartIsStable || loop.ContinueFlag is not null
            || loop.BreakFlag is not null || loop.ReturnFlag is not null)
        {
            return false;
        }

        string counter = loop.Counter.Name;
        // (Bounds checks of slices read integers only and have no reverse.)
        var statements = loop.Body.Where(s => s is not AssignStmt { IsCounterStep: true } and not ForwardOnlyStmt { IsCheck: true }).ToList();

        // Trailing running updates: l = l + k, undone in the mirror order.
        var own = new List<AssignStmt>();
        while (statements.Count > 0 && statements[statements.Count - 1] is AssignStmt { IsInverted: true, Index: null } u && undone.Contains(u)
               && u.Target.Kind == NumKind.Other && !u.Target.IsArray && IsRunningStep(u))
        {
            own.Insert(0, u);
            statements.RemoveAt(statements.Count - 1);
        }

        var running = new HashSet<Var>(own.Select(u => u.Target));
        var written = new Dictionary<Var, string>();
        var accumulated = new HashSet<Var>();
        var accumulators = new HashSet<Var>();
        var assignments = new List<AssignStmt>();
        int advancingLoops = 0;
        foreach (Stmt s in statements)
        {
            if (s is LoopStmt inner)
            {
                var innerUpdates = new List<AssignStmt>();
                if (!OrderFreeNest(inner, innerUpdates, out bool innerAdvances))
                {
                    return false;
                }

                updates.AddRange(innerUpdates);
                running.UnionWith(innerUpdates.Select(u => u.Target));
                advancingLoops += innerAdvances ? 1 : 0;
                Stmt.Walk(inner.Body, x =>
                {
                    if (x is AssignStmt a && !a.IsCounterStep)
                    {
                        assignments.Add(a);
                    }
                });
                continue;
            }

            if (s is not AssignStmt a || a.IsVectorCall || a.IsArrayCreation || a.IsRecomputed || saves.ContainsKey(a) || ContainsUserCall(a.Value) || HasLoopTemp(a.Value))
            {
                return false;
            }

            assignments.Add(a);
            if (a.Index is not null)
            {
                string at = a.View?.Offset ?? a.Index.Code.Text;
                if (at == counter && (!written.TryGetValue(a.Target, out string? other) || other == at))
                {
                    written[a.Target] = at;
                }
                else if (TryElementAccumulation(a, out _))
                {
                    accumulated.Add(a.Target);
                }
                else
                {
                    return false;
                }
            }
            else if (a.Target.Kind == NumKind.Other || a.Target.IsArray || !TryAccumulation(a.Target, a.Value, out _))
            {
                return false;
            }
            else
            {
                accumulators.Add(a.Target);
            }
        }

        // Elements written at the counter are read back only at the counter; accumulated arrays only by their own
        // accumulation; accumulators only by their own update (across the whole nest).
        if (written.Keys.Any(accumulated.Contains))
        {
            return false;
        }

        foreach (AssignStmt a in assignments)
        {
            if (accumulators.Any(v => v != a.Target && Reads(a.Value, v)) || (a.Index is not null && a.Index.Reads.Any(accumulators.Contains)))
            {
                return false;
            }

            var reads = new List<Mention>();
            Expression(a.Value, reads);
            foreach (Mention m in reads)
            {
                if (written.TryGetValue(m.Array, out string? at) && (m.Index is null || (m.Element?.View?.Offset ?? m.Index.Code.Text) != at))
                {
                    return false;
                }

                if (accumulated.Contains(m.Array) && !(a.Target == m.Array && m.Index is not null && a.Index?.Code.Text == m.Index.Code.Text))
                {
                    return false;
                }
            }
        }

        // An array a nested loop writes is its own: nothing else in this body mentions it.
        foreach (LoopStmt inner in statements.OfType<LoopStmt>())
        {
            var writes = new HashSet<Var>();
            Stmt.Walk(inner.Body, x =>
            {
                if (x is AssignStmt { Index: not null } w)
                {
                    writes.Add(w.Target);
                }
            });
            foreach (Stmt other in statements.Where(o => o != inner))
            {
                var mentions = new List<Mention>();
                if (other is LoopStmt l)
                {
                    CollectMentions(l, mentions);
                }
                else if (other is AssignStmt a)
                {
                    Expression(a.Value, mentions);
                    if (a.Index is not null)
                    {
                        mentions.Add(new Mention(a.Target, a.Index, null, a));
                    }
                }

                if (mentions.Any(m => writes.Contains(m.Array)))
                {
                    return false;
                }
            }
        }

        // A nested loop that advances a running integer is the only reader of it in this body, and the only such loop.
        if (advancingLoops > 1 || (advancingLoops == 1 && statements.OfType<AssignStmt>().Any(a => running.Any(v => Reads(a.Value, v) || (a.Index is not null && a.Index.Reads.Contains(v))))))
        {
            return false;
        }

        updates.AddRange(own);
        advances = running.Count > 0;
        return true;
    }

    /// <summary><c>l = l + k</c> or <c>l = l - k</c> with an integer literal <c>k</c>.</summary>
    private static bool IsRunningStep(AssignStmt a)
    {
        string text = a.Value is OpaqueExpr o ? o.Code.Text : string.Empty;
        string name = a.Target.Name;
        return text.Length > name.Length + 3 && text.StartsWith(name + " ", System.StringComparison.Ordinal)
               && (text[name.Length + 1] == '+' || text[name.Length + 1] == '-') && text[name.Length + 2] == ' '
               && int.TryParse(text.Substring(name.Length + 3), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _);
    }

    private bool HasLoopTemp(Expr e) => loopTemps.Contains(e) || Expr.Children(e).Any(HasLoopTemp);

    private static bool ContainsUserCall(Expr e) => e is UserCallExpr || Expr.Children(e).Any(ContainsUserCall);
}
