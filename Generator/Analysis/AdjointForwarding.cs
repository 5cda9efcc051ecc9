using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using AutoDiffGen.Generator.Helpers;
using AutoDiffGen.Generator.Models;

namespace AutoDiffGen.Generator.Analysis;

/// <summary>
/// Recomputed block adjoints. In the reverse of one iteration, the adjoint block of a scratch array (see
/// <see cref="ArrayView.IsScratch"/>) starts at zero, so when the first thing that touches it is a loop over the
/// whole block that adds <c>e(j)</c> to each element (the reverse of <c>s += a[c * B + j] * a[c * B + j]</c> adds
/// <c>_d_s * 2 * a[j]</c>), every later read of element <c>X</c> sees exactly <c>e(X)</c> until the element is
/// cleared. The pass deletes that loop, evaluates once the part of <c>e</c> that does not depend on <c>j</c>, and
/// reads <c>e(X)</c> in place of the element: no stores, no loads, no clearing of the adjoint block, which is how an
/// expert writes this adjoint (the adjoint of <c>Q x</c> in <c>-1/2 ||Q x||^2</c> is <c>-w Q x</c>, recomputed).
/// </summary>
/// <remarks>
/// The rewrite needs, in the statements after the loop in the same iteration: every mention of the adjoint block is a
/// read or a clearing <c>= 0</c>; nothing writes the arrays <c>e</c> reads; and every local that <c>e</c> reads and
/// something later writes lies in the hoisted part. <c>e</c> itself may use only locals, literals, casts, the loop's
/// counter, elements <c>view[j]</c> and the operators <c>+ - * /</c>. Anything else keeps the stored adjoint.
/// </remarks>
internal static class AdjointForwarding
{
    /// <param name="nodes">The reverse sweep.</param>
    /// <param name="scratch">Adjoint views of scratch blocks: name, the array's name, block size and element type.</param>
    /// <param name="viewElements">Every view of a primal array, with its element type.</param>
    /// <param name="names">Allocates the names of the hoisted factors.</param>
    public static List<CodeNode> Apply(List<CodeNode> nodes, Dictionary<string, (string Array, string Size, string Element)> scratch, Dictionary<string, string> viewElements, NameAllocator names)
        => RewriteScratchBlocks(nodes, scratch, (children, view, value) => Rewrite(children, view, value.Array, value.Size, value.Element, viewElements, names));

    /// <summary>
    /// First writes of a scratch adjoint block. When the first thing that touches the block in an iteration's reverse is
    /// a loop over the whole block that adds one value to each element (<c>if (_a0 != 0) v[i] += _a0;</c>), the
    /// block is zero there, so the addition is an assignment: <c>v[i] = _a0;</c>. Every element is then assigned
    /// before it is read in every iteration, so the clearing at the block's last use (<c>v[j] = 0;</c> after its last
    /// read) has nothing left to protect and goes: one load and one store less per element.
    /// </summary>
    public static List<CodeNode> AssignFirstWrites(List<CodeNode> nodes, Dictionary<string, (string Array, string Size, string Element)> scratch)
        => RewriteScratchBlocks(nodes, scratch, (children, view, value) => AssignFirst(children, view, value.Size, value.Element));

    /// <summary>
    /// Every block, innermost first, that declares the view of a scratch adjoint: <paramref name="rewrite"/> returns
    /// its new statements, or null to keep them.
    /// </summary>
    private static List<CodeNode> RewriteScratchBlocks(
        List<CodeNode> nodes,
        Dictionary<string, (string Array, string Size, string Element)> scratch,
        System.Func<List<CodeNode>, string, (string Array, string Size, string Element), List<CodeNode>?> rewrite)
    {
        if (scratch.Count == 0)
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

            List<CodeNode> children = RewriteScratchBlocks(node.Children.ToList(), scratch, rewrite);
            foreach (KeyValuePair<string, (string Array, string Size, string Element)> view in scratch)
            {
                if (Declares(children, view.Key) >= 0)
                {
                    children = rewrite(children, view.Key, view.Value) ?? children;
                }
            }

            result.Add(new CodeNode(node.Text, children.ToEquatableArray(), true));
        }

        return result;
    }

    private static List<CodeNode>? AssignFirst(List<CodeNode> children, string view, string size, string element)
    {
        int declaration = Declares(children, view);
        int first = children.FindIndex(declaration + 1, c => Mentions(c, view));
        if (first < 0 || !children[first].IsBlock
            || children.Skip(declaration + 1).Take(first - declaration - 1).Any(c => c.IsBlock || HasJump(c)))
        {
            return null;
        }

        CodeNode loop = children[first];
        Match header = WholeBlockLoop.Match(loop.Text);
        if (!header.Success || Compact(header.Groups[2].Value) != Compact(size) || HasJump(loop)
            || loop.Children.Any(c => c.IsBlock && Mentions(c, view)))
        {
            return null;
        }

        string counter = header.Groups[1].Value;
        List<CodeNode> writes = loop.Children.Where(c => !c.IsBlock && !IsComment(c.Text) && Mentions(c, view)).ToList();
        if (writes.Count != 1)
        {
            return null;
        }

        string target = view + "[" + counter + "] += ";
        string text = writes[0].Text;
        Match guarded = GuardedAddition.Match(text);
        string? value = null;
        if (guarded.Success && guarded.Groups[2].Value == view && guarded.Groups[3].Value == counter && guarded.Groups[1].Value == guarded.Groups[4].Value)
        {
            value = guarded.Groups[1].Value;
        }
        else if (text.StartsWith(target, System.StringComparison.Ordinal) && text.EndsWith(";", System.StringComparison.Ordinal))
        {
            value = text.Substring(target.Length, text.Length - target.Length - 1);
        }

        if (value is null || AccumulationHoisting.Identifiers(value).Contains(view))
        {
            return null;
        }

        // v[i] += e stored (T)(0 + e): a float element keeps that rounding (and e may be a double).
        string assigned = element == "double" ? value : "(" + element + ")(" + value + ")";
        var result = new List<CodeNode>(children);
        result[first] = new CodeNode(loop.Text, loop.Children.Select(c => c == writes[0] ? CodeNode.Line(view + "[" + counter + "] = " + assigned + ";") : c).ToEquatableArray(), true);

        // The clearing after the block's last read.
        int last = result.FindLastIndex(c => Mentions(c, view));
        if (last > first)
        {
            CodeNode final = result[last];
            if (!final.IsBlock && Clearing.Match(final.Text) is { Success: true } clear && clear.Groups[1].Value == view)
            {
                result.RemoveAt(last);
            }
            else if (final.IsBlock && AdjacentLoopFusion.Ascending.Match(final.Text) is { Success: true } asc && !HasJump(final) && final.Children.All(c => !c.IsBlock))
            {
                string j = asc.Groups[1].Value;
                List<CodeNode> body = final.Children.ToList();
                int lastMention = body.FindLastIndex(c => !IsComment(c.Text) && Mentions(c, view));
                bool ownIndex = body.Where(c => !IsComment(c.Text)).All(c => OnlyIndexedBy(c.Text, view, j));
                if (lastMention >= 0 && ownIndex && Clearing.Match(body[lastMention].Text) is { Success: true } c2 && c2.Groups[1].Value == view
                    && body[lastMention].Text == view + "[" + j + "] = 0;")
                {
                    body.RemoveAt(lastMention);
                    result[last] = new CodeNode(final.Text, body.ToEquatableArray(), true);
                }
            }
        }

        return result;
    }

    /// <summary>Every mention of <paramref name="view"/> in the line is <c>view[counter]</c>.</summary>
    private static bool OnlyIndexedBy(string text, string view, string counter)
    {
        int at = 0;
        int found;
        while ((found = FindWhole(text, view, at)) >= 0)
        {
            string expected = view + "[" + counter + "]";
            if (string.CompareOrdinal(text, found, expected, 0, expected.Length) != 0)
            {
                return false;
            }

            at = found + expected.Length;
        }

        return true;
    }

    private static bool HasJump(CodeNode node)
        => AccumulationHoisting.Identifiers(node.Text).Any(t => t is "break" or "continue" or "return" or "goto" or "throw" or "yield")
           || node.Children.Any(HasJump);

    private static int Declares(List<CodeNode> children, string view)
        => children.FindIndex(c => !c.IsBlock && c.Text.StartsWith("global::System.Span<", System.StringComparison.Ordinal) && c.Text.Contains("> " + view + " = "));

    private static List<CodeNode>? Rewrite(List<CodeNode> children, string view, string array, string size, string element, Dictionary<string, string> viewElements, NameAllocator names)
    {
        int declaration = Declares(children, view);
        int first = children.FindIndex(declaration + 1, c => Mentions(c, view));
        if (first < 0 || !children[first].IsBlock)
        {
            return null;
        }

        // for (j = 0; j < B; j++) { ...; view[j] += e; ... }: unconditional, over the whole block, no jumps.
        CodeNode loop = children[first];
        Match header = WholeBlockLoop.Match(loop.Text);
        if (!header.Success || Compact(header.Groups[2].Value) != Compact(size) || HasJumpOrBlock(loop))
        {
            return null;
        }

        string counter = header.Groups[1].Value;
        List<CodeNode> accumulations = loop.Children.Where(c => !IsComment(c.Text) && Mentions(c, view)).ToList();
        string prefix = view + "[" + counter + "] += ";
        if (accumulations.Count != 1 || !accumulations[0].Text.StartsWith(prefix, System.StringComparison.Ordinal)
            || !accumulations[0].Text.EndsWith(";", System.StringComparison.Ordinal))
        {
            return null;
        }

        string e = accumulations[0].Text.Substring(prefix.Length, accumulations[0].Text.Length - prefix.Length - 1);
        if (!TryTokens(e, out List<string> tokens, out List<int> starts) || tokens.Contains(view))
        {
            return null;
        }

        List<CodeNode> rest = children.Skip(first + 1).ToList();
        var restAssigned = new HashSet<string>(System.StringComparer.Ordinal);
        Assigned(rest, restAssigned);
        var loopAssigned = new HashSet<string>(System.StringComparer.Ordinal);
        Assigned(loop.Children.Where(c => c != accumulations[0]).ToList(), loopAssigned);

        // What e reads: elements of views at the counter, locals, the counter, literals and casts.
        var scalars = new HashSet<string>(System.StringComparer.Ordinal);
        for (int t = 0; t < tokens.Count; t++)
        {
            string token = tokens[t];
            if (!IsIdentifier(token) || token == counter || IsTypeKeyword(token))
            {
                continue;
            }

            if (t + 1 < tokens.Count && tokens[t + 1] == "(")
            {
                return null;
            }

            if (t + 1 < tokens.Count && tokens[t + 1] == "[")
            {
                // view[j] of a primal view that nothing after the loop writes (or passes whole).
                if (!viewElements.ContainsKey(token) || t + 3 >= tokens.Count || tokens[t + 2] != counter || tokens[t + 3] != "]"
                    || loopAssigned.Contains(token) || restAssigned.Contains(token) || !OnlyElementAccesses(rest, token) || !OnlyElementAccesses(new List<CodeNode> { loop }, token))
                {
                    return null;
                }

                t += 3;
                continue;
            }

            if (loopAssigned.Contains(token))
            {
                return null;
            }

            scalars.Add(token);
        }

        // The factors of e before the first that reads the counter or an element are evaluated once, here.
        List<(string Text, List<string> Tokens)> factors = Factors(e, tokens, starts, out bool product);
        int hoisted = 0;
        while (product && hoisted < factors.Count && !factors[hoisted].Tokens.Contains(counter) && !factors[hoisted].Tokens.Contains("["))
        {
            hoisted++;
        }

        var hoistedNames = new HashSet<string>(factors.Take(hoisted).SelectMany(f => f.Tokens).Where(IsIdentifier), System.StringComparer.Ordinal);
        if (scalars.Any(s => restAssigned.Contains(s) && !hoistedNames.Contains(s)))
        {
            return null;
        }

        var replacement = new List<CodeNode>();
        string recomputed;
        if (hoisted > 0)
        {
            string local = names.Next("_f");
            replacement.Add(CodeNode.Line("var " + local + " = " + string.Join(" * ", factors.Take(hoisted).Select(f => f.Text)) + ";"));
            recomputed = hoisted == factors.Count
                ? local
                : local + " * " + string.Join(" * ", factors.Skip(hoisted).Select(f => f.Text));
        }
        else
        {
            recomputed = e.Trim();
        }

        // A double element needs no cast when e is a product with an element of a double view among its factors.
        bool exact = element == "double" && product
            && factors.Skip(hoisted).Any(f => f.Tokens.Count == 4 && viewElements.TryGetValue(f.Tokens[0], out string? t) && t == "double" && f.Tokens[1] == "[");
        bool single = hoisted == factors.Count && hoisted > 0;

        // Every mention of the adjoint block after the loop: a read (replaced) or a clearing (dropped).
        var rewritten = new List<CodeNode>();
        foreach (CodeNode node in rest)
        {
            CodeNode? r = Substitute(node, view, counter, recomputed, exact ? null : element, single);
            if (r is null)
            {
                return null;
            }

            if (r.IsBlock || r.Text.Length > 0)
            {
                rewritten.Add(r);
            }
        }

        // The loop goes, unless it does something else too; its comments stay, with what replaces the stores.
        List<CodeNode> others = loop.Children.Where(c => c != accumulations[0]).ToList();
        var result = children.Take(first).Where((c, i) => i != declaration || Mentions(rewritten, view)).ToList();
        if (others.All(c => !c.IsBlock && IsComment(c.Text)))
        {
            result.AddRange(others);
        }

        result.Add(CodeNode.Line("// The adjoint of " + array + "'s block is " + recomputed + ": recomputed where it is read, never stored."));
        result.AddRange(replacement);
        if (!others.All(c => !c.IsBlock && IsComment(c.Text)))
        {
            result.Add(new CodeNode(loop.Text, others.ToEquatableArray(), true));
        }

        result.AddRange(rewritten);
        return result;
    }

    /// <summary>
    /// <paramref name="node"/> with every read <c>view[X]</c> replaced by the recomputed value at <c>X</c> and every
    /// clearing <c>view[X] = 0;</c> emptied; null if the view is mentioned any other way.
    /// </summary>
    private static CodeNode? Substitute(CodeNode node, string view, string counter, string recomputed, string? cast, bool single)
    {
        if (node.IsBlock)
        {
            if (Mentions(CodeNode.Line(node.Text), view))
            {
                return null;
            }

            var children = new List<CodeNode>();
            foreach (CodeNode child in node.Children)
            {
                CodeNode? r = Substitute(child, view, counter, recomputed, cast, single);
                if (r is null)
                {
                    return null;
                }

                if (r.IsBlock || r.Text.Length > 0)
                {
                    children.Add(r);
                }
            }

            return new CodeNode(node.Text, children.ToEquatableArray(), true);
        }

        string text = node.Text;
        if (IsComment(text) || !Mentions(node, view))
        {
            return node;
        }

        if (Clearing.Match(text) is { Success: true } clear && clear.Groups[1].Value == view)
        {
            return CodeNode.Line(string.Empty);
        }

        var b = new System.Text.StringBuilder();
        int at = 0;
        while (true)
        {
            int found = FindWhole(text, view, at);
            if (found < 0)
            {
                break;
            }

            int open = found + view.Length;
            if (open >= text.Length || text[open] != '[')
            {
                return null;
            }

            int close = AccumulationHoisting.ClosingBracket(text, open);
            string after = close < 0 ? string.Empty : text.Substring(close + 1).TrimStart();
            if (close < 0 || (after.Length > 1 && ((after[0] == '=' && after[1] != '=') || (after[1] == '=' && "+-*/".IndexOf(after[0]) >= 0)))
                || after.StartsWith("++", System.StringComparison.Ordinal) || after.StartsWith("--", System.StringComparison.Ordinal))
            {
                return null;
            }

            string index = text.Substring(open + 1, close - open - 1).Trim();
            string value = ReplaceIdentifier(recomputed, counter, IsSimple(index) ? index : "(" + index + ")");
            // The whole right side of an assignment needs no parentheses of its own.
            bool whole = text.Substring(close + 1) == ";" && text.Substring(0, found).EndsWith("= ", System.StringComparison.Ordinal);
            value = cast is not null ? (whole ? "(" + cast + ")(" + value + ")" : "((" + cast + ")(" + value + "))") : single || whole ? value : "(" + value + ")";
            b.Append(text, at, found - at).Append(value);
            at = close + 1;
        }

        return CodeNode.Line(b.Append(text, at, text.Length - at).ToString());
    }

    /// <summary>
    /// The top-level factors of <c>a * b * c</c>, as text, each with its tokens; <paramref name="product"/> is false
    /// (and the one factor is the whole expression) when a top-level <c>+ - /</c> joins terms.
    /// </summary>
    private static List<(string Text, List<string> Tokens)> Factors(string e, List<string> tokens, List<int> starts, out bool product)
    {
        var cuts = new List<int>();
        int depth = 0;
        product = true;
        for (int t = 0; t < tokens.Count; t++)
        {
            string token = tokens[t];
            depth += token is "(" or "[" ? 1 : token is ")" or "]" ? -1 : 0;
            bool binary = t > 0 && (IsIdentifier(tokens[t - 1]) || IsNumber(tokens[t - 1]) || tokens[t - 1] is ")" or "]");
            if (depth == 0 && token == "*")
            {
                cuts.Add(t);
            }
            else if (depth == 0 && binary && token is "+" or "-" or "/")
            {
                product = false;
            }
        }

        var factors = new List<(string, List<string>)>();
        int from = 0;
        foreach (int cut in product ? cuts.Append(tokens.Count) : new[] { tokens.Count })
        {
            if (cut == from)
            {
                product = false;
                return new List<(string, List<string>)> { (e.Trim(), tokens) };
            }

            int begin = starts[from];
            int stop = cut < tokens.Count ? starts[cut] : e.Length;
            factors.Add((e.Substring(begin, stop - begin).Trim(), tokens.GetRange(from, cut - from)));
            from = cut + 1;
        }

        return factors;
    }

    /// <summary>The tokens (and where each starts) of an expression of locals, literals, casts, elements and <c>+ - * / ( ) [ ]</c>; false for anything else.</summary>
    private static bool TryTokens(string e, out List<string> tokens, out List<int> starts)
    {
        tokens = new List<string>();
        starts = new List<int>();
        int i = 0;
        while (i < e.Length)
        {
            char ch = e[i];
            int start = i;
            if (char.IsWhiteSpace(ch))
            {
                i++;
                continue;
            }

            if (char.IsLetter(ch) || ch == '_')
            {
                while (i < e.Length && (char.IsLetterOrDigit(e[i]) || e[i] == '_'))
                {
                    i++;
                }
            }
            else if (char.IsDigit(ch))
            {
                while (i < e.Length && (char.IsDigit(e[i]) || e[i] == '.'))
                {
                    i++;
                }

                if (i < e.Length && (e[i] == 'e' || e[i] == 'E'))
                {
                    i++;
                    if (i < e.Length && (e[i] == '+' || e[i] == '-'))
                    {
                        i++;
                    }

                    while (i < e.Length && char.IsDigit(e[i]))
                    {
                        i++;
                    }
                }

                while (i < e.Length && "fFdDmMuUlL".IndexOf(e[i]) >= 0)
                {
                    i++;
                }
            }
            else if ("+-*/()[]".IndexOf(ch) >= 0)
            {
                i++;
            }
            else
            {
                return false;
            }

            tokens.Add(e.Substring(start, i - start));
            starts.Add(start);
        }

        return tokens.Count > 0;
    }

    private static bool IsIdentifier(string token) => token.Length > 0 && (char.IsLetter(token[0]) || token[0] == '_');

    private static bool IsNumber(string token) => token.Length > 0 && char.IsDigit(token[0]);

    private static bool IsTypeKeyword(string token) => token is "double" or "float" or "int" or "long";

    private static bool IsSimple(string index) => index.All(ch => char.IsLetterOrDigit(ch) || ch == '_');

    private static bool IsComment(string line) => line.StartsWith("//", System.StringComparison.Ordinal);

    private static bool Mentions(CodeNode node, string name)
        => (!IsComment(node.Text) && AccumulationHoisting.Identifiers(node.Text).Contains(name)) || node.Children.Any(c => Mentions(c, name));

    private static bool Mentions(List<CodeNode> nodes, string name) => nodes.Any(n => Mentions(n, name));

    private static bool HasJumpOrBlock(CodeNode loop)
        => loop.Children.Any(c => c.IsBlock || AccumulationHoisting.Identifiers(c.Text).Any(t => t is "break" or "continue" or "return" or "goto" or "throw" or "yield"));

    /// <summary>Every name a line of <paramref name="nodes"/> assigns (declares, writes, increments or passes by reference), headers included.</summary>
    private static void Assigned(List<CodeNode> nodes, HashSet<string> into)
    {
        foreach (CodeNode node in nodes)
        {
            string text = node.Text;
            if (!IsComment(text))
            {
                foreach (Match m in AccumulationHoisting.Assignment.Matches(text))
                {
                    into.Add(m.Groups[1].Value);
                }

                foreach (Match m in AccumulationHoisting.Increment.Matches(text))
                {
                    into.Add(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value);
                }

                foreach (Match m in ByReference.Matches(text))
                {
                    into.Add(m.Groups[1].Value);
                }
            }

            Assigned(node.Children.ToList(), into);
        }
    }

    /// <summary>Every mention of <paramref name="name"/> in <paramref name="nodes"/> is an element access <c>name[...]</c>.</summary>
    private static bool OnlyElementAccesses(List<CodeNode> nodes, string name)
        => nodes.All(n => (IsComment(n.Text) || OnlyElementAccesses(n.Text, name)) && OnlyElementAccesses(n.Children.ToList(), name));

    private static bool OnlyElementAccesses(string text, string name)
    {
        int at = 0;
        int found;
        while ((found = FindWhole(text, name, at)) >= 0)
        {
            int next = found + name.Length;
            if (next >= text.Length || text[next] != '[')
            {
                return false;
            }

            at = next;
        }

        return true;
    }

    private static int FindWhole(string text, string name, int from)
    {
        int found = from;
        while ((found = text.IndexOf(name, found, System.StringComparison.Ordinal)) >= 0)
        {
            bool before = found > 0 && (char.IsLetterOrDigit(text[found - 1]) || text[found - 1] == '_' || text[found - 1] == '.');
            int end = found + name.Length;
            bool after = end < text.Length && (char.IsLetterOrDigit(text[end]) || text[end] == '_');
            if (!before && !after)
            {
                return found;
            }

            found = end;
        }

        return -1;
    }

    private static string ReplaceIdentifier(string text, string name, string with)
    {
        var b = new System.Text.StringBuilder();
        int at = 0;
        int found;
        while ((found = FindWhole(text, name, at)) >= 0)
        {
            b.Append(text, at, found - at).Append(with);
            at = found + name.Length;
        }

        return b.Append(text, at, text.Length - at).ToString();
    }

    private static string Compact(string text) => text.Replace(" ", string.Empty).Trim('(', ')');

    private static readonly Regex WholeBlockLoop =
        new(@"^for \(([A-Za-z_][A-Za-z0-9_]*) = 0; \1 < ([^;]+); \1\+\+\)$", RegexOptions.CultureInvariant);

    // if (_a0 != 0) v[i] += _a0;
    private static readonly Regex GuardedAddition =
        new(@"^if \(([A-Za-z_][A-Za-z0-9_]*) != 0\) ([A-Za-z_][A-Za-z0-9_]*)\[([A-Za-z_][A-Za-z0-9_]*)\] \+= ([A-Za-z_][A-Za-z0-9_]*);$", RegexOptions.CultureInvariant);

    private static readonly Regex Clearing =
        new(@"^([A-Za-z_][A-Za-z0-9_]*)\[[^\]]+\] = (?:0|0\.0|0f|0d|0\.0f|0\.0d)?;$", RegexOptions.CultureInvariant);

    private static readonly Regex ByReference =
        new(@"\b(?:ref|out|in)\s+([A-Za-z_][A-Za-z0-9_]*)", RegexOptions.CultureInvariant);
}
