using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Paperboy.Storage;
using Paperboy.Subscriptions;

namespace Paperboy.Pages.Subscribe;

/// <summary>
/// The link from the confirmation mail: a signed token that expires after 3 days. GET only shows a one-button form,
/// so a mail filter or link scanner that fetches every link confirms nobody; the POST (with antiforgery) confirms.
/// </summary>
public sealed class ConfirmModel(SubscriptionTokens tokens, SubscriptionStore store) : PageModel
{
    public bool Valid { get; private set; }
    public bool Confirmed { get; private set; }
    public string Email { get; private set; } = "";

    public async Task OnGetAsync([FromQuery] string? token, CancellationToken ct)
    {
        var subscription = tokens.Read(token, SubscriptionTokens.Confirm) is { } id ? await store.FindAsync(id, ct) : null;
        if (subscription is null || subscription.UnsubscribedAt is not null) { Response.StatusCode = StatusCodes.Status400BadRequest; return; }
        Valid = true;
        Email = subscription.Email;
        Confirmed = subscription.Active;
    }

    public async Task<IActionResult> OnPostAsync([FromQuery] string? token, CancellationToken ct)
    {
        if (tokens.Read(token, SubscriptionTokens.Confirm) is not { } id || !await store.ConfirmAsync(id, ct))
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        Valid = Confirmed = true;
        return Page();
    }
}
