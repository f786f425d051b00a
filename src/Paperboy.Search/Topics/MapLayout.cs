using Paperboy.Search.Vectors;

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

    /// <param name="neighbours">For each row, up to <paramref name="k"/> neighbour rows (−1 for none), n × k.</param>
    public static (float[] X, float[] Y) Compute(VectorRows rows, int[] neighbours, int k, int seed, int? epochs = null)
    {
        var count = rows.Count;
        var (x0, y0) = PrincipalComponents(rows, seed);
        if (count < 3) return Normalise(x0, y0);
        // Each paper's x and y side by side: a randomly drawn paper is one cache miss, not two (at 2.5M papers the
        // 20 MB of positions no longer fit the cache, and the random draws are most of the layout's time).
        var xy = new float[2 * count];
        for (var i = 0; i < count; i++) { xy[2 * i] = x0[i]; xy[2 * i + 1] = y0[i]; }
        var rng = new Random(seed);
        var e = epochs ?? (count <= 10_000 ? 300 : count <= 100_000 ? 120 : 60);
        const int negatives = 4;
        Span<int> drawn = stackalloc int[negatives];
        for (var epoch = 0; epoch < e; epoch++)
        {
            var rate = 1f - (float)epoch / e;
            for (var i = 0; i < count; i++)
            {
                for (var n = 0; n < k; n++)
                {
                    var j = neighbours[i * k + n];
                    if (j < 0 || j == i) continue;
                    // The papers to push away from, drawn first so that their positions are on their way from memory
                    // while the attraction is computed (drawn in the same order as always: the same map).
                    for (var s = 0; s < negatives; s++)
                    {
                        drawn[s] = rng.Next(count);
                        CacheLines.Prefetch(ref xy[2 * drawn[s]], 2 * sizeof(float));
                    }
                    // Attraction along the edge.
                    var dx = xy[2 * i] - xy[2 * j];
                    var dy = xy[2 * i + 1] - xy[2 * j + 1];
                    var d2 = dx * dx + dy * dy;
                    if (d2 > 0)
                    {
                        var g = -2f * A * B * MathF.Pow(d2, B - 1f) / (1f + A * MathF.Pow(d2, B));
                        var gx = Clip(g * dx) * rate;
                        var gy = Clip(g * dy) * rate;
                        xy[2 * i] += gx; xy[2 * i + 1] += gy;
                        xy[2 * j] -= gx; xy[2 * j + 1] -= gy;
                    }
                    // Repulsion from a few random papers.
                    for (var s = 0; s < negatives; s++)
                    {
                        var r = drawn[s];
                        if (r == i) continue;
                        dx = xy[2 * i] - xy[2 * r];
                        dy = xy[2 * i + 1] - xy[2 * r + 1];
                        d2 = dx * dx + dy * dy;
                        var g = d2 > 0 ? 2f * B / ((0.001f + d2) * (1f + A * MathF.Pow(d2, B))) : 4f;
                        xy[2 * i] += Clip(g * dx) * rate;
                        xy[2 * i + 1] += Clip(g * dy) * rate;
                    }
                }
            }
        }
        for (var i = 0; i < count; i++) { x0[i] = xy[2 * i]; y0[i] = xy[2 * i + 1]; }
        return Normalise(x0, y0);
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
