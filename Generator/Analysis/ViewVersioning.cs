using System.Collections.Generic;
using System.Linq;
using AutoDiffGen.Generator.Helpers;
using AutoDiffGen.Generator.Models;

namespace AutoDiffGen.Generator.Analysis;

/// <summary>
/// Exact-size views of parameters. A parameter viewed in a counted loop <c>c = 0 .. C - 1</c> in blocks of B lies
/// whole inside the array when <c>(long)C * B &lt;= x.Length</c>, a condition on parameters alone (see
/// <see cref="ArrayView.Guard"/>). It is checked once; every top-level statement that takes such views is emitted
/// twice: <c>if (condition)</c> with views of exactly B elements (no bounds checks in the loops over a block), else
/// with the clamped views that throw exactly where the original code would.
/// </summary>
internal static class ViewVersioning
{
    /// <summary>The general declaration of each guarded view (and of its adjoint), with its exact-size form.</summary>
    public static Dictionary<string, string> FastForms(IEnumerable<ArrayView> views)
    {
        var forms = new Dictionary<string, string>(System.StringComparer.Ordinal);
        foreach (ArrayView view in views.Where(v => v.Guard is not null))
        {
            foreach (bool adjoint in new[] { false, true })
            {
                if (adjoint && view.AdjointName is null)
                {
                    continue;
                }

                string general = AdjointBuilder.ViewDeclaration(view, adjoint).Text;
                string fast = general.Replace("BlockView.OfReadOnly(", "BlockView.InsideReadOnly(")
                                     .Replace("BlockView.OfArray(", "BlockView.InsideArray(")
                                     .Replace("BlockView.Of(", "BlockView.Inside(");
                forms[general] = fast;
            }
        }

        return forms;
    }

    /// <summary>
    /// Each top-level unit (a block with its <c>else</c> blocks, or a <c>do</c> with its <c>while</c>) that takes a
    /// guarded view becomes <c>if (flag) { exact-size copy } else { unit }</c>.
    /// </summary>
    public static List<CodeNode> Apply(List<CodeNode> nodes, Dictionary<string, string> forms, string flag)
    {
        if (forms.Count == 0)
        {
            return nodes;
        }

        var result = new List<CodeNode>();
        for (int i = 0; i < nodes.Count; i++)
        {
            if (!nodes[i].IsBlock || !Uses(nodes[i], forms))
            {
                result.Add(nodes[i]);
                continue;
            }

            int end = i + 1;
            while (end < nodes.Count && nodes[end].IsBlock && nodes[end].Text.StartsWith("else", System.StringComparison.Ordinal))
            {
                end++;
            }

            if (nodes[i].Text == "do" && end < nodes.Count && !nodes[end].IsBlock && nodes[end].Text.StartsWith("while (", System.StringComparison.Ordinal))
            {
                end++;
            }

            List<CodeNode> unit = nodes.Skip(i).Take(end - i).ToList();
            var fast = new List<CodeNode> { CodeNode.Line("// Every block of the parameters viewed here lies inside them: views of exact size.") };
            fast.AddRange(unit.Select(n => Fast(n, forms)));
            result.Add(CodeNode.Block("if (" + flag + ")", fast.ToEquatableArray()));
            result.Add(CodeNode.Block("else", unit.ToEquatableArray()));
            i = end - 1;
        }

        return result;
    }

    private static bool Uses(CodeNode node, Dictionary<string, string> forms)
        => (!node.IsBlock && forms.ContainsKey(node.Text)) || node.Children.Any(c => Uses(c, forms));

    private static CodeNode Fast(CodeNode node, Dictionary<string, string> forms)
        => node.IsBlock
            ? new CodeNode(node.Text, node.Children.Select(c => Fast(c, forms)).ToEquatableArray(), true)
            : forms.TryGetValue(node.Text, out string? fast) ? CodeNode.Line(fast) : node;
}
