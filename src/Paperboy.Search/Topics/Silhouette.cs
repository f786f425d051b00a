namespace Paperboy.Search.Topics;

/// <summary>
/// The silhouette score of a clustering on a sample: for each sampled point, (b − a) / max(a, b) with a its mean
/// distance to its own cluster and b the smallest mean distance to another cluster. Higher is better (−1 … 1).
/// The sample's pairwise distances are computed once and reused for every candidate k.
/// </summary>
public sealed class Silhouette
{
    private readonly float[] _distances;
    private readonly int _n;

    public Silhouette(float[] data, int dimension, IReadOnlyList<int> sample)
    {
        _n = sample.Count;
        _distances = new float[_n * _n];
        Parallel.For(0, _n, i =>
        {
            var a = KMeans.Row(data, dimension, sample[i]);
            for (var j = i + 1; j < _n; j++)
            {
                var d = KMeans.Distance(a, KMeans.Row(data, dimension, sample[j]));
                _distances[i * _n + j] = d;
                _distances[j * _n + i] = d;
            }
        });
    }

    /// <summary>The mean silhouette for the sample's labels (one per sampled point, in sample order).</summary>
    public double Score(IReadOnlyList<int> labels, int k)
    {
        if (labels.Count != _n) throw new ArgumentException("one label per sampled point", nameof(labels));
        var sizes = new int[k];
        foreach (var l in labels) sizes[l]++;
        double total = 0;
        var sums = new double[k];
        for (var i = 0; i < _n; i++)
        {
            Array.Clear(sums);
            for (var j = 0; j < _n; j++) if (j != i) sums[labels[j]] += _distances[i * _n + j];
            var own = labels[i];
            if (sizes[own] <= 1) continue;   // a singleton's silhouette is 0 by convention
            var a = sums[own] / (sizes[own] - 1);
            var b = double.PositiveInfinity;
            for (var c = 0; c < k; c++) if (c != own && sizes[c] > 0) b = Math.Min(b, sums[c] / sizes[c]);
            if (double.IsPositiveInfinity(b)) continue;
            var m = Math.Max(a, b);
            if (m > 0) total += (b - a) / m;
        }
        return total / _n;
    }
}
