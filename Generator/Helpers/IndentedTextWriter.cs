using System;
using System.Text;

namespace AutoDiffGen.Generator.Helpers;

/// <summary>A small writer for generated C#: lines at the current indentation and brace-delimited blocks.</summary>
internal sealed class IndentedTextWriter
{
    private const string IndentUnit = "    ";
    private readonly StringBuilder builder = new();
    private int depth;

    public void WriteLine(string line = "")
    {
        if (line.Length > 0)
        {
            for (int i = 0; i < depth; i++)
            {
                builder.Append(IndentUnit);
            }

            builder.Append(line);
        }

        // '\n' on every platform: generated text is byte-identical wherever it is built.
        builder.Append('\n');
    }

    /// <summary>Writes <paramref name="header"/> (if any) and an opening brace; disposing the scope closes it.</summary>
    public Block BeginBlock(string? header = null, string closing = "}")
    {
        if (header is not null)
        {
            WriteLine(header);
        }

        WriteLine("{");
        depth++;
        return new Block(this, closing);
    }

    public override string ToString() => builder.ToString();

    public readonly struct Block : IDisposable
    {
        private readonly IndentedTextWriter writer;
        private readonly string closing;

        public Block(IndentedTextWriter writer, string closing)
        {
            this.writer = writer;
            this.closing = closing;
        }

        public void Dispose()
        {
            writer.depth--;
            writer.WriteLine(closing);
        }
    }
}
