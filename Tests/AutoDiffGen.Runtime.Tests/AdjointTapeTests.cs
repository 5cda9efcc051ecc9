using System;
using AutoDiffGen.CompilerServices;
using Xunit;

namespace AutoDiffGen.Runtime.Tests;

/// <summary>
/// The tape pool generated adjoints use: nested rents (a Pullback calling a Pullback, or recursing, as the GradBench
/// det objective does) each get their own empty tape, and once a thread has seen a nesting depth, renting at that
/// depth allocates nothing.
/// </summary>
public class AdjointTapeTests
{
    [Fact]
    public void NestedRents_GetDistinctEmptyTapes_ThatKeepTheirOwnValues()
    {
        AdjointTape outer = AdjointTape.Rent();
        outer.Push(1.5);
        outer.Push(7);
        AdjointTape inner = AdjointTape.Rent();
        Assert.NotSame(outer, inner);
        inner.Push(2.5);
        Assert.Equal(2.5, inner.PopDouble());
        AdjointTape.Return(inner);

        Assert.Equal(7, outer.PopInt());
        Assert.Equal(1.5, outer.PopDouble());
        AdjointTape.Return(outer);

        // A returned tape comes back empty.
        AdjointTape again = AdjointTape.Rent();
        again.Push(3.0);
        Assert.Equal(3.0, again.PopDouble());
        AdjointTape.Return(again);
    }

    [Fact]
    public void RecursiveRents_InSteadyState_AllocateNothing()
    {
        // The fewest bytes of three passes of 1000 calls: an allocation per call shows in every pass, while a
        // one-off runtime allocation on this thread (seen once when every test assembly ran at the same time)
        // cannot spoil all three.
        Recurse(12);
        long fewest = long.MaxValue;
        for (int pass = 0; pass < 3; pass++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                Recurse(12);
            }

            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, fewest);
    }

    private static void Recurse(int depth)
    {
        AdjointTape tape = AdjointTape.Rent();
        tape.Push(depth);
        if (depth > 0)
        {
            Recurse(depth - 1);
            Recurse(depth - 1 > 0 ? 1 : 0);
        }

        int popped = tape.PopInt();
        AdjointTape.Return(tape);
        if (popped != depth)
        {
            throw new InvalidOperationException($"tape at depth {depth} held {popped}");
        }
    }
    [Fact]
    public void LocalCursorApi_GrowKeepsContents_AndSpansRoundTrip()
    {
        AdjointTape tape = AdjointTape.Rent();
        double[] values = tape.Values;
        int top = 0;
        for (int i = 0; i < 1000; i++)
        {
            if (top == values.Length)
            {
                values = tape.GrowValues();
            }

            values[top++] = i * 0.5;
        }

        double[] block = { 1, 2, 3, 4, 5 };
        values = tape.PushSpan(block, top);
        top += block.Length;
        float[] small = { 0.25f, -1.5f };
        values = tape.PushSpan(small, top);
        top += small.Length;

        var floats = new float[2];
        top -= floats.Length;
        AdjointTape.PopSpan(values, top, floats);
        Assert.Equal(small, floats);
        var doubles = new double[5];
        top -= doubles.Length;
        AdjointTape.PopSpan(values, top, doubles);
        Assert.Equal(block, doubles);
        for (int i = 999; i >= 0; i--)
        {
            Assert.Equal(i * 0.5, values[--top]);
        }

        int[] integers = tape.Integers;
        int length = integers.Length;
        Assert.True(tape.GrowIntegers().Length == 2 * length);
        AdjointTape.Return(tape);
    }

    [Fact]
    public void ReferenceTape_GrowKeepsContents_AndReturnDropsTheReferences()
    {
        AdjointTape tape = AdjointTape.Rent();
        object?[] refs = tape.References;
        int top = 0;
        var arrays = new double[40][];
        for (int i = 0; i < arrays.Length; i++)
        {
            arrays[i] = new double[] { i };
            if (top == refs.Length)
            {
                refs = tape.GrowReferences();
            }

            refs[top++] = arrays[i];
        }

        Assert.True(refs.Length >= 40);
        Assert.Same(refs, tape.References);
        for (int i = arrays.Length - 1; i >= 0; i--)
        {
            Assert.Same(arrays[i], (double[])refs[--top]!);
        }

        AdjointTape.Return(tape);

        // The pooled tape keeps its array but no caller's arrays alive.
        Assert.All(tape.References, r => Assert.Null(r));
    }
}
