using System.ComponentModel.DataAnnotations;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.WebUtilities;
using Paperboy.Accounts;
using Paperboy.Storage;

namespace Paperboy.Pages.Account;

/// <summary>Password reset, step two: the mailed link's token and a new password.</summary>
[EnableRateLimiting(CommunitySetup.Limits.SignIn)]
public sealed class ResetModel(UserManager<PaperboyUser> users) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? UserId { get; set; }
    [BindProperty(SupportsGet = true)] public string? Code { get; set; }
    [BindProperty, Required, StringLength(200, MinimumLength = 10), DataType(DataType.Password)] public string Password { get; set; } = "";
    public bool Done { get; private set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid) return Page();
        var user = UserId is null ? null : await users.FindByIdAsync(UserId);
        string? token = null;
        try { if (Code is { Length: < 2000 }) token = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(Code)); }
        catch (FormatException) { }
        if (user is null || token is null)
        {
            ModelState.AddModelError(string.Empty, "This link is invalid or has expired; ask for a new one.");
            return Page();
        }
        var result = await users.ResetPasswordAsync(user, token, Password);
        if (!result.Succeeded)
        {
            foreach (var e in result.Errors)
                ModelState.AddModelError(string.Empty, e.Code == "InvalidToken" ? "This link is invalid or has expired; ask for a new one." : e.Description);
            return Page();
        }
        await users.ResetAccessFailedCountAsync(user);
        await users.SetLockoutEndDateAsync(user, null);
        Done = true;
        return Page();
    }
}
