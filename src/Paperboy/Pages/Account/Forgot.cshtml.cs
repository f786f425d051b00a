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
public sealed class ForgotModel(UserManager<PaperboyUser> users, IAccountMail mail) : PageModel
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
            var code = WebEncoders.Base64UrlEncode(System.Text.Encoding.UTF8.GetBytes(await users.GeneratePasswordResetTokenAsync(user)));
            var link = $"{Request.Scheme}://{Request.Host}{Request.PathBase}/account/reset?userId={Uri.EscapeDataString(user.Id)}&code={code}";
            try { await mail.SendPasswordResetAsync(user.Email!, user.DisplayName, link, ct); }
            catch (Paperboy.Mail.MailDeliveryException)
            {
                // Said only to the owner's own address: no one learns from this whether an account exists.
                ModelState.AddModelError(string.Empty, "The mail could not be sent just now; please try again later.");
                return Page();
            }
        }
        Sent = true;
        return Page();
    }
}
