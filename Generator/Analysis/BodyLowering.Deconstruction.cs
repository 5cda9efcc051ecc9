using System.Collections.Generic;
using System.Linq;
using AutoDiffGen.Generator.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace AutoDiffGen.Generator.Analysis;

/// <summary>
/// Tuple assignments of locals: <c>(a, b) = (b, a + b)</c>, <c>(double s, double c) = (Math.Sin(x), Math.Cos(x))</c>,
/// <c>var (p, q) = (x * y, x + y)</c>. C# evaluates every value before it assigns any target, so values that read
/// a target assigned before them go through temporaries; otherwise the elements are plain assignments in order.
/// </summary>
internal sealed partial class BodyLowering
{
    private const string DeconstructionReason = "only a tuple of values assigned to a tuple of locals or discards can be differentiated: (a, b) = (b, a + b); assign elements one by one otherwise";

    private void LowerDeconstruction(IDeconstructionAssignmentOperation deconstruction, SyntaxNode statementSyntax)
    {
        IOperation target = deconstruction.Target is IDeclarationExpressionOperation { Expression: var declared } ? declared : deconstruction.Target;
        IOperation source = deconstruction.Value is IConversionOperation { Operand: ITupleOperation tuple } ? tuple : deconstruction.Value;
        if (target is not ITupleOperation targets || source is not ITupleOperation values || targets.Elements.Length != values.Elements.Length)
        {
            Report(DiagnosticIds.UnsupportedExpression, deconstruction.Syntax, Text(deconstruction.Syntax), DeconstructionReason);
            return;
        }

        // Each target: a local (declared here or before), or a discard (null).
        var locals = new List<(Var? Var, ISymbol? Symbol)>();
        foreach (IOperation element in targets.Elements)
        {
            IOperation e = element is IDeclarationExpressionOperation { Expression: var inner } ? inner : element;
            switch (e)
            {
                case IDiscardOperation:
                    locals.Add((null, null));
                    break;
                case ILocalReferenceOperation { Local: var local } when !slices.ContainsKey(local) && TargetVar(e) is Var v && !v.IsArray:
                    locals.Add((v, local));
                    break;
                case IParameterReferenceOperation { Parameter: var parameter } when TargetVar(e) is Var v && !v.IsArray:
                    locals.Add((v, parameter));
                    break;
                default:
                    Report(DiagnosticIds.UnsupportedExpression, element.Syntax, Text(element.Syntax), DeconstructionReason);
                    return;
            }
        }

        // Values that read a target assigned before them need the old value: then every value goes to a temporary first.
        bool needsTemporaries = false;
        for (int i = 1; i < values.Elements.Length && !needsTemporaries; i++)
        {
            var earlier = new HashSet<ISymbol>(locals.Take(i).Where(l => l.Symbol is not null).Select(l => l.Symbol!), SymbolEqualityComparer.Default);
            needsTemporaries = values.Elements[i].DescendantsAndSelf().Any(o => o switch
            {
                ILocalReferenceOperation l => earlier.Contains(l.Local),
                IParameterReferenceOperation p => earlier.Contains(p.Parameter),
                _ => false,
            });
        }

        var assignments = new List<(Var Target, Expr Value)>();
        for (int i = 0; i < locals.Count; i++)
        {
            (Var? v, _) = locals[i];
            IOperation value = values.Elements[i];
            if (v is null)
            {
                // A discard: a value that calls something still runs (it may throw), into a temporary of its own type.
                if (KindOf(value.Type) != NumKind.Other && value.DescendantsAndSelf().Any(o => o is IInvocationOperation))
                {
                    Var discard = NewTemp(KindOf(value.Type), "_v");
                    discard.AssignSites++;
                    current.Add(new AssignStmt(discard, LowerAs(value, discard.Kind), statementSyntax));
                }

                continue;
            }

            Expr lowered = LowerValue(value, v);
            if (!needsTemporaries)
            {
                v.AssignSites++;
                current.Add(new AssignStmt(v, lowered, statementSyntax));
                continue;
            }

            Var temp = NewTemp(v.Kind, "_v", v.Type);
            temp.AssignSites++;
            current.Add(new AssignStmt(temp, lowered, statementSyntax));
            assignments.Add((v, v.Kind == NumKind.Other ? new OpaqueExpr(new Code(temp.Name, Code.Primary), NumKind.Other, new List<Var> { temp }) : new VarExpr(temp)));
        }

        foreach ((Var v, Expr value) in assignments)
        {
            v.AssignSites++;
            current.Add(new AssignStmt(v, value, statementSyntax));
        }
    }
}
