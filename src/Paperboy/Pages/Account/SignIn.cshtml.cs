using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Paperboy.Accounts;
using Paperboy.Storage;

namespace Paperboy.Pages.Account;

/// <summary>Sign-in with lockout after repeated failures; <c>returnUrl</c> only ever leads back into Paperboy.</summary>
[EnableRateLimiting(CommunitySetup.Limits.SignIn)]
public sealed class SignInModel(SignInManager<PaperboyUser> signIn, UserManager<PaperboyUser> users, IAccountMail mail) : PageModel
{
    public sealed class Input
    {
        [Required, EmailAddress] public string Email { get; set; } = "";
        [Required, DataType(DataType.Password)] public string Password { get; set; } = "";
        [Display(Name = "Keep me signed in")] public bool Remember { get; set; }
    }

    [BindProperty] public Input Form { get; set; } = new();
    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }
    public string? Message { get; private set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (!ModelState.IsValid) return Page();
        var result = await signIn.PasswordSignInAsync(Form.Email.Trim(), Form.Password, Form.Remember, lockoutOnFailure: true);
        if (result.Succeeded) return LocalRedirect(Paperboy.Hosting.LocalUrl.Or(ReturnUrl, "/"));
        if (result.IsLockedOut) Message = "Too many failed attempts: this account is locked for a while. Try again later or reset your password.";
        else if (result.IsNotAllowed)
        {
            Message = "Confirm your address first: we have sent the link again.";
            if (await users.FindByEmailAsync(Form.Email.Trim()) is { } user && await users.CheckPasswordAsync(user, Form.Password))
            {
                try { await SignUpModel.SendConfirmationAsync(users, mail, user, Request, ct); }
                catch (Paperboy.Mail.MailDeliveryException) { Message = "Confirm your address first. The mail could not be sent just now; try again later."; }
            }
        }
        else Message = "That email and password do not match an account.";
        return Page();
    }

}
