namespace Paperboy.Search.Recommending;

/// <summary>
/// Examples for a linear classifier: <see cref="Count"/> rows of <see cref="Dimension"/> floats, row-major, each
/// labelled +1 (liked) or -1 (not), with a weight per example. <see cref="Balanced"/> gives each class half the total
/// weight, as scikit-learn's <c>class_weight="balanced"</c> (and arxiv-sanity-lite) do: a handful of likes would
/// otherwise be drowned by hundreds of negatives.
/// </summary>
public readonly ref struct TrainingSet
{
    public ReadOnlySpan<float> Rows { get; }
    public ReadOnlySpan<sbyte> Labels { get; }
    public ReadOnlySpan<float> Weights { get; }
    public int Dimension { get; }
    public int Count => Labels.Length;

    public TrainingSet(ReadOnlySpan<float> rows, ReadOnlySpan<sbyte> labels, ReadOnlySpan<float> weights, int dimension)
    {
        if (dimension <= 0) throw new ArgumentOutOfRangeException(nameof(dimension));
        if (rows.Length != labels.Length * dimension) throw new ArgumentException($"{rows.Length} floats are not {labels.Length} rows of {dimension}.", nameof(rows));
        if (weights.Length != labels.Length) throw new ArgumentException($"{weights.Length} weights for {labels.Length} examples.", nameof(weights));
        foreach (var y in labels) if (y is not (1 or -1)) throw new ArgumentException("Labels are +1 or -1.", nameof(labels));
        Rows = rows;
        Labels = labels;
        Weights = weights;
        Dimension = dimension;
    }

    public ReadOnlySpan<float> Row(int i) => Rows.Slice(i * Dimension, Dimension);

    /// <summary>Writes weights that give each class half of the total weight (the mean weight is 1).</summary>
    public static void Balanced(ReadOnlySpan<sbyte> labels, Span<float> weights)
    {
        int positives = 0;
        foreach (var y in labels) if (y > 0) positives++;
        int negatives = labels.Length - positives;
        float wp = positives == 0 ? 0 : labels.Length / (2f * positives);
        float wn = negatives == 0 ? 0 : labels.Length / (2f * negatives);
        for (int i = 0; i < labels.Length; i++) weights[i] = labels[i] > 0 ? wp : wn;
    }
}

/// <summary>A trained linear decision function: <c>w·x + b</c>, positive for "liked".</summary>
public sealed class LinearModel(float[] weights, float bias)
{
    public float[] Weights { get; } = weights;
    public float Bias { get; } = bias;

    public float Decide(ReadOnlySpan<float> x) => System.Numerics.Tensors.TensorPrimitives.Dot(Weights, x) + Bias;
}
