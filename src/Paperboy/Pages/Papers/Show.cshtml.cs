using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Paperboy.Core.Papers;
using Paperboy.Storage;

namespace Paperboy.Pages.Papers;

/// <summary>A paper's own page. An old id (a title id replaced by the arXiv id) redirects to the current one.</summary>
public sealed class ShowModel(PaperStore store, Paperboy.Searching.PaperSearch search, ViewerVotes votes) : PageModel
{
    public Paper Paper { get; private set; } = null!;
    public IReadOnlyList<Paper> Similar { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken ct)
    {
        if (id.Length > 64) return NotFound();
        var paper = await store.FindAsync(id, ct);
        if (paper is null) return NotFound();
        if (paper.Id != id) return RedirectPermanent($"/papers/{Uri.EscapeDataString(paper.Id)}");
        Paper = paper;
        Similar = (await search.SimilarAsync(paper, 6, ct)).Select(s => s.Paper).ToList();
        await votes.LoadAsync(Similar.Append(paper), ct);
        return Page();
    }

    public static string Host(string url) => Uri.TryCreate(url, UriKind.Absolute, out var u) ? u.Host : url;
}
