using System.Collections.Generic;
using System.Globalization;

namespace AutoDiffGen.Generator.Helpers;

/// <summary>
/// Hands out identifiers for generated parameters and locals that never clash with any name the user's method
/// mentions: a user parameter may itself be called <c>seed</c>, <c>dx</c> or <c>_t0</c>.
/// </summary>
internal sealed class NameAllocator
{
    private readonly HashSet<string> taken;
    private readonly Dictionary<string, int> counters = new();

    public NameAllocator(IEnumerable<string> reserved) => taken = new HashSet<string>(reserved);

    /// <summary>Claims <paramref name="name"/> exactly if it is free, otherwise a suffixed variant.</summary>
    public string Claim(string name)
    {
        if (taken.Add(name))
        {
            return name;
        }

        for (int i = 1; ; i++)
        {
            string candidate = name + "_" + i.ToString(CultureInfo.InvariantCulture);
            if (taken.Add(candidate))
            {
                return candidate;
            }
        }
    }

    /// <summary>A numbered name such as <c>_t0</c>, <c>_t1</c>: the first free number for the prefix.</summary>
    public string Next(string prefix)
    {
        counters.TryGetValue(prefix, out int n);
        while (true)
        {
            string candidate = prefix + n.ToString(CultureInfo.InvariantCulture);
            n++;
            if (taken.Add(candidate))
            {
                counters[prefix] = n;
                return candidate;
            }
        }
    }
}
