using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using AutoDiffGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace AutoDiffGen.Tests.CompileAndRun;

/// <summary>A library's [Differentiable] methods and [DerivativeOf] pullbacks are used by code that references it.</summary>
public sealed class CrossAssemblyTests
{
    private const string Library = """
        using System;
        using AutoDiffGen;

        namespace Lib;

        public static partial class Shapes
        {
            [Differentiable]
            public static double Bump(double x, double y) => Math.Exp(-(x * x + y * y)) * x;

            public static double Cube(double x) => x * x * x;

            [DerivativeOf(nameof(Cube))]
            public static void CubePullback(double x, double seed, ref double dx) => dx += seed * 3 * x * x;
        }
        """;

    private const string Consumer = """
        using System;
        using AutoDiffGen;

        namespace App;

        public static partial class Model
        {
            [Differentiable]
            public static double Loss(double a, double b) => Lib.Shapes.Bump(a, b) * b + Lib.Shapes.Cube(a - b);
        }
        """;

    [Fact]
    public void ReferencedLibrary_GeneratedAndRegisteredPullbacks_AreUsed()
    {
        // Build the library with the generator, as its own assembly.
        CSharpCompilation library = GeneratorHarness.Compilation(Library).WithAssemblyName("Lib");
        GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(library, out Compilation libraryOutput, out _);
        using var libraryImage = new MemoryStream();
        Assert.True(libraryOutput.Emit(libraryImage).Success);
        MetadataReference libraryReference = MetadataReference.CreateFromImage(libraryImage.ToArray());

        // Build the consumer against the library's metadata only.
        CSharpCompilation consumer = GeneratorHarness.Compilation(Consumer).WithAssemblyName("App").AddReferences(libraryReference);
        GeneratorDriver driver = GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(consumer, out Compilation consumerOutput, out _);
        Assert.Empty(driver.GetRunResult().Diagnostics);
        string generated = driver.GetRunResult().GeneratedTrees.Single().ToString();
        Assert.Contains("global::Lib.Shapes.BumpPullback(", generated, StringComparison.Ordinal);
        Assert.Contains("global::Lib.Shapes.CubePullback(", generated, StringComparison.Ordinal);

        using var consumerImage = new MemoryStream();
        var emit = consumerOutput.Emit(consumerImage);
        Assert.True(emit.Success, GeneratorHarness.Describe(emit.Diagnostics));

        var context = new AssemblyLoadContext("CrossAssembly", isCollectible: true);
        context.LoadFromStream(new MemoryStream(libraryImage.ToArray()));
        Assembly app = context.LoadFromStream(new MemoryStream(consumerImage.ToArray()));
        Type model = app.GetType("App.Model")!;
        MethodInfo loss = model.GetMethod("Loss")!;
        MethodInfo gradient = model.GetMethod("LossGradient")!;

        foreach ((double a, double b) in new[] { (0.3, -0.4), (1.1, 0.7), (-0.8, 0.2) })
        {
            object[] args = { a, b, 0.0, 0.0 };
            double value = (double)gradient.Invoke(null, args)!;
            Assert.Equal((double)loss.Invoke(null, new object[] { a, b })!, value);
            const double h = 1e-6;
            double F(double x, double y) => (double)loss.Invoke(null, new object[] { x, y })!;
            double da = (F(a + h, b) - F(a - h, b)) / (2 * h);
            double db = (F(a, b + h) - F(a, b - h)) / (2 * h);
            Assert.Equal(da, (double)args[2], 6);
            Assert.Equal(db, (double)args[3], 6);
        }
    }
}
