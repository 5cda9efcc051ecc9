using System.Collections.Generic;
using AutoDiffGen.Generator.Rules;
using Microsoft.CodeAnalysis;

namespace AutoDiffGen.Generator.Analysis;

// The intermediate form between Roslyn's IOperation tree and the adjoint plan. It lives only inside one
// extraction (it holds syntax for diagnostics) and never enters the incremental pipeline.

/// <summary>The floating kind of a value: what its adjoint is, if it has one.</summary>
internal enum NumKind
{
    Other,
    Double,
    Float,
}

/// <summary>A variable of the method: a parameter, a user local or a generator temporary.</summary>
internal sealed class Var
{
    public Var(string name, string type, NumKind kind, VarRole role)
    {
        Name = name;
        Type = type;
        Kind = kind;
        Role = role;
    }

    public string Name { get; }

    /// <summary>The C# type as printed in generated code.</summary>
    public string Type { get; }

    public NumKind Kind { get; }

    public VarRole Role { get; }

    public bool IsNoDiff { get; set; }

    /// <summary>An array or span of <see cref="Kind"/> elements (a read-only input).</summary>
    public bool IsArray { get; set; }

    /// <summary>
    /// An array or span local that does not own its elements (<c>double[] row = x[i]</c> over constant data): a
    /// constant like an integer local, and an error (ADG0004) where it would alias an active array.
    /// </summary>
    public bool IsAlias { get; set; }

    /// <summary>A reference type: hoisted declarations initialise it with <c>default!</c>.</summary>
    public bool IsReference { get; set; }

    /// <summary>Depends on a differentiable input (forward activity).</summary>
    public bool Varied { get; set; }

    /// <summary>Influences the result (backward activity).</summary>
    public bool Useful { get; set; }

    /// <summary>Active variables carry an adjoint.</summary>
    public bool Active => Varied && Useful && Kind != NumKind.Other;

    /// <summary>A scalar floating variable (arrays carry their adjoint in a span instead).</summary>
    public bool IsScalar => Kind != NumKind.Other && !IsArray;

    /// <summary>Its value is read by the reverse sweep, so overwriting it requires a save (to-be-recorded).</summary>
    public bool Needed { get; set; }

    public int AssignSites { get; set; }

    /// <summary>A non-array parameter the body never assigns: the same value everywhere in both sweeps.</summary>
    public bool IsFixedParameter => Role == VarRole.Parameter && !IsArray && AssignSites == 0;

    /// <summary>
    /// A local <c>T[]</c> created once with <c>new T[n]</c> and used only through elements, <c>.Length</c>, span
    /// parameters and foreach: the generated adjoint rents it from the pool as a span of <see cref="PoolLength"/>
    /// instead of allocating it (the user's primal still allocates).
    /// </summary>
    public bool IsPooled => PoolLength is not null;

    /// <summary>The length expression of a pooled local array.</summary>
    public OpaqueExpr? PoolLength { get; set; }

    /// <summary>An array mentioned by a forward-only statement (a write, a call): its elements may change, so they are not stable.</summary>
    public bool IsMutated { get; set; }

    public string? Adjoint { get; set; }
}

internal enum VarRole
{
    Parameter,
    Local,
    Temp,
}

/// <summary>Printed code with its C# precedence, so composed code gets parentheses only where needed.</summary>
internal readonly struct Code
{
    public const int Primary = 15;
    public const int Unary = 14;
    public const int Multiplicative = 13;
    public const int Additive = 12;

    /// <summary>Relational and type-testing: <c>&lt; &gt; &lt;= &gt;= is as</c>.</summary>
    public const int Relational = 10;
    /// <summary><c>&amp;&amp;</c>.</summary>
    public const int ConditionalAnd = 5;

    /// <summary><c>||</c>.</summary>
    public const int ConditionalOr = 4;
    public const int Conditional = 3;

    public Code(string text, int precedence)
    {
        Text = text;
        Precedence = precedence;
    }

    public string Text { get; }

    public int Precedence { get; }

    /// <summary>The text, parenthesised unless it binds at least as tightly as <paramref name="minimum"/>.</summary>
    public string At(int minimum) => Precedence >= minimum ? Text : "(" + Text + ")";

    public override string ToString() => Text;

    /// <summary><c>op</c> applied to this code: parenthesised when the operand itself starts with a sign (no <c>--x</c>).</summary>
    public Code Prefix(string op)
    {
        string operand = At(Unary);
        if (operand.StartsWith("-", System.StringComparison.Ordinal) || operand.StartsWith("+", System.StringComparison.Ordinal))
        {
            operand = "(" + operand + ")";
        }

        return new Code(op + operand, Unary);
    }
}

internal abstract class Expr
{
    protected Expr(NumKind kind) => Kind = kind;

    /// <summary>The operands of a node, in evaluation order (none for leaves).</summary>
    public static IEnumerable<Expr> Children(Expr e) => e switch
    {
        NegExpr n => new[] { n.Operand },
        ConvertExpr c => new[] { c.Operand },
        BinaryExpr b => new[] { b.Left, b.Right },
        CallExpr c => c.Args,
        UserCallExpr u => u.Args,
        _ => System.Array.Empty<Expr>(),
    };

    public NumKind Kind { get; }

    /// <summary>Set by activity analysis: a derivative flows through this node.</summary>
    public bool Active { get; set; }

    /// <summary>Set by planning: the forward sweep keeps this node's value in a temporary for the reverse sweep.</summary>
    public string? Temp { get; set; }
}

/// <summary>A constant.</summary>
internal sealed class LitExpr : Expr
{
    public LitExpr(Code code, NumKind kind)
        : base(kind) => Code = code;

    public Code Code { get; }
}

/// <summary>
/// A value that carries no derivative (integer arithmetic, fields, conditions, calls on constants), printed as
/// is. <see cref="Reads"/> are the variables it reads, <see cref="Guard"/> a diagnostic to report if any
/// floating input it reads turns out to be active.
/// </summary>
internal sealed class OpaqueExpr : Expr
{
    public OpaqueExpr(Code code, NumKind kind, List<Var> reads, Guard? guard = null)
        : base(kind)
    {
        Code = code;
        Reads = reads;
        Guard = guard;
    }

    public Code Code { get; }

    public List<Var> Reads { get; }

    public Guard? Guard { get; }
}

/// <summary>A diagnostic that applies only if a value it watches is active (decided after activity analysis).</summary>
internal sealed class Guard
{
    public Guard(string id, SyntaxNode syntax, string[] arguments, List<Var> inputs)
    {
        Id = id;
        Syntax = syntax;
        Arguments = arguments;
        Inputs = inputs;
    }

    public string Id { get; }

    public SyntaxNode Syntax { get; }

    public string[] Arguments { get; }

    public List<Var> Inputs { get; }
}

internal sealed class VarExpr : Expr
{
    public VarExpr(Var var)
        : base(var.Kind) => Var = var;

    public Var Var { get; }

    /// <summary>
    /// For an array argument of a call, the part of <see cref="Var"/> passed (a slice, <c>w.AsSpan(s, n)</c>): the
    /// callee sees and its pullback adds into that part only; analyses see a read of the whole array.
    /// </summary>
    public SliceAlias? Slice { get; set; }
}

internal sealed class NegExpr : Expr
{
    public NegExpr(Expr operand)
        : base(operand.Kind) => Operand = operand;

    public Expr Operand { get; }
}

internal sealed class BinaryExpr : Expr
{
    public BinaryExpr(char op, Expr left, Expr right, NumKind kind)
        : base(kind)
    {
        Op = op;
        Left = left;
        Right = right;
    }

    /// <summary>One of + - * /.</summary>
    public char Op { get; }

    public Expr Left { get; }

    public Expr Right { get; }
}

/// <summary>A call to a Math/MathF function with a derivative rule.</summary>
internal sealed class CallExpr : Expr
{
    public CallExpr(DerivativeRule rule, string target, Expr[] args, NumKind kind)
        : base(kind)
    {
        Rule = rule;
        Target = target;
        Args = args;
    }

    public DerivativeRule Rule { get; }

    /// <summary>The primal function, fully qualified, e.g. <c>global::System.Math.Sin</c>.</summary>
    public string Target { get; }

    public Expr[] Args { get; }
}

/// <summary>A call to a method with a pullback: a [Differentiable] method or one registered with [DerivativeOf].</summary>
internal sealed class UserCallExpr : Expr
{
    public UserCallExpr(string target, string pullback, Expr[] args, bool[] differentiable, NumKind kind)
        : base(kind)
    {
        Target = target;
        Pullback = pullback;
        Args = args;
        Differentiable = differentiable;
    }

    public string Target { get; }

    public string Pullback { get; }

    public Expr[] Args { get; }

    /// <summary>Which arguments have a gradient parameter in the pullback.</summary>
    public bool[] Differentiable { get; }

    /// <summary>
    /// For a vector-valued callee (void, result written into its last span parameter), the index of that output
    /// argument; -1 for a scalar-valued callee.
    /// </summary>
    public int Output { get; init; } = -1;

    /// <summary>The pullback takes an empty span for an array gradient nobody needs (no scratch buffer).</summary>
    public bool AcceptsEmptyGradients { get; init; }

    /// <summary>The pullback takes the call's result before the seed: the forward value is kept for it.</summary>
    public bool ReceivesResult { get; init; }
}

/// <summary>A conversion between float and double.</summary>
internal sealed class ConvertExpr : Expr
{
    public ConvertExpr(Expr operand, NumKind kind)
        : base(kind) => Operand = operand;

    public Expr Operand { get; }
}

internal abstract class Stmt
{
    protected Stmt(SyntaxNode? syntax) => Syntax = syntax;

    /// <summary>The user's statement, for the comment that ties generated code to the source.</summary>
    public SyntaxNode? Syntax { get; }

    /// <summary>Every statement, depth first (the loop or if before its contents).</summary>
    public static void Walk(List<Stmt> statements, System.Action<Stmt> visit)
    {
        foreach (Stmt s in statements)
        {
            visit(s);
            switch (s)
            {
                case IfStmt i:
                    Walk(i.Then, visit);
                    Walk(i.Else, visit);
                    break;
                case LoopStmt l:
                    Walk(l.Body, visit);
                    break;
            }
        }
    }
}

/// <summary><c>target = value</c>: every write to a variable, including declarations and compound assignments.</summary>
internal sealed class AssignStmt : Stmt
{
    public AssignStmt(Var target, Expr value, SyntaxNode? syntax, OpaqueExpr? index = null)
        : base(syntax)
    {
        Target = target;
        Value = value;
        Index = index;
    }

    public Var Target { get; }

    /// <summary>For a write to an element of a local array, <c>target[index] = value</c>.</summary>
    public OpaqueExpr? Index { get; }

    /// <summary>Set by planning: the element written is reached through a block view of its loop.</summary>
    public ViewAccess? View { get; set; }

    /// <summary>The creation of a local array (<c>a = new double[n]</c>): its adjoint array is rented here.</summary>
    public bool IsArrayCreation => Target.IsArray && Index is null && !IsVectorCall;

    /// <summary>A call of a vector-valued method that writes its whole result into the local array <see cref="Target"/>.</summary>
    public bool IsVectorCall => Value is UserCallExpr { Output: >= 0 };

    public Expr Value { get; }

    /// <summary>The increment of a counted loop: never recorded, the reverse sweep recomputes the counter.</summary>
    public bool IsCounterStep { get; set; }

    /// <summary>
    /// A loop-body local defined once from values that do not change during the iteration: the reverse sweep
    /// recomputes it at the start of each reversed iteration instead of recording it.
    /// </summary>
    public bool IsRecomputed { get; set; }

    /// <summary>
    /// For an integer update <c>i += e</c> / <c>i -= e</c> / <c>i++</c> whose <c>e</c> does not read <c>i</c>: the
    /// expression that restores the old value from the new one (<c>i - e</c>). Integer arithmetic wraps, so the
    /// inverse is exact.
    /// </summary>
    public OpaqueExpr? Inverse { get; set; }

    /// <summary>Set by planning: <see cref="Inverse"/> reads only stable values, so the reverse sweep undoes the update instead of recording the old value.</summary>
    public bool IsInverted { get; set; }
}

internal sealed class IfStmt : Stmt
{
    public IfStmt(OpaqueExpr condition, List<Stmt> then, List<Stmt> @else, SyntaxNode? syntax)
        : base(syntax)
    {
        Condition = condition;
        Then = then;
        Else = @else;
    }

    public OpaqueExpr Condition { get; }

    /// <summary>Set by planning: the condition reads only stable values, so the reverse sweep re-evaluates it instead of recording the branch taken.</summary>
    public bool ConditionIsStable { get; set; }

    public List<Stmt> Then { get; }

    public List<Stmt> Else { get; }
}

internal sealed class ReturnStmt : Stmt
{
    public ReturnStmt(Expr value, SyntaxNode? syntax)
        : base(syntax) => Value = value;

    public Expr Value { get; }
}

/// <summary>A statement with no derivative that runs in the forward sweep only (a throw, a call on constants).</summary>
internal sealed class ForwardOnlyStmt : Stmt
{
    public ForwardOnlyStmt(Code code, bool exits, List<Var> reads, Guard? guard, SyntaxNode? syntax)
        : base(syntax)
    {
        Code = code;
        Exits = exits;
        Reads = reads;
        Guard = guard;
    }

    /// <summary>A bounds check of a slice or of its element (reads integers only, has no reverse).</summary>
    public bool IsCheck { get; set; }

    public Code Code { get; }

    /// <summary>A throw: control never continues after it.</summary>
    public bool Exits { get; }

    public List<Var> Reads { get; }

    public Guard? Guard { get; }
}

/// <summary>An element of an array or span input: <c>w[i]</c>. Its adjoint is <c>dw[i]</c>.</summary>
internal sealed class ElemExpr : Expr
{
    public ElemExpr(Var array, OpaqueExpr index)
        : base(array.Kind)
    {
        Array = array;
        Index = index;
    }

    public Var Array { get; }

    public OpaqueExpr Index { get; }

    /// <summary>Set by planning: the element is read through a block view of its loop (<c>view[offset]</c>).</summary>
    public ViewAccess? View { get; set; }
}

/// <summary>
/// A view of one block of an array, taken once per iteration of a counted loop: <c>a[c * B + j]</c> with
/// <c>0 &lt;= j &lt; B</c> proved is read and written as <c>view[j]</c> (see AdjointBuilder.Views.cs).
/// </summary>
internal sealed class ArrayView
{
    public ArrayView(Var array, string start, string size, string name, string? adjointName, bool inside)
    {
        Array = array;
        Start = start;
        Size = size;
        Name = name;
        AdjointName = adjointName;
        Inside = inside;
    }

    public Var Array { get; }

    /// <summary>The block's first index, <c>c * B</c>.</summary>
    public string Start { get; }

    /// <summary>The block size <c>B</c>.</summary>
    public string Size { get; }

    /// <summary>The view of the array.</summary>
    public string Name { get; }

    /// <summary>The view of the array's adjoint, if it has one.</summary>
    public string? AdjointName { get; }

    /// <summary>
    /// Every block the loop takes is proved to lie inside the array (and its adjoint): the view is taken with exactly
    /// <see cref="Size"/> elements, so the JIT can drop the bounds checks of the loops over it.
    /// </summary>
    public bool Inside { get; }

    /// <summary>
    /// Set by planning: the array is a local scratch of the view's loop. Each iteration fills its whole block before
    /// reading it, and nothing outside the loop mentions the array, so the block's adjoint is zero when the reverse
    /// of an iteration starts and everything it accumulates is used and cleared within that iteration.
    /// </summary>
    public bool IsScratch { get; set; }

    /// <summary>
    /// Set by planning, for a view of a parameter: a condition on the parameters alone (<c>(long)C * B &lt;= x.Length</c>)
    /// under which every block the loop takes lies inside the array. Code that holds such views is emitted twice:
    /// under the condition with exact-size views, otherwise with the clamped ones.
    /// </summary>
    public string? Guard { get; set; }
}

/// <summary>An element access through a view: <c>view[offset]</c>.</summary>
internal sealed class ViewAccess
{
    public ViewAccess(ArrayView view, string offset)
    {
        View = view;
        Offset = offset;
    }

    public ArrayView View { get; }

    public string Offset { get; }

    /// <summary>The element of the array.</summary>
    public string Element => View.Name + "[" + Offset + "]";

    /// <summary>The element of the adjoint.</summary>
    public string AdjointElement => View.AdjointName + "[" + Offset + "]";
}

/// <summary>
/// A loop: <c>while (condition) { body; increment }</c> (<see cref="TestFirst"/>) or
/// <c>do { body; increment } while (condition)</c>. Initialisers are lowered before it.
/// </summary>
internal sealed class LoopStmt : Stmt
{
    public LoopStmt(OpaqueExpr? condition, bool testFirst, List<Stmt> body, List<Stmt> increment, SyntaxNode? syntax)
        : base(syntax)
    {
        Condition = condition;
        TestFirst = testFirst;
        Body = body;
        Increment = increment;
    }

    public OpaqueExpr? Condition { get; }

    public bool TestFirst { get; }

    public List<Stmt> Body { get; set; }

    public List<Stmt> Increment { get; }

    /// <summary>Set by normalization: the flag a <c>break</c> raises, if the body has one.</summary>
    public Var? BreakFlag { get; set; }

    /// <summary>Set by normalization: the flag a <c>continue</c> raises, if the body has one.</summary>
    public Var? ContinueFlag { get; set; }

    /// <summary>Set by normalization: the method's return flag, when a return inside the body ends the loop.</summary>
    public Var? ReturnFlag { get; set; }

    /// <summary>
    /// The counter of a counted loop (<c>for (int i = a; ...; i++)</c>, <c>i</c> written nowhere else): the reverse
    /// sweep recomputes it from its start value instead of recording it every iteration.
    /// </summary>
    public Var? Counter { get; set; }

    /// <summary>Set by planning: the block views taken at the start of each iteration (forward and reverse).</summary>
    public List<ArrayView> Views { get; } = new();

    /// <summary>The counter's step (+1 or -1, or another constant).</summary>
    public int Step { get; set; }

    /// <summary>A counted loop's start value (<c>int i = Start</c>).</summary>
    public OpaqueExpr? Start { get; set; }

    /// <summary>A counted loop's bound, when the condition is <c>counter Comparison Bound</c>.</summary>
    public OpaqueExpr? Bound { get; set; }

    /// <summary>One of <c>&lt; &lt;= &gt; &gt;=</c>, with the counter on the left.</summary>
    public string? Comparison { get; set; }

    /// <summary>
    /// Set by planning: the start value reads only values that are the same in the reverse sweep, so it is
    /// re-evaluated there instead of recorded.
    /// </summary>
    public bool StartIsStable { get; set; }

    /// <summary>
    /// Set by planning: the iteration count follows from a stable start, step and bound (no break or return), so
    /// the reverse sweep computes it instead of counting iterations and recording the count.
    /// </summary>
    public bool CountIsComputable { get; set; }
}

internal sealed class BreakStmt : Stmt
{
    public BreakStmt(SyntaxNode? syntax)
        : base(syntax)
    {
    }
}

internal sealed class ContinueStmt : Stmt
{
    public ContinueStmt(SyntaxNode? syntax)
        : base(syntax)
    {
    }
}
