using System;
using AutoDiffGen.CompilerServices;
using Xunit;

namespace AutoDiffGen.Runtime.Tests;

/// <summary>The bounds checks generated code keeps for span slices throw exactly where the span's own would.</summary>
public class SliceBoundsTests
{
    [Theory]
    [InlineData(10, 0, 10)]
    [InlineData(10, 10, 0)]
    [InlineData(10, 3, 7)]
    [InlineData(0, 0, 0)]
    public void Check_SliceThatFits_DoesNotThrow(int baseLength, int start, int length)
    {
        SliceBounds.Check(baseLength, start, length);
        _ = new double[baseLength].AsSpan(start, length);
    }

    [Theory]
    [InlineData(10, 0, 11)]
    [InlineData(10, 11, 0)]
    [InlineData(10, -1, 2)]
    [InlineData(10, 2, -1)]
    [InlineData(10, int.MaxValue, int.MaxValue)]
    public void Check_SliceThatDoesNotFit_ThrowsLikeSpanSlice(int baseLength, int start, int length)
    {
        var ours = Assert.Throws<ArgumentOutOfRangeException>(() => SliceBounds.Check(baseLength, start, length));
        Assert.Equal("start", ours.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new double[baseLength].AsSpan(start, length));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(4, 5)]
    public void Index_Inside_ReturnsTheIndex(int index, int length) => Assert.Equal(index, SliceBounds.Index(index, length));

    [Theory]
    [InlineData(-1, 5)]
    [InlineData(5, 5)]
    [InlineData(0, 0)]
    public void Index_Outside_ThrowsLikeTheSpanIndexer(int index, int length)
    {
        Assert.Throws<IndexOutOfRangeException>(() => SliceBounds.Index(index, length));
        Assert.Throws<IndexOutOfRangeException>(() => new double[length].AsSpan()[index]);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(7L)]
    [InlineData((long)int.MaxValue)]
    public void Narrow_IndexInIntRange_IsTheSameInt(long index)
    {
        Assert.Equal((int)index, SliceBounds.Narrow(index));
        Assert.Equal((int)index, SliceBounds.Narrow((ulong)index));
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData((long)int.MaxValue + 1)]
    [InlineData(long.MinValue)]
    public void Narrow_IndexNoArrayHas_ThrowsIndexOutOfRange(long index)
    {
        Assert.Throws<IndexOutOfRangeException>(() => SliceBounds.Narrow(index));
        double[] array = new double[4];
        Assert.Throws<IndexOutOfRangeException>(() => array[index]);
    }
}
