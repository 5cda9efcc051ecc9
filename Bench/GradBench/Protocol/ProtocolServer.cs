using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace AutoDiffGen.GradBench.Protocol;

/// <summary>
/// GradBench's protocol, tool side: one JSON message per input line, one JSON reply per output line carrying the
/// message's <c>id</c>, strictly in turn. <c>start</c> is answered with the tool's name, <c>define</c> with whether
/// the module is implemented, <c>evaluate</c> with the output and one <c>evaluate</c> timing per run; any other
/// kind (<c>analysis</c>) with the bare id. <c>define</c> also compiles the module: it runs each function once on
/// the module's small sample input, so that JIT compilation (the tool runs with tiered compilation off, so the
/// first compilation is the final, optimised one) is reported as the define's <c>compile</c> timing instead of
/// inflating the first timed run of an evaluate. Nothing a message contains stops the server: a failure becomes a reply
/// with <c>"success": false</c> and an <c>error</c>, or, when no id can be read from the line, a note on the error
/// stream. The end of the input ends the session.
/// </summary>
internal sealed class ProtocolServer
{
    /// <summary>The name this tool gives in its reply to <c>start</c>.</summary>
    public const string ToolName = "autodiffgen";

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    // Replies are read by programs, never embedded in HTML: escape only what JSON requires, so errors read "x", not \u0022x\u0022.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly TextReader input;
    private readonly Stream output;
    private readonly TextWriter log;
    private readonly ModuleRegistry modules;
    private readonly ArrayBufferWriter<byte> buffer = new(1 << 12);
    private readonly HashSet<string> compiled = new(StringComparer.Ordinal);
    private long lineNumber;

    public ProtocolServer(TextReader input, Stream output, TextWriter log, ModuleRegistry modules)
    {
        this.input = input;
        this.output = output;
        this.log = log;
        this.modules = modules;
    }

    /// <summary>Serves messages until the input ends.</summary>
    public void Run()
    {
        string? line;
        while ((line = input.ReadLine()) is not null)
        {
            lineNumber++;
            if (!string.IsNullOrWhiteSpace(line))
            {
                Handle(line);
            }
        }
    }

    private void Handle(string line)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line, DocumentOptions);
        }
        catch (JsonException e)
        {
            string? salvaged = MessageId.Salvage(line);
            if (salvaged is null)
            {
                Log($"line {lineNumber} is not valid JSON and has no readable id, so it gets no reply: {e.Message}");
            }
            else
            {
                SendFailure(salvaged, $"the message is not valid JSON: {e.Message}");
            }

            return;
        }

        using (document)
        {
            JsonElement message = document.RootElement;
            string? id = MessageId.Read(message);
            if (id is null)
            {
                Log($"line {lineNumber} has no number or string \"id\" at the top level, so it gets no reply: {Shorten(line)}");
                return;
            }

            if (!message.TryGetProperty("kind", out JsonElement kindElement) || kindElement.ValueKind != JsonValueKind.String)
            {
                SendFailure(id, "the message has no \"kind\" string");
                return;
            }

            switch (kindElement.GetString())
            {
                case "start":
                    Send(id, static w => w.WriteString("tool", ToolName));
                    break;
                case "define":
                    Define(id, message);
                    break;
                case "evaluate":
                    Evaluate(id, message);
                    break;
                case "analysis":
                    Send(id, null);
                    break;
                default:
                    // The protocol asks only for the id here; the error says why nothing else happened.
                    SendFailure(id, $"unknown message kind \"{kindElement.GetString()}\"; this tool understands start, define, evaluate and analysis");
                    break;
            }
        }
    }

    private void Define(string id, JsonElement message)
    {
        if (!TryReadModule(id, message, out IEvalModule? module))
        {
            return;
        }

        long compile;
        try
        {
            compile = Compile(module);
        }
#pragma warning disable CA1031 // A module that cannot run its own sample is reported as not available.
        catch (Exception e)
#pragma warning restore CA1031
        {
            SendFailure(id, $"module \"{module.Name}\" failed on its sample input: {e.GetType().Name}: {e.Message}");
            return;
        }

        Send(id, w =>
        {
            w.WriteBoolean("success", true);
            w.WriteStartArray("timings");
            w.WriteStartObject();
            w.WriteString("name", "compile");
            w.WriteNumber("nanoseconds", compile);
            w.WriteEndObject();
            w.WriteEndArray();
        });
    }

    private void TryCompile(IEvalModule module)
    {
        try
        {
            Compile(module);
        }
#pragma warning disable CA1031 // Compiling ahead is an optimisation; the evaluate reports its own failure.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>Runs every function of <paramref name="module"/> once on its sample input; returns the nanoseconds taken.</summary>
    private long Compile(IEvalModule module)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        using (JsonDocument sample = JsonDocument.Parse(module.SampleInput))
        {
            foreach (string function in module.Functions)
            {
                PreparedCall call = module.Prepare(function, sample.RootElement);
                call.Run();
                using var sink = new Utf8JsonWriter(System.IO.Stream.Null);
                call.WriteOutput(sink);
            }
        }

        compiled.Add(module.Name);
        return (long)System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalNanoseconds;
    }

    private void Evaluate(string id, JsonElement message)
    {
        if (!TryReadModule(id, message, out IEvalModule? module))
        {
            return;
        }

        if (!message.TryGetProperty("function", out JsonElement functionElement) || functionElement.ValueKind != JsonValueKind.String)
        {
            SendFailure(id, "the evaluate message has no \"function\" string");
            return;
        }

        string function = functionElement.GetString()!;
        if (!module.Functions.Contains(function))
        {
            SendFailure(id, $"module \"{module.Name}\" has no function \"{function}\"; it has {string.Join(", ", module.Functions)}");
            return;
        }

        if (!message.TryGetProperty("input", out JsonElement inputElement))
        {
            SendFailure(id, "the evaluate message has no \"input\"");
            return;
        }

        if (!compiled.Contains(module.Name))
        {
            // Evaluate without a define first: compile now, untimed, so the first run is as fast as later ones.
            TryCompile(module);
        }

        string qualified = $"{module.Name}::{function}";
        PreparedCall call;
        try
        {
            call = module.Prepare(function, inputElement);
        }
        catch (InputException e)
        {
            SendFailure(id, $"invalid input for {qualified}: {e.Message}");
            return;
        }

        List<long> timings;
        try
        {
            timings = call.Runs.Measure(call);
        }
#pragma warning disable CA1031 // Whatever the computation throws becomes the reply's error; the server keeps serving.
        catch (Exception e)
#pragma warning restore CA1031
        {
            SendFailure(id, $"{qualified} failed: {e.GetType().Name}: {e.Message}");
            return;
        }

        try
        {
            Send(id, w =>
            {
                w.WriteBoolean("success", true);
                w.WritePropertyName("output");
                call.WriteOutput(w);
                w.WriteStartArray("timings");
                foreach (long nanoseconds in timings)
                {
                    w.WriteStartObject();
                    w.WriteString("name", "evaluate");
                    w.WriteNumber("nanoseconds", nanoseconds);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            });
        }
        catch (NonFiniteOutputException e)
        {
            SendFailure(id, $"{qualified} produced an output that is not finite: {e.Message}");
        }
    }

    private bool TryReadModule(string id, JsonElement message, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IEvalModule? module)
    {
        module = null;
        if (!message.TryGetProperty("module", out JsonElement moduleElement) || moduleElement.ValueKind != JsonValueKind.String)
        {
            SendFailure(id, "the message has no \"module\" string");
            return false;
        }

        string name = moduleElement.GetString()!;
        if (!modules.TryGet(name, out module))
        {
            SendFailure(id, $"unknown module \"{name}\"; this tool implements {string.Join(", ", modules.Names)}");
            return false;
        }

        return true;
    }

    private void SendFailure(string id, string error)
    {
        Send(id, w =>
        {
            w.WriteBoolean("success", false);
            w.WriteString("error", error);
        });
    }

    /// <summary>
    /// Writes <c>{"id": ..., body}</c> as one line and flushes it. The reply is built in a buffer first, so a body
    /// that throws part way leaves nothing on the output.
    /// </summary>
    private void Send(string id, Action<Utf8JsonWriter>? body)
    {
        buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("id");
            writer.WriteRawValue(id);
            body?.Invoke(writer);
            writer.WriteEndObject();
        }

        output.Write(buffer.WrittenSpan);
        output.WriteByte((byte)'\n');
        output.Flush();
    }

    private void Log(string text)
    {
        log.WriteLine($"{ToolName}: {text}");
        log.Flush();
    }

    private static string Shorten(string line) => line.Length <= 120 ? line : line[..120] + "...";
}
