using System.Collections.Generic;
using System.Linq;

namespace AutoDiffGen.Generator.Analysis;

/// <summary>
/// Removes early returns so the reverse sweep can mirror the forward one block by block (C# cannot jump into a
/// block, as Clad's reverse sweep does in C++). <c>if (c) return a; rest; return b;</c> becomes
/// <c>if (c) r = a; else { rest; r = b; }</c>; when a branch only sometimes returns, the rest is guarded by a
/// flag: <c>if (!returned) { rest }</c>. Throws end a path like a return.
/// </summary>
internal sealed class Normalizer
{
    private readonly BodyLowering lowering;
    private Var? flag;

    public Normalizer(BodyLowering lowering) => this.lowering = lowering;

    private enum Exit
    {
        Never,
        Maybe,
        Always,
    }

    public List<Stmt> Normalize(List<Stmt> body) => Sequence(body);

    private static Exit Exits(Stmt statement) => statement switch
    {
        ReturnStmt => Exit.Always,
        ForwardOnlyStmt { Exits: true } => Exit.Always,
        IfStmt s => Combine(Exits(s.Then), Exits(s.Else)),
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
                    if (flag is not null)
                    {
                        output.Add(SetFlag());
                    }

                    return output; // Anything after a return is unreachable.
                case ForwardOnlyStmt { Exits: true }:
                    output.Add(s);
                    return output;
                case IfStmt branch:
                {
                    Exit then = Exits(branch.Then);
                    Exit @else = Exits(branch.Else);
                    if (then == Exit.Never && @else == Exit.Never || rest.Count == 0)
                    {
                        output.Add(new IfStmt(branch.Condition, Sequence(branch.Then), Sequence(branch.Else), branch.Syntax));
                        break;
                    }

                    if (then == Exit.Always && @else == Exit.Always)
                    {
                        output.Add(new IfStmt(branch.Condition, Sequence(branch.Then), Sequence(branch.Else), branch.Syntax));
                        return output;
                    }

                    if (then == Exit.Always && @else == Exit.Never)
                    {
                        output.Add(new IfStmt(branch.Condition, Sequence(branch.Then), Sequence(branch.Else.Concat(rest).ToList()), branch.Syntax));
                        return output;
                    }

                    if (@else == Exit.Always && then == Exit.Never)
                    {
                        output.Add(new IfStmt(branch.Condition, Sequence(branch.Then.Concat(rest).ToList()), Sequence(branch.Else), branch.Syntax));
                        return output;
                    }

                    // Some path inside returns and another falls through: guard the rest with a flag.
                    flag ??= CreateFlag();
                    output.Add(new IfStmt(branch.Condition, Sequence(branch.Then), Sequence(branch.Else), branch.Syntax));
                    var guard = new OpaqueExpr(new Code("!" + flag.Name, Code.Unary), NumKind.Other, new List<Var> { flag });
                    output.Add(new IfStmt(guard, Sequence(rest), new List<Stmt>(), null));
                    return output;
                }

                default:
                    output.Add(s);
                    break;
            }
        }

        return output;
    }

    private Var CreateFlag()
    {
        Var v = lowering.NewTemp(NumKind.Other, "_returned");
        return v;
    }

    private AssignStmt SetFlag()
    {
        flag!.AssignSites++;
        return new AssignStmt(flag, new OpaqueExpr(new Code("true", Code.Primary), NumKind.Other, new List<Var>()), null);
    }
}
