using Paperboy.Core.Papers;
using Paperboy.Indexing;
using Paperboy.Search.Embedding;
using Paperboy.Search.Lexical;
using Paperboy.Storage;

namespace Paperboy.Searching;

public enum SearchMode { Hybrid, Lexical, Semantic }

/// <summary>Hybrid ranking settings (section <c>Search</c>): RRF score = Σ weight / (k + rank).</summary>
public sealed class SearchOptions
{
    public int RrfK { get; set; } = 60;
    public float LexicalWeight { get; set; } = 1.0f;
    public float SemanticWeight { get; set; } = 1.0f;
    /// <summary>How deep each ranking is read before fusion.</summary>
    public int Depth { get; set; } = 100;
    /// <summary>Semantic neighbours below this cosine are not results on their own in hybrid mode (they still help fusion).</summary>
    public float SemanticFloor { get; set; } = 0.2f;
    /// <summary>
    /// Under a filter (a phrase, an author, dates) that leaves at most this many papers, the semantic side compares the
    /// query with each of them exactly; above, it walks the graph for 4× the depth and keeps those that pass.
    /// </summary>
    public int ExactFilterLimit { get; set; } = 4_000;
    /// <summary>
    /// Searches ranked at once; more wait their turn, oldest first. Ranking is pure CPU, so more at once than there
    /// are cores only slices the same work finer and lets the unlucky wait longest. 0 means one per core.
    /// </summary>
    public int MaxConcurrent { get; set; }
    /// <summary>
    /// Memory for the postings of common words decoded into arrays, read by the keyword ranking much faster than
    /// Lucene's compressed postings (five bytes a posting; 0 turns it off). A word decoded stays while its segment lives;
    /// words searched once the budget is spent are read from the index as before.
    /// </summary>
    public long DecodedPostingsMegabytes { get; set; } = 1024;
}

public sealed record SearchRequest(string Query, int Limit = 10, int Offset = 0, SearchMode Mode = SearchMode.Hybrid, DateOnly? From = null, DateOnly? To = null,
    int? MinUpvotes = null, bool HasCode = false);

/// <summary>One result; <c>LexicalRank</c>/<c>SemanticRank</c> (1-based) say which signals found it, for <c>explain</c>.</summary>
public sealed record SearchHit(Paper Paper, float Score, string TitleHtml, string SnippetHtml, int? LexicalRank = null, float? LexicalScore = null, int? SemanticRank = null, float? SemanticScore = null);

public sealed record SearchResults(string Query, int Total, IReadOnlyList<SearchHit> Hits, string? Notice);

/// <summary>
/// The query side. Lexical mode is BM25; semantic mode is nearest neighbours of the query's embedding; hybrid fuses
/// both rankings by reciprocal rank fusion, score = Σ weight / (k + rank), k = 60 (Cormack et al. 2009).
/// Constraints (phrases, authors, exclusions, dates) hold in every mode.
/// </summary>
public sealed class PaperSearch(IndexHolder indexes, PaperStore store, Microsoft.Extensions.Options.IOptions<SearchOptions> options)
{
    // First come, first ranked: under load every search waits about as long as the others (a fair queue, like a
    // search engine's fixed search thread pool), instead of all of them sharing the cores and the tail waiting longest.
    private readonly System.Threading.RateLimiting.ConcurrencyLimiter _slots = new(new System.Threading.RateLimiting.ConcurrencyLimiterOptions
    {
        PermitLimit = options.Value.MaxConcurrent > 0 ? options.Value.MaxConcurrent : Environment.ProcessorCount,
        QueueLimit = int.MaxValue,
        QueueProcessingOrder = System.Threading.RateLimiting.QueueProcessingOrder.OldestFirst,
    });

    private int RrfK => options.Value.RrfK;
    private float LexicalWeight => options.Value.LexicalWeight;
    private float SemanticWeight => options.Value.SemanticWeight;
    private int Depth => options.Value.Depth;
    private float SemanticFloor => options.Value.SemanticFloor;

    // Analyzers hand out per-thread token streams, so one instance serves every request.
    private static readonly PaperAnalyzer Analyzer = new();
    private readonly Snippets _snippets = new(Analyzer);

    public async Task<SearchResults> SearchAsync(SearchRequest request, CancellationToken ct = default)
    {
        var query = SearchQuery.Parse(request.Query);
        if (!query.HasPositiveClause)
            return new SearchResults(request.Query, 0, [], "Type some words to search for: titles, abstracts, \"exact phrases\" or author:name.");
        var filter = new SearchFilter(request.From, request.To, request.MinUpvotes, request.HasCode);
        var semanticReady = indexes.Semantic.IsCurrent;
        var mode = request.Mode != SearchMode.Lexical && !semanticReady ? SearchMode.Lexical : request.Mode;
        var depth = Math.Max(Depth, request.Offset + request.Limit);

        var (lexical, ranked, total, semanticFailed) = await RankAsync(request, query, filter, mode, depth, ct);
        var papers = (await store.GetManyAsync(ranked.Select(r => r.Id).ToList(), ct)).ToDictionary(p => p.Id);
        var terms = lexical.Terms.Count > 0 ? lexical.Terms : TermsOf(query);
        var hits = ranked.Where(r => papers.ContainsKey(r.Id)).Select(r =>
        {
            var p = papers[r.Id];
            return new SearchHit(p, r.Score, _snippets.Highlight(p.Title, terms, int.MaxValue), _snippets.Highlight(p.Abstract, terms), r.LRank, r.LScore, r.SRank, r.SScore);
        }).ToList();
        string? notice = total == 0 && terms.Count == 0
            ? "Your query has only very common words (such as \"the\" or \"of\"); add a more specific word."
            : semanticFailed ? "Semantic search is unavailable right now; these results are keyword matches."
            : request.Mode != SearchMode.Lexical && !semanticReady ? "Semantic search is still being prepared; these results are keyword matches." : null;
        return new SearchResults(request.Query, total, hits, notice);
    }

    /// <summary>
    /// Both rankings and their fusion. The query is embedded first (an outside embedder is a network call), then the
    /// index work runs holding one of the search slots.
    /// </summary>
    private async Task<(LexicalResult Lexical, List<(string Id, float Score, int? LRank, float? LScore, int? SRank, float? SScore)> Ranked, int Total, bool SemanticFailed)> RankAsync(
        SearchRequest request, SearchQuery query, SearchFilter filter, SearchMode mode, int depth, CancellationToken ct)
    {
        float[]? queryVector = null;
        var semanticFailed = false;
        if (mode != SearchMode.Lexical)
        {
            try { queryVector = await EmbedQueryAsync(query, ct); }
            catch (Exception e) when (e is EmbedderException or HttpRequestException || (e is OperationCanceledException && !ct.IsCancellationRequested))
            {
                // An outside embedder that is down must not take search with it.
                semanticFailed = true;
                if (mode == SearchMode.Semantic) mode = SearchMode.Lexical;
            }
        }

        using var slot = await _slots.AcquireAsync(1, ct);
        var lexical = mode == SearchMode.Semantic
            ? new LexicalResult(0, [], new HashSet<string>())
            : indexes.Lexical.Search(query, filter, mode == SearchMode.Lexical ? request.Limit : depth, mode == SearchMode.Lexical ? request.Offset : 0);
        var semantic = queryVector is null ? [] : Neighbours(queryVector, query, filter, depth);

        List<(string Id, float Score, int? LRank, float? LScore, int? SRank, float? SScore)> ranked;
        int total;
        if (mode == SearchMode.Lexical)
        {
            ranked = lexical.Hits.Select((h, i) => (h.Id, h.Score, (int?)(request.Offset + i + 1), (float?)h.Score, (int?)null, (float?)null)).ToList();
            total = lexical.Total;
        }
        else
        {
            var fused = new Dictionary<string, (float Score, int? LRank, float? LScore, int? SRank, float? SScore)>(StringComparer.Ordinal);
            for (var i = 0; i < lexical.Hits.Count; i++)
                fused[lexical.Hits[i].Id] = (LexicalWeight / (RrfK + i + 1), i + 1, lexical.Hits[i].Score, null, null);
            var semanticRank = 0;
            foreach (var (id, score) in semantic)
            {
                semanticRank++;
                var inLexical = fused.TryGetValue(id, out var f);
                // A semantic neighbour with low similarity only counts when the lexical side found it too.
                if (!inLexical && (score < SemanticFloor && mode == SearchMode.Hybrid)) continue;
                fused[id] = (f.Score + SemanticWeight / (RrfK + semanticRank), f.LRank, f.LScore, semanticRank, score);
            }
            var all = fused.OrderByDescending(kv => kv.Value.Score).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToList();
            total = mode == SearchMode.Semantic ? all.Count : Math.Max(lexical.Total, all.Count);
            ranked = all.Skip(request.Offset).Take(request.Limit)
                .Select(kv => (kv.Key, mode == SearchMode.Semantic ? kv.Value.SScore ?? 0 : kv.Value.Score, kv.Value.LRank, kv.Value.LScore, kv.Value.SRank, kv.Value.SScore)).ToList();
        }
        return (lexical, ranked, total, semanticFailed);
    }

    private async Task<float[]?> EmbedQueryAsync(SearchQuery query, CancellationToken ct)
    {
        var text = string.Join(' ', query.Words.Concat(query.Phrases));
        return text.Length == 0 ? null : await indexes.Semantic.EmbedAsync(text, ct);
    }

    /// <summary>
    /// The query's nearest papers among those satisfying its constraints: exactly when the constraints leave few
    /// (<see cref="SearchOptions.ExactFilterLimit"/>), else from the graph's 4 × <paramref name="depth"/> nearest.
    /// </summary>
    private List<(string Id, float Score)> Neighbours(float[] vector, SearchQuery query, SearchFilter filter, int depth)
    {
        if (!LexicalIndex.HasConstraints(query, filter)) return indexes.Semantic.Search(vector, depth);
        if (indexes.Lexical.AllSatisfying(query, filter, options.Value.ExactFilterLimit) is { } few)
            return indexes.Semantic.SearchAmong(vector, few, depth);
        var neighbours = indexes.Semantic.Search(vector, depth * 4);
        var allowed = indexes.Lexical.Satisfying(query, filter, neighbours.Select(n => n.Id).ToList());
        return neighbours.Where(n => allowed.Contains(n.Id)).Take(depth).ToList();
    }

    private static HashSet<string> TermsOf(SearchQuery query) =>
        query.Words.Concat(query.Phrases).SelectMany(Analyzer.Terms).ToHashSet(StringComparer.Ordinal);

    /// <summary>Papers like this one: nearest neighbours of its vector, or a keyword search on its title when it has none.</summary>
    public async Task<List<(Paper Paper, float Score)>> SimilarAsync(Paper paper, int limit, CancellationToken ct = default)
    {
        List<(string Id, float Score)> neighbours;
        // The paper's own text embeds to the vector stored for it: no second copy of the vectors is kept.
        var vector = indexes.Semantic.IsCurrent ? await indexes.Semantic.EmbedAsync(EmbedderText.Of(paper.Title, paper.Abstract), ct) : null;
        if (vector is not null) neighbours = indexes.Semantic.Search(vector, limit, exclude: paper.Id);
        else
        {
            var words = SearchQuery.Parse(paper.Title) with { Phrases = [], Excluded = [], Authors = [] };
            neighbours = indexes.Lexical.Search(words, new SearchFilter(), limit + 1, 0).Hits
                .Where(h => h.Id != paper.Id).Take(limit).Select(h => (h.Id, h.Score)).ToList();
        }
        var papers = (await store.GetManyAsync(neighbours.Select(n => n.Id).ToList(), ct)).ToDictionary(p => p.Id);
        return neighbours.Where(n => papers.ContainsKey(n.Id)).Select(n => (papers[n.Id], n.Score)).ToList();
    }
}
