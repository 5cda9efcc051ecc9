using System.Collections.Generic;

namespace AutoDiffGen.Generator.Analysis;

/// <summary>
/// Activity analysis (as Clad's ActivityAnalyzer and Enzyme's ActivityAnalysis): a variable is active when it
/// depends on a differentiable input (varied) and influences the result (useful). Only active values get
/// adjoints, so constants, integer counters and [NoDiff] inputs cost nothing in the reverse sweep.
/// Flow-insensitive fixed points over all assignments: conservative, and exact for straight-line code.
/// </summary>
internal static class Activity
{
    public static void Run(List<Stmt> body, IEnumerable<Var> parameters, Var result)
    {
        foreach (Var p in parameters)
        {
            p.Varied = p.Kind != NumKind.Other && !p.IsNoDiff;
        }

        var assignments = new List<AssignStmt>();
        Collect(body, assignments);

        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (AssignStmt a in assignments)
            {
                if (!a.Target.Varied && a.Target.Kind != NumKind.Other && IsVaried(a.Value))
                {
                    a.Target.Varied = true;
                    changed = true;
                }
            }
        }

        result.Useful = true;
        changed = true;
        while (changed)
        {
            changed = false;
            foreach (AssignStmt a in assignments)
            {
                if (!a.Target.Useful)
                {
                    continue;
                }

                foreach (Var v in DifferentiableReads(a.Value))
                {
                    if (!v.Useful)
                    {
                        v.Useful = true;
                        changed = true;
                    }
                }
            }
        }

        foreach (AssignStmt a in assignments)
        {
            Mark(a.Value);
        }
    }

    public static void Collect(List<Stmt> statements, List<AssignStmt> into)
        => Stmt.Walk(statements, s =>
        {
            if (s is AssignStmt a)
            {
                into.Add(a);
            }
        });

    private static bool IsVaried(Expr e)
    {
        foreach (Var v in DifferentiableReads(e))
        {
            if (v.Varied)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The variables a derivative can flow into from this expression.</summary>
    public static IEnumerable<Var> DifferentiableReads(Expr e)
    {
        switch (e)
        {
            case VarExpr v:
                yield return v.Var;
                break;
            case ElemExpr element:
                yield return element.Array;
                break;
            default:
                foreach (Expr child in DifferentiableChildren(e))
                {
                    foreach (Var v in DifferentiableReads(child))
                    {
                        yield return v;
                    }
                }

                break;
        }
    }

    public static IEnumerable<Expr> DifferentiableChildren(Expr e)
    {
        switch (e)
        {
            case NegExpr n:
                yield return n.Operand;
                break;
            case ConvertExpr c:
                yield return c.Operand;
                break;
            case BinaryExpr b:
                yield return b.Left;
                yield return b.Right;
                break;
            case CallExpr c:
                foreach (Expr a in c.Args)
                {
                    yield return a;
                }

                break;
            case UserCallExpr u:
                for (int i = 0; i < u.Args.Length; i++)
                {
                    if (u.Differentiable[i])
                    {
                        yield return u.Args[i];
                    }
                }

                break;
        }
    }

    private static bool Mark(Expr e)
    {
        bool active = false;
        foreach (Expr child in DifferentiableChildren(e))
        {
            active |= Mark(child);
        }

        if (e is VarExpr v)
        {
            active = v.Var.Active;
        }
        else if (e is ElemExpr el)
        {
            active = el.Array.Active;
        }

        e.Active = active && e.Kind != NumKind.Other;
        return e.Active;
    }
}
