namespace Paperboy.Search.Topics;

/// <summary>
/// A 2-D layout of papers that keeps neighbours together, in the manner of UMAP: start from the two principal
/// components of the vectors, then pull each paper towards its nearest neighbours in vector space and push it away
/// from randomly drawn papers (negative sampling), with a learning rate that decays to zero. One thread and one
/// seeded <see cref="Random"/>, so the same input gives the same map. Coordinates come out in [0, 1] × [0, 1].
/// </summary>
public static class MapLayout
{
    // UMAP's curve 1 / (1 + a d^2b) for min_dist 0.1, spread 1.
    private const float A = 1.577f, B = 0.895f;

    /// <inheritdoc cref="Compute(VectorRows, int[], int, int, int?)"/>
    public static (float[] X, float[] Y) Compute(float[] data, int dimension, int count, int[] neighbours, int k, int seed, int? epochs = null) =>
        Compute(VectorRows.Over(data, dimension, count), neighbours, k, seed, epochs);

    /// <param name="neighbours">For each row, up to <paramref name="k"/> neighbour rows (−1 for none), n × k.</param>
    public static (float[] X, float[] Y) Compute(VectorRows rows, int[] neighbours, int k, int seed, int? epochs = null)
    {
        var count = rows.Count;
        var (x, y) = PrincipalComponents(rows, seed);
        if (count < 3) return Normalise(x, y);
        var rng = new Random(seed);
        var e = epochs ?? (count <= 10_000 ? 300 : count <= 100_000 ? 120 : 60);
        const int negatives = 4;
        for (var epoch = 0; epoch < e; epoch++)
        {
            var rate = 1f - (float)epoch / e;
            for (var i = 0; i < count; i++)
            {
                for (var n = 0; n < k; n++)
                {
                    var j = neighbours[i * k + n];
                    if (j < 0 || j == i) continue;
                    // Attraction along the edge.
                    var dx = x[i] - x[j];
                    var dy = y[i] - y[j];
                    var d2 = dx * dx + dy * dy;
                    if (d2 > 0)
                    {
                        var g = -2f * A * B * MathF.Pow(d2, B - 1f) / (1f + A * MathF.Pow(d2, B));
                        var gx = Clip(g * dx) * rate;
                        var gy = Clip(g * dy) * rate;
                        x[i] += gx; y[i] += gy;
                        x[j] -= gx; y[j] -= gy;
                    }
                    // Repulsion from a few random papers.
                    for (var s = 0; s < negatives; s++)
                    {
                        var r = rng.Next(count);
                        if (r == i) continue;
                        dx = x[i] - x[r];
                        dy = y[i] - y[r];
                        d2 = dx * dx + dy * dy;
                        var g = d2 > 0 ? 2f * B / ((0.001f + d2) * (1f + A * MathF.Pow(d2, B))) : 4f;
                        x[i] += Clip(g * dx) * rate;
                        y[i] += Clip(g * dy) * rate;
                    }
                }
            }
        }
        return Normalise(x, y);
    }

    private static float Clip(float v) => Math.Clamp(v, -4f, 4f);

    /// <summary>Rows the principal components are found from; a larger set is sampled (the layout refines them anyway).</summary>
    internal const int PrincipalSample = 50_000;

    /// <summary>
    /// The projections on the first two principal components (power iteration), scaled to a spread of about 10. Over
    /// <see cref="PrincipalSample"/> rows the components come from an evenly spread sample of that many: the 61 passes
    /// over the rows (the mean, then 30 iterations for each component) go over 50,000 rows instead of 2.5M, and only
    /// the projection reads every row.
    /// </summary>
    internal static (float[] X, float[] Y) PrincipalComponents(VectorRows rows, int seed)
    {
        var (dimension, count) = (rows.Dimension, rows.Count);
        var rng = new Random(seed);
        var sample = Sample(count, rng);
        var row = new float[dimension];
        var mean = new double[dimension];
        foreach (var i in sample)
        {
            rows.Read(i, row);
            for (var j = 0; j < dimension; j++) mean[j] += row[j];
        }
        for (var j = 0; j < dimension; j++) mean[j] /= Math.Max(1, sample.Length);
        var first = PowerIteration(rows, sample, mean, null, rng);
        var second = PowerIteration(rows, sample, mean, first, rng);
        var x = new float[count];
        var y = new float[count];
        for (var i = 0; i < count; i++)
        {
            rows.Read(i, row);
            double px = 0, py = 0;
            for (var j = 0; j < dimension; j++)
            {
                var v = row[j] - mean[j];
                px += v * first[j];
                py += v * second[j];
            }
            x[i] = (float)px; y[i] = (float)py;
        }
        Scale(x, y, 10f);
        // Points with identical vectors would never separate: a tiny deterministic jitter parts them.
        for (var i = 0; i < count; i++) { x[i] += (float)(rng.NextDouble() - 0.5) * 1e-3f; y[i] += (float)(rng.NextDouble() - 0.5) * 1e-3f; }
        return (x, y);
    }

    /// <summary>Every row, or <see cref="PrincipalSample"/> rows in order: one drawn from each equal stretch of the rows.</summary>
    private static int[] Sample(int count, Random rng)
    {
        if (count <= PrincipalSample) return Enumerable.Range(0, count).ToArray();
        var sample = new int[PrincipalSample];
        var stretch = (double)count / PrincipalSample;
        for (var s = 0; s < sample.Length; s++) sample[s] = Math.Min(count - 1, (int)(s * stretch + rng.NextDouble() * stretch));
        return sample;
    }

    private static double[] PowerIteration(VectorRows rows, int[] sample, double[] mean, double[]? orthogonalTo, Random rng)
    {
        var dimension = rows.Dimension;
        var row = new float[dimension];
        var v = new double[dimension];
        for (var j = 0; j < dimension; j++) v[j] = rng.NextDouble() - 0.5;
        var next = new double[dimension];
        for (var it = 0; it < 30; it++)
        {
            if (orthogonalTo is not null) Orthogonalise(v, orthogonalTo);
            Unit(v);
            Array.Clear(next);
            foreach (var i in sample)
            {
                rows.Read(i, row);
                double dot = 0;
                for (var j = 0; j < dimension; j++) dot += (row[j] - mean[j]) * v[j];
                for (var j = 0; j < dimension; j++) next[j] += dot * (row[j] - mean[j]);
            }
            (v, next) = (next, v);
        }
        if (orthogonalTo is not null) Orthogonalise(v, orthogonalTo);
        Unit(v);
        return v;
    }

    private static void Orthogonalise(double[] v, double[] u)
    {
        double dot = 0;
        for (var j = 0; j < v.Length; j++) dot += v[j] * u[j];
        for (var j = 0; j < v.Length; j++) v[j] -= dot * u[j];
    }

    private static void Unit(double[] v)
    {
        var norm = Math.Sqrt(v.Sum(a => a * a));
        if (norm > 0) for (var j = 0; j < v.Length; j++) v[j] /= norm;
    }

    private static void Scale(float[] x, float[] y, float spread)
    {
        float max = 0;
        for (var i = 0; i < x.Length; i++) max = Math.Max(max, Math.Max(Math.Abs(x[i]), Math.Abs(y[i])));
        if (max <= 0) return;
        for (var i = 0; i < x.Length; i++) { x[i] = x[i] / max * spread; y[i] = y[i] / max * spread; }
    }

    /// <summary>Fits the layout into [0, 1] × [0, 1], keeping its aspect ratio, after trimming the farthest 0.1 % outliers.</summary>
    private static (float[] X, float[] Y) Normalise(float[] x, float[] y)
    {
        if (x.Length == 0) return (x, y);
        var (x0, x1) = Range(x);
        var (y0, y1) = Range(y);
        var span = Math.Max(Math.Max(x1 - x0, y1 - y0), 1e-6f);
        var cx = (x0 + x1) / 2;
        var cy = (y0 + y1) / 2;
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = Math.Clamp(0.5f + (x[i] - cx) / span, 0f, 1f);
            y[i] = Math.Clamp(0.5f + (y[i] - cy) / span, 0f, 1f);
        }
        return (x, y);
    }

    private static (float Lo, float Hi) Range(float[] v)
    {
        var sorted = (float[])v.Clone();
        Array.Sort(sorted);
        var cut = sorted.Length / 1000;
        return (sorted[cut], sorted[sorted.Length - 1 - cut]);
    }
}
