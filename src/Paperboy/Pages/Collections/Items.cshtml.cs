using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Paperboy.Api;
using Paperboy.Storage;

namespace Paperboy.Pages.Collections;

/// <summary>
/// Where the paper page's "Add to collection" form (and its remove buttons) post: the collection is chosen in the form,
/// so the address cannot name it. Only the owner's own collections change; then back to the page the form came from.
/// </summary>
[Authorize]
[Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(Paperboy.Accounts.CommunitySetup.Limits.Collection)]
public sealed class ItemsModel(CollectionStore collections) : PageModel
{
    public IActionResult OnGet() => Redirect("/collections");

    public Task<IActionResult> OnPostAddAsync(long collectionId, string? paperId, string? returnUrl, CancellationToken ct) =>
        ChangeAsync(collectionId, paperId, returnUrl, add: true, ct);

    public Task<IActionResult> OnPostRemoveAsync(long collectionId, string? paperId, string? returnUrl, CancellationToken ct) =>
        ChangeAsync(collectionId, paperId, returnUrl, add: false, ct);

    private async Task<IActionResult> ChangeAsync(long collectionId, string? paperId, string? returnUrl, bool add, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(paperId) || paperId.Length > 64) return NotFound();
        var me = CommunityEndpoints.UserId(User);
        var outcome = add ? await collections.AddPaperAsync(collectionId, me, paperId, ct) : await collections.RemovePaperAsync(collectionId, me, paperId, ct);
        return outcome switch
        {
            Outcome.Done => LocalRedirect(Paperboy.Hosting.LocalUrl.Or(returnUrl, $"/collections/{collectionId}")),
            Outcome.Forbidden => StatusCode(StatusCodes.Status403Forbidden),
            Outcome.LimitReached => StatusCode(StatusCodes.Status409Conflict),
            _ => NotFound(),
        };
    }
}
