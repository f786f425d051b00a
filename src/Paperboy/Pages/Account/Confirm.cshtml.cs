using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.WebUtilities;
using Paperboy.Storage;

namespace Paperboy.Pages.Account;

/// <summary>The link from the confirmation mail: a signed, expiring token for one user.</summary>
public sealed class ConfirmModel(UserManager<PaperboyUser> users) : PageModel
{
    public bool Confirmed { get; private set; }

    public async Task OnGetAsync(string? userId, string? code)
    {
        if (string.IsNullOrEmpty(userId) || string.IsNullOrEmpty(code) || code.Length > 2000) return;
        var user = await users.FindByIdAsync(userId);
        if (user is null) return;
        string token;
        try { token = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(code)); }
        catch (FormatException) { return; }
        Confirmed = (await users.ConfirmEmailAsync(user, token)).Succeeded;
    }
}
