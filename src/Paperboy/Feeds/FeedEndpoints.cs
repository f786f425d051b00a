using Paperboy.Api;
using Paperboy.Core.Papers;
using Paperboy.Searching;
using Paperboy.Storage;

namespace Paperboy.Feeds;

/// <summary>
/// Atom feeds for feed readers (Miniflux, Thunderbird, …): trending papers, and new papers matching a search, the
/// saved-search alert of the digests for people who read feeds instead of mail. Collections have theirs too.
/// </summary>
public static class FeedEndpoints
{
    /// <summary>Entries in a feed: what a reader polls, not an archive.</summary>
    public const int Entries = 30;

    public static void MapFeeds(this IEndpointRouteBuilder app)
    {
        app.MapGet("/feeds/trending.atom", TrendingAsync).WithTags("Feeds").WithName("TrendingFeed")
            .WithSummary("Trending papers as an Atom feed");
        app.MapGet("/feeds/search.atom", SearchAsync).WithTags("Feeds").WithName("SearchFeed")
            .WithSummary("The newest papers matching a search (keywords, phrases, author:, -exclusions) as an Atom feed");
    }

    private static async Task<IResult> TrendingAsync(HttpRequest req, PaperStore store, TimeProvider clock, CancellationToken ct)
    {
        var papers = (await store.TrendingAsync(Entries, ct)).Select(t => t.Paper).ToList();
        var site = Site(req);
        return Feed(site, $"{site}/trending", "Trending papers", "Ranked by upvotes with time decay.", $"{site}/feeds/trending.atom",
            papers.Select(p => (p, Date(p))), clock);
    }

    private static async Task<IResult> SearchAsync(HttpRequest req, PaperSearch search, TimeProvider clock, CancellationToken ct, string? q = null)
    {
        if (ApiEndpoints.InvalidQuery(q) is { } problem) return problem;
        // The same matching as the digests' saved-search alerts (keywords, with every constraint), newest first: a
        // reader shows what is new, and the relevance order would bury a new paper under old ones.
        var found = await search.SearchAsync(new SearchRequest(q, ApiEndpoints.MaxLimit, Mode: SearchMode.Lexical), ct);
        var newest = found.Hits.Select(h => h.Paper).OrderByDescending(Date).ThenBy(p => p.Id, StringComparer.Ordinal).Take(Entries);
        var site = Site(req);
        var query = Uri.EscapeDataString(q);
        return Feed(site, $"{site}/search?q={query}", $"Papers matching “{q}”", found.Notice ?? "The newest papers that match this search.",
            $"{site}/feeds/search.atom?q={query}", newest.Select(p => (p, Date(p))), clock);
    }

    /// <summary>A feed of papers, each entry linking to its page, with its abstract as the summary.</summary>
    public static IResult Feed(string site, string page, string title, string? subtitle, string self, IEnumerable<(Paper Paper, DateTimeOffset Updated)> papers,
        TimeProvider clock, string author = "Paperboy", DateTimeOffset? updated = null)
    {
        var entries = papers.Select(x =>
        {
            var link = $"{site}/papers/{Uri.EscapeDataString(x.Paper.Id)}";
            return new AtomEntry(link, x.Paper.Title, link, x.Updated, x.Paper.Abstract);
        }).ToList();
        updated ??= entries.Count > 0 ? entries.Max(e => e.Updated) : clock.GetUtcNow();
        return TypedResults.Bytes(AtomFeed.Write(page, title, subtitle, self, page, author, updated.Value, entries), AtomFeed.ContentType);
    }

    public static string Site(HttpRequest req) => $"{req.Scheme}://{req.Host}{req.PathBase}";

    /// <summary>When a paper last changed as far as a reader can tell: its latest version, else its publication or feed day.</summary>
    private static DateTimeOffset Date(Paper p) =>
        (p.UpdatedAt ?? p.PublishedAt ?? p.FeedDay) is { } d ? new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : DateTimeOffset.UnixEpoch;
}
