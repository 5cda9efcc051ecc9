namespace AutoDiffGen.CodeFixes;

internal static class CodeFixAssembly
{
}
