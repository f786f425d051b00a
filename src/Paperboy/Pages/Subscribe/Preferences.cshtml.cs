using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Paperboy.Storage;
using Paperboy.Subscriptions;

namespace Paperboy.Pages.Subscribe;

/// <summary>Changing a subscription from the signed link in its mails (antiforgery applies to the form as everywhere).</summary>
public sealed class PreferencesModel(SubscriptionTokens tokens, SubscriptionStore store, SubscriptionLinks links) : PageModel
{
    public sealed class Input
    {
        public SubscriptionFrequency Frequency { get; set; } = SubscriptionFrequency.Daily;
        public bool IncludeTrending { get; set; } = true;
        public string? SavedQuery { get; set; }
    }

    [BindProperty] public Input Form { get; set; } = new();
    public bool Valid { get; private set; }
    public bool Ended { get; private set; }
    public bool Saved { get; private set; }
    public string Email { get; private set; } = "";
    public string UnsubscribeLink { get; private set; } = "";
    /// <summary>When mails to the address were paused after repeated refusals by its mail server.</summary>
    public DateTime? SuspendedAt { get; private set; }

    public async Task OnGetAsync([FromQuery] string? token, CancellationToken ct)
    {
        if (await LoadAsync(token, ct) is not { } s) return;
        Form = new Input { Frequency = s.Frequency, IncludeTrending = s.IncludeTrending, SavedQuery = s.SavedQuery };
    }

    public async Task<IActionResult> OnPostAsync([FromQuery] string? token, CancellationToken ct)
    {
        if (await LoadAsync(token, ct) is not { } s || Ended) return Page();
        if (!Enum.IsDefined(Form.Frequency)) ModelState.AddModelError("Form.Frequency", "Choose daily or weekly.");
        if (Subscription.InvalidSavedQuery(Form.SavedQuery) is { } problem) ModelState.AddModelError("Form.SavedQuery", problem);
        if (!ModelState.IsValid) return Page();
        Saved = await store.UpdatePreferencesAsync(s.Id, Form.Frequency, Form.IncludeTrending, Form.SavedQuery, ct);
        return Page();
    }

    private async Task<Subscription?> LoadAsync(string? token, CancellationToken ct)
    {
        var s = tokens.Read(token, SubscriptionTokens.Preferences) is { } id ? await store.FindAsync(id, ct) : null;
        if (s is null) { Response.StatusCode = StatusCodes.Status400BadRequest; return null; }
        Valid = true;
        Ended = s.UnsubscribedAt is not null;
        Email = s.Email;
        SuspendedAt = s.SuspendedAt;
        UnsubscribeLink = links.Unsubscribe(Request.PathBase, s.Id);
        return s;
    }
}
