using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using AutoDiffGen.Generator.Helpers;
using AutoDiffGen.Generator.Models;

namespace AutoDiffGen.Generator.Analysis;

/// <summary>
/// Fusion of adjacent element-wise loops: two loops <c>for (i = s; i &lt; b; i++)</c> and <c>for (j = s; j &lt; b; j++)</c>
/// that follow each other, whose bodies touch arrays only at their own counter (<c>a[i]</c>, <c>v[j]</c>) and share no
/// local that either changes, become one loop running both bodies. Iteration <c>i</c> of the second loop then touches
/// only what iteration <c>i</c> of the first touched, so running them together changes no value; it saves a loop, and
/// the value the first body stores is often the one the second loads (the reverse of <c>qx[j] = q[j] * xc[j]</c> adds
/// into the adjoint of <c>xc[j]</c>, which the reverse of <c>xc[j] = x[j] - mu[j]</c> reads next).
/// </summary>
/// <remarks>
/// Two different arrays may be one memory only if both come from the caller (parameters, gradient buffers, views of
/// them): loops that store into one such array and mention another are left alone. Loops with calls, jumps or nested
/// blocks are left alone; so is a pair whose second counter is read after it.
/// </remarks>
internal static class AdjacentLoopFusion
{
    /// <param name="nodes">The code to rewrite.</param>
    /// <param name="owned">Arrays of the method itself (local arrays, their adjoints and the views of both).</param>
    /// <param name="doubles">Arrays of double elements (for merging an update into the read that follows it).</param>
    public static List<CodeNode> Apply(List<CodeNode> nodes, HashSet<string> owned, HashSet<string> doubles)
    {
        var result = new List<CodeNode>();
        foreach (CodeNode node in nodes)
        {
            result.Add(node.IsBlock ? new CodeNode(node.Text, Apply(node.Children.ToList(), owned, doubles).ToEquatableArray(), true) : node);
        }

        for (int a = 0; a < result.Count; a++)
        {
            if (!result[a].IsBlock)
            {
                continue;
            }

            int b = a + 1;
            while (b < result.Count && !result[b].IsBlock && IsComment(result[b].Text))
            {
                b++;
            }

            if (b >= result.Count || !result[b].IsBlock || !CanFuse(result[a], result[b], result.Skip(b + 1).ToList(), owned, out string? counter, out string? other))
            {
                continue;
            }

            var body = result[a].Children.ToList();
            body.AddRange(result.Skip(a + 1).Take(b - a - 1).Select(c => c.Text.StartsWith("// for ", System.StringComparison.Ordinal)
                ? CodeNode.Line("// fused with the loop above: " + c.Text.Substring(3))
                : c));
            body.AddRange(result[b].Children.Select(c => IsComment(c.Text) ? c : CodeNode.Line(Rename(c.Text, other!, counter!))));
            result[a] = new CodeNode(result[a].Text, MergeUpdateAndTake(body, doubles).ToEquatableArray(), true);
            result.RemoveRange(a + 1, b - a);

            // The fused loop may fuse with the next one too.
            a--;
        }

        return result;
    }

    private static bool CanFuse(CodeNode first, CodeNode second, List<CodeNode> after, HashSet<string> owned, out string? counter, out string? other)
    {
        counter = other = null;
        Match h1 = Ascending.Match(first.Text);
        Match h2 = Ascending.Match(second.Text);
        if (!h1.Success || !h2.Success || h1.Groups[2].Value != h2.Groups[2].Value || h1.Groups[3].Value != h2.Groups[3].Value
            || !TryScan(first, out Body? x) || !TryScan(second, out Body? y))
        {
            return false;
        }

        string c1 = h1.Groups[1].Value;
        string c2 = h2.Groups[1].Value;
        counter = c1;
        other = c2;
        var range = new HashSet<string>(AccumulationHoisting.Identifiers(h1.Groups[2].Value + " " + h1.Groups[3].Value), System.StringComparer.Ordinal);

        // Each body indexes only with its own counter, and neither changes the range or the other's counter.
        if (x!.Indices.Any(i => i != c1) || y!.Indices.Any(i => i != c2) || c1 == c2
            || x.Mentioned.Contains(c2) || y.Mentioned.Contains(c1)
            || x.Assigned.Overlaps(range) || y.Assigned.Overlaps(range))
        {
            return false;
        }

        // No local flows between the bodies (each body's own declarations are private to its iteration).
        var sharedX = new HashSet<string>(x.Assigned.Except(x.Declared), System.StringComparer.Ordinal);
        var sharedY = new HashSet<string>(y.Assigned.Except(y.Declared), System.StringComparer.Ordinal);
        if (sharedX.Overlaps(y.Mentioned) || sharedY.Overlaps(x.Mentioned) || x.Declared.Overlaps(y.Mentioned) || y.Declared.Overlaps(x.Mentioned))
        {
            return false;
        }

        // Arrays: a store into one caller array next to a mention of another might be a store into the same memory.
        if (x.Stored.Any(s => y.Arrays.Any(m => m != s && !owned.Contains(m) && !owned.Contains(s)))
            || y.Stored.Any(s => x.Arrays.Any(m => m != s && !owned.Contains(m) && !owned.Contains(s))))
        {
            return false;
        }

        // The second counter keeps the value it had before the loop: nothing after may read it.
        return !after.Any(n => MentionsAnywhere(n, c2));
    }

    /// <summary>What a loop body does: a list of plain lines, no calls, no jumps.</summary>
    private sealed class Body
    {
        public HashSet<string> Mentioned { get; } = new(System.StringComparer.Ordinal);

        public HashSet<string> Assigned { get; } = new(System.StringComparer.Ordinal);

        public HashSet<string> Declared { get; } = new(System.StringComparer.Ordinal);

        public HashSet<string> Arrays { get; } = new(System.StringComparer.Ordinal);

        public HashSet<string> Stored { get; } = new(System.StringComparer.Ordinal);

        public List<string> Indices { get; } = new();
    }

    private static bool TryScan(CodeNode loop, out Body? body)
    {
        body = new Body();
        foreach (CodeNode line in loop.Children)
        {
            string text = line.Text;
            if (line.IsBlock || text.Contains("::") || text.IndexOf('?') >= 0)
            {
                return false;
            }

            if (IsComment(text))
            {
                continue;
            }

            if (Call.IsMatch(text) || AccumulationHoisting.Identifiers(text).Any(t => t is "break" or "continue" or "return" or "goto" or "throw" or "yield" or "ref" or "out" or "in" or "if" or "new" or "stackalloc"))
            {
                return false;
            }

            body.Mentioned.UnionWith(AccumulationHoisting.Identifiers(text));
            Match declaration = Declaration.Match(text);
            if (declaration.Success)
            {
                body.Declared.Add(declaration.Groups[1].Value);
            }

            foreach (Match m in Element.Matches(text))
            {
                body.Arrays.Add(m.Groups[1].Value);
                body.Indices.Add(m.Groups[2].Value.Trim());
                if (m.Groups[3].Success)
                {
                    body.Stored.Add(m.Groups[1].Value);
                }
            }

            // Nested brackets (an element inside an index) are not understood: give up.
            if (text.Count(ch => ch == '[') != Element.Matches(text).Count)
            {
                return false;
            }

            foreach (Match m in Scalar.Matches(text))
            {
                body.Assigned.Add(m.Groups[1].Value);
            }

            foreach (Match m in AccumulationHoisting.Increment.Matches(text))
            {
                body.Assigned.Add(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value);
            }
        }

        return true;
    }

    /// <summary>
    /// <c>a[i] += e; ...; double r = a[i]; a[i] = 0;</c> (the last contribution to an adjoint element, then its use)
    /// becomes <c>...; double r = a[i] + e; a[i] = 0;</c>: one load, no store waited for. The lines between must not
    /// mention <c>a</c> or change what <c>e</c> reads. Double elements only, so the sum is rounded once, as before.
    /// </summary>
    private static List<CodeNode> MergeUpdateAndTake(List<CodeNode> body, HashSet<string> doubles)
    {
        var result = new List<CodeNode>(body);
        for (int i = 0; i < result.Count; i++)
        {
            Match update = Update.Match(result[i].Text);
            if (!update.Success || !doubles.Contains(update.Groups[1].Value))
            {
                continue;
            }

            string array = update.Groups[1].Value;
            string element = array + "[" + update.Groups[2].Value + "]";
            var reads = new HashSet<string>(AccumulationHoisting.Identifiers(update.Groups[3].Value), System.StringComparer.Ordinal);
            int t = NextLine(result, i + 1);
            while (t >= 0 && !AccumulationHoisting.Identifiers(result[t].Text).Contains(array) && !Changes(result[t].Text, reads))
            {
                t = NextLine(result, t + 1);
            }

            int c = t < 0 ? -1 : NextLine(result, t + 1);
            if (c < 0)
            {
                continue;
            }

            Match take = Take.Match(result[t].Text);
            Match clear = Clear.Match(result[c].Text);
            if (!take.Success || !clear.Success || take.Groups[2].Value != element || clear.Groups[1].Value != element)
            {
                continue;
            }

            result[t] = CodeNode.Line("double " + take.Groups[1].Value + " = " + element + " + " + update.Groups[3].Value + ";");
            result.RemoveAt(i);
        }

        return result;
    }

    /// <summary>Whether a line stores into a name of <paramref name="reads"/> (a local or an element of an array).</summary>
    private static bool Changes(string line, HashSet<string> reads)
        => Scalar.Matches(line).Cast<Match>().Any(m => reads.Contains(m.Groups[1].Value))
           || Element.Matches(line).Cast<Match>().Any(m => m.Groups[3].Success && reads.Contains(m.Groups[1].Value))
           || AccumulationHoisting.Increment.Matches(line).Cast<Match>().Any(m => reads.Contains(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value));

    /// <summary>The next line at or after <paramref name="from"/> that is not a comment; -1 if it is a block or there is none.</summary>
    private static int NextLine(List<CodeNode> lines, int from)
    {
        for (int i = from; i < lines.Count; i++)
        {
            if (lines[i].IsBlock)
            {
                return -1;
            }

            if (!IsComment(lines[i].Text))
            {
                return i;
            }
        }

        return -1;
    }

    private static string Rename(string text, string from, string to)
        => Regex.Replace(text, @"(?<![A-Za-z0-9_.])" + Regex.Escape(from) + @"(?![A-Za-z0-9_])", to, RegexOptions.CultureInvariant);

    private static bool MentionsAnywhere(CodeNode node, string name)
        => AccumulationHoisting.Identifiers(node.Text).Contains(name) || node.Children.Any(c => MentionsAnywhere(c, name));

    private static bool IsComment(string line) => line.StartsWith("//", System.StringComparison.Ordinal);

    // for (j = s; j < b; j++), start and bound without side effects (no calls, no assignments).
    internal static readonly Regex Ascending =
        new(@"^for \(([A-Za-z_][A-Za-z0-9_]*) = ([A-Za-z0-9_ +\-*.()]+); \1 < ([A-Za-z0-9_ +\-*.()]+); \1\+\+\)$", RegexOptions.CultureInvariant);

    // name[index], and whether a store (= += -= *= /=) follows.
    private static readonly Regex Element =
        new(@"([A-Za-z_][A-Za-z0-9_]*)\[([^\[\]]+)\](\s*(?:=(?!=)|\+=|-=|\*=|/=))?", RegexOptions.CultureInvariant);

    // A local written: name = ..., name += ... (not an element, not ==).
    private static readonly Regex Scalar =
        new(@"(?<![A-Za-z0-9_.\]])([A-Za-z_][A-Za-z0-9_]*)\s*(?:=(?!=)|\+=|-=|\*=|/=)", RegexOptions.CultureInvariant);

    private static readonly Regex Declaration =
        new(@"^(?:double|float|int|long|bool|var) ([A-Za-z_][A-Za-z0-9_]*) = ", RegexOptions.CultureInvariant);

    // A call: a name followed by an opening parenthesis (casts have none before theirs).
    private static readonly Regex Call = new(@"[A-Za-z0-9_]\s*\(", RegexOptions.CultureInvariant);

    private static readonly Regex Update =
        new(@"^([A-Za-z_][A-Za-z0-9_]*)\[([A-Za-z_][A-Za-z0-9_]*)\] \+= (.+);$", RegexOptions.CultureInvariant);

    private static readonly Regex Take =
        new(@"^double ([A-Za-z_][A-Za-z0-9_]*) = ([A-Za-z_][A-Za-z0-9_]*\[[A-Za-z_][A-Za-z0-9_]*\]);$", RegexOptions.CultureInvariant);

    private static readonly Regex Clear =
        new(@"^([A-Za-z_][A-Za-z0-9_]*\[[A-Za-z_][A-Za-z0-9_]*\]) = 0;$", RegexOptions.CultureInvariant);
}
