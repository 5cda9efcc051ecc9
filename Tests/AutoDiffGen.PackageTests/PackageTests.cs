using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace AutoDiffGen.PackageTests;

/// <summary>
/// The single AutoDiffGen package, as a user gets it: packed from the repository, restored from a local folder
/// feed by a fresh console project outside the repository, whose [Differentiable] method is differentiated by the
/// generator inside the package.
/// </summary>
public sealed class PackageTests
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(5);

    private readonly ITestOutputHelper _output;

    public PackageTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public async Task Package_RestoredByConsumerFromFolderFeed_GeneratesWorkingGradient()
    {
        string root = FindRepositoryRoot();
        string unique = DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + Guid.NewGuid().ToString("N")[..6];
        string version = "0.1.0-test" + unique;
        string work = Path.Combine(Path.GetTempPath(), "autodiffgen-package-" + unique);
        string feed = Path.Combine(work, "feed");
        string packages = Path.Combine(work, "packages");
        string consumer = Path.Combine(work, "consumer");
        Directory.CreateDirectory(consumer);
        bool passed = false;
        try
        {
            await RunDotnet(root, "pack", Path.Combine(root, "Runtime", "AutoDiffGen.Runtime.csproj"), "-c", "Release", "-o", feed, "-p:Version=" + version, "--disable-build-servers");

            string nupkg = Path.Combine(feed, "AutoDiffGen." + version + ".nupkg");
            Assert.True(File.Exists(nupkg), "No " + nupkg + "; feed holds: " + string.Join(", ", Directory.GetFiles(feed).Select(Path.GetFileName)));
            using (ZipArchive archive = ZipFile.OpenRead(nupkg))
            {
                var entries = archive.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
                foreach (string expected in new[]
                {
                    "lib/net10.0/AutoDiffGen.Runtime.dll",
                    "analyzers/dotnet/cs/AutoDiffGen.Generator.dll",
                    "analyzers/dotnet/cs/AutoDiffGen.Analyzers.dll",
                    "analyzers/dotnet/cs/AutoDiffGen.CodeFixes.dll",
                    "build/AutoDiffGen.props",
                })
                {
                    Assert.True(entries.Contains(expected), expected + " missing from the package; it holds:\n" + string.Join("\n", entries.Order(StringComparer.Ordinal)));
                }
            }

            WriteConsumer(consumer, feed, version);
            await RunDotnet(consumer, "restore", "--packages", packages, "--disable-build-servers");
            string stdout = await RunDotnet(consumer, "run", "--no-restore", "--disable-build-servers");

            // F(x, y) = x^2 y + sin(y) at (3, 2): dF/dx = 2xy = 12, dF/dy = x^2 + cos(y).
            string line = stdout.Split('\n').Select(l => l.Trim()).SingleOrDefault(l => l.StartsWith("gradient ", StringComparison.Ordinal))
                ?? throw new Xunit.Sdk.XunitException("The consumer printed no gradient line:\n" + stdout);
            double[] printed = line["gradient ".Length..].Split(' ').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(3, printed.Length);
            Assert.Equal((9 * 2) + Math.Sin(2), printed[0], 1e-12);
            Assert.Equal(12, printed[1], 1e-12);
            Assert.Equal(9 + Math.Cos(2), printed[2], 1e-12);
            passed = true;
        }
        finally
        {
            if (passed)
            {
                TryDelete(work);
            }
            else
            {
                _output.WriteLine("Work folder kept for inspection: " + work);
            }
        }
    }

    private static void WriteConsumer(string folder, string feed, string version)
    {
        File.WriteAllText(Path.Combine(folder, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>disable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="AutoDiffGen" Version="{version}" />
              </ItemGroup>
            </Project>
            """);

        // The folder feed is added beside the machine's default sources (no <clear/>): the package's own
        // dependencies come from there.
        File.WriteAllText(Path.Combine(folder, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="autodiffgen-local-feed" value="{System.Security.SecurityElement.Escape(feed)}" />
              </packageSources>
            </configuration>
            """);

        File.WriteAllText(Path.Combine(folder, "Program.cs"), """
            using System;
            using System.Globalization;
            using AutoDiffGen;

            namespace Consumer;

            public static partial class Functions
            {
                [Differentiable]
                public static double F(double x, double y)
                {
                    return x * x * y + Math.Sin(y);
                }
            }

            public static class Program
            {
                public static void Main()
                {
                    double value = Functions.FGradient(3, 2, out double dx, out double dy);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"gradient {value:R} {dx:R} {dy:R}"));
                }
            }
            """);
    }

    /// <summary>Runs <c>dotnet</c> with the arguments; fails with both streams printed unless it exits with 0.</summary>
    private async Task<string> RunDotnet(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test host may run inside an MSBuild-driven process: do not let its MSBuild settings leak into
        // the child builds.
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";

        string command = "dotnet " + string.Join(' ', arguments);
        _output.WriteLine("> " + command + "   (in " + workingDirectory + ")");
        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + command);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        Task exited = process.WaitForExitAsync();
        if (await Task.WhenAny(exited, Task.Delay(CommandTimeout)).ConfigureAwait(false) != exited)
        {
            process.Kill(entireProcessTree: true);
            await exited.ConfigureAwait(false);
            Assert.Fail(Report(command + " timed out after " + CommandTimeout, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false)));
        }

        string output = await stdout.ConfigureAwait(false);
        string error = await stderr.ConfigureAwait(false);
        _output.WriteLine("  exit " + process.ExitCode + " after " + stopwatch.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + " s");
        if (process.ExitCode != 0)
        {
            Assert.Fail(Report(command + " exited with " + process.ExitCode, output, error));
        }

        return output;
    }

    private static string Report(string title, string stdout, string stderr)
    {
        var text = new StringBuilder();
        text.AppendLine(title);
        text.AppendLine("---- stdout");
        text.AppendLine(stdout);
        text.AppendLine("---- stderr");
        text.AppendLine(stderr);
        return text.ToString();
    }

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AutoDiffGen.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("AutoDiffGen.sln not found above " + AppContext.BaseDirectory);
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
        catch (UnauthorizedAccessException)
        {
            // Same.
        }
    }
}
