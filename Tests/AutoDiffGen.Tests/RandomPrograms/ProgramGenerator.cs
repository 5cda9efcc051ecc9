using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace AutoDiffGen.Tests.RandomPrograms;

/// <summary>A piece of code printed twice: as the differentiable program sees it and as its probe copy sees it.</summary>
/// <remarks>
/// The probe copy is the same code with every kink (Abs, Max, Min, Clamp) and every floating comparison routed
/// through <c>K</c>, which records how far the point is from the kink and which side it is on. The checker uses it
/// to keep finite-difference points away from kinks and branch boundaries.
/// </remarks>
internal readonly record struct Code(string N, string Q)
{
    public static Code Same(string text) => new(text, text);

    /// <summary>Substitutes {0}, {1}, ... in both printings.</summary>
    public static Code Fmt(string format, params Code[] parts)
        => new(
            string.Format(CultureInfo.InvariantCulture, format, parts.Select(p => (object)p.N).ToArray()),
            string.Format(CultureInfo.InvariantCulture, format, parts.Select(p => (object)p.Q).ToArray()));

    public static Code Fmt(string normal, string probe, params Code[] parts)
        => new(
            string.Format(CultureInfo.InvariantCulture, normal, parts.Select(p => (object)p.N).ToArray()),
            string.Format(CultureInfo.InvariantCulture, probe, parts.Select(p => (object)p.Q).ToArray()));
}

/// <summary>The shape of one generated [Differentiable] method, enough to call it from the wrappers.</summary>
internal sealed class MethodShape
{
    public MethodShape(string name, int scalars, int arrayLength, bool arrayIsSpan, int? intValue)
    {
        Name = name;
        Scalars = scalars;
        ArrayLength = arrayLength;
        ArrayIsSpan = arrayIsSpan;
        IntValue = intValue;
    }

    public string Name { get; }

    /// <summary>Scalar parameters x0, x1, ...</summary>
    public int Scalars { get; }

    /// <summary>Length of the array or span parameter w; 0 when there is none.</summary>
    public int ArrayLength { get; }

    public bool ArrayIsSpan { get; }

    /// <summary>The value passed to the int parameter n; null when there is none.</summary>
    public int? IntValue { get; }

    /// <summary>Inputs as the checker sees them: the scalars, then the array elements.</summary>
    public int Inputs => Scalars + ArrayLength;
}

/// <summary>One random program: a partial class P{index} with 1-3 [Differentiable] methods.</summary>
internal sealed class RandomProgram
{
    public RandomProgram(int index, bool single, string source, string probeSource, List<MethodShape> methods)
    {
        Index = index;
        Single = single;
        Source = source;
        ProbeSource = probeSource;
        Methods = methods;
    }

    public int Index { get; }

    public bool Single { get; }

    public string ClassName => "P" + Index.ToString(CultureInfo.InvariantCulture);

    /// <summary>The class under test, as compiled.</summary>
    public string Source { get; }

    /// <summary>The probe copy (class Q{index}) and the wrappers (class W{index}).</summary>
    public string ProbeSource { get; }

    public List<MethodShape> Methods { get; }
}

/// <summary>Writes random, well-typed differentiable methods whose values stay finite and smooth off the kinks.</summary>
internal sealed class ProgramGenerator
{
    private readonly Random _random;
    private readonly bool _single;
    private readonly string _t;
    private readonly string _m;

    // Per method state.
    private readonly List<string> _readable = new();
    private readonly List<string> _assignable = new();
    private readonly List<(string Name, int Arity)> _callable = new();
    private readonly List<string> _loopIndices = new();
    private readonly List<string> _preferred = new();
    private int _arrayLength;
    private bool _hasInt;
    private int _names;
    private int _loopDepth;
    private bool _inSection;
    private int _statementBudget;
    private string _cls = string.Empty;
    private bool _arrayIsSpan;

    private ProgramGenerator(Random random, bool single)
    {
        _random = random;
        _single = single;
        _t = single ? "float" : "double";
        _m = single ? "MathF" : "Math";
    }

    /// <summary>Writes program number <paramref name="index"/> from <paramref name="random"/>.</summary>
    public static RandomProgram Generate(Random random, int index)
    {
        bool single = random.NextDouble() < 0.15;
        return new ProgramGenerator(random, single).Program(index);
    }

    private RandomProgram Program(int index)
    {
        string cls = "P" + index.ToString(CultureInfo.InvariantCulture);
        string probe = "Q" + index.ToString(CultureInfo.InvariantCulture);
        int count = 1 + _random.Next(3);
        int helpers = count == 1 ? 0 : _random.Next(count);
        var normal = new StringBuilder();
        var q = new StringBuilder();
        _cls = cls;
        normal.Append("public static partial class ").AppendLine(cls).AppendLine("{");

        // Constant data (read as constants: a table, jagged rows), shared by the probe copy.
        string[] table = Enumerable.Range(0, 3).Select(_ => Lit(Math.Round((_random.NextDouble() * 2) - 1, 2))).ToArray();
        normal.Append("    internal static readonly ").Append(_t).Append("[] Tab = { ").Append(string.Join(", ", table)).AppendLine(" };");
        string Row(int length) => "new " + _t + "[] { " + string.Join(", ", Enumerable.Range(0, length).Select(_ => Lit(Math.Round((_random.NextDouble() * 2) - 1, 2)))) + " }";
        normal.Append("    internal static readonly ").Append(_t).Append("[][] Rows = { ").Append(Row(2)).Append(", ").Append(Row(3)).AppendLine(" };");
        q.Append("public static class ").AppendLine(probe).AppendLine("{");
        var shapes = new List<MethodShape>();
        var helperNames = new List<(string, int)>();
        for (int k = 0; k < count; k++)
        {
            bool helper = k < helpers;
            string name = (helper ? "H" : "F") + k.ToString(CultureInfo.InvariantCulture);
            MethodShape shape = helper
                ? new MethodShape(name, 1 + _random.Next(2), 0, false, null)
                : new MethodShape(
                    name,
                    2 + _random.Next(3),
                    _random.NextDouble() < 0.55 ? 3 + _random.Next(4) : 0,
                    _random.NextDouble() < 0.5,
                    _random.NextDouble() < 0.4 ? 1 + _random.Next(4) : null);
            Code method = Method(shape, helperNames);
            normal.Append(method.N);
            q.Append(method.Q);
            shapes.Add(shape);
            if (helper)
            {
                helperNames.Add((name, shape.Scalars));
            }
        }

        normal.AppendLine("}");
        q.AppendLine("}");
        q.Append(Wrappers(index, shapes));
        return new RandomProgram(index, _single, normal.ToString(), q.ToString(), shapes);
    }

    private Code Method(MethodShape shape, List<(string, int)> helpers)
    {
        _readable.Clear();
        _assignable.Clear();
        _loopIndices.Clear();
        _preferred.Clear();
        _callable.Clear();
        _callable.AddRange(helpers);
        _arrayLength = shape.ArrayLength;
        _arrayIsSpan = shape.ArrayIsSpan;
        _hasInt = shape.IntValue is not null;
        _names = 0;
        _loopDepth = 0;
        _inSection = false;
        bool helper = shape.Name[0] == 'H';
        _statementBudget = helper ? 4 : 10;

        var parameters = new List<string>();
        for (int i = 0; i < shape.Scalars; i++)
        {
            string x = "x" + i.ToString(CultureInfo.InvariantCulture);
            parameters.Add(_t + " " + x);
            _readable.Add(x);
        }

        if (shape.ArrayLength > 0)
        {
            parameters.Add((shape.ArrayIsSpan ? "ReadOnlySpan<" + _t + ">" : _t + "[]") + " w");
        }

        if (_hasInt)
        {
            parameters.Add("int n");
        }

        var w = new Writer(1);
        w.Line(Code.Same("public static " + _t + " " + shape.Name + "(" + string.Join(", ", parameters) + ")"));
        w.Open();
        int statements = helper ? _random.Next(3) : 2 + _random.Next(4);
        for (int i = 0; i < statements; i++)
        {
            Statement(w, 0);
        }

        w.Line(Code.Fmt("return {0};", FinalExpression()));
        w.Close();
        return new Code("    [Differentiable]\n" + w.Normal, w.Probe);
    }

    private Code FinalExpression()
    {
        Code e = Expr(2);
        foreach (string local in _assignable.Where(_ => _random.NextDouble() < 0.6))
        {
            e = _random.Next(3) switch
            {
                0 => Code.Fmt("({0} + {1})", e, Code.Same(local)),
                1 => Code.Fmt("({0} * {1})", e, Code.Same(local)),
                _ => Code.Fmt("({0} - {1})", Code.Same(local), e),
            };
        }

        return e;
    }

    // ---- statements ----

    private void Statement(Writer w, int depth)
    {
        if (_statementBudget-- <= 0)
        {
            return;
        }

        int roll = _random.Next(100);
        bool canNest = depth < 3;
        if (roll < 22 || _assignable.Count == 0)
        {
            string name = NewName("t");
            w.Line(Code.Fmt(_t + " " + name + " = {0};", Expr(StatementDepth())));
            _readable.Add(name);
            _assignable.Add(name);
        }
        else if (roll < 30 && _assignable.Count >= 2)
        {
            TupleAssignment(w);
        }
        else if (roll < 34)
        {
            string target = Pick(_assignable);
            w.Line(Checked(target, Code.Fmt(target + " = {0};", Rhs(target))));
        }
        else if (roll < 52)
        {
            Compound(w);
        }
        else if (roll < 57)
        {
            string target = Pick(_assignable);
            w.Line(Checked(target, Code.Same(target + (_random.Next(2) == 0 ? "++;" : "--;"))));
        }
        else if (roll < 64 && canNest)
        {
            If(w, depth);
        }
        else if (roll < 68 && canNest)
        {
            Switch(w, depth);
        }
        else if (roll < 73)
        {
            w.Line(Code.Fmt("if ({0})", Condition(1)));
            w.Open();
            w.Line(Code.Fmt("return {0};", Expr(2)));
            w.Close();
        }
        else if (roll < 90 && canNest && _loopDepth < 2)
        {
            Loop(w, depth);
        }
        else if (roll < 96 && _loopDepth > 0)
        {
            w.Line(Code.Fmt("if ({0})", Condition(1)));
            w.Open();
            // (A break directly inside a switch section would leave the switch, not the loop.)
            w.Line(Code.Same(_random.Next(2) == 0 && !_inSection ? "break;" : "continue;"));
            w.Close();
        }
        else
        {
            Compound(w);
        }
    }

    private void Compound(Writer w)
    {
        string target = Pick(_assignable);
        switch (_random.Next(5))
        {
            case 0:
            case 1:
                w.Line(Checked(target, Code.Fmt(target + " += {0};", Rhs(target))));
                break;
            case 2:
                w.Line(Checked(target, Code.Fmt(target + " -= {0};", Rhs(target))));
                break;
            case 3:
                w.Line(Checked(target, Code.Fmt(target + " *= {0};", _random.Next(2) == 0 ? Expr(2) : Bounded(Expr(2)))));
                break;
            default:
                Code d = Expr(2);
                w.Line(Checked(target, Code.Fmt(target + " /= ({0} * {0} + " + Lit(0.5 + _random.Next(3)) + ");", d)));
                break;
        }
    }

    private int StatementDepth() => _random.NextDouble() < 0.2 ? 3 : 2;

    /// <summary>A right-hand side for an assignment to <paramref name="target"/>: often reads the target itself (t = t - (x + t)).</summary>
    /// <summary>
    /// An assignment whose probe copy also checks the value it leaves in <paramref name="target"/>: the operands are
    /// checked already, but <c>t *= (x - t)</c> squares a large t, and <c>t += (e - t)</c> then cancels it to a value
    /// whose finite differences see only rounding (seed 774192615, program 15576: 4.5e13 - 4.5e13).
    /// </summary>
    private static Code Checked(string target, Code statement) => new(statement.N, statement.Q + " K.V(" + target + ");");

    private Code Rhs(string target)
    {
        Code e = Expr(StatementDepth());
        return _random.Next(4) switch
        {
            0 => Code.Fmt("({0} " + (_random.Next(2) == 0 ? "+" : "-") + " " + target + ")", e),
            1 => Code.Fmt("(" + target + " " + (_random.Next(2) == 0 ? "+" : "-") + " {0})", e),
            _ => e,
        };
    }

    private void If(Writer w, int depth)
    {
        w.Line(Code.Fmt("if ({0})", Condition(1)));
        Block(w, depth + 1);
        if (_random.Next(2) == 0)
        {
            w.Line(Code.Same("else"));
            Block(w, depth + 1);
        }
    }

    private void Block(Writer w, int depth, string? first = null, string? last = null)
    {
        int readable = _readable.Count;
        int assignable = _assignable.Count;
        int preferred = _preferred.Count;
        w.Open();
        if (first is not null)
        {
            w.Line(Code.Same(first));
        }

        int statements = 1 + _random.Next(3);
        for (int i = 0; i < statements; i++)
        {
            Statement(w, depth);
        }

        if (last is not null)
        {
            w.Line(Code.Same(last));
        }

        w.Close();
        _readable.RemoveRange(readable, _readable.Count - readable);
        _assignable.RemoveRange(assignable, _assignable.Count - assignable);
        _preferred.RemoveRange(preferred, _preferred.Count - preferred);
    }

    private void Loop(Writer w, int depth)
    {
        bool inSection = _inSection;
        _inSection = false;
        _loopDepth++;
        // (Kind 9 declares a local array; inside another loop that is a fresh array every outer iteration.)
        int kind = _random.Next(_arrayLength > 0 ? 12 : 4);
        if (kind == 3 && _arrayLength == 0)
        {
            kind = 11;
        }

        switch (kind)
        {
            case 10:
            {
                // Windows of w through a slice local: s = w.AsSpan(r, size) (or w.Slice), s[j], s[s.Length - 1].
                string r = NewName("r");
                string j = NewName("j");
                string sl = NewName("s");
                string size = (1 + _random.Next(3)).ToString(CultureInfo.InvariantCulture);
                string step = _random.Next(2) == 0 ? "++" : " += " + size;
                w.Line(Code.Same("for (int " + r + " = 0; " + r + " + " + size + " <= w.Length; " + r + step + ")"));
                w.Open();
                w.Line(Code.Same("ReadOnlySpan<" + _t + "> " + sl + " = " + SliceOfW(r, size) + ";"));
                w.Line(Code.Same("for (int " + j + " = 0; " + j + " < " + sl + ".Length; " + j + "++)"));
                NestBody(w, depth + 2, new[] { r, j }, sl + "[" + j + "]", sl + "[" + sl + ".Length - 1]");
                w.Close();
                break;
            }

            case 11:
            {
                // Constant rows: foreach over the jagged field and each row, or a row alias picked by a counter.
                string v = NewName("v");
                string row = NewName("row");
                if (_random.Next(2) == 0)
                {
                    w.Line(Code.Same("foreach (" + _t + "[] " + row + " in " + _cls + ".Rows)"));
                    w.Open();
                    w.Line(Code.Same("foreach (" + _t + " " + v + " in " + row + ")"));
                    _readable.Add(v);
                    _preferred.Add(v);
                    int before = _preferred.Count;
                    Block(w, depth + 2);
                    _readable.Remove(v);
                    _preferred.RemoveAt(before - 1);
                    w.Close();
                }
                else
                {
                    string k = NewName("k");
                    string m = NewName("m");
                    bool running = _random.Next(2) == 0;
                    if (running)
                    {
                        // A running row number: the reverse sweep cannot recompute the row, so it is saved.
                        w.Line(Code.Same("int " + m + " = " + _random.Next(2).ToString(CultureInfo.InvariantCulture) + ";"));
                    }

                    w.Line(Code.Same("for (int " + k + " = 0; " + k + " < " + (1 + _random.Next(4)).ToString(CultureInfo.InvariantCulture) + "; " + k + "++)"));
                    w.Open();
                    if (running)
                    {
                        w.Line(Code.Same(m + " = ((" + m + " * 3) + " + k + " + 1) % 2;"));
                    }

                    string which = running ? m : "(" + k + " * " + (1 + _random.Next(3)).ToString(CultureInfo.InvariantCulture) + ") % 2";
                    w.Line(Code.Same(_t + "[] " + row + " = " + _cls + ".Rows[" + which + "];"));
                    _loopIndices.Add(k);
                    int readable = _readable.Count;
                    int assignable = _assignable.Count;
                    _preferred.Add(row + "[0]");
                    _preferred.Add(row + "[" + row + ".Length - 1]");
                    int before = _preferred.Count;
                    for (int i = 1 + _random.Next(3); i > 0; i--)
                    {
                        Statement(w, depth + 2);
                    }

                    // The loop body's own locals go out of scope with it.
                    _readable.RemoveRange(readable, _readable.Count - readable);
                    _assignable.RemoveRange(assignable, _assignable.Count - assignable);
                    _loopIndices.Remove(k);
                    _preferred.RemoveRange(before - 2, _preferred.Count - before + 2);
                    w.Close();
                }

                break;
            }

            case 0:
            {
                // Counted while loop; the counter moves first so that continue cannot spin.
                string k = NewName("k");
                string bound = _hasInt && _random.Next(2) == 0 ? "n" : (1 + _random.Next(4)).ToString(CultureInfo.InvariantCulture);
                w.Line(Code.Same("int " + k + " = 0;"));
                w.Line(Code.Same("while (" + k + " < " + bound + ")"));
                _loopIndices.Add(k);
                Block(w, depth + 1, k + "++;");
                _loopIndices.Remove(k);
                break;
            }

            case 1:
            {
                // While loop on an active condition, bounded by a counter.
                string k = NewName("k");
                w.Line(Code.Same("int " + k + " = 0;"));
                w.Line(Code.Fmt("while ({0} && " + k + " < " + (2 + _random.Next(5)).ToString(CultureInfo.InvariantCulture) + ")", Comparison(1)));
                Block(w, depth + 1, k + "++;");
                break;
            }

            case 2:
            {
                string k = NewName("k");
                if (_random.Next(3) == 0)
                {
                    w.Line(Code.Same("int " + k + " = 0;"));
                    w.Line(Code.Same("do"));
                    _loopIndices.Add(k);
                    Block(w, depth + 1, k + "++;");
                    _loopIndices.Remove(k);
                    w.Line(Code.Same("while (" + k + " < " + (1 + _random.Next(3)).ToString(CultureInfo.InvariantCulture) + ");"));
                }
                else
                {
                    string bound = _hasInt && _random.Next(2) == 0 ? "n" : (1 + _random.Next(4)).ToString(CultureInfo.InvariantCulture);
                    w.Line(Code.Same("for (int " + k + " = 0; " + k + " < " + bound + "; " + k + "++)"));
                    _loopIndices.Add(k);
                    Block(w, depth + 1);
                    _loopIndices.Remove(k);
                }

                break;
            }

            case 3:
            case 4:
            {
                string i = NewName("i");
                w.Line(Code.Same("for (int " + i + " = 0; " + i + " < w.Length; " + i + "++)"));
                _loopIndices.Add(i);
                _preferred.Add("w[" + i + "]");
                int before = _preferred.Count;
                Block(w, depth + 1);
                _loopIndices.Remove(i);
                _preferred.RemoveAt(before - 1);
                break;
            }

            case 5:
            case 6:
            {
                // Rows of a flattened matrix: w[r * B + j] (block views in the generated code).
                string r = NewName("r");
                string j = NewName("j");
                string size = (1 + _random.Next(3)).ToString(CultureInfo.InvariantCulture);
                w.Line(Code.Same("for (int " + r + " = 0; " + r + " < w.Length / " + size + "; " + r + "++)"));
                w.Open();
                w.Line(Code.Same("for (int " + j + " = 0; " + j + " < " + size + "; " + j + "++)"));
                NestBody(w, depth + 2, new[] { r, j }, "w[(" + r + " * " + size + ") + " + j + "]", "w[" + r + " * " + size + "]");
                w.Close();
                break;
            }

            case 7:
            {
                // A running index through a triangle (a packed lower-triangular matrix): l++ ends the inner body.
                string l = NewName("l");
                string i = NewName("i");
                string j = NewName("j");
                w.Line(Code.Same("int " + l + " = " + _random.Next(3).ToString(CultureInfo.InvariantCulture) + ";"));
                w.Line(Code.Same("for (int " + i + " = 0; " + i + " < w.Length; " + i + "++)"));
                w.Open();
                w.Line(Code.Same("for (int " + j + " = " + i + " + 1; " + j + " < w.Length; " + j + "++)"));
                _loopIndices.Add(i);
                _preferred.Add("w[" + l + " % w.Length]");
                _preferred.Add("w[" + j + "]");
                int before = _preferred.Count;
                Block(w, depth + 2, last: l + "++;");
                _loopIndices.Remove(i);
                _preferred.RemoveRange(before - 2, 2);
                w.Close();
                break;
            }

            case 9:
            {
                // A local buffer of rows x size, filled and read row by row: b[r * size + j] (block views proved
                // inside the buffer, taken with their exact length). Declared inside another loop, it is a fresh
                // zeroed array every iteration of that loop, which the filling += then relies on.
                string b = NewName("b");
                string r = NewName("r");
                string j = NewName("j");
                string j2 = NewName("j");
                string rows = _hasInt && _random.Next(2) == 0 ? "n" : (1 + _random.Next(3)).ToString(CultureInfo.InvariantCulture);
                string size = (1 + _random.Next(3)).ToString(CultureInfo.InvariantCulture);
                string element = b + "[(" + r + " * " + size + ") + ";
                w.Line(Code.Same(_t + "[] " + b + " = new " + _t + "[" + rows + " * " + size + "];"));
                w.Line(Code.Same("for (int " + r + " = 0; " + r + " < " + rows + "; " + r + "++)"));
                w.Open();
                if (_random.Next(3) == 0)
                {
                    // The row through a slice of the buffer: seg[j] writes b[r * size + j].
                    string seg = NewName("seg");
                    w.Line(Code.Same("Span<" + _t + "> " + seg + " = " + b + ".AsSpan(" + r + " * " + size + ", " + size + ");"));
                    element = seg + "[";
                }

                _loopIndices.Add(r);
                w.Line(Code.Same("for (int " + j + " = 0; " + j + " < " + size + "; " + j + "++)"));
                w.Open();
                _loopIndices.Add(j);
                w.Line(Code.Fmt(element + j + "] " + (_random.Next(2) == 0 ? "=" : "+=") + " {0};", Expr(StatementDepth())));
                _loopIndices.Remove(j);
                w.Close();
                w.Line(Code.Same("for (int " + j2 + " = 0; " + j2 + " < " + size + "; " + j2 + "++)"));
                _loopIndices.Add(j2);
                _preferred.Add(element + j2 + "]");
                int before = _preferred.Count;
                Block(w, depth + 2);
                _preferred.RemoveAt(before - 1);
                _loopIndices.Remove(j2);
                _loopIndices.Remove(r);
                w.Close();
                break;
            }

            default:
            {
                string v = NewName("v");
                w.Line(Code.Same("foreach (" + _t + " " + v + " in w)"));
                _readable.Add(v);
                _preferred.Add(v);
                int before = _preferred.Count;
                Block(w, depth + 1);
                _readable.Remove(v);
                _preferred.RemoveAt(before - 1);
                break;
            }
        }

        _loopDepth--;
        _inSection = inSection;
    }

    /// <summary>
    /// <c>(a, b) = (e1, e2)</c>, where each value may read both targets: C# reads them all before it assigns any.
    /// </summary>
    private void TupleAssignment(Writer w)
    {
        string a = Pick(_assignable);
        string b = Pick(_assignable.Where(t => t != a).ToList());
        Code first = Rhs(b);
        Code second = Rhs(a);
        w.Line(new Code(
            Code.Fmt("(" + a + ", " + b + ") = ({0}, {1});", first, second).N,
            Code.Fmt("(" + a + ", " + b + ") = ({0}, {1});", first, second).Q + " K.V(" + a + "); K.V(" + b + ");"));
    }

    /// <summary>
    /// A switch statement: on an int (a loop counter modulo 3, or n) with constant and or-pattern cases and a guard,
    /// or on a floating local with relational patterns. The probe copy is the if/else chain it means, with the
    /// floating tests recorded (K.Gt) so points near a case boundary are resampled.
    /// </summary>
    private void Switch(Writer w, int depth)
    {
        var cases = new List<(string Pattern, string Test)>();
        string governing;
        if ((_loopIndices.Count > 0 || _hasInt) && _random.Next(2) == 0)
        {
            governing = _loopIndices.Count > 0 ? "(" + Pick(_loopIndices) + " % 3)" : "n";
            cases.Add(("0", governing + " == 0"));
            cases.Add(("1 or 2", "(" + governing + " == 1 || " + governing + " == 2)"));
        }
        else if (PickVariable() is string variable)
        {
            governing = variable;
            string low = PatternLiteral(-0.5 - _random.Next(2)), high = PatternLiteral(0.25 + _random.Next(2));
            cases.Add(("> " + high, "K.Gt(" + governing + ", " + high + ")"));
            cases.Add((">= " + low + " and <= " + high, "(K.Ge(" + governing + ", " + low + ") && K.Le(" + governing + ", " + high + "))"));
        }
        else
        {
            If(w, depth);
            return;
        }

        int used = 1 + _random.Next(cases.Count);
        w.Line(new Code("switch (" + governing + ")", string.Empty));
        w.Line(new Code("{", string.Empty));
        bool inSection = _inSection;
        _inSection = true;
        for (int i = 0; i < used; i++)
        {
            Code guard = _random.Next(4) == 0 ? Condition(1) : Code.Same(string.Empty);
            string when = guard.N.Length == 0 ? string.Empty : " when " + guard.N;
            string test = guard.Q.Length == 0 ? cases[i].Test : "(" + cases[i].Test + ") && " + guard.Q;
            w.Line(new Code("case " + cases[i].Pattern + when + ":", (i == 0 ? "if (" : "else if (") + test + ")"));
            Block(w, depth + 1);
            w.Line(new Code("break;", string.Empty));
        }

        if (_random.Next(3) > 0)
        {
            w.Line(new Code("default:", "else"));
            Block(w, depth + 1);
            w.Line(new Code("break;", string.Empty));
        }

        _inSection = inSection;
        w.Line(new Code("}", string.Empty));
    }

    /// <summary>A floating local or parameter by name (a switch tests it once per case); null when there is none.</summary>
    private string? PickVariable()
    {
        List<string> names = _readable.Where(r => System.Text.RegularExpressions.Regex.IsMatch(r, "^[A-Za-z_][A-Za-z0-9_]*$")).ToList();
        return names.Count > 0 ? Pick(names) : null;
    }

    /// <summary>A constant as a pattern writes it: no parentheses around a negative value.</summary>
    private string PatternLiteral(double value) => value.ToString("0.0##", CultureInfo.InvariantCulture) + (_single ? "f" : string.Empty);

    // ---- expressions ----

    /// <summary>An expression; the probe copy checks its value with K.V (not finite or too large: the point is resampled).</summary>
    private Code Expr(int depth)
    {
        Code e = ExprCore(depth);
        return e with { Q = "K.V(" + e.Q + ")" };
    }

    private Code ExprCore(int depth)
    {
        if (depth <= 0 || _random.NextDouble() < 0.3)
        {
            return Leaf();
        }

        int roll = _random.Next(100);
        if (roll < 30)
        {
            string op = _random.Next(3) switch { 0 => "+", 1 => "-", _ => "*" };
            return Code.Fmt("({0} " + op + " {1})", Expr(depth - 1), Expr(depth - 1));
        }

        if (roll < 37)
        {
            Code d = Expr(depth - 1);
            return _random.Next(2) == 0
                ? Code.Fmt("({0} / ({1} * {1} + " + Lit(0.5 + _random.Next(2)) + "))", Expr(depth - 1), d)
                : Code.Fmt("({0} / " + Lit(1.5 + _random.Next(3)) + ")", Expr(depth - 1));
        }

        if (roll < 41)
        {
            return Code.Fmt("(-{0})", Expr(depth - 1));
        }

        if (roll < 44)
        {
            return Code.Fmt("({0} ? {1} : {2})", Condition(1), Expr(depth - 1), Expr(depth - 1));
        }

        if (roll < 47)
        {
            return SwitchExpression(depth);
        }

        if (roll < 52 && _callable.Count > 0)
        {
            (string name, int arity) = Pick(_callable);
            return arity == 1
                ? Code.Fmt(name + "({0})", Expr(depth - 1))
                : Code.Fmt(name + "({0}, {1})", Expr(depth - 1), Expr(depth - 1));
        }

        return Function(depth - 1);
    }

    /// <summary>
    /// <c>(v switch { &gt; c =&gt; a, &gt;= l and &lt;= c =&gt; b, _ =&gt; e })</c> on a floating local, or on
    /// <c>k % 3</c>; the probe copy is the conditional expression it means, with the floating tests recorded.
    /// </summary>
    private Code SwitchExpression(int depth)
    {
        Code a = Expr(depth - 1), b = Expr(depth - 1), c = Expr(depth - 1);
        if (_loopIndices.Count > 0 && _random.Next(2) == 0)
        {
            string k = "(" + Pick(_loopIndices) + " % 3)";
            return Code.Fmt(
                "(" + k + " switch {{ 0 => {0}, 1 => {1}, _ => {2} }})",
                "(" + k + " == 0 ? {0} : " + k + " == 1 ? {1} : {2})",
                a, b, c);
        }

        if (PickVariable() is not string v)
        {
            return Code.Fmt("({0} ? {1} : {2})", Condition(1), a, b);
        }

        string low = PatternLiteral(-0.5 - _random.Next(2)), high = PatternLiteral(0.25 + _random.Next(2));
        return Code.Fmt(
            "(" + v + " switch {{ > " + high + " => {0}, >= " + low + " and <= " + high + " => {1}, _ => {2} }})",
            "(K.Gt(" + v + ", " + high + ") ? {0} : (K.Ge(" + v + ", " + low + ") && K.Le(" + v + ", " + high + ")) ? {1} : {2})",
            a, b, c);
    }

    private Code Function(int depth)
    {
        int which = _random.Next(31);

        // Guards repeat their operand (e * e + c): keep it smaller.
        Code a = Expr(which is 12 or (>= 15 and <= 21) ? depth - 1 : depth);
        string m = _m;
        switch (which)
        {
            case 0: return Code.Fmt(m + ".Sin({0})", a);
            case 1: return Code.Fmt(m + ".Cos({0})", a);
            case 2: return Code.Fmt(m + ".Tan(" + m + ".Tanh({0}))", a);
            case 3: return Code.Fmt(m + ".Asin(" + m + ".Tanh({0}) * " + Lit(0.9) + ")", a);
            case 4: return Code.Fmt(m + ".Acos(" + m + ".Tanh({0}) * " + Lit(0.9) + ")", a);
            case 5: return Code.Fmt(m + ".Atan({0})", a);
            case 6: return Code.Fmt(m + ".Atan2({0}, {1} * {1} + " + Lit(0.5) + ")", a, Expr(depth - 1));
            case 7: return Code.Fmt(m + ".Atan2({1} * {1} + " + Lit(0.5) + ", {0})", a, Expr(depth - 1));
            case 8: return Code.Fmt(m + ".Sinh(" + m + ".Tanh({0}) * " + Lit(2) + ")", a);
            case 9: return Code.Fmt(m + ".Cosh(" + m + ".Tanh({0}) * " + Lit(2) + ")", a);
            case 10: return Code.Fmt(m + ".Tanh({0})", a);
            case 11: return Code.Fmt(m + ".Asinh({0})", a);
            case 12: return Code.Fmt(m + ".Acosh({0} * {0} + " + Lit(1.5) + ")", a);
            case 13: return Code.Fmt(m + ".Atanh(" + m + ".Tanh({0}) * " + Lit(0.5) + ")", a);
            case 14: return Code.Fmt(m + ".Exp(" + m + ".Tanh({0}))", a);
            case 15: return Code.Fmt(m + ".Log({0} * {0} + " + Lit(1) + ")", a);
            case 16: return Code.Fmt(m + ".Log10({0} * {0} + " + Lit(0.5) + ")", a);
            case 17: return Code.Fmt(m + ".Log2({0} * {0} + " + Lit(2) + ")", a);
            case 18: return Code.Fmt(m + ".Sqrt({0} * {0} + " + Lit(0.5) + ")", a);
            case 19: return Code.Fmt(m + ".Cbrt({0} * {0} + " + Lit(1) + ")", a);
            case 20: return Code.Fmt(m + ".Pow({0} * {0} + " + Lit(0.5) + ", " + Lit(1.3) + ")", a);
            case 21: return Code.Fmt(m + ".Pow({0} * {0} + " + Lit(0.5) + ", " + m + ".Tanh({1}) + " + Lit(1.5) + ")", a, Expr(depth));
            case 22:
            case 23: return Code.Fmt(m + ".Abs({0})", "K.Abs({0})", a);
            case 24: return Code.Fmt(m + ".Max({0}, {1})", "K.Max({0}, {1})", a, Expr(depth));
            case 25: return Code.Fmt(m + ".Min({0}, {1})", "K.Min({0}, {1})", a, Expr(depth));
            case 26:
            {
                double lo = -0.5 - _random.Next(3);
                double hi = 0.5 + _random.Next(3);
                return Code.Fmt("Math.Clamp({0}, " + Lit(lo) + ", " + Lit(hi) + ")", "K.Clamp({0}, " + Lit(lo) + ", " + Lit(hi) + ")", a);
            }

            case 27:
                // Active bounds, lo <= hi by construction.
                return Code.Fmt("Math.Clamp({0}, {1}, {1} + " + Lit(1.5) + ")", "K.Clamp({0}, {1}, {1} + " + Lit(1.5) + ")", a, Expr(depth));
            case 28: return Code.Fmt(m + ".FusedMultiplyAdd({0}, {1}, {2})", a, Expr(depth), Expr(depth));
            case 29: return Code.Fmt(m + ".Exp(" + m + ".Sin({0}))", a);
            default: return Code.Fmt(m + ".Pow(" + m + ".Exp(" + m + ".Tanh({0})), " + Lit(2) + ")", a);
        }
    }

    private Code Bounded(Code e) => Code.Fmt("(" + Lit(1) + " + " + Lit(0.5) + " * " + _m + ".Tanh({0}))", e);

    private Code Leaf()
    {
        int roll = _random.Next(100);
        if (_preferred.Count > 0 && roll < 35)
        {
            return Code.Same(Pick(_preferred));
        }

        if (roll < 15)
        {
            return Code.Same(Lit(Math.Round((_random.NextDouble() * 4) - 2, 2)));
        }

        if (roll < 27 && _arrayLength > 0)
        {
            string index = _loopIndices.Count > 0 && _random.Next(2) == 0 && _loopIndices[^1][0] == 'i'
                ? _loopIndices[^1]
                : _random.Next(4) == 0
                    ? "^" + (1 + _random.Next(_arrayLength)).ToString(CultureInfo.InvariantCulture) // from the end
                    : _random.Next(_arrayLength).ToString(CultureInfo.InvariantCulture);
            return Code.Same("w[" + index + "]");
        }

        if (roll < 31 && _hasInt)
        {
            return Code.Same("((" + _t + ")n)");
        }

        if (roll < 35 && _loopIndices.Count > 0)
        {
            return Code.Same("((" + _t + ")" + Pick(_loopIndices) + ")");
        }

        if (roll < 41)
        {
            // Constant data: the table or a jagged row, indexed by a counter or a literal.
            string k = _loopIndices.Count > 0 && _random.Next(2) == 0 ? Pick(_loopIndices) : _random.Next(3).ToString(CultureInfo.InvariantCulture);
            return _random.Next(2) == 0
                ? Code.Same(_cls + ".Tab[" + k + " % 3]")
                : Code.Same(_cls + ".Rows[" + k + " % 2][" + k + " % 2]");
        }

        return Code.Same(Pick(_readable));
    }

    private Code Condition(int depth)
    {
        int roll = _random.Next(100);
        if (roll < 12)
        {
            return Code.Fmt("({0} && {1})", Comparison(depth), Comparison(depth));
        }

        if (roll < 24)
        {
            return Code.Fmt("({0} || {1})", Comparison(depth), Comparison(depth));
        }

        if (roll < 29)
        {
            return Code.Fmt("(!{0})", Comparison(depth));
        }

        if (roll < 37 && _loopIndices.Count > 0)
        {
            string k = Pick(_loopIndices);
            return Code.Same("(" + k + (_random.Next(2) == 0 ? " == " : " > ") + _random.Next(3).ToString(CultureInfo.InvariantCulture) + ")");
        }

        if (roll < 41 && _hasInt)
        {
            return Code.Same("(n > " + (1 + _random.Next(3)).ToString(CultureInfo.InvariantCulture) + ")");
        }

        if (roll < 45 && PickVariable() is string v)
        {
            // A pattern test of a local: (v is > l and < h), (v is < l or > h).
            string low = PatternLiteral(-0.5 - _random.Next(2)), high = PatternLiteral(0.25 + _random.Next(2));
            return _random.Next(2) == 0
                ? new Code("(" + v + " is > " + low + " and < " + high + ")", "(K.Gt(" + v + ", " + low + ") && K.Lt(" + v + ", " + high + "))")
                : new Code("(" + v + " is < " + low + " or > " + high + ")", "(K.Lt(" + v + ", " + low + ") || K.Gt(" + v + ", " + high + "))");
        }

        return Comparison(depth);
    }

    private Code Comparison(int depth)
    {
        (string op, string probe) = _random.Next(4) switch
        {
            0 => ("<", "Lt"),
            1 => ("<=", "Le"),
            2 => (">", "Gt"),
            _ => (">=", "Ge"),
        };
        return Code.Fmt("({0} " + op + " {1})", "K." + probe + "({0}, {1})", Expr(depth), Expr(depth));
    }

    // ---- helpers ----

    private string Lit(double value)
    {
        if (value == 0)
        {
            value = 0; // never print -0.0 (a minus in front would make --0.0)
        }

        string text = value.ToString("0.0##", CultureInfo.InvariantCulture) + (_single ? "f" : string.Empty);
        return value < 0 ? "(" + text + ")" : text;
    }

    /// <summary>The body of a nest: its counters usable as indices, <paramref name="preferred"/> as favoured leaves, while it is written.</summary>
    private void NestBody(Writer w, int depth, string[] counters, params string[] preferred)
    {
        _loopIndices.AddRange(counters);
        _preferred.AddRange(preferred);
        int before = _preferred.Count;
        Block(w, depth);
        foreach (string k in counters.Reverse())
        {
            _loopIndices.Remove(k);
        }

        _preferred.RemoveRange(before - preferred.Length, preferred.Length);
    }

    /// <summary>A slice of <c>w</c> of <paramref name="size"/> elements from <paramref name="r"/>, in one of the forms the generator lowers.</summary>
    private string SliceOfW(string r, string size) => _arrayIsSpan
        ? "w.Slice(" + r + ", " + size + ")"
        : _random.Next(2) == 0 ? "w.AsSpan(" + r + ", " + size + ")" : "new ReadOnlySpan<" + _t + ">(w, " + r + ", " + size + ")";

    private string NewName(string prefix) => prefix + (_names++).ToString(CultureInfo.InvariantCulture);

    private T Pick<T>(List<T> items) => items[_random.Next(items.Count)];

    private string Wrappers(int index, List<MethodShape> shapes)
    {
        string p = "P" + index.ToString(CultureInfo.InvariantCulture);
        string q = "Q" + index.ToString(CultureInfo.InvariantCulture);
        string c = _single ? "(float)" : string.Empty;
        var s = new StringBuilder();
        s.Append("public static class W").Append(index.ToString(CultureInfo.InvariantCulture)).AppendLine();
        s.AppendLine("{");
        foreach (MethodShape shape in shapes)
        {
            var args = new List<string>();
            var grads = new List<string>();
            var pulls = new List<string>();
            var before = new StringBuilder();
            var after = new StringBuilder();
            for (int i = 0; i < shape.Scalars; i++)
            {
                string si = i.ToString(CultureInfo.InvariantCulture);
                args.Add(c + "a[" + si + "]");
                grads.Add("out " + _t + " d" + si);
                pulls.Add("ref d" + si);
                before.Append("        ").Append(_t).Append(" d").Append(si).Append(" = ").Append(c).Append("g[").Append(si).AppendLine("];");
                after.Append("        g[").Append(si).Append("] = d").Append(si).AppendLine(";");
            }

            string off = shape.Scalars.ToString(CultureInfo.InvariantCulture);
            string len = shape.ArrayLength.ToString(CultureInfo.InvariantCulture);
            string conv = _single ? "Conv.F" : "Conv.D";
            if (shape.ArrayLength > 0)
            {
                args.Add(conv + "(a, " + off + ", " + len + ")");
                grads.Add("dw");
                pulls.Add("dw");
                after.Append("        Conv.Back(dw, g, ").Append(off).AppendLine(");");
            }

            if (shape.IntValue is int n)
            {
                args.Add(n.ToString(CultureInfo.InvariantCulture));
            }

            string call = string.Join(", ", args);
            string name = shape.Name;
            s.Append("    public static double ").Append(name).Append("_Call(double[] a) => ").Append(p).Append('.').Append(name).Append('(').Append(call).AppendLine(");");
            s.Append("    public static double ").Append(name).Append("_Probe(double[] a, out double dist, out ulong sig) { K.Reset(); double r = ")
                .Append(q).Append('.').Append(name).Append('(').Append(call).AppendLine("); dist = K.Huge ? -1 : K.MinDist; sig = K.Sig; return r; }");

            s.Append("    public static double ").Append(name).AppendLine("_Grad(double[] a, double[] g)");
            s.AppendLine("    {");
            if (shape.ArrayLength > 0)
            {
                s.Append("        ").Append(_t).Append("[] dw = new ").Append(_t).Append('[').Append(len).AppendLine("];");
            }

            s.Append("        double r = ").Append(p).Append('.').Append(name).Append("Gradient(").Append(call).Append(", ").Append(string.Join(", ", grads)).AppendLine(");");
            s.Append(after);
            s.AppendLine("        return r;");
            s.AppendLine("    }");

            s.Append("    public static void ").Append(name).AppendLine("_Pull(double[] a, double seed, double[] g)");
            s.AppendLine("    {");
            s.Append(before);
            if (shape.ArrayLength > 0)
            {
                s.Append("        ").Append(_t).Append("[] dw = ").Append(conv).Append("(g, ").Append(off).Append(", ").Append(len).AppendLine(");");
            }

            s.Append("        ").Append(p).Append('.').Append(name).Append("Pullback(").Append(call).Append(", ").Append(c).Append("seed, ").Append(string.Join(", ", pulls)).AppendLine(");");
            s.Append(after);
            s.AppendLine("    }");
        }

        s.AppendLine("}");
        return s.ToString();
    }

    /// <summary>Writes the two printings of a method side by side, with indentation.</summary>
    private sealed class Writer
    {
        private readonly StringBuilder _normal = new();
        private readonly StringBuilder _probe = new();
        private int _indent;

        public Writer(int indent) => _indent = indent;

        public string Normal => _normal.ToString();

        public string Probe => _probe.ToString();

        public void Line(Code code)
        {
            string pad = new(' ', 4 * _indent);
            _normal.Append(pad).Append(code.N).Append('\n');
            _probe.Append(pad).Append(code.Q).Append('\n');
        }

        public void Open()
        {
            Line(Code.Same("{"));
            _indent++;
        }

        public void Close()
        {
            _indent--;
            Line(Code.Same("}"));
        }
    }
}
