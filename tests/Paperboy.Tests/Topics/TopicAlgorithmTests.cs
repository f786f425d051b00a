using Paperboy.Search.Topics;

namespace Paperboy.Tests.Topics;

/// <summary>The topic algorithms on planted data: clusters found, k chosen, labels distinctive, layout keeps neighbours near.</summary>
public sealed class TopicAlgorithmTests
{
    /// <summary><paramref name="groups"/> tight groups of unit vectors around random directions, rows interleaved.</summary>
    private static (float[] Data, int[] Truth) Planted(int groups, int perGroup, int dim, int seed, float noise = 0.15f)
    {
        var rng = new Random(seed);
        var centres = Enumerable.Range(0, groups).Select(_ => Unit(Enumerable.Range(0, dim).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray())).ToList();
        var n = groups * perGroup;
        var data = new float[n * dim];
        var truth = new int[n];
        for (var i = 0; i < n; i++)
        {
            truth[i] = i % groups;
            var v = centres[truth[i]].Select(c => c + (float)(rng.NextDouble() * 2 - 1) * noise).ToArray();
            Unit(v).CopyTo(data, i * dim);
        }
        return (data, truth);
    }

    private static float[] Unit(float[] v)
    {
        var norm = MathF.Sqrt(v.Sum(x => x * x));
        for (var i = 0; i < v.Length; i++) v[i] /= norm;
        return v;
    }

    [Fact]
    public void KMeans_recovers_planted_clusters_and_repeats_itself()
    {
        var (data, truth) = Planted(4, 60, 32, seed: 1);
        var rows = Enumerable.Range(0, truth.Length).ToList();
        var centroids = KMeans.Fit(data, 32, rows, 4, seed: 3);
        var labels = KMeans.Assign(VectorRows.Over(data, 32, truth.Length), centroids, 4);
        // Every planted group lands in one cluster, and different groups in different clusters.
        var map = Enumerable.Range(0, 4).Select(g => labels.Where((_, i) => truth[i] == g).Distinct().Single()).ToList();
        Assert.Equal(4, map.Distinct().Count());
        Assert.Equal(centroids, KMeans.Fit(data, 32, rows, 4, seed: 3));
    }

    [Fact]
    public void The_silhouette_prefers_the_planted_number_of_clusters()
    {
        var (data, truth) = Planted(5, 50, 24, seed: 2);
        var rows = Enumerable.Range(0, truth.Length).ToList();
        var silhouette = new Silhouette(data, 24, rows);
        var scores = new[] { 2, 3, 5, 8, 10 }.ToDictionary(k => k, k =>
        {
            var c = KMeans.Fit(data, 24, rows, k, seed: 5);
            return silhouette.Score(KMeans.Assign(VectorRows.Over(data, 24, truth.Length), c, k), k);
        });
        Assert.Equal(5, scores.MaxBy(kv => kv.Value).Key);
        Assert.InRange(scores[5], 0.5, 1.0);
    }

    [Fact]
    public void Labels_are_each_clusters_distinctive_terms_in_their_usual_spelling()
    {
        var terms = new TopicTerms(2);
        for (var i = 0; i < 20; i++)
        {
            terms.Add(0, $"We propose diffusion models for image generation; denoising diffusion improves samples {i}.");
            terms.Add(1, $"We propose graph neural networks for molecules; message passing on graphs improves models {i}.");
        }
        var labels = terms.Labels(3);
        Assert.Contains("diffusion", labels[0]);
        Assert.Contains("graph", labels[1]);
        Assert.DoesNotContain("propose", labels[0].Concat(labels[1]));     // boilerplate
        Assert.DoesNotContain("improves", labels[0].Concat(labels[1]));    // in every paper: no distinction
        Assert.DoesNotContain("diffus", labels[0]);                        // a stem is shown as a word
    }

    [Fact]
    public void The_layout_keeps_neighbours_together_inside_the_unit_square_and_repeats_itself()
    {
        var (data, truth) = Planted(3, 80, 16, seed: 4);
        var n = truth.Length;
        const int k = 8;
        // The exact neighbour graph (what the vector index answers).
        var graph = new int[n * k];
        for (var i = 0; i < n; i++)
        {
            var near = Enumerable.Range(0, n).Where(j => j != i)
                .OrderBy(j => KMeans.Distance(data.AsSpan(i * 16, 16), data.AsSpan(j * 16, 16))).Take(k).ToArray();
            near.CopyTo(graph, i * k);
        }
        var (x, y) = MapLayout.Compute(VectorRows.Over(data, 16, n), graph, k, seed: 9);
        Assert.All(x.Concat(y), v => Assert.InRange(v, 0f, 1f));
        double Mean(Func<int, int, bool> pair)
        {
            double sum = 0; var count = 0;
            for (var i = 0; i < n; i++) for (var j = i + 1; j < n; j++) if (pair(i, j)) { sum += Math.Sqrt((x[i] - x[j]) * (x[i] - x[j]) + (y[i] - y[j]) * (y[i] - y[j])); count++; }
            return sum / count;
        }
        var within = Mean((i, j) => truth[i] == truth[j]);
        var across = Mean((i, j) => truth[i] != truth[j]);
        Assert.True(within * 3 < across, $"groups are not apart on the map: within {within:0.000}, across {across:0.000}");
        var (x2, y2) = MapLayout.Compute(VectorRows.Over(data, 16, n), graph, k, seed: 9);
        Assert.Equal(x, x2);
        Assert.Equal(y, y2);
    }

    [Fact]
    public void Principal_components_of_a_large_set_are_found_from_a_sample()
    {
        // More rows than the sample: two planted directions (spread 5 and 2) in 8 dimensions, around a mean far from 0.
        const int n = MapLayout.PrincipalSample * 2 + 123, dim = 8;
        var rng = new Random(21);
        var first = Unit(Enumerable.Range(0, dim).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray());
        var second = Unit(first.Select((v, j) => j % 2 == 0 ? first[j + 1] : -first[j - 1]).ToArray());   // orthogonal to the first
        var data = new float[n * dim];
        for (var i = 0; i < n; i++)
        {
            var a = 5f * (float)(rng.NextDouble() * 2 - 1);
            var b = 2f * (float)(rng.NextDouble() * 2 - 1);
            for (var j = 0; j < dim; j++) data[i * dim + j] = 3f + a * first[j] + b * second[j] + 0.3f * (float)(rng.NextDouble() * 2 - 1);
        }
        var (x, y) = MapLayout.PrincipalComponents(VectorRows.Over(data, dim, n), seed: 4);
        // Each coordinate is the row's projection on the planted direction (noise included), up to sign and scale.
        float[] Along(float[] direction) => Enumerable.Range(0, n).Select(i => Enumerable.Range(0, dim).Sum(j => data[i * dim + j] * direction[j])).ToArray();
        Assert.InRange(Math.Abs(Correlation(x, Along(first))), 0.999, 1.0);
        Assert.InRange(Math.Abs(Correlation(y, Along(second))), 0.999, 1.0);
    }

    private static double Correlation(float[] p, float[] q)
    {
        double mp = p.Average(), mq = q.Average(), spq = 0, spp = 0, sqq = 0;
        for (var i = 0; i < p.Length; i++) { spq += (p[i] - mp) * (q[i] - mq); spp += (p[i] - mp) * (p[i] - mp); sqq += (q[i] - mq) * (q[i] - mq); }
        return spq / Math.Sqrt(spp * sqq);
    }

    [Fact]
    public void Half_precision_rows_read_back_within_a_thousandth_and_grow_past_their_capacity()
    {
        var (data, _) = Planted(3, 50, 24, seed: 12);
        var rows = VectorRows.HalfPrecision(24, capacity: 7);
        for (var i = 0; i < 150; i++) rows.Add(data.AsSpan(i * 24, 24));
        Assert.Equal(150, rows.Count);
        var row = new float[24];
        for (var i = 0; i < 150; i++)
        {
            rows.Read(i, row);
            for (var j = 0; j < 24; j++) Assert.InRange(row[j] - data[i * 24 + j], -1e-3f, 1e-3f);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => rows.Read(150, row));
        Assert.Throws<ArgumentException>(() => rows.Add(new float[23]));
        Assert.Throws<InvalidOperationException>(() => VectorRows.Over(data, 24, 150).Add(row));
    }

    [Fact]
    public void A_map_from_half_precision_rows_finds_the_same_topics_as_one_from_floats()
    {
        var (data, truth) = Planted(8, 75, 32, seed: 13);
        var n = truth.Length;
        var half = VectorRows.HalfPrecision(32, n);
        for (var i = 0; i < n; i++) half.Add(data.AsSpan(i * 32, 32));
        IReadOnlyList<int> Near(int i) => Enumerable.Range(0, n)
            .OrderBy(j => KMeans.Distance(data.AsSpan(i * 32, 32), data.AsSpan(j * 32, 32))).Take(TopicMapBuilder.Neighbours + 1).ToList();
        var exact = TopicMapBuilder.Build(VectorRows.Over(data, 32, n), _ => null, Near);
        var halved = TopicMapBuilder.Build(half, _ => null, Near);
        Assert.Equal(8, exact.Topics.Count);
        Assert.Equal(exact.Topics.Count, halved.Topics.Count);
        // The same partition (topic numbers may differ): two rows share a topic in one map exactly when they do in the other.
        for (var i = 0; i < n; i++)
            for (var j = i + 1; j < n; j++)
                Assert.Equal(exact.TopicOf[i] == exact.TopicOf[j], halved.TopicOf[i] == halved.TopicOf[j]);
        Assert.All(halved.X.Concat(halved.Y), v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void Candidate_numbers_of_topics_grow_with_the_corpus_and_stay_small()
    {
        Assert.Equal([1], TopicMapBuilder.Candidates(3));
        var demo = TopicMapBuilder.Candidates(257);
        Assert.True(demo.Count is >= 3 and <= 9 && demo.Min() >= 2 && demo.Max() <= 12, string.Join(",", demo));
        var big = TopicMapBuilder.Candidates(200_000);
        Assert.Equal(40, big.Max());
        Assert.True(big.Count <= 9);
    }
}
