extern alias analyzers;

using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using AutoDiffGen.Tests.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Xunit;
using DiagnosticDescriptors = analyzers::AutoDiffGen.Generator.Diagnostics.DiagnosticDescriptors;
using MakePartial = analyzers::AutoDiffGen.CodeFixes.MakePartialCodeFixProvider;

namespace AutoDiffGen.Tests.Analyzers;

/// <summary>docs/diagnostics.md agrees with the catalog and with the code fixes that exist.</summary>
public sealed class DocumentationTests
{
    [Fact]
    public void DiagnosticsDoc_Table_MatchesSeverityAndCodeFixes()
    {
        string docs = File.ReadAllText(Path.Combine(DiagnosticTests.RepositoryRoot(), "docs", "diagnostics.md"));
        var fixable = typeof(MakePartial).Assembly.GetTypes()
            .Where(t => typeof(CodeFixProvider).IsAssignableFrom(t) && !t.IsAbstract)
            .SelectMany(t => ((CodeFixProvider)Activator.CreateInstance(t)!).FixableDiagnosticIds)
            .ToHashSet(StringComparer.Ordinal);
        Assert.Contains("ADG0014", fixable);

        foreach (DiagnosticDescriptor d in DiagnosticDescriptors.All)
        {
            string anchor = d.Id.ToLowerInvariant();
            Match row = Regex.Match(docs, @"^\| \[" + d.Id + @"\]\(#" + anchor + @"\) \| (?<title>[^|]+) \| (?<severity>\w+) \| (?<fix>[^|]+) \|$", RegexOptions.Multiline);
            Assert.True(row.Success, d.Id + " has no row in the table of docs/diagnostics.md");
            Assert.Equal(d.Title.ToString(System.Globalization.CultureInfo.InvariantCulture), row.Groups["title"].Value);
            Assert.Equal(d.DefaultSeverity.ToString(), row.Groups["severity"].Value);
            Assert.True(fixable.Contains(d.Id) == row.Groups["fix"].Value.StartsWith("yes", StringComparison.Ordinal),
                d.Id + ": the code fix column says '" + row.Groups["fix"].Value + "'");

            // The help link goes to this document's section for the id.
            Assert.Matches("^https://.*/docs/diagnostics\\.md#" + anchor + "$", d.HelpLinkUri);
            Assert.Contains("\n## " + d.Id + "\n", docs, StringComparison.Ordinal);
        }
    }
}
