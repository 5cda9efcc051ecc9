using System.Collections.Generic;
using System.Linq;
using AutoDiffGen.Generator.Helpers;
using AutoDiffGen.Generator.Models;
using AutoDiffGen.Generator.Rules;

namespace AutoDiffGen.Generator.Analysis;

/// <summary>
/// Builds the adjoint plan from the normalized, activity-annotated IR: the forward sweep (the primal, keeping
/// what the reverse sweep needs) and the reverse sweep (statements in reverse order, each propagating its
/// result's adjoint into its operands by the chain rule).
/// </summary>
/// <remarks>
/// What is kept (to-be-recorded analysis, as Tapenade's and Clad's TBR): an intermediate value is kept in a
/// temporary only when a partial derivative reads it (<c>exp(x)</c> for the derivative of exp, the operands of a
/// product); a variable's old value is saved before an assignment only when the reverse sweep reads the
/// variable and the assignment overwrites a value it will need. Accumulations <c>s += e</c> keep nothing.
/// </remarks>
internal sealed partial class AdjointBuilder
{
    private readonly NameAllocator names;
    private readonly List<CodeNode> declarations = new();
    private readonly Dictionary<AssignStmt, string> saves = new();

    public AdjointBuilder(NameAllocator names) => this.names = names;

    public List<CodeNode> Declarations => declarations;

    /// <summary>Pass 1: decide which intermediates are kept and which variables the reverse sweep reads.</summary>
    public void Plan(List<Stmt> body, Var result)
    {
        var assignments = new List<(AssignStmt Statement, bool InLoop)>();
        CollectWithDepth(body, false, assignments);
        Index(body, new List<LoopStmt>());
        IndexCounters(body);
        FindFusable(body, result);

        // Locals assigned once, outside every loop, never change afterwards: stable inside loops.
        var stable = new HashSet<Var>(positions.Where(p => p.Key.Target.Role == VarRole.Local && p.Key.Index is null && !p.Key.Target.IsArray
                                                         && p.Key.Target.AssignSites == 1 && p.Value.Loops.Count == 0).Select(p => p.Key.Target));
        MarkMutated(body);
        stableArrays.UnionWith(positions.Where(p => p.Key.IsArrayCreation && p.Key.Target.Role == VarRole.Local && p.Key.Target.AssignSites == 1 && p.Value.Loops.Count == 0)
                                        .Select(p => p.Key.Target));
        FindRecomputable(body, stable);
        foreach ((AssignStmt a, bool inLoop) in assignments)
        {
            currentInLoop = inLoop;
            currentRecomputed = a.IsRecomputed;
            currentStatement = a;
            if (a.IsRecomputed)
            {
                // Recomputed at the start of each reversed iteration: everything it reads must be there.
                NeedAll(a.Value);
            }

            if (a.Target.Active && a.Value.Active)
            {
                PlanNode(a.Value);
            }

            if (a.Index is not null && a.Target.Active)
            {
                // The reverse reads or clears the element's adjoint (a[z] = 0 too): the index must be known there.
                NeedReads(a.Index);
            }
        }

        currentStatement = null;

        foreach ((AssignStmt a, bool inLoop) in assignments)
        {
            Var v = a.Target;
            if (a.IsCounterStep || a.IsArrayCreation || a.IsRecomputed)
            {
                continue;
            }

            if (a.IsInverted)
            {
                if (NeedsSave(a, v))
                {
                    undone.Add(a);
                }

                continue;
            }

            if (a.IsVectorCall)
            {
                // A kernel overwrites the whole array: its old contents go on the tape if anything reversed later reads them.
                if (NeedsSave(a, v))
                {
                    UseTape();
                    saves[a] = string.Empty;
                }

                continue;
            }

            if (a.Index is not null)
            {
                // An element write overwrites a value the reverse sweep may read: save the element.
                if (NeedsSave(a, v))
                {
                    // The reverse restores the element: the index must be known there.
                    currentStatement = a;
                    NeedReads(a.Index);
                    currentStatement = null;
                    string element = names.Next("_t");
                    if (!inLoop)
                    {
                        declarations.Add(CodeNode.Line(BodyLowering.KindType(v.Kind) + " " + element + " = 0;"));
                    }

                    saves[a] = element;
                }

                continue;
            }

            if (fusedAccumulations.TryGetValue(a, out LoopStmt? fusedLoop))
            {
                // An accumulator of a fused loop keeps its running value (the statements after the loop read it): its
                // value before the loop is saved once and restored where the loop's reverse would have ended.
                if (NeedsSave(a, v) && !accumulatorSaves.Any(e => e.Loop == fusedLoop && e.Accumulator == v))
                {
                    string save = names.Next("_t");
                    declarations.Add(CodeNode.Line(v.Type + " " + save + " = default;"));
                    accumulatorSaves.Add((fusedLoop, v, save));
                }

                continue;
            }

            if (NeedsSave(a, v) && (v.Role == VarRole.Parameter || (v.Role == VarRole.Local && (v.AssignSites > 1 || inLoop)) || (v.Role == VarRole.Temp && inLoop)))
            {
                string save = names.Next("_t");
                if (!inLoop)
                {
                    declarations.Add(CodeNode.Line(v.Type + " " + save + " = default;"));
                }

                saves[a] = save;
            }
        }

        // Block views, once everything else is decided (they change only how elements are printed).
        PlanViews(body);
        MarkScratchViews(body);

        // The order of each reversed loop nest (it reads the saves and views), then the saves that order makes
        // unnecessary.
        Stmt.Walk(body, s =>
        {
            if (s is LoopStmt loop && !fused.Contains(loop))
            {
                DecideAscending(loop);
            }
        });
        DropRunningSaves();
    }

    /// <summary>Integer updates the reverse sweep undoes with their inverse (their old value is needed there).</summary>
    private readonly HashSet<AssignStmt> undone = new();

    private bool currentInLoop;
    private bool currentRecomputed;
    private AssignStmt? currentStatement;
    private readonly Dictionary<Var, List<AssignStmt>> readers = new();
    private readonly Dictionary<AssignStmt, (int Index, List<LoopStmt> Loops)> positions = new();

    /// <summary>The reverse sweep reads <paramref name="v"/> while reversing the current statement.</summary>
    private void Need(Var v)
    {
        v.Needed = true;
        if (currentStatement is null)
        {
            return;
        }

        if (!readers.TryGetValue(v, out List<AssignStmt>? list))
        {
            readers[v] = list = new List<AssignStmt>();
        }

        list.Add(currentStatement);
    }

    /// <summary>
    /// To-be-recorded: the old value of <paramref name="v"/> must be saved before <paramref name="s"/> only if a
    /// statement reversed after <paramref name="s"/> reads it: <paramref name="s"/> itself, one before it, or one
    /// in a loop around both (an earlier iteration). An accumulator read only after its loop is never saved.
    /// </summary>
    private bool NeedsSave(AssignStmt s, Var v, System.Func<AssignStmt, bool>? ignored = null)
    {
        if (!readers.TryGetValue(v, out List<AssignStmt>? list))
        {
            return false;
        }

        (int index, List<LoopStmt> loops) = positions[s];
        foreach (AssignStmt r in list)
        {
            if (ignored is not null && ignored(r))
            {
                continue;
            }

            (int readerIndex, List<LoopStmt> readerLoops) = positions[r];
            // A vector-valued call reads its own output only after writing it (its pullback gets the result).
            if ((r == s && !s.IsVectorCall) || readerIndex < index)
            {
                return true;
            }

            // A reader later in a loop around both reads, in an earlier iteration, the value that a kill at the
            // top of that loop's body (saved itself) restores: then this statement need not save.
            // A fused loop reverses each iteration right after running it: a later iteration never overwrites first.
            var commons = loops.Where(l => readerLoops.Contains(l) && !fused.Contains(l)).ToList();

            // Writer and reader touch only the current iteration's block a[c * B + j]: no later iteration overwrites it.
            if (commons.Count == 1 && BlockDisjoint(s, r, commons[0], v))
            {
                continue;
            }

            LoopStmt? common = commons.LastOrDefault();
            if (common is not null && !common.Body.Any(k => IsKillBefore(k, s, v, index)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether <paramref name="k"/>, a statement at the top of a loop body, overwrites <paramref name="v"/> whole
    /// before <paramref name="s"/> without reading it: a scalar assignment, or for an element write a counted loop
    /// over the whole array (the clearing of an array declared in the loop). Its own save restores what the earlier
    /// iteration's reverse reads.
    /// </summary>
    private bool IsKillBefore(Stmt k, AssignStmt s, Var v, int index) => k switch
    {
        AssignStmt { Index: null } kill => kill.Target == v && kill != s && positions[kill].Index < index && !Reads(kill.Value, v),
        LoopStmt loop => s.Index is not null && OverwritesWhole(loop, v)
                         && loop.Body.OfType<AssignStmt>().Any(a => a.Target == v && positions[a].Index < index),
        _ => false,
    };

    private void Index(List<Stmt> statements, List<LoopStmt> loops)
    {
        foreach (Stmt s in statements)
        {
            switch (s)
            {
                case AssignStmt a:
                    positions[a] = (positions.Count, loops);
                    break;
                case IfStmt i:
                    Index(i.Then, loops);
                    Index(i.Else, loops);
                    break;
                case LoopStmt l:
                    Index(l.Body, new List<LoopStmt>(loops) { l });
                    break;
            }
        }
    }
    private readonly HashSet<Expr> loopTemps = new();
    private readonly HashSet<Expr> recomputedTemps = new();
    private readonly Stack<List<CodeNode>> prologues = new();

    /// <summary>
    /// Marks loop-body locals that the reverse sweep can recompute at the start of each reversed iteration: defined
    /// once, at the top level of the body, from stable values (unassigned parameters, read-only inputs, loop
    /// counters and locals recomputed before them). They are then neither saved nor restored.
    /// </summary>
    private void FindRecomputable(List<Stmt> statements, HashSet<Var> stable)
    {
        foreach (Stmt s in statements)
        {
            switch (s)
            {
                case AssignStmt { Inverse: not null } a when a.Inverse.Reads.All(v => v == a.Target || IsStable(new VarExpr(v), stable)):
                    // i += e with a stable e: undone in the reverse sweep, never recorded.
                    a.IsInverted = true;
                    NeedReads(a.Inverse);
                    break;
                case IfStmt i:
                    if (IsStable(i.Condition, stable))
                    {
                        // A condition on counters and stable values: re-evaluated in the reverse sweep, never recorded.
                        i.ConditionIsStable = true;
                        NeedReads(i.Condition);
                    }

                    FindRecomputable(i.Then, stable);
                    FindRecomputable(i.Else, stable);
                    break;
                case LoopStmt loop:
                {
                    PlanCountedLoop(loop, stable);
                    var inner = new HashSet<Var>(stable);
                    if (loop.Counter is not null)
                    {
                        inner.Add(loop.Counter);
                    }

                    // A local array that nothing in the loop writes holds the same elements in every iteration: a local
                    // defined from its elements (the element of a foreach over it, v = t[_i0]) is recomputed like one
                    // defined from an input. Only for those locals, whose recomputation registers its reads (so later
                    // writes of the array save what it needs); conditions and nested loops do not see the arrays.
                    HashSet<Var> written = AllWrites(new List<Stmt> { loop });
                    var withArrays = new HashSet<Var>(inner);
                    withArrays.UnionWith(AllReads(loop.Body).Where(v => v.IsArray && v.Role == VarRole.Local && !v.IsMutated && !written.Contains(v)));

                    foreach (Stmt top in loop.Body)
                    {
                        if (top is AssignStmt { Index: null, IsCounterStep: false } a && a.Target.Role == VarRole.Local && !a.Target.IsArray
                            && a.Target.AssignSites == 1 && IsStable(a.Value, withArrays))
                        {
                            a.IsRecomputed = true;
                            inner.Add(a.Target);
                            withArrays.Add(a.Target);
                        }
                    }

                    FindRecomputable(loop.Body, inner);
                    break;
                }
            }
        }
    }

    /// <summary>Arrays that a forward-only statement mentions (it may write them) are not stable.</summary>
    private static void MarkMutated(List<Stmt> statements)
    {
        foreach (Stmt s in statements)
        {
            switch (s)
            {
                case ForwardOnlyStmt f:
                    foreach (Var v in f.Reads.Where(v => v.IsArray))
                    {
                        v.IsMutated = true;
                    }

                    break;
                case IfStmt i:
                    MarkMutated(i.Then);
                    MarkMutated(i.Else);
                    break;
                case LoopStmt l:
                    MarkMutated(l.Body);
                    break;
            }
        }
    }

    /// <summary>
    /// A counted loop whose start (and bound) read only stable values: the reverse sweep re-evaluates the start
    /// instead of recording it, and, without break or return, computes the iteration count instead of counting.
    /// </summary>
    private void PlanCountedLoop(LoopStmt loop, HashSet<Var> stable)
    {
        stableAt[loop] = stable;
        if (loop.Counter is null || loop.Start is null || !IsStableHeader(loop.Start, stable))
        {
            return;
        }

        loop.StartIsStable = true;
        NeedReads(loop.Start);
        bool direction = loop.Comparison switch
        {
            "<" or "<=" => loop.Step > 0,
            ">" or ">=" => loop.Step < 0,
            _ => false,
        };
        if (direction && loop.Bound is not null && IsStableHeader(loop.Bound, stable) && loop.BreakFlag is null && loop.ReturnFlag is null)
        {
            loop.CountIsComputable = true;
            NeedReads(loop.Bound);
        }
    }

    private void NeedReads(OpaqueExpr e)
    {
        foreach (Var v in e.Reads)
        {
            Need(v);
        }
    }

    /// <summary>
    /// An integer loop header expression with the same value in the reverse sweep: it reads stable variables, and
    /// arrays only through <c>.Length</c> of an input or of a local array created once.
    /// </summary>
    private bool IsStableHeader(OpaqueExpr e, HashSet<Var> stable)
        => e.Reads.All(v => v.IsArray
            ? (v.Role == VarRole.Parameter || stableArrays.Contains(v)) && OnlyLength(e.Code.Text, v.Name)
            : IsStable(new VarExpr(v), stable));

    /// <summary>The values that are the same in the reverse sweep where each loop runs (counters of the loops around it, inputs, locals assigned once).</summary>
    private readonly Dictionary<LoopStmt, HashSet<Var>> stableAt = new();

    /// <summary>While building a list of statements, the statement before the current one (counter initialisations skipped).</summary>
    private Stmt? preceding;

    /// <summary>Local arrays created once, outside every loop: their length never changes.</summary>
    private readonly HashSet<Var> stableArrays = new();

    /// <summary>Every mention of <paramref name="name"/> in <paramref name="code"/> is <c>name.Length</c>.</summary>
    private static bool OnlyLength(string code, string name)
    {
        int at = 0;
        while ((at = code.IndexOf(name, at, System.StringComparison.Ordinal)) >= 0)
        {
            bool startsToken = at == 0 || !(char.IsLetterOrDigit(code[at - 1]) || code[at - 1] == '_');
            int end = at + name.Length;
            bool endsToken = end == code.Length || !(char.IsLetterOrDigit(code[end]) || code[end] == '_');
            if (startsToken && endsToken && string.CompareOrdinal(code, end, ".Length", 0, 7) != 0)
            {
                return false;
            }

            at = end;
        }

        return true;
    }

    private static bool IsStable(Expr e, HashSet<Var> stable)
    {
        bool StableVar(Var v) => stable.Contains(v) || (v.Role == VarRole.Parameter && (v.IsArray ? !v.IsMutated : v.AssignSites == 0));
        return e switch
        {
            LitExpr => true,
            VarExpr v => StableVar(v.Var),
            ElemExpr el => ((el.Array.Role == VarRole.Parameter && !el.Array.IsMutated) || stable.Contains(el.Array)) && el.Index.Reads.All(StableVar),
            OpaqueExpr o => o.Reads.All(StableVar),
            NegExpr n => IsStable(n.Operand, stable),
            ConvertExpr c => IsStable(c.Operand, stable),
            BinaryExpr b => IsStable(b.Left, stable) && IsStable(b.Right, stable),
            CallExpr c => c.Args.All(a => IsStable(a, stable)),
            _ => false,
        };
    }

    /// <summary>Marks every variable a recomputed expression reads as needed by the reverse sweep.</summary>
    private void NeedAll(Expr e)
    {
        switch (e)
        {
            case VarExpr v:
                Need(v.Var);
                break;
            case ElemExpr el:
                Need(el.Array);
                foreach (Var v in el.Index.Reads)
                {
                    Need(v);
                }

                break;
            case OpaqueExpr o:
                foreach (Var v in o.Reads)
                {
                    Need(v);
                }

                break;
            default:
                if (e.Temp is null || e is not CallExpr and not UserCallExpr)
                {
                    foreach (Expr child in Expr.Children(e))
                    {
                        if (child.Temp is null)
                        {
                            NeedAll(child);
                        }
                    }
                }

                break;
        }
    }

    /// <summary>The tape local, when anything is recorded inside a loop.</summary>
    public string? Tape { get; private set; }

    private string UseTape()
    {
        if (Tape is null)
        {
            Tape = names.Claim("_tape");
            TapeValues = names.Claim("_tapeValues");
            TapeTop = names.Claim("_tapeTop");
            TapeIntegers = names.Claim("_tapeInts");
            TapeIntegerTop = names.Claim("_tapeIntTop");
        }

        return Tape;
    }

    // The tape's arrays and their tops live in locals (registers) while the adjoint runs: a push is a compare and a
    // store, a pop a load. The tape object only hands out its arrays and grows them.
    private string TapeValues { get; set; } = string.Empty;

    private string TapeTop { get; set; } = string.Empty;

    private string TapeIntegers { get; set; } = string.Empty;

    private string TapeIntegerTop { get; set; } = string.Empty;

    /// <summary>The locals that hold the tape's arrays and tops, declared after the tape is rented.</summary>
    public List<CodeNode> TapeSetup => Tape is null
        ? new List<CodeNode>()
        : new List<CodeNode>
        {
            CodeNode.Line("double[] " + TapeValues + " = " + Tape + ".Values;"),
            CodeNode.Line("int " + TapeTop + " = 0;"),
            CodeNode.Line("int[] " + TapeIntegers + " = " + Tape + ".Integers;"),
            CodeNode.Line("int " + TapeIntegerTop + " = 0;"),
        }.Concat(TapeReferences.Length == 0 ? new List<CodeNode>() : new List<CodeNode>
        {
            CodeNode.Line("object?[] " + TapeReferences + " = " + Tape + ".References;"),
            CodeNode.Line("int " + TapeReferenceTop + " = 0;"),
        }).ToList();

    /// <summary>
    /// Saves <paramref name="value"/> of C# type <paramref name="type"/> on the tape: floating values, integers and
    /// branch decisions, and references (an array local that aliases constant data) on a tape of their own.
    /// </summary>
    /// <exception cref="UnrecordableValueException">A value of another type (a span, a long) that the reverse sweep needs.</exception>
    private List<CodeNode> TapePush(string type, string value, bool reference = false, Microsoft.CodeAnalysis.SyntaxNode? syntax = null)
    {
        UseTape();
        if (reference)
        {
            UseReferenceTape();
            return new List<CodeNode>
            {
                CodeNode.Line("if (" + TapeReferenceTop + " == " + TapeReferences + ".Length) " + TapeReferences + " = " + Tape + ".GrowReferences();"),
                CodeNode.Line(TapeReferences + "[" + TapeReferenceTop + "++] = " + value + ";"),
            };
        }

        bool floating = type is "double" or "float";
        string array = floating ? TapeValues : TapeIntegers;
        string top = floating ? TapeTop : TapeIntegerTop;
        string grow = floating ? "GrowValues" : "GrowIntegers";
        string stored = type switch
        {
            "double" or "float" or "int" => value,
            "bool" => value + " ? 1 : 0",
            _ => throw new UnrecordableValueException(value, type, syntax),
        };
        return new List<CodeNode>
        {
            CodeNode.Line("if (" + top + " == " + array + ".Length) " + array + " = " + Tape + "." + grow + "();"),
            CodeNode.Line(array + "[" + top + "++] = " + stored + ";"),
        };
    }

    /// <summary>The expression that restores the last saved value of C# type <paramref name="type"/>.</summary>
    private string TapePop(string type, bool reference = false) => reference
        ? "(" + type + ")" + TapeReferences + "[--" + TapeReferenceTop + "]!"
        : type switch
        {
            "double" => TapeValues + "[--" + TapeTop + "]",
            "float" => "(float)" + TapeValues + "[--" + TapeTop + "]",
            "int" => TapeIntegers + "[--" + TapeIntegerTop + "]",
            "bool" => TapeIntegers + "[--" + TapeIntegerTop + "] != 0",
            _ => throw new UnrecordableValueException(type, type, null),
        };

    private void UseReferenceTape()
    {
        if (TapeReferences.Length == 0)
        {
            TapeReferences = names.Claim("_tapeRefs");
            TapeReferenceTop = names.Claim("_tapeRefTop");
        }
    }

    private string TapeReferences { get; set; } = string.Empty;

    private string TapeReferenceTop { get; set; } = string.Empty;

    private static void CollectWithDepth(List<Stmt> statements, bool inLoop, List<(AssignStmt, bool)> into)
    {
        foreach (Stmt s in statements)
        {
            switch (s)
            {
                case AssignStmt a:
                    into.Add((a, inLoop));
                    break;
                case IfStmt i:
                    CollectWithDepth(i.Then, inLoop, into);
                    CollectWithDepth(i.Else, inLoop, into);
                    break;
                case LoopStmt l:
                    CollectWithDepth(l.Body, true, into);
                    break;
            }
        }
    }

    private void PlanNode(Expr e)
    {
        switch (e)
        {
            case BinaryExpr { Op: '*' } b when ScaledSquare(b) is not null:
                // c * x * x: the reverse reads only x.
                Reference(b.Right);
                break;
            case BinaryExpr { Op: '*' } b when SameLeaf(b.Left, b.Right) && b.Left.Active:
                // x * x: the reverse reads x once (dx += dz * 2 * x).
                Reference(b.Left);
                break;
            case BinaryExpr { Op: '*' } b:
                if (b.Left.Active)
                {
                    Reference(b.Right);
                }

                if (b.Right.Active)
                {
                    Reference(b.Left);
                }

                break;
            case BinaryExpr { Op: '/' } b:
                if (b.Left.Active || b.Right.Active)
                {
                    Reference(b.Right);
                }

                if (b.Right.Active)
                {
                    Store(b);
                }

                break;
            case CallExpr c:
                for (int i = 0; i < c.Args.Length; i++)
                {
                    if (c.Args[i].Active && c.Rule.UsesResult)
                    {
                        Store(c);
                    }
                }

                for (int j = 0; j < c.Args.Length; j++)
                {
                    if (c.Rule.UsesArgument(j))
                    {
                        Reference(c.Args[j]);
                    }
                }

                break;
            case UserCallExpr u:
                foreach (Expr a in u.Args)
                {
                    Reference(a);
                }

                if (u.ReceivesResult && u.Output < 0)
                {
                    // The pullback takes the call's result: keep it from the forward sweep.
                    Store(u);
                }

                break;
            case ElemExpr el:
                foreach (Var v in el.Index.Reads)
                {
                    Need(v);
                }

                break;
        }

        foreach (Expr child in Activity.DifferentiableChildren(e))
        {
            if (child.Active)
            {
                PlanNode(child);
            }
        }
    }

    /// <summary>The reverse sweep reads this value: leaves are read from their variables, the rest is kept.</summary>
    private void Reference(Expr e)
    {
        switch (e)
        {
            case LitExpr:
                break;
            case ElemExpr when currentStatement is not null && fusedTopStatements.Contains(currentStatement):
                // Top level of a fused body: the element is loaded once into a local both halves read (after the
                // reverse half has written gradients, the compiler could not assume it unchanged and would reload).
                Store(e);
                break;
            case VarExpr v:
                Need(v.Var);
                if (v.Slice is not null)
                {
                    NeedReads(v.Slice.StartValue);
                    NeedReads(v.Slice.LengthValue);
                }

                break;
            case OpaqueExpr o:
                foreach (Var v in o.Reads)
                {
                    Need(v);
                }

                break;
            case ElemExpr el:
                Need(el.Array);
                foreach (Var v in el.Index.Reads)
                {
                    Need(v);
                }

                break;
            case NegExpr { Operand: VarExpr or LitExpr } n:
                Reference(n.Operand);
                break;
            default:
                Store(e);
                break;
        }
    }

    private void Store(Expr e)
    {
        if (e.Temp is null)
        {
            e.Temp = names.Next("_t");
            if (currentInLoop && (currentRecomputed || e is not CallExpr and not UserCallExpr))
            {
                // Inside a loop, arithmetic is recomputed where the reverse sweep needs it (every operand holds its
                // pre-statement value there); so is everything of a recomputed local.
                recomputedTemps.Add(e);
                NeedAll(e);
            }
            else if (currentInLoop)
            {
                // A call inside a loop is not worth computing twice: its value goes on the tape.
                loopTemps.Add(e);
            }
            else
            {
                declarations.Add(CodeNode.Line(BodyLowering.KindType(e.Kind) + " " + e.Temp + " = 0;"));
            }
        }
    }

    /// <summary>Pass 2: the forward and reverse sweeps of a statement list.</summary>
    private int loopDepth;

    public (List<CodeNode> Forward, List<CodeNode> Reverse) Build(List<Stmt> statements)
    {
        var forward = new List<CodeNode>();
        var reverse = new List<CodeNode>();
        Stmt? last = null;
        foreach (Stmt s in statements)
        {
            preceding = last;
            (List<CodeNode> f, List<CodeNode> r) = BuildStatement(s);
            forward.AddRange(f);
            reverse.InsertRange(0, r);

            // (A counted loop's counter initialisation, between the loop and what precedes it, does not count.)
            if (s is not AssignStmt { IsCounterStep: true })
            {
                last = s;
            }
        }

        return (forward, reverse);
    }

    private (List<CodeNode> Forward, List<CodeNode> Reverse) BuildStatement(Stmt statement)
    {
        var forward = new List<CodeNode>();
        var reverse = new List<CodeNode>();
        switch (statement)
        {
            case AssignStmt a:
                BuildAssign(a, forward, reverse);
                break;
            case ForwardOnlyStmt f:
                forward.Add(CodeNode.Line(f.Code.Text + ";"));
                break;
            case IfStmt i:
            {
                // Statements inside a branch are not at the top level of a fused body (their locals are scoped).
                bool top = AtFusedTop;
                int level = fusedLevel;
                fusedLevel = -1;
                (List<CodeNode> thenForward, List<CodeNode> thenReverse) = Build(i.Then);
                (List<CodeNode> elseForward, List<CodeNode> elseReverse) = Build(i.Else);
                fusedLevel = level;
                string condition = i.Condition.Code.Text;
                if ((thenReverse.Count == 0 && elseReverse.Count == 0) || i.ConditionIsStable)
                {
                    // No reverse work, or a condition with the same value in the reverse sweep: nothing recorded.
                    AddIf(forward, condition, thenForward, elseForward);
                    if (thenReverse.Count > 0 || elseReverse.Count > 0)
                    {
                        AddIf(reverse, condition, thenReverse, elseReverse);
                    }

                    break;
                }

                // The branch taken is recorded, so the reverse sweep replays the same one. Inside a loop the
                // decision goes on the tape after the branch ran (its own records come first when popping).
                string stored = names.Next("_c");
                if (top)
                {
                    // Top level of a fused body: the decision stays in a local the reverse half reads.
                    forward.Add(CodeNode.Line("bool " + stored + " = " + condition + ";"));
                    AddIf(forward, stored, thenForward, elseForward);
                }
                else if (loopDepth == 0)
                {
                    declarations.Add(CodeNode.Line("bool " + stored + " = false;"));
                    forward.Add(CodeNode.Line(stored + " = " + condition + ";"));
                    AddIf(forward, stored, thenForward, elseForward);
                }
                else
                {
                    forward.Add(CodeNode.Line("bool " + stored + " = " + condition + ";"));
                    AddIf(forward, stored, thenForward, elseForward);
                    forward.AddRange(TapePush("bool", stored));
                    reverse.Add(CodeNode.Line("bool " + stored + " = " + TapePop("bool") + ";"));
                }

                AddIf(reverse, stored, thenReverse, elseReverse);
                break;
            }

            case LoopStmt loop:
                BuildLoop(loop, forward, reverse);
                break;
        }

        return (forward, reverse);
    }

    /// <summary>
    /// A loop runs forward counting its iterations; the reverse sweep runs the reversed body that many times.
    /// Nested loops keep their counts on the tape.
    /// </summary>
    private void BuildLoop(LoopStmt loop, List<CodeNode> forward, List<CodeNode> reverse)
    {
        if (fused.Contains(loop))
        {
            BuildFused(loop, forward, reverse);
            return;
        }

        // Decided before the body is built: inside a nest reversed in the forward order, running integers are
        // advanced at the end of each reversed iteration instead of undone.
        bool ascending = DecideAscending(loop);
        Stmt? before = preceding;
        loopDepth++;
        prologues.Push(new List<CodeNode>());
        (List<CodeNode> bodyForward, List<CodeNode> bodyReverse) = Build(loop.Body);
        List<CodeNode> prologue = prologues.Pop();
        loopDepth--;
        if (bodyReverse.Count > 0)
        {
            bodyReverse.InsertRange(0, prologue);
        }

        if (ascending)
        {
            foreach (AssignStmt update in loop.Body.OfType<AssignStmt>().Where(ascendingUpdates.Contains))
            {
                bodyReverse.Add(CodeNode.Line(update.Target.Name + " = " + Print(update.Value).Text + ";"));
            }
        }

        var flags = new List<string>();
        if (loop.BreakFlag is not null)
        {
            forward.Add(CodeNode.Line(loop.BreakFlag.Name + " = false;"));
            flags.Add("!" + loop.BreakFlag.Name);
        }

        if (loop.ReturnFlag is not null)
        {
            flags.Add("!" + loop.ReturnFlag.Name);
        }

        string condition = loop.Condition?.Code.Text ?? "true";
        if (flags.Count > 0)
        {
            condition = string.Join(" && ", flags) + (loop.Condition is null ? string.Empty : " && " + loop.Condition.Code.At(6));
        }

        bool needsReverse = bodyReverse.Count > 0;
        bool computed = needsReverse && loop.CountIsComputable;
        List<CodeNode> forwardViews = ViewDeclarations(loop, bodyForward);
        List<CodeNode> reverseViews = ViewDeclarations(loop, bodyReverse);

        // Reversed iterations that do not depend on each other run in the forward order, as a plain counted loop.
        ascending &= needsReverse;
        if (ascending)
        {
            var reverseNames = new HashSet<string>(System.StringComparer.Ordinal);
            CollectIdentifiers(bodyReverse, reverseNames);
            if (reverseNames.Contains(TapeTop) || reverseNames.Contains(TapeIntegerTop))
            {
                throw new System.InvalidOperationException("a loop reversed in the forward order reads the tape");
            }
        }

        string? count = needsReverse && !ascending ? names.Next("_n") : null;

        // A counted loop's counter is recomputed in the reverse sweep: i = start + (iteration - 1) * step, with the
        // start re-evaluated when it is stable and recorded otherwise. The views of the reversed iteration's blocks
        // are taken from it.
        string? start = null;
        string? startCode = null;
        if (needsReverse && !ascending && loop.Counter is not null && (loop.Counter.Needed || reverseViews.Count > 0))
        {
            if (loop.StartIsStable)
            {
                startCode = loop.Start!.Code.At(Code.Additive);
            }
            else
            {
                start = startCode = names.Next("_s");
                if (loopDepth == 0)
                {
                    declarations.Add(CodeNode.Line("int " + start + " = 0;"));
                    forward.Add(CodeNode.Line(start + " = " + loop.Counter.Name + ";"));
                }
                else
                {
                    forward.Add(CodeNode.Line("int " + start + " = " + loop.Counter.Name + ";"));
                }
            }

            bodyReverse.InsertRange(0, reverseViews);
            bodyReverse.Insert(0, CodeNode.Line(loop.Counter.Name + " = " + CounterAt(startCode, count!, loop.Step) + ";"));
        }

        var body = new List<CodeNode>();
        if (count is not null && !computed)
        {
            body.Add(CodeNode.Line(count + "++;"));
        }

        if (loop.ContinueFlag is not null)
        {
            body.Add(CodeNode.Line(loop.ContinueFlag.Name + " = false;"));
        }

        body.AddRange(forwardViews);
        body.AddRange(bodyForward);
        if (count is not null && !computed)
        {
            if (loopDepth == 0)
            {
                declarations.Add(CodeNode.Line("int " + count + " = 0;"));
                forward.Add(CodeNode.Line(count + " = 0;"));
            }
            else
            {
                forward.Add(CodeNode.Line("int " + count + " = 0;"));
            }
        }

        if (loop.TestFirst)
        {
            forward.Add(CodeNode.Block("while (" + condition + ")", body.ToEquatableArray()));
        }
        else
        {
            forward.Add(new CodeNode("do", body.ToEquatableArray(), true));
            forward.Add(CodeNode.Line("while (" + condition + ");"));
        }

        if (ascending)
        {
            // The running integers of the nest start from their value before it, and are back there afterwards.
            var restores = new List<CodeNode>();
            if (ascendingNests.TryGetValue(loop, out List<Var>? running))
            {
                var records = new List<CodeNode>();
                var pops = new List<CodeNode>();
                foreach (Var v in running)
                {
                    string saved = names.Next("_s");
                    if (before is AssignStmt { Index: null } set && set.Target == v && set.Value is OpaqueExpr value && !value.Reads.Contains(v)
                        && stableAt.TryGetValue(loop, out HashSet<Var>? stable) && IsStableHeader(value, stable))
                    {
                        // Set just before the nest from values that are the same in the reverse sweep: set again there.
                        foreach (Var read in value.Reads)
                        {
                            read.Needed = true;
                        }

                        pops.Add(CodeNode.Line("int " + saved + " = " + value.Code.Text + ";"));
                    }
                    else if (loopDepth == 0)
                    {
                        declarations.Add(CodeNode.Line("int " + saved + " = 0;"));
                        records.Add(CodeNode.Line(saved + " = " + v.Name + ";"));
                    }
                    else if (AtFusedTop)
                    {
                        records.Add(CodeNode.Line("int " + saved + " = " + v.Name + ";"));
                    }
                    else
                    {
                        // On the tape: read back in the opposite order.
                        records.AddRange(TapePush("int", v.Name));
                        pops.Insert(0, CodeNode.Line("int " + saved + " = " + TapePop("int") + ";"));
                    }

                    restores.Add(CodeNode.Line(v.Name + " = " + saved + ";"));
                }

                forward.InsertRange(forward.Count - (loop.TestFirst ? 1 : 2), records);
                reverse.AddRange(pops);
                reverse.AddRange(restores);
            }

            string counter = loop.Counter!.Name;
            string step = loop.Step switch
            {
                1 => counter + "++",
                -1 => counter + "--",
                > 0 => counter + " += " + loop.Step.ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => counter + " -= " + (-loop.Step).ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            bodyReverse.InsertRange(0, reverseViews);
            if (loop.Syntax is not null)
            {
                reverse.Add(CodeNode.Line("// " + FirstLine(loop.Syntax) + " (iterations independent: in the forward order)"));
            }

            reverse.Add(CodeNode.Block("for (" + counter + " = " + loop.Start!.Code.Text + "; " + counter + " " + loop.Comparison + " " + loop.Bound!.Code.At(Code.Additive) + "; " + step + ")",
                bodyReverse.ToEquatableArray()));
            reverse.AddRange(restores);
            return;
        }

        if (count is null)
        {
            return;
        }

        if (computed)
        {
            // The iteration count follows from the start, the bound and the step: nothing is recorded.
            reverse.Add(CodeNode.Line("int " + count + " = " + IterationCount(loop) + ";"));
        }
        else if (loopDepth > 0 && !AtFusedTop)
        {
            if (start is not null)
            {
                forward.AddRange(TapePush("int", start));
            }

            forward.AddRange(TapePush("int", count));
            reverse.Add(CodeNode.Line("int " + count + " = " + TapePop("int") + ";"));
            if (start is not null)
            {
                reverse.Add(CodeNode.Line("int " + start + " = " + TapePop("int") + ";"));
            }
        }

        if (loop.Syntax is not null)
        {
            reverse.Add(CodeNode.Line("// " + FirstLine(loop.Syntax)));
        }

        reverse.Add(CodeNode.Block("for (; " + count + " > 0; " + count + "--)", bodyReverse.ToEquatableArray()));
    }

    /// <summary>The counter in reversed iteration <paramref name="count"/> (counting down to 1): <c>start + (count - 1) * step</c>.</summary>
    private static string CounterAt(string start, string count, int step)
    {
        int stride = System.Math.Abs(step);
        string offset = stride == 1 ? "(" + count + " - 1)" : "(" + count + " - 1) * " + stride.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (start == "0")
        {
            return step > 0 ? (stride == 1 ? count + " - 1" : offset) : "-" + offset;
        }

        return start + (step > 0 ? " + " : " - ") + offset;
    }

    /// <summary>
    /// The number of iterations of <c>for (i = S; i op B; i += step)</c>, as C#: folded when S and B are literals,
    /// otherwise a guarded division (zero when the loop does not run).
    /// </summary>
    private static string IterationCount(LoopStmt loop)
    {
        bool up = loop.Step > 0;
        int stride = System.Math.Abs(loop.Step);
        bool inclusive = loop.Comparison is "<=" or ">=";
        string s = loop.Start!.Code.At(Code.Additive + 1);
        string b = loop.Bound!.Code.At(Code.Additive + 1);
        if (int.TryParse(loop.Start.Code.Text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out int sv)
            && int.TryParse(loop.Bound.Code.Text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out int bv))
        {
            long span = up ? (long)bv - sv : (long)sv - bv;
            long n = inclusive ? (span < 0 ? 0 : (span / stride) + 1) : (span <= 0 ? 0 : (span + stride - 1) / stride);
            return n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        string high = up ? b : s;
        string low = up ? s : b;
        string difference = low == "0" ? high : high + " - " + low;
        string iterations = (inclusive, stride) switch
        {
            (false, 1) => difference,
            (false, _) => "(" + difference + " + " + (stride - 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + ") / " + stride.ToString(System.Globalization.CultureInfo.InvariantCulture),
            (true, 1) => difference + " + 1",
            (true, _) => "(" + difference + ") / " + stride.ToString(System.Globalization.CultureInfo.InvariantCulture) + " + 1",
        };
        return high + (inclusive ? " >= " : " > ") + low + " ? " + iterations + " : 0";
    }

    private static string FirstLine(Microsoft.CodeAnalysis.SyntaxNode syntax)
    {
        string text = BodyLowering.Text(syntax);
        int brace = text.IndexOf('{');
        return brace > 0 ? text.Substring(0, brace).TrimEnd() : text;
    }

    private static void AddIf(List<CodeNode> into, string condition, List<CodeNode> then, List<CodeNode> @else)
    {
        if (then.Count == 0 && @else.Count > 0)
        {
            into.Add(CodeNode.Block("if (!(" + condition + "))", @else.ToEquatableArray()));
            return;
        }

        into.Add(CodeNode.Block("if (" + condition + ")", then.ToEquatableArray()));
        if (@else.Count > 0)
        {
            into.Add(CodeNode.Block("else", @else.ToEquatableArray()));
        }
    }

    private void BuildAssign(AssignStmt a, List<CodeNode> forward, List<CodeNode> reverse)
    {
        Var v = a.Target;
        if (a.IsVectorCall)
        {
            BuildVectorCall(a, forward, reverse);
            return;
        }

        if (a.IsArrayCreation && v.IsPooled)
        {
            // new T[n] => a zeroed span over an array rented from the pool (returned after the reverse sweep).
            string element = BodyLowering.KindType(v.Kind);
            string rented = names.Next("_p_" + v.Name.TrimStart('_'));
            string length = names.Next("_l");
            declarations.Add(CodeNode.Line(element + "[] " + rented + " = default!;"));
            forward.Add(CodeNode.Line("int " + length + " = " + v.PoolLength!.Code.Text + ";"));
            forward.Add(CodeNode.Line(rented + " = global::System.Buffers.ArrayPool<" + element + ">.Shared.Rent(" + length + ");"));
            forward.Add(CodeNode.Line(v.Name + " = new global::System.Span<" + element + ">(" + rented + ", 0, " + length + ");"));
            forward.Add(CodeNode.Line(v.Name + ".Clear();"));
            PooledArrays.Add((element, rented));
        }
        else if (a.IsArrayCreation)
        {
            forward.Add(CodeNode.Line(v.Name + " = " + Print(a.Value).Text + ";"));
        }

        if (a.IsArrayCreation)
        {
            if (v.Active)
            {
                // The adjoint array comes from the pool (returned after the reverse sweep) and starts at zero.
                string element = BodyLowering.KindType(v.Kind);
                forward.Add(CodeNode.Line(v.Adjoint + " = global::System.Buffers.ArrayPool<" + element + ">.Shared.Rent(" + v.Name + ".Length);"));
                forward.Add(CodeNode.Line("global::System.Array.Clear(" + v.Adjoint + ", 0, " + v.Name + ".Length);"));
                PooledArrays.Add((element, v.Adjoint!));
            }

            return;
        }

        if (undone.Contains(a))
        {
            // i += e  =>  the reverse sweep restores i -= e.
            forward.Add(CodeNode.Line(v.Name + " = " + Print(a.Value).Text + ";"));
            if (!ascendingUpdates.Contains(a))
            {
                reverse.Add(CodeNode.Line(v.Name + " = " + a.Inverse!.Code.Text + ";"));
            }

            return;
        }

        string target = a.Index is null ? v.Name : a.View?.Element ?? v.Name + "[" + a.Index.Code.Text + "]";
        string targetType = a.Index is null ? v.Type : BodyLowering.KindType(v.Kind);
        saves.TryGetValue(a, out string? save);
        bool inLocal = AtFusedTop;
        bool onTape = loopDepth > 0 && !inLocal;
        if (save is not null)
        {
            if (inLocal)
            {
                // Top level of a fused body: runs once per iteration, so a local of the iteration holds the old value.
                forward.Add(CodeNode.Line(targetType + " " + save + " = " + target + ";"));
            }
            else if (onTape)
            {
                forward.AddRange(TapePush(targetType, target, a.Index is null && v.IsReference, a.Syntax));
            }
            else
            {
                forward.Add(CodeNode.Line(save + " = " + target + ";"));
            }
        }

        var pops = new List<CodeNode>();
        var recomputes = new List<CodeNode>();
        if (v.Active && a.Value.Active)
        {
            EmitTemps(a.Value, forward, pops, recomputes);
        }

        forward.Add(CodeNode.Line(target + " = " + Print(a.Value).Text + ";"));
        if (a.IsRecomputed && prologues.Count > 0)
        {
            // Recomputed at the start of each reversed iteration (before anything in it reads the value).
            prologues.Peek().AddRange(recomputes);
            CodeNode recompute = CodeNode.Line(target + " = " + Print(a.Value).Text + ";");
            prologues.Peek().Add(recompute);
            prologueAssignments.Add(recompute);
            recomputes.Clear();
        }

        if (!v.Active && save is null)
        {
            return;
        }

        string? comment = a.Syntax is null ? null : "// " + BodyLowering.Text(a.Syntax);
        if (comment is not null)
        {
            reverse.Add(CodeNode.Line(comment));
        }

        // Mirror order: the temporaries were pushed after the save, so they are popped first.
        pops.Reverse();
        reverse.AddRange(pops);
        if (save is not null)
        {
            reverse.Add(CodeNode.Line(target + " = " + (onTape ? TapePop(targetType, a.Index is null && v.IsReference) : save) + ";"));
        }

        // Intermediates recomputed from the restored operands.
        reverse.AddRange(recomputes);

        if (!v.Active)
        {
            return;
        }

        if (a.Index is not null)
        {
            // a[i] = e  =>  r = da[i]; da[i] = 0; de += r  (a[i] += e keeps da[i] and adds it into de)
            string slot = a.View?.AdjointElement ?? v.Adjoint + "[" + a.Index.Code.Text + "]";
            if (!a.Value.Active)
            {
                reverse.Add(CodeNode.Line(slot + " = 0;"));
                return;
            }

            string r0 = names.Next("_r");
            reverse.Add(CodeNode.Line(targetType + " " + r0 + " = " + slot + ";"));
            if (TryElementAccumulation(a, out List<(Expr Term, bool Negated)>? elementTerms))
            {
                foreach ((Expr term, bool negated) in elementTerms!)
                {
                    Send(term, r0, negated, reverse);
                }

                return;
            }

            reverse.Add(CodeNode.Line(slot + " = 0;"));
            Backprop(a.Value, r0, false, reverse);
            return;
        }

        string adjoint = v.Adjoint!;
        if (!a.Value.Active)
        {
            // v = constant  =>  the adjoint of the old v is zero.
            reverse.Add(CodeNode.Line(adjoint + " = 0;"));
            return;
        }

        if (TryAccumulation(v, a.Value, out List<(Expr Term, bool Negated)>? terms))
        {
            // v = v + e  =>  de += dv (dv carries over to the old v unchanged)
            foreach ((Expr term, bool negated) in terms!)
            {
                if (term.Active)
                {
                    Send(term, adjoint, negated, reverse);
                }
            }

            return;
        }

        if (!Reads(a.Value, v))
        {
            Backprop(a.Value, adjoint, false, reverse);
            reverse.Add(CodeNode.Line(adjoint + " = 0;"));
            return;
        }

        string r = names.Next("_r");
        reverse.Add(CodeNode.Line(BodyLowering.KindType(v.Kind) + " " + r + " = " + adjoint + ";"));
        reverse.Add(CodeNode.Line(adjoint + " = 0;"));
        Backprop(a.Value, r, false, reverse);
    }

    /// <summary>
    /// <c>Kernel(x, w, out)</c> into a local array: the forward sweep saves the old contents if needed and calls the
    /// kernel; the reverse sweep calls the pullback with the result and the adjoint of <c>out</c> as the seed, which
    /// adds into the inputs' adjoints, then clears the adjoint of <c>out</c> (its old values were overwritten) and
    /// restores the old contents.
    /// </summary>
    private void BuildVectorCall(AssignStmt a, List<CodeNode> forward, List<CodeNode> reverse)
    {
        Var v = a.Target;
        var call = (UserCallExpr)a.Value;
        bool save = saves.ContainsKey(a);
        if (save)
        {
            // The contents go above the top of the floating-value array (which may grow), then the top moves up.
            UseTape();
            forward.Add(CodeNode.Line(TapeValues + " = " + Tape + ".PushSpan(" + v.Name + ", " + TapeTop + ");"));
            forward.Add(CodeNode.Line(TapeTop + " += " + v.Name + ".Length;"));
        }

        var pops = new List<CodeNode>();
        var recomputes = new List<CodeNode>();
        if (v.Active && call.Active)
        {
            EmitTemps(call, forward, pops, recomputes);
        }

        forward.Add(CodeNode.Line(Print(call).Text + ";"));
        if (!v.Active && !save)
        {
            return;
        }

        if (a.Syntax is not null)
        {
            reverse.Add(CodeNode.Line("// " + BodyLowering.Text(a.Syntax)));
        }

        pops.Reverse();
        reverse.AddRange(pops);
        reverse.AddRange(recomputes);
        if (v.Active)
        {
            string element = BodyLowering.KindType(v.Kind);
            if (call.Active)
            {
                BackpropCall(call, "new global::System.ReadOnlySpan<" + element + ">(" + v.Adjoint + ", 0, " + v.Name + ".Length)", false, reverse);
            }

            reverse.Add(CodeNode.Line("global::System.Array.Clear(" + v.Adjoint + ", 0, " + v.Name + ".Length);"));
        }

        if (save)
        {
            reverse.Add(CodeNode.Line(TapeTop + " -= " + v.Name + ".Length;"));
            reverse.Add(CodeNode.Line("global::AutoDiffGen.CompilerServices.AdjointTape.PopSpan(" + TapeValues + ", " + TapeTop + ", " + v.Name + ");"));
        }
    }

    /// <summary>Local-array adjoints rented from the pool: (element type, adjoint name), returned after the reverse sweep.</summary>
    public List<(string Element, string Name)> PooledArrays { get; } = new();

    /// <summary><c>a[i] = a[i] ± terms</c> with the same element exactly once, positively, and no other read of <c>a</c>.</summary>
    private static bool TryElementAccumulation(AssignStmt a, out List<(Expr Term, bool Negated)>? terms)
    {
        terms = new List<(Expr, bool)>();
        Flatten(a.Value, false, terms);
        int index = terms.FindIndex(t => t.Term is ElemExpr e && e.Array == a.Target && e.Index.Code.Text == a.Index!.Code.Text && !t.Negated);
        if (index < 0)
        {
            return false;
        }

        terms.RemoveAt(index);
        return !terms.Any(t => Reads(t.Term, a.Target));
    }

    /// <summary>Whether <paramref name="value"/> is <c>v ± terms</c> with <c>v</c> appearing exactly once, positively, at the top.</summary>
    private static bool TryAccumulation(Var v, Expr value, out List<(Expr Term, bool Negated)>? terms)
    {
        terms = new List<(Expr, bool)>();
        Flatten(value, false, terms);
        // v must occur exactly once, as a positive term: v = v + a - b. (v - v, or v + v * c, are not accumulations.)
        int index = terms.FindIndex(t => t.Term is VarExpr ve && ve.Var == v && !t.Negated);
        if (index < 0)
        {
            return false;
        }

        terms.RemoveAt(index);
        return !terms.Any(t => Reads(t.Term, v));
    }

    private static void Flatten(Expr e, bool negated, List<(Expr, bool)> terms)
    {
        switch (e)
        {
            case BinaryExpr { Op: '+' } b:
                Flatten(b.Left, negated, terms);
                Flatten(b.Right, negated, terms);
                break;
            case BinaryExpr { Op: '-' } b:
                Flatten(b.Left, negated, terms);
                Flatten(b.Right, !negated, terms);
                break;
            default:
                terms.Add((e, negated));
                break;
        }
    }

    private static bool Reads(Expr e, Var v) => e switch
    {
        VarExpr ve => ve.Var == v,
        OpaqueExpr o => o.Reads.Contains(v),
        NegExpr n => Reads(n.Operand, v),
        ConvertExpr c => Reads(c.Operand, v),
        ElemExpr el => el.Array == v || el.Index.Reads.Contains(v),
        BinaryExpr b => Reads(b.Left, v) || Reads(b.Right, v),
        CallExpr c => c.Args.Any(a => Reads(a, v)),
        UserCallExpr u => u.Args.Any(a => Reads(a, v)),
        _ => false,
    };

    /// <summary>Forward: compute the kept intermediates, innermost first.</summary>
    private void EmitTemps(Expr e, List<CodeNode> forward, List<CodeNode> pops, List<CodeNode> recomputes)
    {
        foreach (Expr child in Expr.Children(e))
        {
            EmitTemps(child, forward, pops, recomputes);
        }

        if (e.Temp is null)
        {
            return;
        }

        if ((recomputedTemps.Contains(e) || loopTemps.Contains(e)) && AtFusedTop)
        {
            // Top level of a fused body: the reverse half runs in the same iteration and scope and reads this local.
            forward.Add(CodeNode.Line(BodyLowering.KindType(e.Kind) + " " + e.Temp + " = " + PrintDefinition(e).Text + ";"));
        }
        else if (recomputedTemps.Contains(e))
        {
            CodeNode line = CodeNode.Line(BodyLowering.KindType(e.Kind) + " " + e.Temp + " = " + PrintDefinition(e).Text + ";");
            forward.Add(line);
            recomputes.Add(line);
        }
        else if (loopTemps.Contains(e))
        {
            string type = BodyLowering.KindType(e.Kind);
            forward.Add(CodeNode.Line(type + " " + e.Temp + " = " + PrintDefinition(e).Text + ";"));
            forward.AddRange(TapePush(type, e.Temp));
            pops.Add(CodeNode.Line(type + " " + e.Temp + " = " + TapePop(type) + ";"));
        }
        else
        {
            forward.Add(CodeNode.Line(e.Temp + " = " + PrintDefinition(e).Text + ";"));
        }
    }

    /// <summary>The value of a node: its temporary if kept, its variable, or its expression.</summary>
    private static Code Print(Expr e) => e.Temp is not null ? new Code(e.Temp, Code.Primary) : PrintDefinition(e);

    private static Code PrintDefinition(Expr e) => PrintDefinition(e, Print);

    /// <summary>The expression of a node with its operands printed by <paramref name="operand"/>.</summary>
    private static Code PrintDefinition(Expr e, System.Func<Expr, Code> operand)
    {
        switch (e)
        {
            case LitExpr l:
                return l.Code;
            case OpaqueExpr o:
                return o.Code;
            case VarExpr v:
                return new Code(v.Slice?.SpanCode ?? v.Var.Name, Code.Primary);
            case ElemExpr el:
                return new Code(el.View?.Element ?? el.Array.Name + "[" + el.Index.Code.Text + "]", Code.Primary);
            case NegExpr n:
                return operand(n.Operand).Prefix("-");
            case ConvertExpr c:
                return new Code("(" + BodyLowering.KindType(c.Kind) + ")" + operand(c.Operand).At(Code.Unary), Code.Unary);
            case BinaryExpr b:
            {
                int p = b.Op is '+' or '-' ? Code.Additive : Code.Multiplicative;
                return new Code(operand(b.Left).At(p) + " " + b.Op + " " + operand(b.Right).At(p + 1), p);
            }

            case CallExpr c:
                return new Code(c.Target + "(" + string.Join(", ", c.Args.Select(a => operand(a).Text)) + ")", Code.Primary);
            case UserCallExpr u:
                return new Code(u.Target + "(" + string.Join(", ", u.Args.Select(a => operand(a).Text)) + ")", Code.Primary);
            default:
                return new Code("default", Code.Primary);
        }
    }

    /// <summary>Reverse: propagate the adjoint <paramref name="adjoint"/> (negated if asked) of node <paramref name="e"/> into its operands.</summary>
    private void Backprop(Expr e, string adjoint, bool negated, List<CodeNode> reverse)
    {
        switch (e)
        {
            case VarExpr or ElemExpr:
                Send(e, adjoint, negated, reverse);
                break;
            case NegExpr n:
                // y = -x  =>  dx -= dy
                Send(n.Operand, adjoint, !negated, reverse);
                break;
            case ConvertExpr c:
                // y = (T)x  =>  dx += (S)dy
                Send(c.Operand, "(" + BodyLowering.KindType(c.Operand.Kind) + ")" + adjoint, negated, reverse);
                break;
            case BinaryExpr { Op: '+' } b:
                // z = x + y  =>  dx += dz; dy += dz
                Send(b.Left, adjoint, negated, reverse);
                Send(b.Right, adjoint, negated, reverse);
                break;
            case BinaryExpr { Op: '-' } b:
                // z = x - y  =>  dx += dz; dy -= dz
                Send(b.Left, adjoint, negated, reverse);
                Send(b.Right, adjoint, !negated, reverse);
                break;
            case BinaryExpr { Op: '*' } b when ScaledSquare(b) is LitExpr scale:
                // z = (c * x) * x  =>  dx += dz * (2 * c) * x; the constant 2 * c folds at compile time
                Send(b.Right, adjoint + " * (2 * " + scale.Code.At(Code.Multiplicative + 1) + ") * " + Print(b.Right).At(Code.Multiplicative + 1), negated, reverse);
                break;
            case BinaryExpr { Op: '*' } b when SameLeaf(b.Left, b.Right):
                // z = x * x  =>  dx += dz * 2 * x
                Send(b.Left, adjoint + " * 2 * " + Print(b.Left).At(Code.Multiplicative + 1), negated, reverse);
                break;
            case BinaryExpr { Op: '*' } b:
                // z = x * y  =>  dx += dz * y; dy += dz * x
                Send(b.Left, adjoint + " * " + Print(b.Right).At(Code.Multiplicative + 1), negated, reverse);
                Send(b.Right, adjoint + " * " + Print(b.Left).At(Code.Multiplicative + 1), negated, reverse);
                break;
            case BinaryExpr { Op: '/' } b:
                // z = x / y  =>  dx += dz / y; dy -= dz * z / y
                Send(b.Left, adjoint + " / " + Print(b.Right).At(Code.Multiplicative + 1), negated, reverse);
                if (b.Right.Active)
                {
                    Send(b.Right, adjoint + " * " + b.Temp + " / " + Print(b.Right).At(Code.Multiplicative + 1), !negated, reverse);
                }

                break;
            case CallExpr c:
                for (int i = 0; i < c.Args.Length; i++)
                {
                    if (!c.Args[i].Active)
                    {
                        continue;
                    }

                    string template = c.Rule.Partials[i];
                    bool flip = template.StartsWith("-", System.StringComparison.Ordinal);
                    Send(c.Args[i], Substitute(flip ? template.Substring(1) : template, c, adjoint), negated ^ flip, reverse);
                }

                break;
            case UserCallExpr u:
                BackpropCall(u, adjoint, negated, reverse);
                break;
        }
    }

    private void BackpropCall(UserCallExpr u, string adjoint, bool negated, List<CodeNode> reverse)
    {
        // y = f(a, b)  =>  fPullback(a, b, dy, ref da, ref db): the callee adds dy * df/da into da.
        var arguments = new List<string>();
        foreach (Expr a in u.Args)
        {
            arguments.Add(Print(a).Text);
        }

        if (u.ReceivesResult && u.Output < 0)
        {
            arguments.Add(u.Temp ?? Print(u).Text);
        }

        arguments.Add(negated ? "-" + adjoint : adjoint);
        var after = new List<(Expr Arg, string Local)>();
        var returns = new List<CodeNode>();
        for (int i = 0; i < u.Args.Length; i++)
        {
            if (!u.Differentiable[i] || i == u.Output)
            {
                continue;
            }

            Expr arg = u.Args[i];
            if (arg is VarExpr { Var.IsArray: true } array)
            {
                string element = BodyLowering.KindType(array.Var.Kind);
                string start = array.Slice?.StartValue.Code.Text ?? "0";
                string length = array.Slice?.LengthValue.Code.Text ?? array.Var.Name + ".Length";
                if (array.Var.Active)
                {
                    // The callee adds into the adjoint of the array (a pooled local array may be longer: slice it),
                    // or of the part passed.
                    arguments.Add(array.Var.Role == VarRole.Parameter
                        ? array.Slice is null ? array.Var.Adjoint! : array.Var.Adjoint + ".Slice(" + start + ", " + length + ")"
                        : "new global::System.Span<" + element + ">(" + array.Var.Adjoint + ", " + start + ", " + length + ")");
                }
                else
                {
                    arguments.Add(u.AcceptsEmptyGradients ? "default" : Scratch(element, length, reverse, returns));
                }

                continue;
            }

            if (arg is OpaqueExpr { Kind: NumKind.Other } table)
            {
                // An inactive array argument (a constant table): a scratch gradient whose result is dropped, or
                // none at all when the pullback skips empty gradients.
                arguments.Add(u.AcceptsEmptyGradients ? "default" : Scratch(BodyLowering.KindType(u.Kind), table.Code.At(Code.Primary) + ".Length", reverse, returns));
                continue;
            }

            if (arg is VarExpr { Var.Active: true } ve)
            {
                arguments.Add("ref " + ve.Var.Adjoint);
                continue;
            }

            string local = names.Next("_r");
            reverse.Add(CodeNode.Line(BodyLowering.KindType(arg.Kind) + " " + local + " = 0;"));
            arguments.Add("ref " + local);
            if (arg.Active)
            {
                after.Add((arg, local));
            }
        }

        reverse.Add(CodeNode.Line(u.Pullback + "(" + string.Join(", ", arguments) + ");"));
        reverse.AddRange(returns);
        foreach ((Expr arg, string local) in after)
        {
            Backprop(arg, local, false, reverse);
        }
    }

    private static string Substitute(string template, CallExpr c, string adjoint)
    {
        string math = c.Kind == NumKind.Float ? "global::System.MathF" : "global::System.Math";
        string result = template
            .Replace("{g}", adjoint)
            .Replace("{M}", math)
            .Replace("{T}", BodyLowering.KindType(c.Kind))
            .Replace("{H}", DerivativeRules.HelpersType)
            .Replace("{y}", c.Temp ?? "default");
        for (int i = 0; i < c.Args.Length; i++)
        {
            result = result.Replace("{" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}", Print(c.Args[i]).At(Code.Unary));
        }

        return result;
    }

    /// <summary>Adds <paramref name="contribution"/> to the adjoint of <paramref name="target"/>.</summary>
    private void Send(Expr target, string contribution, bool negated, List<CodeNode> reverse)
    {
        if (!target.Active)
        {
            return;
        }

        if (target is VarExpr v)
        {
            reverse.Add(CodeNode.Line(v.Var.Adjoint + (negated ? " -= " : " += ") + contribution + ";"));
            return;
        }

        if (target is ElemExpr el)
        {
            // y = w[i]  =>  dw[i] += dy
            reverse.Add(CodeNode.Line((el.View?.AdjointElement ?? el.Array.Adjoint + "[" + el.Index.Code.Text + "]") + (negated ? " -= " : " += ") + contribution + ";"));
            return;
        }

        if (IsIdentifier(contribution))
        {
            Backprop(target, contribution, negated, reverse);
            return;
        }

        string local = names.Next("_r");
        reverse.Add(CodeNode.Line(BodyLowering.KindType(target.Kind) + " " + local + " = " + contribution + ";"));
        Backprop(target, local, negated, reverse);
    }

    /// <summary>A pooled scratch span of <paramref name="length"/> for a gradient nobody needs.</summary>
    private string Scratch(string element, string length, List<CodeNode> reverse, List<CodeNode> returns)
    {
        string scratch = names.Next("_r");
        string pool = "global::System.Buffers.ArrayPool<" + element + ">.Shared";
        reverse.Add(CodeNode.Line(element + "[] " + scratch + " = " + pool + ".Rent(" + length + ");"));
        returns.Add(CodeNode.Line(pool + ".Return(" + scratch + ");"));
        return "new global::System.Span<" + element + ">(" + scratch + ", 0, " + length + ")";
    }

    /// <summary>
    /// The literal <c>c</c> of <c>c * x * x</c> (parsed as <c>(c * x) * x</c>: <c>100 * t * t</c>, <c>0.5 * r * r</c>),
    /// whose derivative <c>2 c x</c> needs neither the product <c>c * x</c> nor a second multiplication.
    /// </summary>
    private static LitExpr? ScaledSquare(BinaryExpr b)
        => b is { Op: '*', Left: BinaryExpr { Op: '*', Left: LitExpr scale } inner } && SameLeaf(inner.Right, b.Right) && inner.Right.Active
            ? scale
            : null;

    private static bool SameLeaf(Expr a, Expr b) => (a, b) switch
    {
        (VarExpr x, VarExpr y) => x.Var == y.Var,
        (ElemExpr x, ElemExpr y) => x.Array == y.Array && x.Index.Code.Text == y.Index.Code.Text,
        _ => false,
    };

    /// <summary>
    /// Peephole over a reverse sweep: the first contribution to an adjoint that is known to be zero assigns instead
    /// of adding (<c>_d_x = e</c>, not <c>_d_x += e</c>; the JIT may not drop <c>0 + e</c> because of -0). Knowledge
    /// flows into if/else branches, is dropped inside loop bodies, and anything a block touches is unknown after it.
    /// </summary>
    public static List<CodeNode> FoldZeroAdjoints(List<CodeNode> reverse, HashSet<string> adjoints)
        => FoldZeroAdjoints(reverse, new HashSet<string>(adjoints), adjoints);

    /// <summary>
    /// The same over a sequence that starts with <paramref name="known"/> adjoints at zero (updated to what is known
    /// at its end): the forward sweep, whose fused loops hold reverse code, then the reverse sweep.
    /// </summary>
    public static List<CodeNode> FoldZeroAdjoints(List<CodeNode> nodes, HashSet<string> known, HashSet<string> adjoints)
        => Fold(nodes, known, adjoints);

    private static List<CodeNode> Fold(IEnumerable<CodeNode> nodes, HashSet<string> known, HashSet<string> adjoints)
    {
        var result = new List<CodeNode>();
        foreach (CodeNode node in nodes)
        {
            if (node.IsBlock)
            {
                bool loop = node.Text.StartsWith("for ", System.StringComparison.Ordinal) || node.Text.StartsWith("while", System.StringComparison.Ordinal) || node.Text == "do";
                var inner = loop ? ZeroAtEveryIteration(node, known, adjoints) : new HashSet<string>(known);
                result.Add(new CodeNode(node.Text, Fold(node.Children, inner, adjoints).ToEquatableArray(), true));
                known.ExceptWith(Touched(node, adjoints));
                continue;
            }

            string text = node.Text;
            int space = text.IndexOf(' ');
            string head = space > 0 ? text.Substring(0, space) : text;
            if (adjoints.Contains(head))
            {
                string rest = text.Substring(space + 1);
                if (rest == "= 0;")
                {
                    known.Add(head);
                }
                else if (known.Contains(head) && (rest.StartsWith("+= ", System.StringComparison.Ordinal) || rest.StartsWith("-= ", System.StringComparison.Ordinal)))
                {
                    string value = rest.Substring(3, rest.Length - 4);
                    text = head + " = " + (rest[0] == '+' ? value : "-(" + value + ")") + ";";
                    known.Remove(head);
                }
                else
                {
                    known.Remove(head);
                }
            }
            else
            {
                foreach (string name in adjoints)
                {
                    if (text.Contains("ref " + name))
                    {
                        known.Remove(name);
                    }
                }
            }

            result.Add(text == node.Text ? node : CodeNode.Line(text));
        }

        return result;
    }

    /// <summary>
    /// Adjoints known to be zero at the start of every iteration of a loop body: zero before the loop, and reset
    /// to zero by the body's last top-level line that touches them (nothing after it in the body touches them).
    /// </summary>
    private static HashSet<string> ZeroAtEveryIteration(CodeNode loop, HashSet<string> known, HashSet<string> adjoints)
    {
        var result = new HashSet<string>();
        foreach (string name in known)
        {
            for (int i = loop.Children.Count - 1; i >= 0; i--)
            {
                CodeNode child = loop.Children[i];
                bool touches = child.IsBlock ? Touched(child, adjoints).Contains(name) : Mentions(child.Text, name);
                if (!touches)
                {
                    continue;
                }

                if (EndsWithReset(child, name, adjoints))
                {
                    result.Add(name);
                }

                break;
            }
        }

        return result;
    }

    /// <summary>Whether the last line touching <paramref name="name"/> in a line or plain scope block resets it to zero.</summary>
    private static bool EndsWithReset(CodeNode node, string name, HashSet<string> adjoints)
    {
        if (!node.IsBlock)
        {
            return node.Text == name + " = 0;";
        }

        if (node.Text.Length > 0)
        {
            return false;
        }

        for (int i = node.Children.Count - 1; i >= 0; i--)
        {
            CodeNode child = node.Children[i];
            if (child.IsBlock ? Touched(child, adjoints).Contains(name) : Mentions(child.Text, name))
            {
                return EndsWithReset(child, name, adjoints);
            }
        }

        return false;
    }

    /// <summary>Whether a line writes or passes by ref the adjoint <paramref name="name"/>.</summary>
    private static bool Mentions(string text, string name)
        => text.StartsWith(name + " ", System.StringComparison.Ordinal) || text.Contains("ref " + name);

    private static IEnumerable<string> Touched(CodeNode node, HashSet<string> adjoints)
    {
        foreach (CodeNode child in node.Children)
        {
            if (child.IsBlock)
            {
                foreach (string t in Touched(child, adjoints))
                {
                    yield return t;
                }

                continue;
            }

            foreach (string name in adjoints)
            {
                if (child.Text.StartsWith(name + " ", System.StringComparison.Ordinal) || child.Text.Contains("ref " + name))
                {
                    yield return name;
                }
            }
        }
    }

    private static bool IsIdentifier(string text) => text.All(ch => char.IsLetterOrDigit(ch) || ch == '_');
}
