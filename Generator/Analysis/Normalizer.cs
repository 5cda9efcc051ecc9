using System.Collections.Generic;
using System.Linq;

namespace AutoDiffGen.Generator.Analysis;

/// <summary>
/// Removes early exits (return, break, continue, throw) so the reverse sweep can mirror the forward one block by
/// block (C# cannot jump into a block, as Clad's reverse sweep does in C++). <c>if (c) return a; rest;</c> becomes
/// <c>if (c) r = a; else { rest }</c>; when a path only sometimes exits, the rest is guarded by the exit's flag
/// (<c>if (!_returned) { rest }</c>) and loops test the flags (<c>while (!_break0 &amp;&amp; cond)</c>).
/// </summary>
internal sealed class Normalizer
{
    private readonly BodyLowering lowering;
    private readonly Stack<LoopStmt> loops = new();
    private Var? returnFlag;

    public Normalizer(BodyLowering lowering) => this.lowering = lowering;

    private enum Exit
    {
        Never,
        Maybe,
        Always,
    }

    public List<Stmt> Normalize(List<Stmt> body)
    {
        if (NeedsReturnFlag(body, inLoop: false))
        {
            returnFlag = lowering.NewTemp(NumKind.Other, "_returned", "bool");
        }

        return Sequence(body);
    }

    /// <summary>A return inside a loop, or one on some paths of a branch followed by more code, needs a flag.</summary>
    private static bool NeedsReturnFlag(List<Stmt> statements, bool inLoop)
    {
        for (int i = 0; i < statements.Count; i++)
        {
            switch (statements[i])
            {
                case ReturnStmt when inLoop:
                    return true;
                case IfStmt s:
                    if (NeedsReturnFlag(s.Then, inLoop) || NeedsReturnFlag(s.Else, inLoop))
                    {
                        return true;
                    }

                    Exit then = Exits(s.Then), @else = Exits(s.Else);
                    bool mixed = !(then == Exit.Never && @else == Exit.Never) && !(then == Exit.Always || @else == Exit.Always);
                    if (mixed && i < statements.Count - 1 && ContainsReturn(s))
                    {
                        return true;
                    }

                    break;
                case LoopStmt loop when NeedsReturnFlag(loop.Body, inLoop: true) || ContainsReturn(loop):
                    return true;
            }
        }

        return false;
    }

    private static bool ContainsReturn(Stmt s) => s switch
    {
        ReturnStmt => true,
        IfStmt i => i.Then.Any(ContainsReturn) || i.Else.Any(ContainsReturn),
        LoopStmt l => l.Body.Any(ContainsReturn),
        _ => false,
    };

    /// <summary>Whether a statement leaves the enclosing sequence by return, break or continue (which set flags), not by a throw.</summary>
    private static bool LeavesByJump(Stmt statement) => statement switch
    {
        ReturnStmt or BreakStmt or ContinueStmt => true,
        IfStmt s => s.Then.Any(LeavesByJump) || s.Else.Any(LeavesByJump),
        LoopStmt l => l.Body.Any(ContainsReturn),
        _ => false,
    };

    /// <summary>How a statement leaves the enclosing sequence (loops absorb their own break and continue).</summary>
    private static Exit Exits(Stmt statement) => statement switch
    {
        ReturnStmt or BreakStmt or ContinueStmt => Exit.Always,
        ForwardOnlyStmt { Exits: true } => Exit.Always,
        IfStmt s => Combine(Exits(s.Then), Exits(s.Else)),
        LoopStmt l => l.Body.Any(ContainsReturn) ? Exit.Maybe : Exit.Never,
        _ => Exit.Never,
    };

    private static Exit Exits(List<Stmt> statements)
    {
        Exit result = Exit.Never;
        foreach (Stmt s in statements)
        {
            Exit e = Exits(s);
            if (e == Exit.Always)
            {
                return Exit.Always;
            }

            if (e == Exit.Maybe)
            {
                result = Exit.Maybe;
            }
        }

        return result;
    }

    private static Exit Combine(Exit a, Exit b)
        => a == Exit.Always && b == Exit.Always ? Exit.Always : a == Exit.Never && b == Exit.Never ? Exit.Never : Exit.Maybe;

    private List<Stmt> Sequence(List<Stmt> statements)
    {
        var output = new List<Stmt>();
        for (int i = 0; i < statements.Count; i++)
        {
            Stmt s = statements[i];
            List<Stmt> rest = statements.Skip(i + 1).ToList();
            switch (s)
            {
                case ReturnStmt ret:
                    lowering.Result.AssignSites++;
                    output.Add(new AssignStmt(lowering.Result, ret.Value, ret.Syntax));
                    if (returnFlag is not null)
                    {
                        output.Add(SetFlag(returnFlag));
                    }

                    return output; // Anything after an exit is unreachable.
                case BreakStmt:
                    output.Add(SetFlag(BreakFlag()));
                    return output;
                case ContinueStmt:
                    output.Add(SetFlag(ContinueFlag()));
                    return output;
                case ForwardOnlyStmt { Exits: true }:
                    output.Add(s);
                    return output;
                case LoopStmt loop:
                {
                    loops.Push(loop);
                    List<Stmt> body = Sequence(loop.Body);
                    loops.Pop();
                    if (loop.Increment.Count > 0)
                    {
                        // continue still runs the increment; break and return skip it.
                        OpaqueExpr? stop = StopCondition(loop.BreakFlag, loop.Body.Any(ContainsReturn) ? returnFlag : null);
                        body.AddRange(stop is null ? loop.Increment : new List<Stmt> { new IfStmt(stop, loop.Increment, new List<Stmt>(), null) });
                    }

                    loop.Body = body;
                    if (loop.Body.Any(ContainsReturnAssign))
                    {
                        loop.ReturnFlag = returnFlag;
                    }

                    output.Add(loop);
                    if (loop.ReturnFlag is not null && rest.Count > 0)
                    {
                        output.Add(Guarded(rest));
                        return output;
                    }

                    break;
                }

                case IfStmt branch:
                {
                    Exit then = Exits(branch.Then);
                    Exit @else = Exits(branch.Else);
                    if (then == Exit.Never && @else == Exit.Never || rest.Count == 0 || then == Exit.Always && @else == Exit.Always)
                    {
                        output.Add(new IfStmt(branch.Condition, Sequence(branch.Then), Sequence(branch.Else), branch.Syntax));
                        if (then == Exit.Always && @else == Exit.Always)
                        {
                            return output;
                        }

                        break;
                    }

                    if (then == Exit.Always)
                    {
                        output.Add(new IfStmt(branch.Condition, Sequence(branch.Then), Sequence(branch.Else.Concat(rest).ToList()), branch.Syntax));
                        return output;
                    }

                    if (@else == Exit.Always)
                    {
                        output.Add(new IfStmt(branch.Condition, Sequence(branch.Then.Concat(rest).ToList()), Sequence(branch.Else), branch.Syntax));
                        return output;
                    }

                    if (!branch.Then.Any(LeavesByJump) && !branch.Else.Any(LeavesByJump))
                    {
                        // Only a throw leaves on some path: it leaves the method, so the rest needs no flag.
                        output.Add(new IfStmt(branch.Condition, Sequence(branch.Then), Sequence(branch.Else), branch.Syntax));
                        break;
                    }

                    // Some path inside exits and another falls through: guard the rest with the flags.
                    output.Add(new IfStmt(branch.Condition, Sequence(branch.Then), Sequence(branch.Else), branch.Syntax));
                    output.Add(Guarded(rest));
                    return output;
                }

                default:
                    output.Add(s);
                    break;
            }
        }

        return output;
    }

    /// <summary>Whether a normalized statement raises the return flag (a return happened inside it).</summary>
    private bool ContainsReturnAssign(Stmt s) => s switch
    {
        AssignStmt a => returnFlag is not null && a.Target == returnFlag,
        IfStmt i => i.Then.Any(ContainsReturnAssign) || i.Else.Any(ContainsReturnAssign),
        LoopStmt l => l.Body.Any(ContainsReturnAssign),
        _ => false,
    };

    /// <summary><c>if (!(flags)) { rest }</c> with every flag that may have been raised at this point.</summary>
    private IfStmt Guarded(List<Stmt> rest)
    {
        LoopStmt? loop = loops.Count > 0 ? loops.Peek() : null;
        var flags = new List<Var>();
        if (returnFlag is not null)
        {
            flags.Add(returnFlag);
        }

        if (loop is not null)
        {
            flags.Add(BreakFlag());
            flags.Add(ContinueFlag());
        }

        var condition = new OpaqueExpr(
            new Code("!(" + string.Join(" || ", flags.Select(f => f.Name)) + ")", Code.Unary),
            NumKind.Other,
            flags);
        return new IfStmt(condition, Sequence(rest), new List<Stmt>(), null);
    }

    private static OpaqueExpr? StopCondition(Var? breakFlag, Var? returned)
    {
        var flags = new List<Var>();
        if (breakFlag is not null)
        {
            flags.Add(breakFlag);
        }

        if (returned is not null)
        {
            flags.Add(returned);
        }

        return flags.Count == 0
            ? null
            : new OpaqueExpr(new Code("!(" + string.Join(" || ", flags.Select(f => f.Name)) + ")", Code.Unary), NumKind.Other, flags);
    }

    private Var BreakFlag()
    {
        LoopStmt loop = loops.Peek();
        return loop.BreakFlag ??= lowering.NewTemp(NumKind.Other, "_break", "bool");
    }

    private Var ContinueFlag()
    {
        LoopStmt loop = loops.Peek();
        return loop.ContinueFlag ??= lowering.NewTemp(NumKind.Other, "_continue", "bool");
    }

    private static AssignStmt SetFlag(Var flag)
    {
        flag.AssignSites++;
        return new AssignStmt(flag, new OpaqueExpr(new Code("true", Code.Primary), NumKind.Other, new List<Var>()), null);
    }
}
