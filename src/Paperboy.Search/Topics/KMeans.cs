using System.Numerics.Tensors;

namespace Paperboy.Search.Topics;

/// <summary>
/// k-means on unit vectors (cosine): k-means++ seeding and Lloyd iterations, all from one seeded <see cref="Random"/>,
/// so the same vectors and seed give the same clusters. Vectors are one flat row-major array (n × dimension).
/// </summary>
public static class KMeans
{
    /// <summary>Fits <paramref name="k"/> centroids (unit length) to the rows listed in <paramref name="rows"/>.</summary>
    public static float[] Fit(float[] data, int dimension, IReadOnlyList<int> rows, int k, int seed, int iterations = 25)
    {
        if (rows.Count < k) throw new ArgumentException($"{rows.Count} points cannot make {k} clusters", nameof(rows));
        var rng = new Random(seed);
        var centroids = new float[k * dimension];
        // k-means++: each next seed drawn with probability proportional to its squared distance to the nearest seed.
        var nearest = new float[rows.Count];
        Row(data, dimension, rows[rng.Next(rows.Count)]).CopyTo(centroids.AsSpan(0, dimension));
        for (var i = 0; i < rows.Count; i++) nearest[i] = Distance(Row(data, dimension, rows[i]), centroids.AsSpan(0, dimension));
        for (var c = 1; c < k; c++)
        {
            double total = 0;
            foreach (var d in nearest) total += d;
            var target = rng.NextDouble() * total;
            var pick = rows.Count - 1;
            for (var i = 0; i < rows.Count; i++) { target -= nearest[i]; if (target <= 0) { pick = i; break; } }
            var seedRow = centroids.AsSpan(c * dimension, dimension);
            Row(data, dimension, rows[pick]).CopyTo(seedRow);
            for (var i = 0; i < rows.Count; i++) nearest[i] = Math.Min(nearest[i], Distance(Row(data, dimension, rows[i]), seedRow));
        }

        var labels = new int[rows.Count];
        var sums = new double[k * dimension];
        var counts = new int[k];
        for (var it = 0; it < iterations; it++)
        {
            var changed = 0;
            for (var i = 0; i < rows.Count; i++)
            {
                var c = Nearest(centroids, dimension, k, Row(data, dimension, rows[i]));
                if (c != labels[i] || it == 0) { changed++; labels[i] = c; }
            }
            if (it > 0 && changed == 0) break;
            Array.Clear(sums);
            Array.Clear(counts);
            for (var i = 0; i < rows.Count; i++)
            {
                var v = Row(data, dimension, rows[i]);
                var off = labels[i] * dimension;
                for (var j = 0; j < dimension; j++) sums[off + j] += v[j];
                counts[labels[i]]++;
            }
            for (var c = 0; c < k; c++)
            {
                var centroid = centroids.AsSpan(c * dimension, dimension);
                if (counts[c] == 0)
                {
                    // An empty cluster takes the point farthest from its centroid, deterministically.
                    var far = FarthestPoint(data, dimension, rows, labels, centroids);
                    Row(data, dimension, rows[far]).CopyTo(centroid);
                    continue;
                }
                for (var j = 0; j < dimension; j++) centroid[j] = (float)(sums[c * dimension + j] / counts[c]);
                Normalise(centroid);
            }
        }
        return centroids;
    }

    /// <summary>The index of the centroid nearest to <paramref name="vector"/> (highest cosine).</summary>
    public static int Nearest(ReadOnlySpan<float> centroids, int dimension, int k, ReadOnlySpan<float> vector)
    {
        var best = 0;
        var bestDot = float.NegativeInfinity;
        for (var c = 0; c < k; c++)
        {
            var dot = TensorPrimitives.Dot(centroids.Slice(c * dimension, dimension), vector);
            if (dot > bestDot) { bestDot = dot; best = c; }
        }
        return best;
    }

    /// <summary>Labels every row with its nearest centroid.</summary>
    public static int[] Assign(VectorRows rows, float[] centroids, int k)
    {
        var labels = new int[rows.Count];
        var dimension = rows.Dimension;
        Parallel.For(0, rows.Count, () => new float[dimension], (i, _, row) =>
        {
            rows.Read(i, row);
            labels[i] = Nearest(centroids, dimension, k, row);
            return row;
        }, _ => { });
        return labels;
    }

    /// <summary>Cosine distance for unit vectors (1 − dot), never negative.</summary>
    public static float Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => Math.Max(0f, 1f - TensorPrimitives.Dot(a, b));

    internal static ReadOnlySpan<float> Row(float[] data, int dimension, int row) => data.AsSpan(row * dimension, dimension);

    private static void Normalise(Span<float> v)
    {
        var norm = TensorPrimitives.Norm(v);
        if (norm > 0) TensorPrimitives.Divide(v, norm, v);
    }

    private static int FarthestPoint(float[] data, int dimension, IReadOnlyList<int> rows, int[] labels, float[] centroids)
    {
        var far = 0;
        var farDist = -1f;
        for (var i = 0; i < rows.Count; i++)
        {
            var d = Distance(Row(data, dimension, rows[i]), centroids.AsSpan(labels[i] * dimension, dimension));
            if (d > farDist) { farDist = d; far = i; }
        }
        return far;
    }
}
