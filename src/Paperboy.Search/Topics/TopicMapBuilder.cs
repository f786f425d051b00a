using System.Diagnostics;

namespace Paperboy.Search.Topics;

/// <summary>One topic of a computed map: its label terms, unit centroid, size and where its label sits on the map.</summary>
public sealed record TopicResult(int Id, IReadOnlyList<string> Terms, float[] Centroid, int Size, float X, float Y);

/// <summary>A computed topic map: the topics, and for each input row its topic and position; timings for the benchmark.</summary>
public sealed record TopicMapResult(IReadOnlyList<TopicResult> Topics, int[] TopicOf, float[] X, float[] Y, IReadOnlyDictionary<string, TimeSpan> Timings);

/// <summary>
/// Computes topics and the map from paper vectors: k-means with k chosen by the (sampled) silhouette over a small
/// range, labels by c-TF-IDF over a sample of texts, and the neighbour-preserving <see cref="MapLayout"/>.
/// Deterministic for the same input and seed.
/// </summary>
public static class TopicMapBuilder
{
    public const int FitSample = 20_000;
    public const int SilhouetteSample = 1_500;
    public const int Neighbours = 10;

    /// <summary>The candidate numbers of topics for a corpus of <paramref name="count"/> papers: about √(n/2), at most 40.</summary>
    public static IReadOnlyList<int> Candidates(int count)
    {
        if (count < 4) return [1];
        var lo = Math.Clamp(count / 25, 2, 6);
        var hi = Math.Clamp((int)Math.Sqrt(count / 2.0), lo, 40);
        var step = Math.Max(1, (int)Math.Ceiling((hi - lo) / 7.0));
        var ks = new List<int>();
        for (var k = lo; k <= hi; k += step) ks.Add(k);
        if (ks[^1] != hi) ks.Add(hi);
        return ks;
    }

    /// <param name="rows">The unit vectors by row.</param>
    /// <param name="text">A paper's text (title and abstract) by row for the labels, or null for a row outside the caller's sample.</param>
    /// <param name="neighbours">Up to <see cref="Neighbours"/> nearest rows of a row (the vector index's answer).</param>
    public static TopicMapResult Build(VectorRows rows, Func<int, string?> text, Func<int, IReadOnlyList<int>> neighbours, int seed = 8)
    {
        var (dimension, count) = (rows.Dimension, rows.Count);
        var timings = new Dictionary<string, TimeSpan>();
        var watch = Stopwatch.StartNew();
        var rng = new Random(seed);
        var fitRows = Sample(count, FitSample, rng);
        // The fitting sample as floats of its own, row i of it being fitRows[i]: k-means reads it 25 times per candidate.
        var fit = new float[fitRows.Count * dimension];
        for (var i = 0; i < fitRows.Count; i++) rows.Read(fitRows[i], fit.AsSpan(i * dimension, dimension));
        var fitIndex = Enumerable.Range(0, fitRows.Count).ToList();

        // k by the silhouette on a sample, each candidate fitted on the same fitting sample.
        var ks = Candidates(count);
        float[] centroids;
        int k;
        if (ks.Count == 1) { k = 1; centroids = count > 0 ? KMeans.Fit(fit, dimension, fitIndex, 1, seed) : new float[dimension]; }
        else
        {
            var silRows = fitIndex.Take(SilhouetteSample).ToList();
            var silhouette = new Silhouette(fit, dimension, silRows);
            (k, centroids, var best) = (0, [], double.NegativeInfinity);
            foreach (var candidate in ks)
            {
                var c = KMeans.Fit(fit, dimension, fitIndex, candidate, seed);
                var sampleLabels = silRows.Select(r => KMeans.Nearest(c, dimension, candidate, KMeans.Row(fit, dimension, r))).ToList();
                var score = silhouette.Score(sampleLabels, candidate);
                if (score > best + 1e-9) (best, k, centroids) = (score, candidate, c);
            }
        }
        var topicOf = KMeans.Assign(rows, centroids, k);
        timings["clustering"] = watch.Elapsed;

        // Labels from a sample of texts.
        watch.Restart();
        var terms = new TopicTerms(k);
        for (var row = 0; row < count; row++) if (text(row) is { } t) terms.Add(topicOf[row], t);
        var labels = terms.Labels();
        timings["labels"] = watch.Elapsed;

        // The neighbour graph (from the vector index) and the layout.
        watch.Restart();
        var graph = new int[count * Neighbours];
        Array.Fill(graph, -1);
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var n = 0;
            foreach (var j in neighbours(i)) { if (j == i) continue; if (n == Neighbours) break; graph[i * Neighbours + n++] = j; }
        });
        timings["neighbours"] = watch.Elapsed;
        watch.Restart();
        var (x, y) = MapLayout.Compute(rows, graph, Neighbours, seed);
        timings["layout"] = watch.Elapsed;

        var sizes = new int[k];
        foreach (var t in topicOf) sizes[t]++;
        var topics = new List<TopicResult>();
        for (var t = 0; t < k; t++)
        {
            var (lx, ly) = LabelPosition(t, topicOf, x, y);
            topics.Add(new TopicResult(t, labels[t], centroids.AsSpan(t * dimension, dimension).ToArray(), sizes[t], lx, ly));
        }
        return new TopicMapResult(topics, topicOf, x, y, timings);
    }

    /// <summary>Where a topic's label goes: the member nearest to the members' mean (a mean alone can fall in a gap).</summary>
    private static (float X, float Y) LabelPosition(int topic, int[] topicOf, float[] x, float[] y)
    {
        double sx = 0, sy = 0;
        var n = 0;
        for (var i = 0; i < topicOf.Length; i++) if (topicOf[i] == topic) { sx += x[i]; sy += y[i]; n++; }
        if (n == 0) return (0.5f, 0.5f);
        float mx = (float)(sx / n), my = (float)(sy / n);
        var best = (X: mx, Y: my);
        var bestD = float.PositiveInfinity;
        for (var i = 0; i < topicOf.Length; i++)
        {
            if (topicOf[i] != topic) continue;
            var d = (x[i] - mx) * (x[i] - mx) + (y[i] - my) * (y[i] - my);
            if (d < bestD) { bestD = d; best = (x[i], y[i]); }
        }
        return best;
    }

    /// <summary>Up to <paramref name="max"/> distinct rows of <paramref name="count"/>, in random order (all of them when fewer).</summary>
    private static List<int> Sample(int count, int max, Random rng)
    {
        var rows = Enumerable.Range(0, count).ToArray();
        rng.Shuffle(rows);
        return rows.Take(Math.Min(max, count)).ToList();
    }
}
