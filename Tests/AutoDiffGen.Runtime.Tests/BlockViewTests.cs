using System;
using System.Linq;
using AutoDiffGen.CompilerServices;
using Xunit;

namespace AutoDiffGen.Runtime.Tests;

/// <summary>
/// The block views generated adjoints take of <c>a[c * B .. c * B + B)</c>: the same memory as the array, and clamped
/// so that <c>view[j]</c> (0 &lt;= j &lt; B) is in range exactly when <c>a[c * B + j]</c> is. (A block start is a
/// multiple of B, so a negative one is at most -B: its whole block lies before the array.)
/// </summary>
public class BlockViewTests
{
    [Theory]
    [InlineData(10, 0, 3)]
    [InlineData(10, 3, 3)]
    [InlineData(10, 9, 3)]
    [InlineData(10, 10, 3)]
    [InlineData(10, 12, 3)]
    [InlineData(10, -3, 3)]
    [InlineData(10, -6, 3)]
    [InlineData(10, 4, 0)]
    [InlineData(10, 4, -2)]
    [InlineData(0, 0, 3)]
    [InlineData(10, int.MaxValue, 3)]
    [InlineData(10, 8, int.MaxValue)]
    public void ViewElement_IsInRangeExactlyWhenTheArrayElementIs(int total, int start, int size)
    {
        double[] array = new double[total];
        for (int i = 0; i < total; i++)
        {
            array[i] = i + 0.5;
        }

        Span<double> span = array;
        ReadOnlySpan<double> readOnly = array;
        int checkedSize = Math.Clamp(size, 0, 5);
        for (int j = 0; j < checkedSize; j++)
        {
            long index = (long)start + j;
            bool inRange = index >= 0 && index < total;
            Assert.Equal(inRange, j < BlockView.Of(span, start, size).Length);
            Assert.Equal(inRange, j < BlockView.OfReadOnly(readOnly, start, size).Length);
            Assert.Equal(inRange, j < BlockView.OfArray(array, start, size).Length);
            if (inRange)
            {
                Assert.Equal(array[index], BlockView.Of(span, start, size)[j]);
                Assert.Equal(array[index], BlockView.OfReadOnly(readOnly, start, size)[j]);
                Assert.Equal(array[index], BlockView.OfArray(array, start, size)[j]);
            }
        }

        Assert.True(BlockView.Of(span, start, size).Length <= Math.Max(size, 0));
    }

    [Fact]
    public void View_WritesThroughToTheArray()
    {
        double[] array = new double[6];
        Span<double> row = BlockView.OfArray(array, 3, 3);
        row[0] = 1;
        row[2] += 2;
        BlockView.Of(new Span<double>(array), 0, 3)[1] = 5;
        Assert.Equal(new double[] { 0, 5, 0, 1, 0, 2 }, array);
    }

    [Fact]
    public void PartialBlock_ThrowsAtTheFirstMissingElement()
    {
        double[] array = new double[5];
        Span<double> row = BlockView.OfArray(array, 3, 3);
        Assert.Equal(2, row.Length);
        row[1] = 1;
        Assert.Equal(1, array[4]);
        Assert.Throws<IndexOutOfRangeException>(() => BlockView.OfArray(array, 3, 3)[2]);
        Assert.Throws<IndexOutOfRangeException>(() => BlockView.OfArray(array, -3, 3)[0]);
    }

    [Theory]
    [InlineData(6, 0, 3)]
    [InlineData(6, 3, 3)]
    [InlineData(7, 4, 3)]
    [InlineData(6, 6, 0)]
    public void Inside_HasExactlyTheBlock(int total, int start, int size)
    {
        double[] array = new double[total];
        Span<double> view = BlockView.Inside(new Span<double>(array), start, size);
        Span<double> adjoint = BlockView.InsideArray(array, start, size);
        Assert.Equal(size, view.Length);
        Assert.Equal(size, adjoint.Length);
        for (int j = 0; j < size; j++)
        {
            view[j] = j + 1;
            adjoint[j] += 10;
            Assert.Equal(j + 11, array[start + j]);
        }

        Assert.All(array.Where((_, i) => i < start || i >= start + size), e => Assert.Equal(0.0, e));
    }

    [Theory]
    [InlineData(6, 4, 3)]
    [InlineData(6, 6, 1)]
    [InlineData(6, -3, 3)]
    [InlineData(6, 0, -1)]
    [InlineData(6, int.MaxValue, 3)]
    public void Inside_OutsideTheArray_Throws(int total, int start, int size)
    {
        double[] array = new double[total];
        Assert.Throws<ArgumentOutOfRangeException>(() => BlockView.Inside(new Span<double>(array), start, size).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => BlockView.InsideArray(array, start, size).Length);
    }

    [Fact]
    public void NullArray_GivesAnEmptyView()
        => Assert.True(BlockView.OfArray<double>(null, 0, 3).IsEmpty);
}
