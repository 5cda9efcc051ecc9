using System.Collections.Generic;
using System.Linq;
using AutoDiffGen.Generator.Helpers;
using AutoDiffGen.Generator.Models;

namespace AutoDiffGen.Generator.Analysis;

/// <summary>
/// Scalar replacement in reverse loops: <c>_d_a[i] += e</c> inside a loop whose index does not change in the loop
/// (the adjoint of <c>x[i]</c> in <c>for (j ...) y[j] += w[l] * x[i]</c>) accumulates in a local instead, written
/// back once after the loop. Each iteration otherwise loads and stores the same element and waits for its own
/// previous store: a register is several times faster. Only the pooled adjoints of local arrays are rewritten
/// (nothing else can alias them), and only when the loop mentions the array nowhere else.
/// </summary>
internal static class AccumulationHoisting
{
    public static List<CodeNode> Apply(List<CodeNode> nodes, Dictionary<string, string> arrays, NameAllocator names)
        => arrays.Count == 0
            ? nodes
            : RewriteLoops(nodes, loop => loop.Text.StartsWith("for (", System.StringComparison.Ordinal) || loop.Text.StartsWith("while (", System.StringComparison.Ordinal)
                ? Hoist(loop, arrays, names).ToList()
                : null);

    /// <summary>
    /// Rewrites every loop, innermost first: <paramref name="rewrite"/> returns the statements that replace a loop
    /// (locals before it, the loop, lines after it), or null to keep it. The loop's comment (the user's header)
    /// stays next to the loop: the new locals go above it.
    /// </summary>
    private static List<CodeNode> RewriteLoops(List<CodeNode> nodes, System.Func<CodeNode, List<CodeNode>?> rewrite)
    {
        var result = new List<CodeNode>();
        foreach (CodeNode node in nodes)
        {
            if (!node.IsBlock)
            {
                result.Add(node);
                continue;
            }

            var inner = new CodeNode(node.Text, RewriteLoops(node.Children.ToList(), rewrite).ToEquatableArray(), true);
            List<CodeNode>? replaced = rewrite(inner);
            if (replaced is null)
            {
                result.Add(inner);
                continue;
            }

            if (replaced.Count > 1 && result.Count > 0 && !result[result.Count - 1].IsBlock
                && result[result.Count - 1].Text.StartsWith("//", System.StringComparison.Ordinal))
            {
                CodeNode comment = result[result.Count - 1];
                result.RemoveAt(result.Count - 1);
                replaced.Insert(replaced.FindIndex(n => n.IsBlock), comment);
            }

            result.AddRange(replaced);
        }

        return result;
    }

    /// <summary>
    /// Loop-invariant element reads: <c>xc[b + i]</c> read in every iteration of a loop that changes neither the array
    /// nor the index (the <c>x[i]</c> of <c>for (j ...) dw[l] += g * x[i]</c>) is loaded once into a local before the
    /// loop. The compiler cannot do it itself: the loop stores into other arrays, which as far as it knows might be
    /// the same memory. Only arrays of the method (its parameters and local arrays) are considered, only when every
    /// mention of the array in the loop is an element read (no store, no call argument), only when the loop body
    /// reads it unconditionally and has no jumps, and only for an index without calls. The load is guarded by the loop's own condition, so a loop that runs no iteration reads nothing.
    /// </summary>
    public static List<CodeNode> HoistInvariantReads(List<CodeNode> nodes, Dictionary<string, string> arrays, HashSet<string> parameters, NameAllocator names)
        => arrays.Count == 0
            ? nodes
            : RewriteLoops(nodes, loop => LoopGuard(loop.Text) is string guard ? HoistReads(loop, guard, arrays, parameters, names) : null);

    /// <summary>
    /// The condition under which a loop runs its first iteration, for a reverse loop <c>for (; _n > 0; _n--)</c>, a
    /// reverse loop in the forward order <c>for (i = s; i &lt; b; i++)</c> (<c>s &lt; b</c>) or a forward
    /// <c>while (a &lt; b)</c>, each with a condition without side effects; null for any other loop.
    /// </summary>
    private static string? LoopGuard(string header)
    {
        System.Text.RegularExpressions.Match reverse = ReverseHeader.Match(header);
        if (reverse.Success)
        {
            return reverse.Groups[1].Value + " > 0";
        }

        System.Text.RegularExpressions.Match ascending = AscendingHeader.Match(header);
        if (ascending.Success)
        {
            string start = ascending.Groups[2].Value;
            string bound = ascending.Groups[4].Value;
            return Call.IsMatch(start) || Call.IsMatch(bound) ? null : "(" + start + ") " + ascending.Groups[3].Value + " " + bound;
        }

        System.Text.RegularExpressions.Match forward = ForwardHeader.Match(header);
        return forward.Success && !Call.IsMatch(forward.Groups[1].Value) ? forward.Groups[1].Value : null;
    }

    private static List<CodeNode> HoistReads(CodeNode loop, string guard, Dictionary<string, string> arrays, HashSet<string> parameters, NameAllocator names)
    {
        // What the body changes: the header's condition has no side effects, but a reverse loop's counter changes.
        var assigned = new HashSet<string>(System.StringComparer.Ordinal);
        var mentions = new Dictionary<string, int>(System.StringComparer.Ordinal);
        // Comments quote the user's source, whose names need not be the generated ones: they are not code.
        CodeNode code = WithoutComments(loop);
        Scan(new CodeNode(string.Empty, code.Children, true), assigned, mentions, arrays);
        foreach (System.Text.RegularExpressions.Match m in Increment.Matches(loop.Text))
        {
            assigned.Add(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value);
        }

        foreach (System.Text.RegularExpressions.Match m in Assignment.Matches(loop.Text))
        {
            assigned.Add(m.Groups[1].Value);
        }

        if (HasJump(loop))
        {
            return new List<CodeNode> { loop };
        }

        // A parameter array the loop writes (a [NoDiff] scratch buffer filled with constants) may be the same memory
        // as another parameter: then no parameter's element is taken as unchanged.
        bool parameterWritten = parameters.Any(assigned.Contains);

        // Candidate reads: element reads in the loop's own lines (executed in every iteration).
        var reads = new List<(string Array, string Index)>();
        foreach (CodeNode line in code.Children.Where(c => !c.IsBlock))
        {
            foreach ((string array, string index) in ElementReads(line.Text))
            {
                if (arrays.ContainsKey(array) && !assigned.Contains(array) && !(parameterWritten && parameters.Contains(array))
                    && !index.Contains('[') && !Call.IsMatch(index)
                    && !Identifiers(index).Any(assigned.Contains) && !reads.Contains((array, index)))
                {
                    reads.Add((array, index));
                }
            }
        }

        var before = new List<CodeNode>();
        var replacements = new List<(string Text, string Local)>();
        foreach ((string array, string index) in reads)
        {
            // Every mention of the array in the loop must be an element read: anything else (a store, a call
            // argument) could change it.
            string text = array + "[" + index + "]";
            if (ReadCount(code, array) != mentions[array])
            {
                continue;
            }

            string local = names.Next("_h");
            before.Add(CodeNode.Line(arrays[array] + " " + local + " = " + guard + " ? " + text + " : 0;"));
            replacements.Add((text, local));
        }

        if (replacements.Count == 0)
        {
            return new List<CodeNode> { loop };
        }

        before.Add(Replace(loop, replacements));
        return before;
    }

    private static CodeNode WithoutComments(CodeNode node)
        => new(node.Text, node.Children.Where(c => c.IsBlock || !IsComment(c.Text)).Select(c => c.IsBlock ? WithoutComments(c) : c).ToEquatableArray(), true);

    private static bool IsComment(string line) => line.StartsWith("//", System.StringComparison.Ordinal);

    private static CodeNode Replace(CodeNode node, List<(string Text, string Local)> replacements)
    {
        string text = node.Text;
        if (!node.IsBlock)
        {
            if (IsComment(text))
            {
                return node;
            }

            foreach ((string from, string to) in replacements)
            {
                text = ReplaceWhole(text, from, to);
            }

            return CodeNode.Line(text);
        }

        return new CodeNode(text, node.Children.Select(c => Replace(c, replacements)).ToEquatableArray(), true);
    }

    /// <summary>Replaces <paramref name="from"/> (<c>a[i]</c>) where it is not the tail of a longer name (<c>_d_a[i]</c>).</summary>
    private static string ReplaceWhole(string text, string from, string to)
    {
        var b = new System.Text.StringBuilder();
        int at = 0;
        int found;
        while ((found = text.IndexOf(from, at, System.StringComparison.Ordinal)) >= 0)
        {
            bool whole = found == 0 || !(char.IsLetterOrDigit(text[found - 1]) || text[found - 1] == '_' || text[found - 1] == '.');
            b.Append(text, at, found - at).Append(whole ? to : from);
            at = found + from.Length;
        }

        return b.Append(text, at, text.Length - at).ToString();
    }

    /// <summary>How many element reads of <paramref name="array"/> the body of <paramref name="node"/> (nested headers included) has.</summary>
    private static int ReadCount(CodeNode node, string array)
    {
        int count = 0;
        foreach (CodeNode child in node.Children)
        {
            count += ElementReads(child.Text).Count(r => r.Array == array);
            if (child.IsBlock)
            {
                count += ReadCount(child, array);
            }
        }

        return count;
    }

    private static bool HasJump(CodeNode node)
        => node.Children.Any(c => c.IsBlock
            ? HasJump(c) || Identifiers(c.Text).Any(IsJump)
            : Identifiers(c.Text).Any(IsJump));

    private static bool IsJump(string token) => token is "break" or "continue" or "return" or "goto" or "throw" or "yield";

    /// <summary>The element reads <c>name[index]</c> of a line, outermost brackets only.</summary>
    private static IEnumerable<(string Array, string Index)> ElementReads(string line)
    {
        for (int i = 0; i < line.Length; i++)
        {
            if (line[i] != '[' || i == 0)
            {
                continue;
            }

            int start = i;
            while (start > 0 && (char.IsLetterOrDigit(line[start - 1]) || line[start - 1] == '_'))
            {
                start--;
            }

            if (start == i || (start > 0 && line[start - 1] == '.'))
            {
                continue;
            }

            int close = ClosingBracket(line, i);
            if (close < 0)
            {
                yield break;
            }

            // A write target (a[i] = ..., a[i] += ...) is not a read to hoist.
            string rest = line.Substring(close + 1).TrimStart();
            bool written = rest.Length > 1 && ((rest[0] == '=' && rest[1] != '=') || (rest[1] == '=' && "+-*/".IndexOf(rest[0]) >= 0));
            if (!written)
            {
                yield return (line.Substring(start, i - start), line.Substring(i + 1, close - i - 1));
            }

            i = close;
        }
    }

    // A call in an index (f(i), Math.Min(i, n)) might not return the same value twice.
    private static readonly System.Text.RegularExpressions.Regex Call =
        new(@"[A-Za-z0-9_]\s*\(", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private static readonly System.Text.RegularExpressions.Regex ReverseHeader =
        new(@"^for \(; (_n\d+) > 0; \1--\)$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    // for (j = i + 1; j < d; j++): a reverse loop whose iterations run in the forward order (its start and bound are
    // evaluated without side effects; only the counter changes).
    private static readonly System.Text.RegularExpressions.Regex AscendingHeader =
        new(@"^for \(([A-Za-z_][A-Za-z0-9_]*) = ([^;]+); \1 (<|<=|>|>=) ([^;]+); \1(?:\+\+|--| \+= \d+| -= \d+)\)$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    // while (j < d), while (j < n - i), while (j < w.Length): a name compared with names, literals, lengths and
    // + - * only (no calls).
    private static readonly System.Text.RegularExpressions.Regex ForwardHeader =
        new(@"^while \(([A-Za-z_][A-Za-z0-9_]* < [A-Za-z0-9_ +\-*().]+)\)$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>
    /// Several contributions to the same element in one straight run of lines (<c>dx[i] -= a; ...; dx[i] -= b;</c>)
    /// add up in a local that is added to the element once, after the last one: one load and store of the element
    /// instead of one per contribution (each waiting for the previous store). Applies to gradient spans and local
    /// arrays' adjoints, when nothing in between mentions the array or changes the index.
    /// </summary>
    public static List<CodeNode> MergeElementUpdates(List<CodeNode> nodes, Dictionary<string, string> arrays, NameAllocator names)
    {
        var result = new List<CodeNode>();
        foreach (CodeNode node in nodes)
        {
            result.Add(node.IsBlock ? new CodeNode(node.Text, MergeElementUpdates(node.Children.ToList(), arrays, names).ToEquatableArray(), true) : node);
        }

        for (int first = 0; first < result.Count; first++)
        {
            if (result[first].IsBlock || !TryParse(result[first].Text, out string? array, out string? index, out string? op, out string? value)
                || !arrays.TryGetValue(array!, out string? element) || index!.Contains('['))
            {
                continue;
            }

            // The run of lines that can join: same element, nothing else touching the array or the index between.
            var members = new List<int> { first };
            var indexNames = new HashSet<string>(Identifiers(index!), System.StringComparer.Ordinal);
            for (int k = first + 1; k < result.Count; k++)
            {
                CodeNode line = result[k];
                if (line.IsBlock)
                {
                    break;
                }

                if (TryParse(line.Text, out string? a2, out string? i2, out string? _, out string? _) && a2 == array && i2 == index)
                {
                    members.Add(k);
                    continue;
                }

                var assigned = new HashSet<string>(System.StringComparer.Ordinal);
                var mentions = new Dictionary<string, int>(System.StringComparer.Ordinal);
                Scan(CodeNode.Block(string.Empty, new[] { line }.ToEquatableArray()), assigned, mentions, arrays);

                // Another element's += / -= may pass (additions commute even if the two elements are the same one);
                // a read or a plain store of the array may not.
                bool otherUpdate = TryParse(line.Text, out string? a3, out string? i3, out string? _, out string? _) && a3 == array
                                   && !i3!.Contains('[') && mentions.TryGetValue(array!, out int times) && times == 1;
                if ((mentions.ContainsKey(array!) && !otherUpdate) || assigned.Overlaps(indexNames.Where(n => n != array)))
                {
                    break;
                }
            }

            if (members.Count < 2)
            {
                continue;
            }

            // The local carries the sum with the first contribution's sign (no negation): dx[i] -= a; dx[i] -= b
            // becomes g = a; g += b; dx[i] -= g.
            string local = names.Next("_g");
            TryParse(result[members[0]].Text, out string? _, out string? _, out string? firstOp, out string? _);
            for (int m = 0; m < members.Count; m++)
            {
                TryParse(result[members[m]].Text, out string? _, out string? _, out string? mop, out string? mvalue);
                string relative = mop == firstOp ? "+=" : "-=";
                result[members[m]] = m == 0
                    ? CodeNode.Line(element + " " + local + " = " + mvalue + ";")
                    : CodeNode.Line(local + " " + relative + " " + mvalue + ";");
            }

            result.Insert(members[members.Count - 1] + 1, CodeNode.Line(array + "[" + index + "] " + firstOp + " " + local + ";"));
        }

        return result;
    }

    private static IEnumerable<CodeNode> Hoist(CodeNode loop, Dictionary<string, string> arrays, NameAllocator names)
    {
        var assigned = new HashSet<string>(System.StringComparer.Ordinal);
        var mentions = new Dictionary<string, int>(System.StringComparer.Ordinal);
        Scan(loop, assigned, mentions, arrays);
        var before = new List<CodeNode>();
        var after = new List<CodeNode>();
        var body = new List<CodeNode>();
        foreach (CodeNode child in loop.Children)
        {
            if (!child.IsBlock && TryParse(child.Text, out string? array, out string? index, out string? op, out string? value)
                && arrays.TryGetValue(array!, out string? element) && mentions.TryGetValue(array!, out int count) && count == 1
                && !index!.Contains('[') && !Identifiers(index!).Any(assigned.Contains))
            {
                string local = names.Next("_a");
                before.Add(CodeNode.Line(element + " " + local + " = 0;"));
                body.Add(CodeNode.Line(local + " " + op + " " + value + ";"));

                // Written back only if the loop added something: when it ran no iteration the index may not be valid.
                after.Add(CodeNode.Line("if (" + local + " != 0) " + array + "[" + index + "] += " + local + ";"));
                continue;
            }

            body.Add(child);
        }

        if (before.Count == 0)
        {
            return new[] { loop };
        }

        before.Add(new CodeNode(loop.Text, body.ToEquatableArray(), true));
        before.AddRange(after);
        return before;
    }

    /// <summary>The index of the <c>]</c> that closes the <c>[</c> at <paramref name="open"/>, or -1.</summary>
    internal static int ClosingBracket(string line, int open)
    {
        int depth = 0;
        for (int i = open; i < line.Length; i++)
        {
            if (line[i] == '[')
            {
                depth++;
            }
            else if (line[i] == ']' && --depth == 0)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary><c>array[index] op value;</c> with op <c>+=</c> or <c>-=</c>.</summary>
    private static bool TryParse(string line, out string? array, out string? index, out string? op, out string? value)
    {
        array = index = op = value = null;
        int bracket = line.IndexOf('[');
        if (bracket <= 0 || !line.EndsWith(";", System.StringComparison.Ordinal))
        {
            return false;
        }

        int close = ClosingBracket(line, bracket);
        if (close < 0 || close + 4 >= line.Length)
        {
            return false;
        }

        string rest = line.Substring(close + 1);
        if (!rest.StartsWith(" += ", System.StringComparison.Ordinal) && !rest.StartsWith(" -= ", System.StringComparison.Ordinal))
        {
            return false;
        }

        array = line.Substring(0, bracket);
        index = line.Substring(bracket + 1, close - bracket - 1);
        op = rest.Substring(1, 2);
        value = rest.Substring(4, rest.Length - 5);
        return array.All(ch => char.IsLetterOrDigit(ch) || ch == '_');
    }

    /// <summary>What a loop assigns (locals declared or written, refs passed) and how often it mentions each array.</summary>
    private static void Scan(CodeNode node, HashSet<string> assigned, Dictionary<string, int> mentions, Dictionary<string, string> arrays)
    {
        foreach (string text in new[] { node.Text }.Concat(node.Children.Where(c => !c.IsBlock).Select(c => c.Text)))
        {
            List<string> tokens = Identifiers(text).ToList();
            foreach (string token in tokens.Where(arrays.ContainsKey))
            {
                mentions[token] = mentions.TryGetValue(token, out int n) ? n + 1 : 1;
            }

            foreach (System.Text.RegularExpressions.Match m in Assignment.Matches(text))
            {
                assigned.Add(m.Groups[1].Value);
            }

            foreach (System.Text.RegularExpressions.Match m in Increment.Matches(text))
            {
                assigned.Add(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value);
            }

            if (node.IsBlock && text == node.Text)
            {
                // The loop header: everything it mentions counts as changing, except in a counted loop
                // for (i = s; i < b; i++), which changes only its counter.
                System.Text.RegularExpressions.Match counted = AscendingHeader.Match(text);
                if (counted.Success)
                {
                    assigned.Add(counted.Groups[1].Value);
                }
                else
                {
                    assigned.UnionWith(tokens);
                }
            }

            int at = 0;
            while ((at = text.IndexOf("ref ", at, System.StringComparison.Ordinal)) >= 0)
            {
                at += 4;
                string name = new string(text.Skip(at).TakeWhile(ch => char.IsLetterOrDigit(ch) || ch == '_').ToArray());
                assigned.Add(name);
            }
        }

        foreach (CodeNode child in node.Children.Where(c => c.IsBlock))
        {
            Scan(child, assigned, mentions, arrays);
        }
    }

    // name = ..., name[...] += ..., and so on (not ==).
    internal static readonly System.Text.RegularExpressions.Regex Assignment =
        new(@"([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[[^\]]*\])?\s*(?:=|\+=|-=|\*=|/=)(?!=)", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    // ++name, name++, --name, name--.
    internal static readonly System.Text.RegularExpressions.Regex Increment =
        new(@"(?:\+\+|--)([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*)(?:\+\+|--)", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>The identifiers of a line of code (a member access counts as its first identifier only).</summary>
    public static IEnumerable<string> Identifiers(string text)
    {
        int i = 0;
        while (i < text.Length)
        {
            if (char.IsLetter(text[i]) || text[i] == '_')
            {
                int start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }

                // Member accesses (x.Length, Math.Exp) count as their first identifier only.
                if (start == 0 || text[start - 1] != '.')
                {
                    yield return text.Substring(start, i - start);
                }
            }
            else
            {
                i++;
            }
        }
    }
}
