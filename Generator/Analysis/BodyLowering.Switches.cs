using System.Collections.Generic;
using System.Linq;
using AutoDiffGen.Generator.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace AutoDiffGen.Generator.Analysis;

/// <summary>
/// Switch statements, switch expressions and pattern tests. Both kinds of switch become if/else chains over
/// pattern tests of the value switched on (<c>mode is 0</c>, <c>x is &gt; 0 and &lt; 1</c>), in the order C#
/// tries them, so the reverse sweep replays the branch taken like any other if/else. The patterns stay as the user
/// wrote them: constants, relational patterns, <c>and</c>, <c>or</c>, <c>not</c>, type tests, <c>when</c> guards.
/// </summary>
internal sealed partial class BodyLowering
{
    private const string PatternReason = "only patterns of constants can be tested in differentiable code: 0, > 1.5, >= 0 and < 10, not 0, or, when guards without declarations";

    /// <summary>The exit labels of the switch statements being lowered: a break to one ends its section.</summary>
    private readonly HashSet<ILabelSymbol> switchExits = new(SymbolEqualityComparer.Default);

    /// <summary>
    /// The value a switch tests, printed once per case: a value whose evaluation could change something or cost more
    /// than a read (a call, an assignment, an object) is evaluated once into a temporary first, as C# does.
    /// </summary>
    private Code? Governing(IOperation value, List<Var> reads)
    {
        if (value.DescendantsAndSelf().Any(o => o is IInvocationOperation or IObjectCreationOperation or IAssignmentOperation or IIncrementOrDecrementOperation or ISwitchExpressionOperation))
        {
            if (value.Type is null || (KindOf(value.Type) == NumKind.Other && !IsInteger(value.Type) && value.Type.SpecialType != SpecialType.System_Boolean))
            {
                Report(DiagnosticIds.UnsupportedExpression, value.Syntax, Text(value.Syntax),
                    "a switch in differentiable code evaluates a computed value it tests into a number first: switch on a number, or assign the value to a local");
                return null;
            }

            NumKind kind = KindOf(value.Type);
            Var temp = NewTemp(kind, "_s", kind == NumKind.Other ? OperationPrinter.TypeName(value.Type) : null);
            temp.AssignSites++;
            current.Add(new AssignStmt(temp, LowerValue(value, temp), value.Syntax));
            reads.Add(temp);
            return new Code(temp.Name, Code.Primary);
        }

        Code? code = printer.Print(value, reads);
        if (code is null)
        {
            Report(DiagnosticIds.UnsupportedExpression, value.Syntax, Text(value.Syntax), "this value cannot be evaluated in generated code");
        }

        return code;
    }

    /// <summary><c>value is pattern &amp;&amp; guard</c> as C#; null (reported) when the pattern or the guard cannot be printed.</summary>
    private string? PatternTest(Code value, IPatternOperation pattern, IOperation? guard, List<Var> reads)
    {
        string test;
        if (pattern is IDiscardPatternOperation)
        {
            test = "true";
        }
        else if (printer.Pattern(pattern, reads) is string printed)
        {
            test = value.At(Code.Relational) + " is " + printed;
        }
        else
        {
            Report(DiagnosticIds.UnsupportedExpression, pattern.Syntax, Text(pattern.Syntax), PatternReason);
            return null;
        }

        if (guard is null)
        {
            return test;
        }

        if (printer.Print(guard, reads) is not Code condition)
        {
            Report(DiagnosticIds.UnsupportedExpression, guard.Syntax, Text(guard.Syntax), "this condition cannot be evaluated in generated code");
            return null;
        }

        ConversionInside(guard);
        return test == "true" ? condition.Text : "(" + test + ") && " + condition.At(Code.ConditionalAnd + 1);
    }

    /// <summary>
    /// <c>switch (v) { case A: case B when g: ...; break; default: ...; break; }</c> as
    /// <c>if (v is A || (v is B) &amp;&amp; g) { ... } else { ... }</c>: sections in order, the default section last
    /// (C# takes it only when no case matches, wherever it stands).
    /// </summary>
    private void LowerSwitch(ISwitchOperation @switch)
    {
        var governingReads = new List<Var>();
        Code? governing = Governing(@switch.Value, governingReads);
        if (governing is null)
        {
            return;
        }

        switchExits.Add(@switch.ExitLabel);
        var sections = new List<(OpaqueExpr Condition, List<Stmt> Body, SyntaxNode Syntax)>();
        List<Stmt> fallback = new();
        foreach (ISwitchCaseOperation section in @switch.Cases)
        {
            var reads = new List<Var>(governingReads);
            var tests = new List<string>();
            bool isDefault = false;
            foreach (ICaseClauseOperation clause in section.Clauses)
            {
                switch (clause)
                {
                    case IDefaultCaseClauseOperation:
                        isDefault = true;
                        break;
                    case ISingleValueCaseClauseOperation single when printer.Print(single.Value, reads) is Code constant:
                        tests.Add(governing.Value.At(Code.Relational) + " is " + constant.At(Code.Relational + 1));
                        break;
                    case IPatternCaseClauseOperation patternClause:
                        tests.Add(PatternTest(governing.Value, patternClause.Pattern, patternClause.Guard, reads) ?? "false");
                        break;
                    default:
                        Report(DiagnosticIds.UnsupportedExpression, clause.Syntax, Text(clause.Syntax), PatternReason);
                        tests.Add("false");
                        break;
                }
            }

            if (isDefault && tests.Count > 0)
            {
                Report(DiagnosticIds.UnsupportedStatement, section.Syntax, FirstLine(section.Syntax),
                    "a section with both default and case labels is not supported: give default a section of its own");
            }

            List<Stmt> body = LowerSection(section);
            if (isDefault)
            {
                fallback = body;
            }
            else
            {
                string condition = tests.Count == 1 ? tests[0] : string.Join(" || ", tests.Select(t => "(" + t + ")"));
                sections.Add((new OpaqueExpr(new Code(condition, Code.ConditionalOr), NumKind.Other, reads.Distinct().ToList()), body, section.Syntax));
            }
        }

        switchExits.Remove(@switch.ExitLabel);
        List<Stmt> chain = fallback;
        for (int i = sections.Count - 1; i >= 0; i--)
        {
            chain = new List<Stmt> { new IfStmt(sections[i].Condition, sections[i].Body, chain, sections[i].Syntax) };
        }

        current.AddRange(chain);
    }

    /// <summary>A section's statements without the break that ends it.</summary>
    private List<Stmt> LowerSection(ISwitchCaseOperation section)
    {
        List<Stmt> saved = current;
        current = new List<Stmt>();
        for (int i = 0; i < section.Body.Length; i++)
        {
            IOperation statement = section.Body[i];
            bool endsSection = i == section.Body.Length - 1 && statement is IBranchOperation { BranchKind: BranchKind.Break } last && switchExits.Contains(last.Target);
            if (!endsSection)
            {
                LowerStatement(statement);
            }
        }

        List<Stmt> body = current;
        current = saved;
        return body;
    }

    /// <summary>
    /// <c>v switch { A =&gt; a, B when g =&gt; b, _ =&gt; c }</c> as <c>if (v is A) t = a; else if ((v is B) &amp;&amp; g) t = b; else t = c;</c>.
    /// Without a last arm that matches everything, the final else throws the primal's SwitchExpressionException.
    /// </summary>
    private Expr LowerSwitchExpression(ISwitchExpressionOperation switchExpression, NumKind kind)
    {
        var governingReads = new List<Var>();
        Code? governing = Governing(switchExpression.Value, governingReads);
        if (governing is null)
        {
            return new LitExpr(new Code("default", Code.Primary), kind);
        }

        Var temp = NewTemp(kind, "_v");
        temp.AssignSites++;
        List<Stmt> saved = current;
        List<Stmt> outer = saved;
        bool matchesAll = false;
        foreach (ISwitchExpressionArmOperation arm in switchExpression.Arms)
        {
            if (arm.Pattern is IDiscardPatternOperation && arm.Guard is null)
            {
                current = outer;
                current.Add(new AssignStmt(temp, LowerAs(arm.Value, kind), null));
                matchesAll = true;
                break;
            }

            var reads = new List<Var>(governingReads);
            string test = PatternTest(governing.Value, arm.Pattern, arm.Guard, reads) ?? "false";
            current = new List<Stmt>();
            current.Add(new AssignStmt(temp, LowerAs(arm.Value, kind), null));
            List<Stmt> then = current;
            var @else = new List<Stmt>();
            outer.Add(new IfStmt(new OpaqueExpr(new Code(test, Code.ConditionalOr), NumKind.Other, reads.Distinct().ToList()), then, @else, arm.Syntax));
            outer = @else;
        }

        if (!matchesAll)
        {
            outer.Add(new ForwardOnlyStmt(
                new Code("throw new global::System.Runtime.CompilerServices.SwitchExpressionException((object)" + governing.Value.At(Code.Unary) + ")", 0),
                exits: true, new List<Var>(governingReads), null, switchExpression.Syntax));
        }

        current = saved;
        return new VarExpr(temp);
    }
}
