using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Paperboy.Accounts;
using Paperboy.Storage;
using Paperboy.Subscriptions;

namespace Paperboy.Pages.Subscribe;

/// <summary>
/// Subscribing: records the request and mails a confirmation link. The answer is the same whether the address was
/// unknown, pending or already subscribed, so the page tells nobody who reads Paperboy's mails.
/// </summary>
[EnableRateLimiting(CommunitySetup.Limits.Subscribe)]
public sealed partial class SubscribeModel(SubscriptionStore store, ConfirmationMailer mailer) : PageModel
{
    public sealed class Input
    {
        [Required, StringLength(Subscription.MaxEmail)] public string Email { get; set; } = "";
        public SubscriptionFrequency Frequency { get; set; } = SubscriptionFrequency.Daily;
        [Display(Name = "Include trending papers")] public bool IncludeTrending { get; set; } = true;
        [Display(Name = "Saved search")] public string? SavedQuery { get; set; }
    }

    [BindProperty] public Input Form { get; set; } = new();
    public bool Sent { get; private set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (ModelState.IsValid && !IsAddress(Form.Email))
            ModelState.AddModelError("Form.Email", "Enter a mail address such as ada@example.org.");
        if (!Enum.IsDefined(Form.Frequency)) ModelState.AddModelError("Form.Frequency", "Choose daily or weekly.");
        if (Subscription.InvalidSavedQuery(Form.SavedQuery) is { } problem) ModelState.AddModelError("Form.SavedQuery", problem);
        if (!ModelState.IsValid) return Page();

        var userId = User.Identity?.IsAuthenticated == true ? User.FindFirstValue(ClaimTypes.NameIdentifier) : null;
        var (subscription, outcome) = await store.RequestAsync(Form.Email, Form.Frequency, Form.IncludeTrending, Form.SavedQuery, userId, ct);
        // Queued, not sent here: the answer takes the same time whether or not the address was known.
        if (outcome == SubscribeOutcome.ConfirmationDue) mailer.Enqueue(subscription.Id);
        Sent = true;
        return Page();
    }

    /// <summary>One plain address (local@domain.tld): no display name, spaces, angle brackets or second address.</summary>
    public static bool IsAddress(string? email)
    {
        if (string.IsNullOrWhiteSpace(email)) return false;
        var e = email.Trim();
        if (e.Length > Subscription.MaxEmail) return false;
        var m = AddressPattern().Match(e);
        return m.Success && m.Groups[1].Length <= 64;
    }

    [GeneratedRegex(@"^([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+)@([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+)$")]
    private static partial Regex AddressPattern();
}
