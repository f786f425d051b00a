using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Paperboy.Search.Lexical;
using Paperboy.Searching;

namespace Paperboy.Pages;

/// <summary>/search?q=: highlighted results, twenty to a page.</summary>
public sealed class SearchModel(PaperSearch search, ViewerVotes votes, Paperboy.Topics.CardTopics cardTopics) : PageModel
{
    public const int PageSize = 20;

    public string? Q { get; private set; }
    public int PageNumber { get; private set; } = 1;
    public SearchResults? Results { get; private set; }
    public string? Error { get; private set; }

    public async Task OnGetAsync(string? q, [FromQuery(Name = "page")] int page = 1, CancellationToken ct = default)
    {
        Q = q?.Trim();
        PageNumber = Math.Clamp(page, 1, 500);
        if (string.IsNullOrEmpty(Q)) return;
        if (Q.Length > SearchQuery.MaxLength)
        {
            Error = $"That query is {Q.Length} characters long; please keep it under {SearchQuery.MaxLength}.";
            Q = Q[..SearchQuery.MaxLength];
            return;
        }
        Results = await search.SearchAsync(new SearchRequest(Q, PageSize, (PageNumber - 1) * PageSize), ct);
        await votes.LoadAsync(Results.Hits.Select(h => h.Paper), ct);
        await cardTopics.LoadAsync(Results.Hits.Select(h => h.Paper), ct);
    }
}
