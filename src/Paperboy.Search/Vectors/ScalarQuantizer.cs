using System.Numerics.Tensors;

namespace Paperboy.Search.Vectors;

/// <summary>
/// Per-dimension min/max scalar quantiser to unsigned bytes: x ≈ min[d] + step[d]·code, code in [0, 255]. Values
/// outside the trained range are clamped (only traversal uses the codes; results are re-ranked on floats).
/// </summary>
internal sealed class ScalarQuantizer
{
    public float[] Min { get; }
    public float[] Step { get; }
    private readonly float[] _inverseStep;

    public ScalarQuantizer(float[] min, float[] step)
    {
        Min = min;
        Step = step;
        _inverseStep = new float[step.Length];
        for (int d = 0; d < step.Length; d++) _inverseStep[d] = step[d] > 0f ? 1f / step[d] : 0f;
    }

    public int Dimensions => Min.Length;

    /// <summary>Fits min/max over <paramref name="count"/> vectors laid out back to back in <paramref name="data"/>.</summary>
    public static ScalarQuantizer Train(ReadOnlySpan<float> data, int dimensions, int count)
    {
        var min = new float[dimensions];
        var max = new float[dimensions];
        Array.Fill(min, float.PositiveInfinity);
        Array.Fill(max, float.NegativeInfinity);
        for (int i = 0; i < count; i++)
        {
            var v = data.Slice(i * dimensions, dimensions);
            TensorPrimitives.Min(min, v, min);
            TensorPrimitives.Max(max, v, max);
        }
        if (count == 1)
        {
            // One vector says nothing about the spread: widen symmetrically around it by its largest magnitude.
            float r = Math.Max(TensorPrimitives.MaxMagnitude(data[..dimensions]), 1e-6f);
            for (int d = 0; d < dimensions; d++) { min[d] -= r; max[d] += r; }
        }
        var step = new float[dimensions];
        for (int d = 0; d < dimensions; d++) step[d] = (max[d] - min[d]) / 255f;
        return new ScalarQuantizer(min, step);
    }

    /// <summary>Accumulates min/max over vectors one at a time.</summary>
    public sealed class Trainer
    {
        private readonly float[] _min, _max;
        private int _count;
        private float[]? _first;

        public Trainer(int dimensions)
        {
            _min = new float[dimensions];
            _max = new float[dimensions];
            Array.Fill(_min, float.PositiveInfinity);
            Array.Fill(_max, float.NegativeInfinity);
        }

        public void Add(ReadOnlySpan<float> v)
        {
            TensorPrimitives.Min(_min, v, _min);
            TensorPrimitives.Max(_max, v, _max);
            if (_count++ == 0) _first = v.ToArray();
        }

        public ScalarQuantizer Build()
        {
            if (_count == 1) return Train(_first, _min.Length, 1);
            var step = new float[_min.Length];
            for (int d = 0; d < step.Length; d++) step[d] = (_max[d] - _min[d]) / 255f;
            return new ScalarQuantizer(_min, step);
        }
    }

    public void Encode(ReadOnlySpan<float> vector, Span<byte> codes)
    {
        for (int d = 0; d < vector.Length; d++)
        {
            float q = (vector[d] - Min[d]) * _inverseStep[d];
            codes[d] = q <= 0f ? (byte)0 : q >= 255f ? (byte)255 : (byte)MathF.Round(q);
        }
    }
}
