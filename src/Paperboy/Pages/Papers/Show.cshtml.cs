using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Paperboy.Accounts;
using Paperboy.Api;
using Paperboy.Comments;
using Paperboy.Core.Papers;
using Paperboy.Storage;

namespace Paperboy.Pages.Papers;

/// <summary>
/// A paper's own page, its comments and the forms that write them (plain posts with the antiforgery token: they work
/// without JavaScript). An old id (a title id replaced by the arXiv id) redirects to the current one.
/// The comment rate limit applies to this page's posts only; reading it is never limited.
/// </summary>
[EnableRateLimiting(CommunitySetup.Limits.Comment)]
public sealed class ShowModel(PaperStore store, Paperboy.Searching.PaperSearch search, ViewerVotes votes, Paperboy.Topics.CardTopics cardTopics,
    CommentStore comments, CollectionStore collections) : PageModel
{
    public Paper Paper { get; private set; } = null!;
    public IReadOnlyList<Paper> Similar { get; private set; } = [];
    /// <summary>Papers flagged as possibly the same work (near-duplicates, never merged).</summary>
    public IReadOnlyList<(Paper Paper, string Kind, double Similarity)> Related { get; private set; } = [];
    public IReadOnlyList<CommentView> Comments { get; private set; } = [];
    public IReadOnlyList<CollectionView> MyCollections { get; private set; } = [];
    public HashSet<long> Holding { get; private set; } = [];
    public string? ViewerId { get; private set; }
    public bool IsAdmin { get; private set; }
    /// <summary>The viewer's comment being edited in place (<c>?edit=</c>), if any.</summary>
    public long? Editing { get; private set; }
    public string? CommentError { get; private set; }
    /// <summary>The text of the new or edited comment, kept when the form comes back with an error.</summary>
    [BindProperty] public string? CommentText { get; set; }

    public async Task<IActionResult> OnGetAsync(string id, long? edit, CancellationToken ct)
    {
        if (id.Length > 64) return NotFound();
        var paper = await store.FindAsync(id, ct);
        if (paper is null) return NotFound();
        if (paper.Id != id) return RedirectPermanent($"/papers/{Uri.EscapeDataString(paper.Id)}");
        await LoadAsync(paper, ct);
        if (edit is { } e && Comments.FirstOrDefault(c => c.Id == e) is { } mine && mine.UserId == ViewerId)
        {
            Editing = e;
            CommentText = mine.Markdown;
        }
        return Page();
    }

    public async Task<IActionResult> OnPostCommentAsync(string id, CancellationToken ct)
    {
        if (User.Identity?.IsAuthenticated != true) return Challenge();
        if (id.Length > 64 || await store.FindAsync(id, ct) is not { } paper) return NotFound();
        if (CommentEndpoints.Invalid(CommentText) is { } problem) return await Again(paper, problem, null, ct);
        var comment = await comments.AddAsync(CommunityEndpoints.UserId(User), paper.Id, CommentText!, CommentMarkdown.ToHtml(CommentText!), ct);
        if (comment is null) return NotFound();
        return Redirect($"/papers/{Uri.EscapeDataString(comment.PaperId)}#c{comment.Id}");
    }

    public async Task<IActionResult> OnPostEditCommentAsync(string id, long commentId, CancellationToken ct)
    {
        if (User.Identity?.IsAuthenticated != true) return Challenge();
        if (id.Length > 64 || await store.FindAsync(id, ct) is not { } paper) return NotFound();
        if (CommentEndpoints.Invalid(CommentText) is { } problem) return await Again(paper, problem, commentId, ct);
        var (outcome, comment) = await comments.EditAsync(commentId, CommunityEndpoints.UserId(User), CommentText!, CommentMarkdown.ToHtml(CommentText!), ct);
        return outcome switch
        {
            Outcome.Done => Redirect($"/papers/{Uri.EscapeDataString(comment!.PaperId)}#c{comment.Id}"),
            Outcome.Forbidden => StatusCode(StatusCodes.Status403Forbidden),
            _ => NotFound(),
        };
    }

    public async Task<IActionResult> OnPostDeleteCommentAsync(string id, long commentId, CancellationToken ct)
    {
        if (User.Identity?.IsAuthenticated != true) return Challenge();
        if (id.Length > 64 || await store.FindAsync(id, ct) is not { } paper) return NotFound();
        var outcome = await comments.DeleteAsync(commentId, CommunityEndpoints.UserId(User), User.IsInRole(CommunitySetup.AdminRole), ct);
        return outcome switch
        {
            Outcome.Done => Redirect($"/papers/{Uri.EscapeDataString(paper.Id)}#comments"),
            Outcome.Forbidden => StatusCode(StatusCodes.Status403Forbidden),
            _ => NotFound(),
        };
    }

    /// <summary>The page again, with the form's text and what was wrong with it.</summary>
    private async Task<IActionResult> Again(Paper paper, string problem, long? editing, CancellationToken ct)
    {
        await LoadAsync(paper, ct);
        CommentError = problem;
        Editing = editing;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    private async Task LoadAsync(Paper paper, CancellationToken ct)
    {
        Paper = paper;
        ViewerId = User.FindFirstValue(ClaimTypes.NameIdentifier);
        IsAdmin = User.IsInRole(CommunitySetup.AdminRole);
        Similar = (await search.SimilarAsync(paper, 6, ct)).Select(s => s.Paper).ToList();
        Related = await store.RelatedAsync(paper.Id, ct);
        await votes.LoadAsync(Similar.Append(paper), ct);
        await cardTopics.LoadAsync(Similar.Append(paper), ct);
        Comments = (await comments.ListAsync(paper.Id, ct))?.Comments ?? [];
        if (ViewerId is not null)
        {
            MyCollections = await collections.OwnedByAsync(ViewerId, ct);
            Holding = await collections.HoldingAsync(ViewerId, paper.Id, ct);
        }
    }

    public static string Host(string url) => Uri.TryCreate(url, UriKind.Absolute, out var u) ? u.Host : url;
}
