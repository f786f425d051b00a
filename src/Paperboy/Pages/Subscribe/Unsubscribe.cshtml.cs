using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Paperboy.Storage;
using Paperboy.Subscriptions;

namespace Paperboy.Pages.Subscribe;

/// <summary>
/// Unsubscribing from the signed link: GET shows a one-button form (so that link scanners unsubscribe nobody),
/// POST unsubscribes. Mail readers send the RFC 8058 one-click POST (<c>List-Unsubscribe=One-Click</c>) here without
/// cookies or antiforgery token, so the page ignores antiforgery (Razor Pages take that attribute only on the page
/// model, not on one handler): the signed, purpose-bound token in the link is what authorises the POST.
/// </summary>
[IgnoreAntiforgeryToken]
public sealed class UnsubscribeModel(SubscriptionTokens tokens, SubscriptionStore store) : PageModel
{
    public bool Valid { get; private set; }
    public bool Done { get; private set; }
    public string Email { get; private set; } = "";

    public async Task OnGetAsync([FromQuery] string? token, CancellationToken ct)
    {
        var subscription = tokens.Read(token, SubscriptionTokens.Unsubscribe) is { } id ? await store.FindAsync(id, ct) : null;
        if (subscription is null) { Response.StatusCode = StatusCodes.Status400BadRequest; return; }
        Valid = true;
        Email = subscription.Email;
        Done = subscription.UnsubscribedAt is not null;
    }

    public async Task<IActionResult> OnPostAsync([FromQuery] string? token, CancellationToken ct)
    {
        if (tokens.Read(token, SubscriptionTokens.Unsubscribe) is not { } id || !await store.UnsubscribeAsync(id, ct))
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        Valid = Done = true;
        return Page();
    }
}
