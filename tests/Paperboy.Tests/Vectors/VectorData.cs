using Paperboy.Search.Vectors;

namespace Paperboy.Tests.Vectors;

/// <summary>Deterministic clustered random vectors for the index tests.</summary>
internal static class VectorData
{
    public static float[][] Clustered(int count, int dim, int clusters, int seed, float spread = 0.35f)
    {
        var rng = new Random(seed);
        var centres = new float[clusters][];
        for (int c = 0; c < clusters; c++)
        {
            centres[c] = new float[dim];
            for (int d = 0; d < dim; d++) centres[c][d] = Gaussian(rng);
        }
        var data = new float[count][];
        for (int i = 0; i < count; i++)
        {
            var centre = centres[rng.Next(clusters)];
            var v = new float[dim];
            for (int d = 0; d < dim; d++) v[d] = centre[d] + spread * Gaussian(rng);
            data[i] = v;
        }
        return data;
    }

    public static float Gaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }

    public static VectorLabel[] Labels(int count, int offset = 0) =>
        Enumerable.Range(offset, count).Select(i => (VectorLabel)$"paper-{i}").ToArray();

    /// <summary>Mean recall@k of <paramref name="index"/> against the exact <paramref name="truth"/>.</summary>
    public static double Recall(IVectorIndex index, FlatVectorIndex truth, float[][] queries, int k, int ef)
    {
        long found = 0, total = 0;
        foreach (var q in queries)
        {
            var expected = truth.Search(q, k).Select(h => h.Label).ToHashSet();
            var got = index.Search(q, k, ef);
            found += got.Count(h => expected.Contains(h.Label));
            total += expected.Count;
        }
        return (double)found / total;
    }
}
