using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Tasks;

namespace AutoDiffGen.GradBench.Tests;

/// <summary>
/// The GradBench tool running as its own process (<c>dotnet AutoDiffGen.GradBench.dll</c>), driven the way the
/// GradBench intermediary drives it: one message line in, one reply line out, in turn.
/// </summary>
public sealed class ToolProcess : IDisposable
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(60);

    private readonly Process process;
    private readonly StringBuilder errors = new();
    private readonly Task stderrPump;

    public ToolProcess()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(ToolPath);
        process = Process.Start(start) ?? throw new InvalidOperationException("could not start the tool");
        process.StandardInput.AutoFlush = true;
        stderrPump = Task.Run(async () =>
        {
            string? line;
            while ((line = await process.StandardError.ReadLineAsync().ConfigureAwait(false)) is not null)
            {
                lock (errors)
                {
                    errors.AppendLine(line);
                }
            }
        });
    }

    /// <summary>
    /// The tool's dll in its own build output, for the configuration and target framework of this test assembly:
    /// the test runs from Tests/AutoDiffGen.GradBench.Tests/bin/&lt;Configuration&gt;/&lt;tfm&gt;/, the tool is in
    /// Bench/GradBench/bin/&lt;Configuration&gt;/&lt;tfm&gt;/ of the same repository.
    /// </summary>
    public static string ToolPath
    {
        get
        {
            var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string tfm = testOutput.Name;
            string configuration = testOutput.Parent!.Name;
            string path = Path.Combine(RepositoryRoot, "Bench", "GradBench", "bin", configuration, tfm, "AutoDiffGen.GradBench.dll");
            return File.Exists(path)
                ? path
                : throw new FileNotFoundException($"The GradBench tool is not built at {path}; build Bench/GradBench in {configuration} first.");
        }
    }

    /// <summary>The folder holding AutoDiffGen.sln, above the test's output folder.</summary>
    public static string RepositoryRoot
    {
        get
        {
            DirectoryInfo? dir = new(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AutoDiffGen.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new DirectoryNotFoundException("No folder holding AutoDiffGen.sln above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>What the tool wrote to its error stream so far.</summary>
    public string Errors
    {
        get
        {
            lock (errors)
            {
                return errors.ToString();
            }
        }
    }

    /// <summary>Sends one raw line and returns the reply line.</summary>
    public string SendLine(string line)
    {
        process.StandardInput.WriteLine(line);
        return ReadReply();
    }

    /// <summary>Sends one raw line that must get no reply (the tool cannot read its id).</summary>
    public void SendUnanswered(string line) => process.StandardInput.WriteLine(line);

    /// <summary>Sends a message and returns the parsed reply.</summary>
    public JsonObject Send(JsonObject message) => Parse(SendLine(message.ToJsonString()));

    /// <summary>Sends every message of a recorded sequence and returns the replies in order.</summary>
    public List<(JsonObject Message, JsonObject Reply)> Replay(IEnumerable<JsonObject> messages)
    {
        var result = new List<(JsonObject, JsonObject)>();
        foreach (JsonObject message in messages)
        {
            result.Add((message, Send(message)));
        }

        return result;
    }

    /// <summary>Closes the tool's input and returns its exit code once it has ended.</summary>
    public int CloseAndWait()
    {
        process.StandardInput.Close();
        if (!process.WaitForExit(ReplyTimeout))
        {
            throw new TimeoutException("the tool did not end after its input was closed");
        }

        stderrPump.Wait(ReplyTimeout);
        return process.ExitCode;
    }

    /// <summary>Everything left on the tool's output (after <see cref="CloseAndWait"/>).</summary>
    public string ReadRemainingOutput() => process.StandardOutput.ReadToEnd();

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill();
            process.WaitForExit();
        }

        process.Dispose();
    }

    private string ReadReply()
    {
        Task<string?> read = process.StandardOutput.ReadLineAsync();
        if (!read.Wait(ReplyTimeout))
        {
            throw new TimeoutException("no reply from the tool; its error stream said: " + Errors);
        }

        return read.Result ?? throw new EndOfStreamException("the tool ended without replying; its error stream said: " + Errors);
    }

    private static JsonObject Parse(string line) =>
        JsonNode.Parse(line) as JsonObject ?? throw new InvalidDataException("the reply is not a JSON object: " + line);
}
