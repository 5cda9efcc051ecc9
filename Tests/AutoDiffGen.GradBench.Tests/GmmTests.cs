using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using Xunit;

namespace AutoDiffGen.GradBench.Tests;

/// <summary>
/// The gmm module: the objective against a naive log posterior built here from explicit matrices (GradBench's
/// definition, with generic determinants and traces), against ADBench's published values for its test instance
/// (after undoing the prior's sign, the one place where ADBench and GradBench differ), and the jacobian against
/// central differences of the tool's own objective, in both input forms of <c>l</c>.
/// </summary>
public class GmmTests
{
    private static readonly string[] Parameters = ["alpha", "mu", "q", "l"];

    [Fact]
    public void Objective_MatchesNaiveLogPosterior_Jacobian_MatchesCentralDifferencesInTheInputsShape()
    {
        using var tool = new ToolProcess();
        long id = 1000;
        int checkedJacobians = 0;
        foreach ((JsonObject message, JsonObject reply) in ValueTests.Evaluations(tool, "gmm"))
        {
            JsonNode input = message["input"]!;
            double naive = NaiveLogPosterior(input);
            if (message["function"]!.GetValue<string>() == "objective")
            {
                Assert.Equal(naive, Protocol.Number(reply), 1e-10 * Math.Max(1, Math.Abs(naive)));
                continue;
            }

            JsonObject output = Protocol.Output(reply).AsObject();
            Assert.Equal(Parameters, output.Select(p => p.Key));
            foreach (string name in Parameters)
            {
                Assert.Equal(Protocol.ShapeOf(input[name]), Protocol.ShapeOf(output[name]));
            }

            double[] gradient = [.. Parameters.SelectMany(name => Protocol.ToVector(output[name]))];
            double[] point = [.. Parameters.SelectMany(name => Protocol.ToVector(input[name]))];
            double[] fd = FiniteDifferences.Gradient(
                v => Protocol.Number(tool.Send(Protocol.Evaluate(id++, "gmm", "objective", WithParameters(input, v)))),
                point);
            FiniteDifferences.AssertClose(fd, gradient, 1e-6, Math.Abs(naive) * 1e-3);
            checkedJacobians++;
        }

        Assert.Equal(3, checkedJacobians);
    }

    [Fact]
    public void AdbenchTestInstance_ObjectiveAndJacobian_AreAdbenchsValuesWithThePriorSignUndone()
    {
        // ADBench's instance and its expected objective and gradient (tolerance 1e-8 there), from shared/adbench.
        string data = Path.GetFullPath(Path.Combine(ToolProcess.RepositoryRoot, "..", "shared", "adbench"));
        double[] numbers = [.. File.ReadAllText(Path.Combine(data, "gmm_test.txt"))
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(t => double.Parse(t, CultureInfo.InvariantCulture))];
        int d = (int)numbers[0], k = (int)numbers[1], n = (int)numbers[2];
        int icfSize = d * (d + 1) / 2;
        double[] alpha = numbers[3..(3 + k)];
        double[] means = numbers[(3 + k)..(3 + k + (k * d))];
        double[] icf = numbers[(3 + k + (k * d))..(3 + k + (k * d) + (k * icfSize))];
        double[] x = numbers[(3 + k + (k * d) + (k * icfSize))..^2];
        double gamma = numbers[^2];
        int m = (int)numbers[^1];
        Assert.Equal(n * d, x.Length);

        string[] expectedLines = File.ReadAllLines(Path.Combine(data, "gmm_test_expected.txt"));
        double adbenchObjective = Values(expectedLines, "objective")[0];
        double[] adbenchGradient = Values(expectedLines, "gradient");

        // ADBench's objective is loglik + P - K C, GradBench's loglik - P + K C, with the Wishart terms
        // P = Σ_k (γ²/2 ‖Q_k‖²_F - m Σ_j q_kj) and C = n' d (log γ - ½ log 2) - log Γ_d(n'/2), n' = d + m + 1.
        int wishartN = d + m + 1;
        double c = (wishartN * d * (Math.Log(gamma) - (0.5 * Math.Log(2)))) - Reference.LogMultivariateGamma(0.5 * wishartN, d);
        double p = 0;
        double[] dp = new double[adbenchGradient.Length];
        for (int ik = 0; ik < k; ik++)
        {
            for (int j = 0; j < icfSize; j++)
            {
                double v = icf[(ik * icfSize) + j];
                bool diagonal = j < d;
                p += diagonal ? (0.5 * gamma * gamma * Math.Exp(2 * v)) - (m * v) : 0.5 * gamma * gamma * v * v;
                dp[k + (k * d) + (ik * icfSize) + j] = diagonal ? (gamma * gamma * Math.Exp(2 * v)) - m : gamma * gamma * v;
            }
        }

        double expectedObjective = adbenchObjective - (2 * p) + (2 * k * c);
        double[] expectedGradient = [.. adbenchGradient.Select((g, i) => g - (2 * dp[i]))];

        // Sent with l flat (ADBench's column order, as in its icf) and jagged (row by row): same answers.
        foreach (bool jagged in new[] { false, true })
        {
            JsonObject input = new()
            {
                ["d"] = d,
                ["k"] = k,
                ["n"] = n,
                ["alpha"] = Array(alpha),
                ["mu"] = Rows(means, k, d),
                ["q"] = new JsonArray([.. Enumerable.Range(0, k).Select(ik => Array(icf.AsSpan(ik * icfSize, d).ToArray()))]),
                ["l"] = new JsonArray([.. Enumerable.Range(0, k).Select(ik => LowerPart(icf.AsSpan((ik * icfSize) + d, icfSize - d).ToArray(), d, jagged))]),
                ["x"] = Rows(x, n, d),
                ["gamma"] = gamma,
                ["m"] = m,
                ["min_runs"] = 1,
                ["min_seconds"] = 0,
            };

            using var tool = new ToolProcess();
            double objective = Protocol.Number(tool.Send(Protocol.Evaluate(1, "gmm", "objective", input)));
            Assert.Equal(expectedObjective, objective, 1e-8);

            // ADBench's order per component is q then l by columns; put the jacobian in that order.
            JsonObject jacobian = Protocol.Output(tool.Send(Protocol.Evaluate(2, "gmm", "jacobian", input))).AsObject();
            double[] actual = new double[expectedGradient.Length];
            Protocol.ToVector(jacobian["alpha"]).CopyTo(actual, 0);
            Protocol.ToVector(jacobian["mu"]).CopyTo(actual, k);
            for (int ik = 0; ik < k; ik++)
            {
                Protocol.ToVector(jacobian["q"]![ik]).CopyTo(actual, k + (k * d) + (ik * icfSize));
                double[] l = Protocol.ToVector(jacobian["l"]![ik]);
                ColumnOrder(l, d, jagged).CopyTo(actual, k + (k * d) + (ik * icfSize) + d);
            }

            FiniteDifferences.AssertClose(expectedGradient, actual, 1e-8, what: jagged ? "jagged" : "flat");
        }
    }

    /// <summary>
    /// GradBench's definition computed directly: Λ_k = Q_kᵀ Q_k, φ = softmax(α),
    /// F = Σ_i log Σ_k φ_k N(x_i | μ_k, Λ_k⁻¹) + Σ_k log Wishart(Λ_k | V = I/γ², n' = d + m + 1), with log det Λ by
    /// elimination and tr(V⁻¹Λ) = γ² tr Λ; l jagged (row by row) or flat (ADBench's column order).
    /// </summary>
    private static double NaiveLogPosterior(JsonNode input)
    {
        int d = input["d"]!.GetValue<int>(), k = input["k"]!.GetValue<int>(), n = input["n"]!.GetValue<int>();
        double gamma = input["gamma"]!.GetValue<double>();
        int m = input["m"]!.GetValue<int>();
        double[] alpha = Protocol.ToVector(input["alpha"]);
        double lseAlpha = Reference.LogSumExp(alpha);
        var precision = new double[k][];
        var logDet = new double[k];
        for (int ik = 0; ik < k; ik++)
        {
            double[] q = Protocol.ToVector(input["q"]![ik]);
            double[] lower = RowOrder(Protocol.ToVector(input["l"]![ik]), d, input["l"]![ik] is JsonArray a && a.Count > 0 && a[0] is JsonArray);
            double[] qk = new double[d * d];
            for (int r = 0; r < d; r++)
            {
                qk[(r * d) + r] = Math.Exp(q[r]);
                for (int c = 0; c < r; c++)
                {
                    qk[(r * d) + c] = lower[(r * (r - 1) / 2) + c];
                }
            }

            precision[ik] = new double[d * d];
            for (int r = 0; r < d; r++)
            {
                for (int c = 0; c < d; c++)
                {
                    double s = 0;
                    for (int t = 0; t < d; t++)
                    {
                        s += qk[(t * d) + r] * qk[(t * d) + c];
                    }

                    precision[ik][(r * d) + c] = s;
                }
            }

            logDet[ik] = Math.Log(Reference.Determinant(precision[ik], d));
        }

        double likelihood = 0;
        for (int i = 0; i < n; i++)
        {
            double[] xi = Protocol.ToVector(input["x"]![i]);
            double[] terms = new double[k];
            for (int ik = 0; ik < k; ik++)
            {
                double[] mu = Protocol.ToVector(input["mu"]![ik]);
                double quadratic = 0;
                for (int r = 0; r < d; r++)
                {
                    for (int c = 0; c < d; c++)
                    {
                        quadratic += (xi[r] - mu[r]) * precision[ik][(r * d) + c] * (xi[c] - mu[c]);
                    }
                }

                terms[ik] = alpha[ik] - lseAlpha - (0.5 * d * Math.Log(2 * Math.PI)) + (0.5 * logDet[ik]) - (0.5 * quadratic);
            }

            likelihood += Reference.LogSumExp(terms);
        }

        int wishartN = d + m + 1;
        double prior = 0;
        for (int ik = 0; ik < k; ik++)
        {
            double trace = Enumerable.Range(0, d).Sum(r => precision[ik][(r * d) + r]);
            prior += (0.5 * (wishartN - d - 1) * logDet[ik]) - (0.5 * gamma * gamma * trace)
                - (0.5 * wishartN * d * Math.Log(2)) + (wishartN * d * Math.Log(gamma)) - Reference.LogMultivariateGamma(0.5 * wishartN, d);
        }

        return likelihood + prior;
    }

    /// <summary>A strictly lower triangle in row-by-row order from the jagged form (already so) or the flat column order.</summary>
    private static double[] RowOrder(double[] values, int d, bool jagged)
    {
        if (jagged)
        {
            return values;
        }

        double[] rows = new double[values.Length];
        int index = 0;
        for (int c = 0; c < d; c++)
        {
            for (int r = c + 1; r < d; r++)
            {
                rows[(r * (r - 1) / 2) + c] = values[index++];
            }
        }

        return rows;
    }

    /// <summary>The inverse of <see cref="RowOrder"/>: a strictly lower triangle in ADBench's column order.</summary>
    private static double[] ColumnOrder(double[] values, int d, bool jagged)
    {
        double[] rows = RowOrder(values, d, jagged);
        double[] columns = new double[values.Length];
        int index = 0;
        for (int c = 0; c < d; c++)
        {
            for (int r = c + 1; r < d; r++)
            {
                columns[index++] = rows[(r * (r - 1) / 2) + c];
            }
        }

        return columns;
    }

    /// <summary>ADBench's column-ordered lower part as GradBench's jagged rows, or as given (flat).</summary>
    private static JsonArray LowerPart(double[] columnOrder, int d, bool jagged)
    {
        if (!jagged)
        {
            return Array(columnOrder);
        }

        double[] rows = RowOrder(columnOrder, d, jagged: false);
        return new JsonArray([.. Enumerable.Range(0, d).Select(r => Array(rows.AsSpan(r * (r - 1) / 2, r).ToArray()))]);
    }

    private static JsonObject WithParameters(JsonNode input, double[] values)
    {
        int offset = 0;
        JsonObject result = input.DeepClone().AsObject();
        foreach (string name in Parameters)
        {
            result = Protocol.Refill(result, name, values, ref offset);
        }

        return result;
    }

    private static JsonArray Array(double[] values) => new([.. values.Select(v => (JsonNode)JsonValue.Create(v))]);

    private static JsonArray Rows(double[] values, int rows, int columns) =>
        new([.. Enumerable.Range(0, rows).Select(r => Array(values.AsSpan(r * columns, columns).ToArray()))]);

    private static double[] Values(string[] lines, string key) =>
        [.. lines.Single(line => line.StartsWith(key + " ", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(t => double.Parse(t, CultureInfo.InvariantCulture))];
}
