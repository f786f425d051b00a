using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.WebUtilities;
using Paperboy.Accounts;
using Paperboy.Storage;

namespace Paperboy.Pages.Account;

/// <summary>Sign-up: the account exists at once but can sign in only after confirming its address from the mailed link.</summary>
[EnableRateLimiting(CommunitySetup.Limits.SignUp)]
public sealed class SignUpModel(UserManager<PaperboyUser> users, IAccountMail mail, TimeProvider clock) : PageModel
{
    public sealed class Input
    {
        [Required, EmailAddress, StringLength(254)] public string Email { get; set; } = "";
        [Required, StringLength(64, MinimumLength = 2), Display(Name = "Display name")] public string DisplayName { get; set; } = "";
        [Required, StringLength(200, MinimumLength = 10), DataType(DataType.Password)] public string Password { get; set; } = "";
    }

    [BindProperty] public Input Form { get; set; } = new();
    public bool Sent { get; private set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (!ModelState.IsValid) return Page();
        var user = new PaperboyUser
        {
            UserName = Form.Email.Trim(), Email = Form.Email.Trim(), DisplayName = Form.DisplayName.Trim(),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        var created = await users.CreateAsync(user, Form.Password);
        if (!created.Succeeded)
        {
            // Saying "taken" for a duplicate email would tell strangers who has an account: answer as for success.
            if (created.Errors.All(e => e.Code is "DuplicateUserName" or "DuplicateEmail")) { Sent = true; return Page(); }
            foreach (var e in created.Errors) ModelState.AddModelError(string.Empty, e.Description);
            return Page();
        }
        try { await SendConfirmationAsync(users, mail, user, Request, ct); }
        catch (Paperboy.Mail.MailDeliveryException)
        {
            ModelState.AddModelError(string.Empty, "Your account is created, but the confirmation mail could not be sent just now. Sign in later to have it sent again.");
            return Page();
        }
        Sent = true;
        return Page();
    }

    internal static async Task SendConfirmationAsync(UserManager<PaperboyUser> users, IAccountMail mail, PaperboyUser user, HttpRequest request, CancellationToken ct)
    {
        var link = AccountLinks.For(request, "/account/confirm", user.Id, await users.GenerateEmailConfirmationTokenAsync(user));
        await mail.SendConfirmationAsync(user.Email!, user.DisplayName, link, ct);
    }
}
