using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Paperboy.Storage;

namespace Paperboy.Pages.Account;

/// <summary>Sign-out is a POST (with antiforgery), so no link on another site can sign a member out.</summary>
public sealed class SignOutModel(SignInManager<PaperboyUser> signIn) : PageModel
{
    public IActionResult OnGet() => Page();

    public async Task<IActionResult> OnPostAsync()
    {
        await signIn.SignOutAsync();
        return LocalRedirect("/");
    }
}
