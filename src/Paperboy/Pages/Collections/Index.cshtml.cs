using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Paperboy.Api;
using Paperboy.Storage;

namespace Paperboy.Pages.Collections;

/// <summary>The signed-in member's own collections (public and private), and the form that starts a new one.</summary>
[Authorize]
[Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(Paperboy.Accounts.CommunitySetup.Limits.Collection)]
public sealed class IndexModel(CollectionStore collections) : PageModel
{
    public IReadOnlyList<CollectionView> Mine { get; private set; } = [];
    [BindProperty, StringLength(Collection.MaxName)] public string? Name { get; set; }
    [BindProperty, StringLength(Collection.MaxDescription)] public string? Description { get; set; }
    [BindProperty] public bool IsPublic { get; set; }
    public string? Error { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => Mine = await collections.OwnedByAsync(CommunityEndpoints.UserId(User), ct);

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken ct)
    {
        Error = Collection.Invalid(Name, Description);
        if (Error is null)
        {
            var (outcome, created) = await collections.CreateAsync(CommunityEndpoints.UserId(User), Name!, Description, IsPublic, ct);
            if (outcome == Outcome.Done) return Redirect($"/collections/{created!.Id}");
            Error = $"You have {Collection.MaxPerOwner} collections already; delete one first.";
        }
        await OnGetAsync(ct);
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }
}
