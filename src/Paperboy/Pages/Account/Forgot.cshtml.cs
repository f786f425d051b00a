using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.WebUtilities;
using Paperboy.Accounts;
using Paperboy.Storage;

namespace Paperboy.Pages.Account;

/// <summary>Password reset, step one: mail a signed, expiring link. The answer is the same whether or not the account exists.</summary>
[EnableRateLimiting(CommunitySetup.Limits.SignIn)]
public sealed class ForgotModel(UserManager<PaperboyUser> users, IAccountMail mail, ILogger<ForgotModel> logger) : PageModel
{
    [BindProperty, Required, EmailAddress] public string Email { get; set; } = "";
    public bool Sent { get; private set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (!ModelState.IsValid) return Page();
        var user = await users.FindByEmailAsync(Email.Trim());
        if (user is not null && await users.IsEmailConfirmedAsync(user))
        {
            var link = AccountLinks.For(Request, "/account/reset", user.Id, await users.GeneratePasswordResetTokenAsync(user));
            try { await mail.SendPasswordResetAsync(user.Email!, user.DisplayName, link, ct); }
            catch (Paperboy.Mail.MailDeliveryException e)
            {
                // The answer stays the same, so a failure cannot reveal whether the account exists; the log has it.
                logger.LogWarning(e, "Password-reset mail to a member could not be sent");
            }
        }
        Sent = true;
        return Page();
    }
}
