using System.Buffers;
using System.IO.Hashing;
using System.Numerics.Tensors;
using System.Text;
using Paperboy.Search.Semantic;

namespace Paperboy.Search.Recommending;

/// <summary>How <see cref="VectorRecommender"/> scores candidates.</summary>
public enum RecommenderMethod
{
    /// <summary>Weighted logistic regression: liked papers against a random sample of the others.</summary>
    LogisticRegression,
    /// <summary>Weighted linear SVM (squared hinge), as arxiv-sanity-lite's per-tag <c>LinearSVC</c>.</summary>
    LinearSvm,
    /// <summary>No training: the mean cosine similarity to the liked papers.</summary>
    NearestNeighbours,
}

public sealed record RecommenderSettings
{
    public RecommenderMethod Method { get; init; } = RecommenderMethod.LogisticRegression;
    /// <summary>Random other papers drawn as negatives for each member.</summary>
    public int Negatives { get; init; } = 400;
    /// <summary>Fewer liked papers (with vectors) than this are scored by nearest neighbours instead of a classifier.</summary>
    public int MinimumLikesToTrain { get; init; } = 2;
    /// <summary>λ = 0.01 measured best in bench/recommend (docs/benchmarks.md); the ranking settles within ~10 iterations.</summary>
    public LogisticRegression.Settings Logistic { get; init; } = new(Lambda: 0.01, MaxIterations: 30);
    public LinearSvm.Settings Svm { get; init; } = new();
}

/// <summary>
/// Personal recommendations on the paper vectors of the <see cref="SemanticIndex"/>, the arxiv-sanity-lite idea made
/// ours: for each member a linear classifier is trained with the papers they liked as positives and a random sample
/// of the other indexed papers as negatives, with each class weighted to half of the total. The negatives are
/// unlabelled papers, not known dislikes; the candidates are left out of them, so that a paper is never pushed down
/// for having been drawn as a negative before it is ranked. The sample is seeded by the liked set, so the same likes
/// always give the same model. Candidates are
/// ranked by the decision function, and each recommendation names the liked paper it is most similar to (cosine).
/// <para>
/// With fewer than <see cref="RecommenderSettings.MinimumLikesToTrain"/> liked papers there is nothing to learn a
/// direction from, so candidates are ranked by their mean cosine similarity to the liked papers instead (nearest
/// neighbours); with no liked paper that has a vector, the answer is empty. Liked papers are never recommended back,
/// and ids the index does not know (liked or candidate) are skipped. Safe to call from many threads at once.
/// </para>
/// </summary>
public sealed class VectorRecommender(SemanticIndex index, RecommenderSettings? settings = null) : IRecommender
{
    private readonly RecommenderSettings _settings = settings ?? new RecommenderSettings();

    public RecommenderSettings Settings => _settings;

    public IReadOnlyList<Recommendation> Recommend(IReadOnlyCollection<string> likedPaperIds, IReadOnlyList<string> candidatePaperIds, int count)
    {
        ArgumentNullException.ThrowIfNull(likedPaperIds);
        ArgumentNullException.ThrowIfNull(candidatePaperIds);
        int d = index.Dimension;
        if (count <= 0 || candidatePaperIds.Count == 0 || likedPaperIds.Count == 0 || d == 0) return [];

        // Sorted, so that the same set of likes gives the same answer whatever collection it came in.
        var liked = likedPaperIds.Where(id => !string.IsNullOrEmpty(id)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var likedSet = liked.ToHashSet(StringComparer.Ordinal);
        var pool = ArrayPool<float>.Shared;
        float[] likedRows = pool.Rent(liked.Count * d), candidateRows = pool.Rent(candidatePaperIds.Count * d);
        try
        {
            var likedIds = Gather(liked, likedRows, d, skip: null);
            if (likedIds.Count == 0) return [];
            var candidateIds = Gather(candidatePaperIds, candidateRows, d, skip: likedSet);
            if (candidateIds.Count == 0) return [];
            var likedVectors = likedRows.AsSpan(0, likedIds.Count * d);
            var candidates = candidateRows.AsSpan(0, candidateIds.Count * d);

            var scores = new float[candidateIds.Count];
            var method = likedIds.Count < _settings.MinimumLikesToTrain ? RecommenderMethod.NearestNeighbours : _settings.Method;
            if (method == RecommenderMethod.NearestNeighbours) MeanCosine(likedVectors, candidates, d, scores);
            else
            {
                var model = Train(method, likedIds, likedVectors, likedSet, candidateIds.ToHashSet(StringComparer.Ordinal), d);
                for (int i = 0; i < scores.Length; i++) scores[i] = model.Decide(candidates.Slice(i * d, d));
            }

            // Best first; equal scores keep the candidates' order.
            var ranked = Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(count).ToList();
            var result = new List<Recommendation>(ranked.Count);
            foreach (int i in ranked)
                result.Add(new Recommendation(candidateIds[i], scores[i], likedIds[MostSimilar(likedVectors, candidates.Slice(i * d, d), d)]));
            return result;
        }
        finally
        {
            pool.Return(likedRows);
            pool.Return(candidateRows);
        }
    }

    /// <summary>Copies the vectors of the ids the index knows (once each, not in <paramref name="skip"/>) into rows; returns those ids.</summary>
    private List<string> Gather(IEnumerable<string> ids, float[] rows, int d, HashSet<string>? skip)
    {
        var found = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            if (string.IsNullOrEmpty(id) || skip?.Contains(id) == true || !seen.Add(id)) continue;
            if (index.TryCopyVector(id, rows.AsSpan(found.Count * d, d))) found.Add(id);
        }
        return found;
    }

    private LinearModel Train(RecommenderMethod method, List<string> likedIds, ReadOnlySpan<float> likedVectors, HashSet<string> likedSet,
        HashSet<string> candidates, int d)
    {
        int seed = SeedOf(likedIds);
        // Draw enough that dropping the liked papers and the candidates still leaves the negatives wanted.
        var sampled = index.SampleIds(_settings.Negatives + likedIds.Count + candidates.Count, seed);
        int capacity = likedIds.Count + Math.Min(sampled.Count, _settings.Negatives);
        var pool = ArrayPool<float>.Shared;
        var rows = pool.Rent(capacity * d);
        try
        {
            likedVectors.CopyTo(rows);
            int n = likedIds.Count;
            foreach (var id in sampled)
            {
                if (n == capacity) break;
                if (likedSet.Contains(id) || candidates.Contains(id)) continue;
                if (index.TryCopyVector(id, rows.AsSpan(n * d, d))) n++;
            }
            var labels = new sbyte[n];
            labels.AsSpan(0, likedIds.Count).Fill(1);
            labels.AsSpan(likedIds.Count).Fill(-1);
            var weights = new float[n];
            TrainingSet.Balanced(labels, weights);
            var set = new TrainingSet(rows.AsSpan(0, n * d), labels, weights, d);
            return method == RecommenderMethod.LinearSvm
                ? LinearSvm.Train(set, _settings.Svm with { Seed = seed })
                : LogisticRegression.Train(set, _settings.Logistic);
        }
        finally { pool.Return(rows); }
    }

    /// <summary>A seed that depends only on the set of liked papers (string hash codes change between processes).</summary>
    private static int SeedOf(List<string> sortedIds)
    {
        var hash = new XxHash64();
        foreach (var id in sortedIds)
        {
            hash.Append(Encoding.UTF8.GetBytes(id));
            hash.Append([0]);
        }
        return (int)hash.GetCurrentHashAsUInt64();
    }

    private static void MeanCosine(ReadOnlySpan<float> liked, ReadOnlySpan<float> candidates, int d, Span<float> scores)
    {
        int likes = liked.Length / d;
        for (int i = 0; i < scores.Length; i++)
        {
            var c = candidates.Slice(i * d, d);
            float sum = 0;
            for (int j = 0; j < likes; j++) sum += TensorPrimitives.Dot(liked.Slice(j * d, d), c);
            scores[i] = sum / likes;
        }
    }

    /// <summary>The liked paper closest to <paramref name="candidate"/>: the one the recommendation is "because of".</summary>
    private static int MostSimilar(ReadOnlySpan<float> liked, ReadOnlySpan<float> candidate, int d)
    {
        int best = 0;
        float bestSimilarity = float.NegativeInfinity;
        for (int j = 0; j < liked.Length / d; j++)
        {
            float similarity = TensorPrimitives.Dot(liked.Slice(j * d, d), candidate);   // unit vectors: the cosine
            if (similarity > bestSimilarity) { bestSimilarity = similarity; best = j; }
        }
        return best;
    }
}
