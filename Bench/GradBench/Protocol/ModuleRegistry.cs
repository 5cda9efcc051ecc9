using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using AutoDiffGen.GradBench.Modules;

namespace AutoDiffGen.GradBench.Protocol;

/// <summary>The modules the tool implements, by the name GradBench's evals use.</summary>
internal sealed class ModuleRegistry
{
    private readonly Dictionary<string, IEvalModule> modules;

    public ModuleRegistry(IEnumerable<IEvalModule> modules)
    {
        this.modules = modules.ToDictionary(m => m.Name, StringComparer.Ordinal);
    }

    /// <summary>hello, lse, llsq, det and gmm.</summary>
    public static ModuleRegistry Default { get; } = new(
    [
        new HelloModule(),
        new LseModule(),
        new LlsqModule(),
        new DetModule(),
        new GmmModule(),
    ]);

    /// <summary>The module names, sorted.</summary>
    public IEnumerable<string> Names => modules.Keys.Order(StringComparer.Ordinal);

    public bool TryGet(string name, [NotNullWhen(true)] out IEvalModule? module) => modules.TryGetValue(name, out module);
}
