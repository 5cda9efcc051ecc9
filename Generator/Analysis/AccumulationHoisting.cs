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
    {
        if (arrays.Count == 0)
        {
            return nodes;
        }

        var result = new List<CodeNode>();
        foreach (CodeNode node in nodes)
        {
            if (!node.IsBlock)
            {
                result.Add(node);
                continue;
            }

            var inner = new CodeNode(node.Text, Apply(node.Children.ToList(), arrays, names).ToEquatableArray(), true);
            if (!node.Text.StartsWith("for (", System.StringComparison.Ordinal) && !node.Text.StartsWith("while (", System.StringComparison.Ordinal))
            {
                result.Add(inner);
                continue;
            }

            List<CodeNode> hoisted = Hoist(inner, arrays, names).ToList();
            if (hoisted.Count > 1 && result.Count > 0 && !result[result.Count - 1].IsBlock
                && result[result.Count - 1].Text.StartsWith("//", System.StringComparison.Ordinal))
            {
                // Keep the loop's comment (the user's header) next to the loop: the locals go above it.
                CodeNode comment = result[result.Count - 1];
                result.RemoveAt(result.Count - 1);
                int loopAt = hoisted.FindIndex(n => n.IsBlock);
                hoisted.Insert(loopAt, comment);
            }

            result.AddRange(hoisted);
        }

        return result;
    }

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

    /// <summary><c>array[index] op value;</c> with op <c>+=</c> or <c>-=</c>.</summary>
    private static bool TryParse(string line, out string? array, out string? index, out string? op, out string? value)
    {
        array = index = op = value = null;
        int bracket = line.IndexOf('[');
        if (bracket <= 0 || !line.EndsWith(";", System.StringComparison.Ordinal))
        {
            return false;
        }

        int depth = 0;
        int close = -1;
        for (int i = bracket; i < line.Length; i++)
        {
            if (line[i] == '[')
            {
                depth++;
            }
            else if (line[i] == ']' && --depth == 0)
            {
                close = i;
                break;
            }
        }

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
                // The loop header: everything it mentions counts as changing.
                assigned.UnionWith(tokens);
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
    private static readonly System.Text.RegularExpressions.Regex Assignment =
        new(@"([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[[^\]]*\])?\s*(?:=|\+=|-=|\*=|/=)(?!=)", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    // ++name, name++, --name, name--.
    private static readonly System.Text.RegularExpressions.Regex Increment =
        new(@"(?:\+\+|--)([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*)(?:\+\+|--)", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private static IEnumerable<string> Identifiers(string text)
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
