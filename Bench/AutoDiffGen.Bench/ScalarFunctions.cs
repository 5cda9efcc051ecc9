using System;

namespace AutoDiffGen.Bench;

/// <summary>
/// Scalar test functions for the benchmarks. Each primal is marked <see cref="DifferentiableAttribute"/>, so the
/// generator adds <c>XGradient</c>; beside it sits <c>XHandGradient</c>, the adjoint an expert would write by hand
/// (forward sweep keeping the intermediates in locals, then the reverse sweep), with the same signature shape.
/// The hand-written adjoints are the yardstick: the generated code should come close to them in speed and agree
/// with them to rounding.
/// </summary>
public static partial class ScalarFunctions
{
    // ------------------------------------------------------------------------------------------------------------
    // Transcendental: about twenty operations mixing every elementary function the generator has a rule for.
    // Valid for x, y, z in roughly 0.5..2: the Log argument is at least 1, the Sqrt argument at least z > 0, and the
    // Pow base e = Sqrt(...) is positive.
    // ------------------------------------------------------------------------------------------------------------

    [Differentiable]
    public static double Transcendental(double x, double y, double z)
    {
        double a = Math.Sin(x) * y;
        double b = Math.Cos(y * z) + x;
        double c = Math.Exp(-z) * a;
        double d = Math.Log(1.0 + x * x + b * b);
        double e = Math.Sqrt(a * a + z);
        double f = Math.Tanh(c - d);
        double g = Math.Pow(e, y);
        double h = Math.Atan2(b, e);
        return f * g + h / (1.0 + d);
    }

    /// <summary>Hand-written reverse-mode adjoint of <see cref="Transcendental"/>.</summary>
    public static double TranscendentalHandGradient(double x, double y, double z, out double dx, out double dy, out double dz)
    {
        // Forward sweep: every value the reverse sweep needs stays in a local.
        double sinX = Math.Sin(x);
        double a = sinX * y;
        double yz = y * z;
        double b = Math.Cos(yz) + x;
        double expNegZ = Math.Exp(-z);
        double c = expNegZ * a;
        double q = 1.0 + x * x + b * b;
        double d = Math.Log(q);
        double e = Math.Sqrt(a * a + z);
        double f = Math.Tanh(c - d);
        double g = Math.Pow(e, y);
        double h = Math.Atan2(b, e);
        double den = 1.0 + d;
        double invDen = 1.0 / den;
        double result = f * g + h * invDen;

        // Reverse sweep, seed 1.
        // result = f * g + h / den  =>  df = g; dg = f; dh = 1 / den; dd = -h / den^2
        double df = g;
        double dg = f;
        double dh = invDen;
        double dd = -h * invDen * invDen;

        // g = e^y  =>  de = dg * y * g / e; dy = dg * g * ln(e)
        double de = dg * y * g / e;
        dy = dg * g * Math.Log(e);

        // h = atan2(b, e)  =>  db = dh * e / (b^2 + e^2); de -= dh * b / (b^2 + e^2)
        double invR2 = dh / (b * b + e * e);
        double db = invR2 * e;
        de -= invR2 * b;

        // f = tanh(c - d)  =>  dc = df * (1 - f^2); dd -= dc
        double dc = df * (1.0 - f * f);
        dd -= dc;

        // e = sqrt(a^2 + z)  =>  da = de * a / e; dz = de / (2 e)
        double dr = 0.5 * de / e;
        double da = 2.0 * a * dr;
        dz = dr;

        // d = ln(q), q = 1 + x^2 + b^2  =>  dx = dd * 2x / q; db += dd * 2b / q
        double dq = dd / q;
        dx = 2.0 * x * dq;
        db += 2.0 * b * dq;

        // c = exp(-z) * a  =>  da += dc * exp(-z); dz -= dc * c
        da += dc * expNegZ;
        dz -= dc * c;

        // b = cos(y z) + x  =>  dx += db; dy += -db sin(yz) z; dz += -db sin(yz) y
        dx += db;
        double dyz = -db * Math.Sin(yz);
        dy += dyz * z;
        dz += dyz * y;

        // a = sin(x) * y  =>  dx += da * cos(x) * y; dy += da * sin(x)
        dx += da * Math.Cos(x) * y;
        dy += da * sinX;

        return result;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Branchy: an early return, if/else, ?:, Math.Max and Math.Abs. Piecewise smooth; the gradient is the one of the
    // branch taken. At the kinks themselves the two adjoints may differ (the hand-written one gives a Max tie to its
    // first operand and Abs at 0 the slope +1), so the verify points stay inside the smooth pieces.
    // ------------------------------------------------------------------------------------------------------------

    [Differentiable]
    public static double Branchy(double x, double y)
    {
        if (x * y > 3.0)
        {
            return Math.Sqrt(x * y) + x;
        }

        double t;
        if (x > y)
        {
            t = x * x - y;
        }
        else
        {
            t = Math.Sin(x) * y;
        }

        double u = t > 0.5 ? Math.Sqrt(t) : 0.5 * t * t + 0.375;
        return Math.Max(u, 0.8 * y) + Math.Abs(x - 1.5 * y);
    }

    /// <summary>Hand-written reverse-mode adjoint of <see cref="Branchy"/>.</summary>
    public static double BranchyHandGradient(double x, double y, out double dx, out double dy)
    {
        double xy = x * y;
        if (xy > 3.0)
        {
            // r = sqrt(xy) + x  =>  dxy = 1 / (2 sqrt(xy)); dx = dxy * y + 1; dy = dxy * x
            double s = Math.Sqrt(xy);
            double dxy = 0.5 / s;
            dx = dxy * y + 1.0;
            dy = dxy * x;
            return s + x;
        }

        // Forward sweep, remembering which branches were taken.
        bool left = x > y;
        double sinX = 0.0;
        double t;
        if (left)
        {
            t = x * x - y;
        }
        else
        {
            sinX = Math.Sin(x);
            t = sinX * y;
        }

        bool big = t > 0.5;
        double u = big ? Math.Sqrt(t) : 0.5 * t * t + 0.375;
        double m = 0.8 * y;
        bool takeU = u >= m;
        double w = x - 1.5 * y;
        double sign = w >= 0.0 ? 1.0 : -1.0;
        double result = (takeU ? u : m) + sign * w;

        // Reverse sweep, seed 1.
        // |w|, w = x - 1.5 y  =>  dx = sign(w); dy = -1.5 sign(w)
        dx = sign;
        dy = -1.5 * sign;

        // max(u, 0.8 y)  =>  du = 1 or dy += 0.8
        double du = 0.0;
        if (takeU)
        {
            du = 1.0;
        }
        else
        {
            dy += 0.8;
        }

        // u = sqrt(t)  =>  dt = du / (2u);  u = t^2 / 2 + 3/8  =>  dt = du * t
        double dt = big ? 0.5 * du / u : du * t;

        if (left)
        {
            // t = x^2 - y  =>  dx += 2x dt; dy -= dt
            dx += 2.0 * x * dt;
            dy -= dt;
        }
        else
        {
            // t = sin(x) y  =>  dx += cos(x) y dt; dy += sin(x) dt
            dx += Math.Cos(x) * y * dt;
            dy += sinX * dt;
        }

        return result;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Rosenbrock: (1 - x)^2 + 100 (y - x^2)^2, the classic banana valley.
    // ------------------------------------------------------------------------------------------------------------

    [Differentiable]
    public static double Rosenbrock(double x, double y)
    {
        double a = 1.0 - x;
        double b = y - x * x;
        return a * a + 100.0 * b * b;
    }

    /// <summary>Hand-written reverse-mode adjoint of <see cref="Rosenbrock"/>.</summary>
    public static double RosenbrockHandGradient(double x, double y, out double dx, out double dy)
    {
        double a = 1.0 - x;
        double b = y - x * x;

        // r = a^2 + 100 b^2  =>  da = 2a; db = 200b
        // a = 1 - x, b = y - x^2  =>  dx = -da - 2x db; dy = db
        double db = 200.0 * b;
        dx = -2.0 * a - 2.0 * x * db;
        dy = db;
        return a * a + 100.0 * b * b;
    }
}
