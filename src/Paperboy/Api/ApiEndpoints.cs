using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Paperboy.Core.Boards;
using Paperboy.Indexing;
using Paperboy.Search.Lexical;
using Paperboy.Searching;
using Paperboy.Storage;

namespace Paperboy.Api;

/// <summary>The JSON API: search, papers, boards, health. Every bad parameter is a 400 problem naming it.</summary>
public static class ApiEndpoints
{
    public const int MaxLimit = 100;
    public const int MaxOffset = 10_000;

    public static void MapPaperboyApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Papers");
        api.MapGet("/search", SearchAsync).WithName("Search").WithSummary("Search titles and abstracts");
        api.MapGet("/papers/{id}", PaperAsync).WithName("GetPaper");
        api.MapGet("/papers/{id}/related", RelatedAsync).WithName("RelatedPapers").WithSummary("Papers flagged as possibly the same work (near-duplicates; never merged)");
        api.MapGet("/papers/{id}/similar", SimilarAsync).WithName("SimilarPapers").WithSummary("Papers like this one (vector neighbours, keyword fallback)");
        api.MapGet("/boards/daily", (string? date, int? limit, int? offset, PaperStore store, HttpRequest req, CancellationToken ct) =>
            BoardAsync(BoardKind.Daily, date, limit, offset, store, req, ct)).WithName("DailyBoard");
        api.MapGet("/boards/weekly", (string? week, int? limit, int? offset, PaperStore store, HttpRequest req, CancellationToken ct) =>
            BoardAsync(BoardKind.Weekly, week, limit, offset, store, req, ct)).WithName("WeeklyBoard");
        api.MapGet("/boards/monthly", (string? month, int? limit, int? offset, PaperStore store, HttpRequest req, CancellationToken ct) =>
            BoardAsync(BoardKind.Monthly, month, limit, offset, store, req, ct)).WithName("MonthlyBoard");

        app.MapGet("/healthz", HealthAsync).WithTags("Operations").WithName("Health");
        app.MapGet("/metrics", Metrics).WithTags("Operations").WithName("Metrics").WithSummary("Process memory and GC figures (Prometheus text format)");
    }

    /// <summary>The problem with a search's <c>q</c> (missing, blank or too long), or null when it can be searched.</summary>
    internal static IResult? InvalidQuery([System.Diagnostics.CodeAnalysis.NotNullWhen(false)] string? q) =>
        string.IsNullOrWhiteSpace(q) ? Problem("q", "Give a query, for example q=graph+anomaly+detection.")
        : q.Length > SearchQuery.MaxLength ? Problem("q", $"The query is {q.Length} characters long; at most {SearchQuery.MaxLength} are allowed.")
        : null;

    internal static IResult Problem(string parameter, string detail) =>
        TypedResults.Problem(title: $"Invalid parameter '{parameter}'", detail: detail, statusCode: StatusCodes.Status400BadRequest,
            extensions: new Dictionary<string, object?> { ["parameter"] = parameter });

    private static async Task<IResult> SearchAsync(HttpRequest req, PaperSearch search, CancellationToken ct,
        string? q = null, string? limit = null, string? offset = null, string? mode = null, string? from = null, string? to = null, string? explain = null,
        string? minUpvotes = null, string? hasCode = null)
    {
        if (InvalidQuery(q) is { } problem) return problem;
        if (!TryInt(limit, 10, 1, MaxLimit, out var l)) return Problem("limit", $"limit must be a whole number from 1 to {MaxLimit}.");
        if (!TryInt(offset, 0, 0, MaxOffset, out var o)) return Problem("offset", $"offset must be a whole number from 0 to {MaxOffset}.");
        if (!TryMode(mode, out var m)) return Problem("mode", "mode must be hybrid, lexical or semantic.");
        if (!TryDay(from, out var f)) return Problem("from", "from must be a date such as 2023-10-04.");
        if (!TryDay(to, out var t)) return Problem("to", "to must be a date such as 2023-10-04.");
        if (explain is not null && !bool.TryParse(explain, out _)) return Problem("explain", "explain must be true or false.");
        if (!TryInt(minUpvotes, 0, 0, int.MaxValue, out var minUp)) return Problem("minUpvotes", "minUpvotes must be a whole number of at least 0.");
        if (hasCode is not null && !bool.TryParse(hasCode, out _)) return Problem("hasCode", "hasCode must be true or false.");
        var withExplain = explain is not null && bool.Parse(explain);
        var results = await search.SearchAsync(new SearchRequest(q, l, o, m, f, t, minUpvotes is null ? null : minUp, hasCode is not null && bool.Parse(hasCode)), ct);
        return TypedResults.Ok(new SearchJson(q, results.Total, l, o, m.ToString().ToLowerInvariant(), results.Notice,
            results.Hits.Select(h => PaperJson.From(h.Paper, req, h.Score, h.SnippetHtml) with
            {
                Explain = withExplain ? new ExplainJson(h.LexicalRank, h.LexicalScore, h.SemanticRank, h.SemanticScore) : null,
            }).ToList()));
    }

    private static async Task<IResult> PaperAsync(string id, PaperStore store, HttpRequest req, CancellationToken ct)
    {
        if (id.Length > 64) return TypedResults.Problem(title: "Paper not found", detail: "No paper has that id.", statusCode: 404);
        var paper = await store.FindAsync(id, ct);
        return paper is null
            ? TypedResults.Problem(title: "Paper not found", detail: $"No paper has the id '{id}'.", statusCode: 404)
            : TypedResults.Ok(PaperJson.From(paper, req));
    }

    private static async Task<IResult> SimilarAsync(string id, PaperStore store, PaperSearch search, HttpRequest req, CancellationToken ct, string? limit = null)
    {
        if (!TryInt(limit, 10, 1, MaxLimit, out var l)) return Problem("limit", $"limit must be a whole number from 1 to {MaxLimit}.");
        var paper = id.Length > 64 ? null : await store.FindAsync(id, ct);
        if (paper is null) return TypedResults.Problem(title: "Paper not found", detail: $"No paper has the id '{id}'.", statusCode: 404);
        var similar = await search.SimilarAsync(paper, l, ct);
        return TypedResults.Ok(new { id = paper.Id, results = similar.Select(s => PaperJson.From(s.Paper, req, s.Score)).ToList() });
    }

    private static async Task<IResult> RelatedAsync(string id, PaperStore store, HttpRequest req, CancellationToken ct)
    {
        var paper = id.Length > 64 ? null : await store.FindAsync(id, ct);
        if (paper is null) return TypedResults.Problem(title: "Paper not found", detail: $"No paper has the id '{id}'.", statusCode: 404);
        var related = await store.RelatedAsync(paper.Id, ct);
        return TypedResults.Ok(new
        {
            id = paper.Id,
            results = related.Select(r => new { kind = r.Kind, similarity = r.Similarity, paper = PaperJson.From(r.Paper, req) }).ToList(),
        });
    }

    private static async Task<IResult> BoardAsync(BoardKind kind, string? key, int? limit, int? offset, PaperStore store, HttpRequest req, CancellationToken ct)
    {
        var name = kind switch { BoardKind.Daily => "date", BoardKind.Weekly => "week", _ => "month" };
        BoardPeriod period;
        if (string.IsNullOrEmpty(key))
            period = BoardPeriod.Containing(kind, await store.LatestBoardDayAsync(ct) ?? DateOnly.FromDateTime(DateTime.UtcNow));
        else if (!BoardPeriod.TryParse(kind, key, out period))
            return Problem(name, kind switch
            {
                BoardKind.Daily => "date must be a day such as 2023-10-04.",
                BoardKind.Weekly => "week must be an ISO week such as 2023-W40.",
                _ => "month must be a month such as 2023-10.",
            });
        var l = limit ?? 50;
        var o = offset ?? 0;
        if (l is < 1 or > 200) return Problem("limit", "limit must be a whole number from 1 to 200.");
        if (o is < 0 or > MaxOffset) return Problem("offset", $"offset must be a whole number from 0 to {MaxOffset}.");
        var (papers, total) = await store.BoardAsync(period, l, o, ct);
        return TypedResults.Ok(new BoardJson(kind.ToString().ToLowerInvariant(), period.Key, period.First, period.Last, total, l, o,
            period.Previous.Key, period.Next.Key, papers.Select(p => PaperJson.From(p, req)).ToList()));
    }

    private static async Task<IResult> HealthAsync(PaperStore store, Indexer indexer, IndexHolder indexes, TopicMap topicMap, ILoggerFactory logs, CancellationToken ct)
    {
        try
        {
            var papers = await store.CountAsync(ct);
            // Healthy means searchable: the topic map is computed after the indexes, in the background, and says so here.
            // The index sizes let an operator (and the crash drills) check that the indexes agree with the store.
            var body = new
            {
                status = indexer.Ready ? "ok" : "starting", papers, indexedThrough = indexer.Ready ? indexes.Lexical.AppliedSeq : 0,
                lexical = indexer.Ready ? indexes.Lexical.Count : 0, vectors = indexer.Ready ? indexes.Semantic.Count : 0,
                topicMap = indexer.TopicMapPending || topicMap.Computing ? "computing" : "ready",
            };
            return indexer.Ready ? TypedResults.Ok(body) : TypedResults.Json(body, statusCode: 503);
        }
        catch (Exception e) when (e is System.Data.Common.DbException || StorageSetup.IsUnavailable(e))
        {
            // The database's own message (host names, file paths) is for the log, not for whoever polls /healthz.
            logs.CreateLogger("Paperboy.Health").LogWarning(e, "Health check: the store is unavailable");
            return TypedResults.Json(new { status = "unavailable", error = "The store is locked or cannot be reached." }, statusCode: 503);
        }
    }

    /// <summary>What a soak or an operator watches for leaks: resident memory, the managed heap and the collections so far.</summary>
    private static IResult Metrics()
    {
        var gc = GC.GetGCMemoryInfo();
        var text = new System.Text.StringBuilder();
        void Metric(string type, string name, string help, double value) =>
            text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n{name} {value}\n");
        void Gauge(string name, string help, double value) => Metric("gauge", name, help, value);
        using (var self = System.Diagnostics.Process.GetCurrentProcess())
            Gauge("process_resident_memory_bytes", "Resident set size.", self.WorkingSet64);
        Gauge("dotnet_gc_heap_bytes", "Managed heap size after the last collection.", gc.HeapSizeBytes);
        Gauge("dotnet_gc_allocated_bytes", "Bytes allocated on the managed heap now (live and not yet collected).", GC.GetTotalMemory(false));
        Gauge("dotnet_gc_fragmented_bytes", "Free space inside the managed heap after the last collection.", gc.FragmentedBytes);
        for (var g = 0; g <= GC.MaxGeneration; g++)
            text.Append(CultureInfo.InvariantCulture, $"dotnet_gc_collections_total{{generation=\"{g}\"}} {GC.CollectionCount(g)}\n");
        Metric("counter", "dotnet_gc_pause_seconds_total", "Time threads were paused for collections.", GC.GetTotalPauseDuration().TotalSeconds);
        Gauge("dotnet_threadpool_threads", "Thread-pool threads.", ThreadPool.ThreadCount);
        Gauge("paperboy_decoded_postings_bytes", "Memory held by common words' postings decoded for the keyword ranking (Search:DecodedPostingsMegabytes caps it).",
            Paperboy.Search.Lexical.LexicalIndex.DecodedPostingsBytes);
        return TypedResults.Text(text.ToString(), "text/plain; version=0.0.4");
    }

    internal static bool TryInt(string? text, int fallback, int min, int max, out int value)
    {
        value = fallback;
        if (string.IsNullOrEmpty(text)) return true;
        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
    }

    internal static bool TryMode(string? text, out SearchMode mode)
    {
        mode = SearchMode.Hybrid;
        if (string.IsNullOrEmpty(text)) return true;
        return text.ToLowerInvariant() is "hybrid" or "lexical" or "semantic" && Enum.TryParse(text, ignoreCase: true, out mode);
    }

    internal static bool TryDay(string? text, out DateOnly? day)
    {
        day = null;
        if (string.IsNullOrEmpty(text)) return true;
        if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return false;
        day = d;
        return true;
    }
}
