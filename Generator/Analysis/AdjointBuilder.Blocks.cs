using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace AutoDiffGen.Generator.Analysis;

/// <summary>
/// Block-indexed arrays: a local array used per iteration of a counted loop <c>c</c> only through elements
/// <c>a[c * B + j]</c> with <c>0 &lt;= j &lt; B</c> (per-component buffers, rows of a flattened matrix). Different
/// iterations of <c>c</c> touch disjoint blocks, so a later iteration never overwrites what an earlier one reads.
/// </summary>
/// <remarks>
/// The offset <c>j</c> is proved to lie in <c>[0, B)</c> from loop headers: it is the counter of a loop
/// <c>for (j = s; j &lt; B; j += step)</c> with <c>step &gt; 0</c> and a start that is a non-negative literal, a
/// counter with a non-negative start, or a sum of those; <c>B</c> is an unassigned parameter or a positive literal.
/// </remarks>
internal sealed partial class AdjointBuilder
{
    private readonly Dictionary<string, LoopStmt> counterLoops = new(System.StringComparer.Ordinal);

    private void IndexCounters(List<Stmt> statements)
    {
        Stmt.Walk(statements, s =>
        {
            if (s is LoopStmt { Counter: not null } l)
            {
                counterLoops[l.Counter.Name] = l;
            }
        });
    }

    /// <summary>
    /// The reader <paramref name="r"/> and the writer <paramref name="s"/> of array <paramref name="v"/> touch only
    /// the block of the current iteration of <paramref name="loop"/>: no later iteration overwrites what
    /// <paramref name="r"/> reads.
    /// </summary>
    private bool BlockDisjoint(AssignStmt s, AssignStmt r, LoopStmt loop, Var v)
    {
        if (loop.Counter is null || s.Index is null || s.IsVectorCall || !TryBlock(s.Index, loop.Counter.Name, out string? block))
        {
            return false;
        }

        List<OpaqueExpr>? indices = ElementReads(r.Value, v);
        return indices is not null && indices.All(i => TryBlock(i, loop.Counter.Name, out string? b) && b == block);
    }

    /// <summary>Whether <paramref name="index"/> is <c>counter * B + j</c> (in any order) with <c>j</c> in <c>[0, B)</c>.</summary>
    private bool TryBlock(OpaqueExpr index, string counter, out string? block)
    {
        block = null;
        if (!TrySplitBlock(index.Code.Text, counter, out string? b, out string? offset) || !IsFixedSize(b!, index.Reads) || !InBlock(offset!, b!))
        {
            return false;
        }

        block = b;
        return true;
    }

    private static bool TrySplitBlock(string code, string counter, out string? block, out string? offset)
    {
        block = null;
        offset = null;
        List<string> terms = SplitTopLevelSum(code);
        if (terms.Count is < 1 or > 2)
        {
            return false;
        }

        for (int k = 0; k < terms.Count; k++)
        {
            string[] factors = terms[k].Split(new[] { " * " }, System.StringSplitOptions.None);
            if (factors.Length != 2)
            {
                continue;
            }

            string? b = factors[0] == counter ? factors[1] : factors[1] == counter ? factors[0] : null;
            if (b is null || !IsSimpleName(b))
            {
                continue;
            }

            block = b;
            offset = terms.Count == 1 ? "0" : terms[1 - k];
            return true;
        }

        return false;
    }

    /// <summary>The terms of a top-level sum <c>a + b + c</c> (no subtraction, parentheses kept whole).</summary>
    private static List<string> SplitTopLevelSum(string code)
    {
        var terms = new List<string>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < code.Length; i++)
        {
            char ch = code[i];
            if (ch is '(' or '[')
            {
                depth++;
            }
            else if (ch is ')' or ']')
            {
                depth--;
            }
            else if (depth == 0 && ch == '-' && i > 0 && code[i - 1] == ' ')
            {
                return new List<string>();
            }
            else if (depth == 0 && ch == '+' && i > 0 && code[i - 1] == ' ' && i + 1 < code.Length && code[i + 1] == ' ')
            {
                terms.Add(code.Substring(start, i - 1 - start).Trim());
                start = i + 2;
            }
        }

        terms.Add(code.Substring(start).Trim());
        return terms;
    }

    private static bool IsSimpleName(string text) => text.Length > 0 && text.All(ch => char.IsLetterOrDigit(ch) || ch == '_');

    /// <summary>The block size is the same in every iteration: a positive literal or an unassigned parameter.</summary>
    private static bool IsFixedSize(string block, List<Var> reads)
        => (int.TryParse(block, NumberStyles.None, CultureInfo.InvariantCulture, out int size) && size > 0)
           || reads.Any(v => v.Name == block && v.IsFixedParameter && v.Kind == NumKind.Other);

    /// <summary>The offset is in <c>[0, block)</c>: a literal below a literal block, or a counter bounded by the block.</summary>
    private bool InBlock(string offset, string block)
    {
        if (int.TryParse(offset, NumberStyles.None, CultureInfo.InvariantCulture, out int literal))
        {
            return int.TryParse(block, NumberStyles.None, CultureInfo.InvariantCulture, out int size) && literal < size;
        }

        return counterLoops.TryGetValue(offset, out LoopStmt? loop) && loop.Step > 0 && loop.Comparison == "<" && loop.Bound?.Code.Text == block
               && loop.Start is not null && NonNegative(loop.Start.Code.Text, 0);
    }

    private bool NonNegative(string code, int depth)
    {
        if (depth > 8)
        {
            return false;
        }

        if (int.TryParse(code, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            return true;
        }

        List<string> terms = SplitTopLevelSum(code);
        if (terms.Count > 1)
        {
            return terms.All(t => NonNegative(t, depth + 1));
        }

        return counterLoops.TryGetValue(code, out LoopStmt? loop) && loop.Step > 0 && loop.Start is not null && NonNegative(loop.Start.Code.Text, depth + 1);
    }

    /// <summary>The indices of every element of <paramref name="v"/> that <paramref name="e"/> reads; null if it uses the whole array.</summary>
    private static List<OpaqueExpr>? ElementReads(Expr e, Var v)
    {
        var indices = new List<OpaqueExpr>();
        return Collect(e) ? indices : null;

        bool Collect(Expr x)
        {
            switch (x)
            {
                case ElemExpr el when el.Array == v:
                    indices.Add(el.Index);
                    return !el.Index.Reads.Contains(v);
                case ElemExpr el:
                    return !el.Index.Reads.Contains(v);
                case VarExpr ve:
                    return ve.Var != v;
                case OpaqueExpr o:
                    return !o.Reads.Contains(v);
                default:
                    return Expr.Children(x).All(Collect);
            }
        }
    }

    /// <summary>
    /// A loop of a fused body that uses <paramref name="array"/> only in its own block: each iteration first
    /// overwrites its whole block (<c>for (j = 0; j &lt; B; j++) a[c * B + j] = ...</c>) and then reads only
    /// elements of that block. Nothing flows between iterations of the fused loop through it.
    /// </summary>
    private bool BlockLocal(LoopStmt loop, Var array)
    {
        if (loop.Counter is null || loop.BreakFlag is not null || loop.ContinueFlag is not null || loop.ReturnFlag is not null)
        {
            return false;
        }

        string counter = loop.Counter.Name;
        string? block = null;
        foreach (Stmt t in loop.Body)
        {
            if (block is null && t is LoopStmt fill && FillsBlock(fill, array, counter, out string? b))
            {
                block = b;
                continue;
            }

            bool readsIt = false;
            bool inBlock = true;
            Stmt.Walk(new List<Stmt> { t }, x =>
            {
                switch (x)
                {
                    case AssignStmt a:
                    {
                        List<OpaqueExpr>? reads = ElementReads(a.Value, array);
                        if (reads is null || (a.Index is not null && a.Index.Reads.Contains(array)))
                        {
                            readsIt = true;
                            inBlock = false;
                        }
                        else if (reads.Count > 0)
                        {
                            readsIt = true;
                            inBlock &= reads.All(i => TryBlock(i, counter, out string? rb) && rb == block);
                        }

                        break;
                    }

                    case IfStmt i when i.Condition.Reads.Contains(array):
                    case LoopStmt l when l.Condition is not null && l.Condition.Reads.Contains(array):
                    case ForwardOnlyStmt f when f.Reads.Contains(array):
                        readsIt = true;
                        inBlock = false;
                        break;
                }
            });
            if (readsIt && (block is null || !inBlock))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><c>for (j = 0; j &lt; B; j++) { ... a[counter * B + j] = ...; ... }</c>, unconditional, not reading <c>a</c>.</summary>
    private bool FillsBlock(LoopStmt fill, Var array, string counter, out string? block)
    {
        block = null;
        if (fill.Counter is null || fill.Step != 1 || fill.Comparison != "<" || fill.Start?.Code.Text != "0" || fill.Bound is null
            || fill.BreakFlag is not null || fill.ContinueFlag is not null || fill.ReturnFlag is not null || AllReads(fill.Body).Contains(array))
        {
            return false;
        }

        foreach (Stmt s in fill.Body)
        {
            if (s is AssignStmt { Index: not null, IsVectorCall: false } a && a.Target == array
                && TrySplitBlock(a.Index.Code.Text, counter, out string? b, out string? offset) && offset == fill.Counter.Name
                && b == fill.Bound.Code.Text && IsFixedSize(b!, a.Index.Reads))
            {
                block = b;
                return true;
            }
        }

        return false;
    }
}
