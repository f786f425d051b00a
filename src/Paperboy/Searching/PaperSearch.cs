using Paperboy.Core.Papers;
using Paperboy.Indexing;
using Paperboy.Search.Lexical;
using Paperboy.Storage;

namespace Paperboy.Searching;

public enum SearchMode { Hybrid, Lexical, Semantic }

public sealed record SearchRequest(string Query, int Limit = 10, int Offset = 0, SearchMode Mode = SearchMode.Hybrid, DateOnly? From = null, DateOnly? To = null);

public sealed record SearchHit(Paper Paper, float Score, string TitleHtml, string SnippetHtml);

public sealed record SearchResults(string Query, int Total, IReadOnlyList<SearchHit> Hits, string? Notice);

/// <summary>
/// The query side: runs a search on the indexes, loads the papers from the store, and highlights them.
/// Semantic and hybrid modes fuse the vector index in once it exists; until then they rank lexically.
/// </summary>
public sealed class PaperSearch(IndexHolder indexes, PaperStore store)
{
    private readonly Snippets _snippets = new(new PaperAnalyzer());

    public async Task<SearchResults> SearchAsync(SearchRequest request, CancellationToken ct = default)
    {
        var query = SearchQuery.Parse(request.Query);
        if (!query.HasPositiveClause)
            return new SearchResults(request.Query, 0, [], "Type some words to search for: titles, abstracts, \"exact phrases\" or author:name.");
        var result = indexes.Lexical.Search(query, new SearchFilter(request.From, request.To), request.Limit, request.Offset);
        var papers = await store.GetManyAsync(result.Hits.Select(h => h.Id).ToList(), ct);
        var byId = papers.ToDictionary(p => p.Id);
        var hits = result.Hits.Where(h => byId.ContainsKey(h.Id)).Select(h =>
        {
            var p = byId[h.Id];
            return new SearchHit(p, h.Score, _snippets.Highlight(p.Title, result.Terms, int.MaxValue), _snippets.Highlight(p.Abstract, result.Terms));
        }).ToList();
        string? notice = result.Total == 0 && result.Terms.Count == 0
            ? "Your query has only very common words (such as \"the\" or \"of\"); add a more specific word."
            : null;
        return new SearchResults(request.Query, result.Total, hits, notice);
    }
}
