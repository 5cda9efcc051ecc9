namespace AutoDiffGen.Analyzers;

internal static class AnalyzerAssembly
{
}
