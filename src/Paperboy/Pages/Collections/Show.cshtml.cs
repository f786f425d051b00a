using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Paperboy.Api;
using Paperboy.Core.Papers;
using Paperboy.Storage;

namespace Paperboy.Pages.Collections;

/// <summary>
/// A collection's page: public ones for everyone, private ones for their owner only (anyone else gets the same 404 as
/// for a collection that never existed). The owner renames, redescribes, changes visibility, removes papers, deletes.
/// </summary>
[Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(Paperboy.Accounts.CommunitySetup.Limits.Collection)]
public sealed class ShowModel(CollectionStore collections, PaperStore store, ViewerVotes votes, Paperboy.Topics.CardTopics cardTopics) : PageModel
{
    public CollectionView Collection { get; private set; } = null!;
    public IReadOnlyList<(Paper Paper, DateTime AddedAt)> Papers { get; private set; } = [];
    public bool IsOwner { get; private set; }
    public string? Error { get; private set; }
    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string? Description { get; set; }
    [BindProperty] public bool IsPublic { get; set; }

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct)) return NotFound();
        Name = Collection.Name;
        Description = Collection.Description;
        IsPublic = Collection.IsPublic;
        return Page();
    }

    public async Task<IActionResult> OnPostUpdateAsync(long id, CancellationToken ct)
    {
        if (User.Identity?.IsAuthenticated != true) return Challenge();
        if (Storage.Collection.Invalid(Name, Description) is { } problem)
        {
            if (!await LoadAsync(id, ct)) return NotFound();
            if (!IsOwner) return StatusCode(StatusCodes.Status403Forbidden);
            Error = problem;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        var (outcome, _) = await collections.UpdateAsync(id, CommunityEndpoints.UserId(User), Name, Description ?? "", IsPublic, ct);
        return Done(outcome, $"/collections/{id}");
    }

    public async Task<IActionResult> OnPostDeleteAsync(long id, CancellationToken ct)
    {
        if (User.Identity?.IsAuthenticated != true) return Challenge();
        return Done(await collections.DeleteAsync(id, CommunityEndpoints.UserId(User), ct), "/collections");
    }

    public async Task<IActionResult> OnPostRemoveAsync(long id, string? paperId, CancellationToken ct)
    {
        if (User.Identity?.IsAuthenticated != true) return Challenge();
        if (string.IsNullOrEmpty(paperId) || paperId.Length > 64) return NotFound();
        return Done(await collections.RemovePaperAsync(id, CommunityEndpoints.UserId(User), paperId, ct), $"/collections/{id}");
    }

    private IActionResult Done(Outcome outcome, string next) => outcome switch
    {
        Outcome.Done => Redirect(next),
        Outcome.Forbidden => StatusCode(StatusCodes.Status403Forbidden),
        _ => NotFound(),
    };

    private async Task<bool> LoadAsync(long id, CancellationToken ct)
    {
        var viewer = User.FindFirstValue(ClaimTypes.NameIdentifier);
        if (await collections.VisibleAsync(id, viewer, ct) is not { } c) return false;
        Collection = c;
        IsOwner = viewer is not null && c.OwnerId == viewer;
        var entries = await collections.EntriesAsync(id, ct: ct);
        var found = (await store.GetManyAsync(entries.Select(e => e.PaperId).ToList(), ct)).ToDictionary(p => p.Id);
        Papers = entries.Where(e => found.ContainsKey(e.PaperId)).Select(e => (found[e.PaperId], e.AddedAt)).ToList();
        await votes.LoadAsync(Papers.Select(p => p.Paper), ct);
        await cardTopics.LoadAsync(Papers.Select(p => p.Paper), ct);
        return true;
    }
}
