using Microsoft.Extensions.Options;
using Paperboy.Core.Papers;
using Paperboy.Search.Recommending;
using Paperboy.Searching;
using Paperboy.Storage;

namespace Paperboy.Digests;

/// <summary>
/// Decides what goes into each subscriber's digest for a period: the papers their saved search matches among the
/// period's new papers, recommendations from what they liked (when an <see cref="IRecommender"/> is registered), and
/// the period's trending papers. Each paper appears once, under the first of those reasons that applies.
/// Work shared by many subscribers (the period's papers, trending, each distinct saved search) is done once per call.
/// </summary>
public sealed class DigestComposer(PaperStore papers, VoteStore votes, PaperSearch search, IServiceProvider services, IOptions<DigestOptions> options)
{
    /// <summary>How many of the period's papers are considered at most (the best by upvotes).</summary>
    public const int MaxCandidates = 2_000;

    private DigestOptions Options => options.Value;

    public async Task<List<Digest>> ComposeAsync(DigestPeriod period, IReadOnlyList<Subscription> subscriptions, CancellationToken ct = default)
    {
        if (subscriptions.Count == 0) return [];
        var (candidates, _) = await papers.BoardAsync(period.Days, MaxCandidates, 0, ct);
        var trending = Trending(candidates, period);
        var alerts = await AlertsAsync(period, subscriptions, ct);
        var recommended = await RecommendationsAsync(candidates, subscriptions, ct);

        var digests = new List<Digest>(subscriptions.Count);
        foreach (var s in subscriptions)
        {
            var items = new List<DigestItem>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            void Add(Paper p, DigestReason reason, string why) { if (seen.Add(p.Id)) items.Add(new DigestItem(p, reason, why)); }

            if (Subscription.NormaliseSavedQuery(s.SavedQuery) is { } q && alerts.TryGetValue(q, out var matches))
                foreach (var p in matches) Add(p, DigestReason.SavedSearch, $"matches '{q}'");
            if (s.UserId is not null && recommended.TryGetValue(s.UserId, out var recs))
                foreach (var (p, because) in recs) Add(p, DigestReason.Recommended, because is null ? "recommended for you" : $"because you liked {because.Title}");
            if (s.IncludeTrending)
                foreach (var p in trending) Add(p, DigestReason.Trending, "trending");
            digests.Add(new Digest(s, period, items));
        }
        return digests;
    }

    /// <summary>The period's papers by trending score as it stood when the period ended (upvotes / (age in hours + 2)^1.5).</summary>
    private List<Paper> Trending(List<Paper> candidates, DigestPeriod period) =>
        candidates.Where(p => p.TotalUpvotes > 0 && p.BoardDay is not null)
            .Select(p => (Paper: p, Score: PaperStore.TrendingScore(p.TotalUpvotes, p.BoardDay!.Value, period.End)))
            .OrderByDescending(x => x.Score).ThenBy(x => x.Paper.Id, StringComparer.Ordinal)
            .Take(Options.TrendingCount).Select(x => x.Paper).ToList();

    /// <summary>Each distinct saved query, searched once (keywords, BM25) over the papers dated in the period.</summary>
    private async Task<Dictionary<string, List<Paper>>> AlertsAsync(DigestPeriod period, IReadOnlyList<Subscription> subscriptions, CancellationToken ct)
    {
        var results = new Dictionary<string, List<Paper>>(StringComparer.Ordinal);
        if (Options.AlertCount == 0) return results;
        foreach (var q in subscriptions.Select(s => Subscription.NormaliseSavedQuery(s.SavedQuery)).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            var found = await search.SearchAsync(new SearchRequest(q, Options.AlertCount, Mode: SearchMode.Lexical, From: period.Days.First, To: period.Days.Last), ct);
            results[q] = found.Hits.Select(h => h.Paper).ToList();
        }
        return results;
    }

    /// <summary>Per member: recommended papers of the period, each with the liked paper it resembles. Empty when no recommender is registered.</summary>
    private async Task<Dictionary<string, List<(Paper Paper, Paper? Because)>>> RecommendationsAsync(
        List<Paper> candidates, IReadOnlyList<Subscription> subscriptions, CancellationToken ct)
    {
        var result = new Dictionary<string, List<(Paper, Paper?)>>(StringComparer.Ordinal);
        var recommender = services.GetService<IRecommender>();
        var members = subscriptions.Select(s => s.UserId).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        if (recommender is null || members.Count == 0 || candidates.Count == 0 || Options.RecommendationCount == 0) return result;

        var liked = await votes.LikedByAsync(members, ct);
        var byId = candidates.ToDictionary(p => p.Id, StringComparer.Ordinal);
        var picks = new Dictionary<string, IReadOnlyList<Recommendation>>(StringComparer.Ordinal);
        foreach (var (member, likes) in liked)
        {
            // A paper the member already liked is no news to them.
            var fresh = candidates.Where(p => !likes.Contains(p.Id)).Select(p => p.Id).ToList();
            if (fresh.Count > 0) picks[member] = recommender.Recommend(likes, fresh, Options.RecommendationCount);
        }
        var becauseIds = picks.Values.SelectMany(r => r).Select(r => r.BecauseOfPaperId).OfType<string>().Where(id => !byId.ContainsKey(id)).Distinct().ToList();
        foreach (var p in await papers.GetManyAsync(becauseIds, ct)) byId[p.Id] = p;
        foreach (var (member, recs) in picks)
            result[member] = recs.Where(r => byId.ContainsKey(r.PaperId))
                .Select(r => (byId[r.PaperId], r.BecauseOfPaperId is { } b ? byId.GetValueOrDefault(b) : null)).ToList();
        return result;
    }
}
