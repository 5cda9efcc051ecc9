using System;
using AutoDiffGen.GradBench.Protocol;

namespace AutoDiffGen.GradBench;

/// <summary>
/// Entry point: serve GradBench's protocol on standard input and output until the input ends. Diagnostics that
/// cannot be sent as a reply (a line with no readable id) go to standard error.
/// </summary>
internal static class Program
{
    private static int Main()
    {
        using var input = new System.IO.StreamReader(Console.OpenStandardInput(), System.Text.Encoding.UTF8, false, 1 << 16);
        using var output = Console.OpenStandardOutput();
        var server = new ProtocolServer(input, output, Console.Error, ModuleRegistry.Default);
        server.Run();
        return 0;
    }
}
