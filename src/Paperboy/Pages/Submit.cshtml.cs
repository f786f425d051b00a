using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Paperboy.Accounts;
using Paperboy.Harvesting;
using Paperboy.Storage;

namespace Paperboy.Pages;

/// <summary>Submit a paper by arXiv id or URL: its metadata comes from the arXiv API; a paper we have is merged, not duplicated.</summary>
[Authorize]
[EnableRateLimiting(CommunitySetup.Limits.Submit)]
public sealed class SubmitModel(PaperSubmission submission, UserManager<PaperboyUser> users) : PageModel
{
    [BindProperty, Required, StringLength(300), Display(Name = "arXiv id or URL")] public string Arxiv { get; set; } = "";
    public string? Error { get; private set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (!ModelState.IsValid) return Page();
        var member = await users.GetUserAsync(User);
        if (member is null) return Challenge();
        try
        {
            var result = await submission.SubmitAsync(Arxiv, member.DisplayName, ct);
            return LocalRedirect($"/papers/{Uri.EscapeDataString(result.PaperId)}");
        }
        catch (ArxivException e)
        {
            Error = e.Message;
            return Page();
        }
    }
}
