using System.Collections.Generic;

namespace AutoDiffGen.Generator.Rules;

/// <summary>
/// The derivative of one elementary function, as data (one row per function, in the spirit of Enzyme's
/// InstructionDerivatives.td). Each partial is a C# expression template for the adjoint contribution to one
/// argument: <c>{g}</c> is the adjoint of the result, <c>{0}</c>.. the argument values, <c>{y}</c> the result,
/// <c>{M}</c> the math class of the element type (Math or MathF), <c>{T}</c> the element type and <c>{H}</c>
/// the runtime helpers that implement the documented conventions at non-smooth points. A leading '-' negates.
/// </summary>
internal sealed class DerivativeRule
{
    public DerivativeRule(string name, int arity, params string[] partials)
    {
        Name = name;
        Arity = arity;
        Partials = partials;
    }

    public string Name { get; }

    public int Arity { get; }

    /// <summary>One template per argument; empty for functions whose derivative is zero.</summary>
    public string[] Partials { get; }

    /// <summary>Floor, Ceiling, Round, Truncate: derivative zero almost everywhere (reported as a warning).</summary>
    public bool IsZero => Partials.Length == 0;

    public bool UsesResult
    {
        get
        {
            foreach (string p in Partials)
            {
                if (p.Contains("{y}"))
                {
                    return true;
                }
            }

            return false;
        }
    }

    public bool UsesArgument(int index)
    {
        string token = "{" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}";
        foreach (string p in Partials)
        {
            if (p.Contains(token))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// Derivatives of the System.Math / System.MathF functions and their <c>double.</c>/<c>float.</c> static forms.
/// </summary>
internal static class DerivativeRules
{
    public const string HelpersType = "global::AutoDiffGen.CompilerServices.AdjointHelpers";

    private static readonly Dictionary<string, DerivativeRule> Table = Build(
        // y = sin(x)   =>  dx += dy * cos(x)
        new DerivativeRule("Sin", 1, "{g} * {M}.Cos({0})"),
        // y = cos(x)   =>  dx -= dy * sin(x)
        new DerivativeRule("Cos", 1, "-{g} * {M}.Sin({0})"),
        // y = tan(x)   =>  dx += dy * (1 + y^2)
        new DerivativeRule("Tan", 1, "{g} * (1 + {y} * {y})"),
        // y = asin(x)  =>  dx += dy / sqrt(1 - x^2)
        new DerivativeRule("Asin", 1, "{g} / {M}.Sqrt(1 - {0} * {0})"),
        // y = acos(x)  =>  dx -= dy / sqrt(1 - x^2)
        new DerivativeRule("Acos", 1, "-{g} / {M}.Sqrt(1 - {0} * {0})"),
        // y = atan(x)  =>  dx += dy / (1 + x^2)
        new DerivativeRule("Atan", 1, "{g} / (1 + {0} * {0})"),
        // z = atan2(y, x)  =>  dy += dz * x / (x^2 + y^2);  dx -= dz * y / (x^2 + y^2)   (0 at the origin)
        new DerivativeRule("Atan2", 2, "{g} * {H}.Atan2DerivativeY({0}, {1})", "{g} * {H}.Atan2DerivativeX({0}, {1})"),
        // y = sinh(x)  =>  dx += dy * cosh(x)
        new DerivativeRule("Sinh", 1, "{g} * {M}.Cosh({0})"),
        // y = cosh(x)  =>  dx += dy * sinh(x)
        new DerivativeRule("Cosh", 1, "{g} * {M}.Sinh({0})"),
        // y = tanh(x)  =>  dx += dy * (1 - y^2)
        new DerivativeRule("Tanh", 1, "{g} * (1 - {y} * {y})"),
        // y = asinh(x) =>  dx += dy / sqrt(x^2 + 1)
        new DerivativeRule("Asinh", 1, "{g} / {M}.Sqrt({0} * {0} + 1)"),
        // y = acosh(x) =>  dx += dy / sqrt(x^2 - 1)
        new DerivativeRule("Acosh", 1, "{g} / {M}.Sqrt({0} * {0} - 1)"),
        // y = atanh(x) =>  dx += dy / (1 - x^2)
        new DerivativeRule("Atanh", 1, "{g} / (1 - {0} * {0})"),
        // y = exp(x)   =>  dx += dy * y
        new DerivativeRule("Exp", 1, "{g} * {y}"),
        // y = ln(x)    =>  dx += dy / x
        new DerivativeRule("Log", 1, "{g} / {0}"),
        // y = ln(x) / ln(b)  =>  dx += dy / (x ln b);  db -= dy * y / (b ln b)
        new DerivativeRule("Log", 2, "{g} / ({0} * {M}.Log({1}))", "-{g} * {y} / ({1} * {M}.Log({1}))"),
        // y = log10(x) =>  dx += dy / (x ln 10)
        new DerivativeRule("Log10", 1, "{g} / ({0} * ({T})2.302585092994046)"),
        // y = log2(x)  =>  dx += dy / (x ln 2)
        new DerivativeRule("Log2", 1, "{g} / ({0} * ({T})0.6931471805599453)"),
        // y = sqrt(x)  =>  dx += dy / (2 y)    (+infinity at 0)
        new DerivativeRule("Sqrt", 1, "{g} / (2 * {y})"),
        // y = cbrt(x)  =>  dx += dy / (3 y^2)  (+infinity at 0)
        new DerivativeRule("Cbrt", 1, "{g} / (3 * {y} * {y})"),
        // z = x^p      =>  dx += dz * p x^(p-1);  dp += dz * ln(x) z   (0 when x == 0)
        new DerivativeRule("Pow", 2, "{g} * {H}.PowBaseDerivative({0}, {1}, {y})", "{g} * {H}.PowExponentDerivative({0}, {y})"),
        // y = |x|      =>  dx += dy * sign(x)  (0 at 0, NaN for NaN)
        new DerivativeRule("Abs", 1, "{g} * {H}.AbsDerivative({0})"),
        // z = max(a, b) => the larger gets dz; a tie splits it evenly
        new DerivativeRule("Max", 2, "{g} * {H}.MaxWeight({0}, {1})", "{g} * {H}.MaxWeight({1}, {0})"),
        // z = min(a, b) => the smaller gets dz; a tie splits it evenly
        new DerivativeRule("Min", 2, "{g} * {H}.MinWeight({0}, {1})", "{g} * {H}.MinWeight({1}, {0})"),
        // y = clamp(x, lo, hi) => x gets dy inside [lo, hi], lo below it, hi above it
        new DerivativeRule("Clamp", 3, "{g} * {H}.ClampWeightValue({0}, {1}, {2})", "{g} * {H}.ClampWeightMin({0}, {1}, {2})", "{g} * {H}.ClampWeightMax({0}, {1}, {2})"),
        // y = a * b + c =>  da += dy * b;  db += dy * a;  dc += dy
        new DerivativeRule("FusedMultiplyAdd", 3, "{g} * {1}", "{g} * {0}", "{g}"),
        // h = hypot(x, y) => dx += dh * x / h;  dy += dh * y / h   (0 at the origin)
        new DerivativeRule("Hypot", 2, "{g} * {H}.HypotDerivative({0}, {y})", "{g} * {H}.HypotDerivative({1}, {y})"),
        // Piecewise constant: derivative zero almost everywhere.
        new DerivativeRule("Floor", 1),
        new DerivativeRule("Ceiling", 1),
        new DerivativeRule("Round", 1),
        new DerivativeRule("Round", 2),
        new DerivativeRule("Round", 3),
        new DerivativeRule("Truncate", 1));

    /// <summary>System.Math, System.MathF, or the static math of double and float (<c>double.Sin</c>).</summary>
    public static bool IsMathType(Microsoft.CodeAnalysis.INamedTypeSymbol type)
        => type.SpecialType is Microsoft.CodeAnalysis.SpecialType.System_Double or Microsoft.CodeAnalysis.SpecialType.System_Single
           || (type.Name is "Math" or "MathF" && type.ContainingNamespace is { Name: "System", ContainingNamespace.IsGlobalNamespace: true });

    public static DerivativeRule? Find(string name, int arity)
        => Table.TryGetValue(Key(name, arity), out DerivativeRule? rule) ? rule : null;

    private static string Key(string name, int arity) => name + "/" + arity.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static Dictionary<string, DerivativeRule> Build(params DerivativeRule[] rules)
    {
        var table = new Dictionary<string, DerivativeRule>();
        foreach (DerivativeRule rule in rules)
        {
            table[Key(rule.Name, rule.Arity)] = rule;
        }

        return table;
    }
}
