using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Paperboy.Accounts;
using Paperboy.Api;
using Paperboy.Storage;

namespace Paperboy.Pages.Account;

/// <summary>A member's personal API tokens: create (the secret is shown once), list, revoke their own.</summary>
[Authorize]   // the default policy: the sign-in cookie, so a visitor is sent to the sign-in form
public sealed class TokensModel(ApiTokenStore tokens) : PageModel
{
    [BindProperty, StringLength(100)] public string? Name { get; set; }
    public IReadOnlyList<ApiToken> Tokens { get; private set; } = [];
    public string? NewSecret { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => Tokens = await tokens.ListAsync(CommunityEndpoints.UserId(User), ct);

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken ct)
    {
        if (!ModelState.IsValid) { await OnGetAsync(ct); return Page(); }
        (_, NewSecret) = await tokens.CreateAsync(CommunityEndpoints.UserId(User), Name ?? "token", ct);
        await OnGetAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(long id, CancellationToken ct)
    {
        if (!await tokens.RevokeAsync(CommunityEndpoints.UserId(User), id, ct)) return NotFound();
        return RedirectToPage();
    }
}
