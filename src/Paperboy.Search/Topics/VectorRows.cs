using System.Numerics.Tensors;

namespace Paperboy.Search.Topics;

/// <summary>
/// The topic map's vectors by row, read one row at a time into the caller's buffer: either a float array as it is, or
/// a half-precision copy. The copy holds every paper's vector while the map is computed, so at 2.5M papers of 256
/// dimensions it takes 1.3 GB instead of 2.6; the map's clustering and layout do not need more than half precision.
/// Reading is safe from several threads at once; adding is not.
/// </summary>
public sealed class VectorRows
{
    private readonly float[]? _floats;
    private Half[]? _halves;

    public int Dimension { get; }
    public int Count { get; private set; }

    private VectorRows(int dimension, float[]? floats, Half[]? halves, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        Dimension = dimension;
        _floats = floats;
        _halves = halves;
        Count = count;
    }

    /// <summary>The first <paramref name="count"/> rows of <paramref name="data"/> (row-major), not copied.</summary>
    public static VectorRows Over(float[] data, int dimension, int count)
    {
        if ((long)count * dimension > data.Length) throw new ArgumentException($"{count} rows of {dimension} do not fit in {data.Length} numbers", nameof(count));
        return new VectorRows(dimension, data, null, count);
    }

    /// <summary>An empty half-precision copy with room for <paramref name="capacity"/> rows; it grows as rows are added.</summary>
    public static VectorRows HalfPrecision(int dimension, int capacity) => new(dimension, null, new Half[Math.Max(1, capacity) * dimension], 0);

    /// <summary>Appends a row (a half-precision copy only).</summary>
    public void Add(ReadOnlySpan<float> vector)
    {
        if (_halves is null) throw new InvalidOperationException("rows over a float array cannot be added to");
        if (vector.Length != Dimension) throw new ArgumentException($"a row has {Dimension} numbers, not {vector.Length}", nameof(vector));
        if ((long)(Count + 1) * Dimension > _halves.Length) Array.Resize(ref _halves, checked(_halves.Length * 2));
        TensorPrimitives.ConvertToHalf(vector, _halves.AsSpan(Count * Dimension, Dimension));
        Count++;
    }

    /// <summary>Copies row <paramref name="row"/> into <paramref name="destination"/> (at least <see cref="Dimension"/> long).</summary>
    public void Read(int row, Span<float> destination)
    {
        if ((uint)row >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(row), row, $"there are {Count} rows");
        if (_floats is not null) _floats.AsSpan(row * Dimension, Dimension).CopyTo(destination);
        else TensorPrimitives.ConvertToSingle(_halves.AsSpan(row * Dimension, Dimension), destination);
    }
}
