using System.Numerics.Tensors;
using Paperboy.Core.Import;
using Paperboy.Search.Embedding;
using Paperboy.Search.Recommending;
using Paperboy.Search.Semantic;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Recommending;

/// <summary>The demo corpus in a semantic index, built once for the recommender tests (as the server builds it).</summary>
public sealed class DemoVectorsFixture : IDisposable
{
    private readonly TempDir _dir = new();
    public SemanticIndex Index { get; }
    public Dictionary<string, string> IdByTitle { get; }

    public DemoVectorsFixture()
    {
        var papers = TestData.SeedPages.SelectMany(f => HfPageReader.Read(ImportSource.FromFile(f), new DateOnly(2026, 1, 1)))
            .GroupBy(p => p.Id).Select(g => g.First()).ToList();
        IdByTitle = papers.GroupBy(p => p.Title).ToDictionary(g => g.Key, g => g.First().Id);
        var texts = papers.Select(p => (p.Id, EmbedderText.Of(p.Title, p.Abstract))).ToList();
        var lsa = LsaModel.Train(texts.Select(t => t.Item2).ToList());
        Index = new SemanticIndex(_dir.Path);
        Index.Reset(lsa, texts.Count, texts.Count);
        Index.ApplyAsync(texts, [], 1).GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        Index.Dispose();
        _dir.Dispose();
    }
}

/// <summary>Personal recommendations on real demo-corpus vectors.</summary>
public sealed class VectorRecommenderTests(DemoVectorsFixture demo) : IClassFixture<DemoVectorsFixture>
{
    // Two topics of the demo corpus, from bench/quality/queries.tsv (t01 and t02).
    internal static readonly string[] DiffusionSampling =
    [
        "AutoDiffusion: Training-Free Optimization of Time Steps and Architectures for Automated Diffusion Model Acceleration",
        "Fast Sampling of Diffusion Models with Exponential Integrator",
        "Diffusion Sampling with Momentum for Mitigating Divergence Artifacts",
        "A Unified Sampling Framework for Solver Searching of Diffusion Probabilistic Models",
        "One-step Diffusion Models with f-Divergence Distribution Matching",
    ];
    private static readonly string[] ScalingLaws =
    [
        "Beyond neural scaling laws: beating power law scaling via data pruning",
        "Deep Learning Scaling is Predictable, Empirically",
        "Explaining Neural Scaling Laws",
        "Scaling Laws for Autoregressive Generative Modeling",
    ];

    private List<string> Ids(IEnumerable<string> titles) => titles.Select(t => demo.IdByTitle[t]).ToList();

    private VectorRecommender Recommender(RecommenderMethod method, int minimumLikes = 2) =>
        new(demo.Index, new RecommenderSettings { Method = method, MinimumLikesToTrain = minimumLikes });

    public static TheoryData<RecommenderMethod> Methods => [RecommenderMethod.LogisticRegression, RecommenderMethod.LinearSvm, RecommenderMethod.NearestNeighbours];

    /// <summary>Every demo paper outside the two topics: the unrelated candidates.</summary>
    private List<string> Others()
    {
        var topical = Ids(DiffusionSampling.Concat(ScalingLaws)).ToHashSet();
        return demo.IdByTitle.Values.Distinct().Where(id => !topical.Contains(id)).Order(StringComparer.Ordinal).ToList();
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void Papers_like_the_liked_ones_rank_above_unrelated_ones(RecommenderMethod method)
    {
        var diffusion = Ids(DiffusionSampling);
        var liked = diffusion.Take(3).ToList();
        var heldOut = diffusion.Skip(3).ToList();
        var candidates = Ids(ScalingLaws).Concat(heldOut).ToList();
        var top = Recommender(method).Recommend(liked, candidates, 2);
        Assert.Equal(heldOut.ToHashSet(), top.Select(r => r.PaperId).ToHashSet());
        Assert.True(top[0].Score >= top[1].Score);

        // Among all 250 other demo papers too (many about diffusion), the two held-out ones are in the top 8%.
        var all = Recommender(method).Recommend(liked, Others().Concat(heldOut).ToList(), 300).ToList();
        var ranks = heldOut.Select(id => all.FindIndex(r => r.PaperId == id)).ToList();
        Assert.True(ranks.All(r => r is >= 0 and < 20), $"held-out papers ranked {string.Join(", ", ranks)} of {all.Count}");
        for (int i = 1; i < all.Count; i++) Assert.True(all[i - 1].Score >= all[i].Score, "not best first");
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void Each_recommendation_is_because_of_the_liked_paper_of_its_own_topic(RecommenderMethod method)
    {
        var diffusion = Ids(DiffusionSampling);
        var scaling = Ids(ScalingLaws);
        var liked = diffusion.Take(3).Concat(scaling.Take(2)).ToList();
        var candidates = diffusion.Skip(3).Concat(scaling.Skip(2)).Concat(Others()).ToList();
        var all = Recommender(method).Recommend(liked, candidates, candidates.Count);
        Assert.Equal(candidates.Count, all.Count);
        Assert.All(all, r => Assert.Contains(r.BecauseOfPaperId, liked));
        foreach (var id in diffusion.Skip(3)) Assert.Contains(all.Single(r => r.PaperId == id).BecauseOfPaperId, diffusion);
        foreach (var id in scaling.Skip(2)) Assert.Contains(all.Single(r => r.PaperId == id).BecauseOfPaperId, scaling);
        // "Because of" is the most similar liked paper, by cosine.
        var first = all[0];
        var v = demo.Index.VectorOf(first.PaperId)!;
        var best = liked.MaxBy(l => TensorPrimitives.Dot<float>(demo.Index.VectorOf(l)!, v));
        Assert.Equal(best, first.BecauseOfPaperId);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void The_same_likes_give_the_same_recommendations_in_any_order(RecommenderMethod method)
    {
        var liked = Ids(DiffusionSampling.Take(3).Concat(ScalingLaws.Take(2)));
        var candidates = Others();
        var a = Recommender(method).Recommend(liked, candidates, 20);
        var b = Recommender(method).Recommend(new HashSet<string>(Enumerable.Reverse(liked)), candidates, 20);
        Assert.Equal(20, a.Count);
        Assert.Equal(a, b);
    }

    [Fact]
    public void One_like_is_too_few_to_train_so_candidates_are_ranked_by_cosine_to_it()
    {
        var liked = Ids(DiffusionSampling.Take(1));
        var candidates = Others().Take(40).ToList();
        var recommendations = Recommender(RecommenderMethod.LogisticRegression).Recommend(liked, candidates, 40);
        var likedVector = demo.Index.VectorOf(liked[0])!;
        Assert.Equal(40, recommendations.Count);
        foreach (var r in recommendations)
        {
            Assert.Equal(TensorPrimitives.Dot<float>(likedVector, demo.Index.VectorOf(r.PaperId)!), r.Score, 5);
            Assert.Equal(liked[0], r.BecauseOfPaperId);
        }

        // With two likes the classifier takes over: its scores are decision values, not mean cosines.
        var two = Ids(DiffusionSampling.Take(2));
        var trained = Recommender(RecommenderMethod.LogisticRegression).Recommend(two, candidates, 40);
        var meanCosine = Recommender(RecommenderMethod.NearestNeighbours).Recommend(two, candidates, 40);
        Assert.NotEqual(meanCosine.Select(r => r.Score), trained.Select(r => r.Score));
    }

    [Fact]
    public void Unknown_ids_are_skipped_and_liked_papers_are_not_recommended_back()
    {
        var liked = Ids(DiffusionSampling.Take(3)).Append("2401.99999").Append("").ToList();
        var candidates = new List<string> { "9999.00001" };
        candidates.AddRange(Ids(DiffusionSampling));   // includes the liked ones
        candidates.Add(candidates[1]);                   // and a duplicate
        var r = Recommender(RecommenderMethod.LogisticRegression).Recommend(liked, candidates, 10);
        Assert.Equal(Ids(DiffusionSampling.Skip(3)).ToHashSet(), r.Select(x => x.PaperId).ToHashSet());
        Assert.Equal(2, r.Count);
    }

    [Fact]
    public void Nothing_to_learn_from_or_nothing_to_rank_gives_nothing()
    {
        var recommender = Recommender(RecommenderMethod.LogisticRegression);
        var liked = Ids(DiffusionSampling.Take(3));
        var candidates = Others();
        Assert.Empty(recommender.Recommend([], candidates, 10));
        Assert.Empty(recommender.Recommend(["2401.99999", "unknown"], candidates, 10));
        Assert.Empty(recommender.Recommend(liked, [], 10));
        Assert.Empty(recommender.Recommend(liked, ["2401.99999"], 10));
        Assert.Empty(recommender.Recommend(liked, candidates, 0));
        Assert.Empty(recommender.Recommend(liked, candidates, -3));
        Assert.Equal(candidates.Count, recommender.Recommend(liked, candidates, int.MaxValue).Count);
        Assert.Single(recommender.Recommend(liked, candidates, 1));

        using var dir = new TempDir();
        using var unbuilt = new SemanticIndex(dir.Path);
        Assert.Empty(new VectorRecommender(unbuilt).Recommend(liked, candidates, 10));
    }
}
