using Microsoft.AspNetCore.Mvc.RazorPages;
using Paperboy.Storage;
using Paperboy.Subscriptions;

namespace Paperboy.Pages.Subscribe;

/// <summary>The link from the confirmation mail: a signed token that expires after 3 days.</summary>
public sealed class ConfirmModel(SubscriptionTokens tokens, SubscriptionStore store) : PageModel
{
    public bool Confirmed { get; private set; }

    public async Task OnGetAsync(string? token, CancellationToken ct)
    {
        if (tokens.Read(token, SubscriptionTokens.Confirm) is not { } id) { Response.StatusCode = StatusCodes.Status400BadRequest; return; }
        Confirmed = await store.ConfirmAsync(id, ct);
        if (!Confirmed) Response.StatusCode = StatusCodes.Status400BadRequest;
    }
}
