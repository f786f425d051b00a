using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Paperboy.Accounts;
using Paperboy.Storage;

namespace Paperboy.Pages.Admin;

/// <summary>The administrators' page: members, and locking out one who misbehaves. Admins only.</summary>
[Authorize(Roles = CommunitySetup.AdminRole)]
public sealed class IndexModel(UserManager<PaperboyUser> users, PaperStore store, TimeProvider clock) : PageModel
{
    public sealed record Row(string Id, string Email, string DisplayName, DateTime CreatedAt, bool Confirmed, bool Locked, bool Admin);

    public IReadOnlyList<Row> Members { get; private set; } = [];
    public int MemberCount { get; private set; }
    public int PaperCount { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        MemberCount = await users.Users.CountAsync(ct);
        PaperCount = await store.CountAsync(ct);
        var admins = (await users.GetUsersInRoleAsync(CommunitySetup.AdminRole)).Select(u => u.Id).ToHashSet();
        var now = clock.GetUtcNow();
        Members = (await users.Users.OrderByDescending(u => u.CreatedAt).Take(200).ToListAsync(ct))
            .Select(u => new Row(u.Id, u.Email ?? "", u.DisplayName, u.CreatedAt, u.EmailConfirmed, u.LockoutEnd > now, admins.Contains(u.Id)))
            .ToList();
    }

    public async Task<IActionResult> OnPostLockAsync(string id, bool locked)
    {
        var user = await users.FindByIdAsync(id);
        if (user is null) return NotFound();
        if (user.Id == users.GetUserId(User)) return BadRequest();   // an admin cannot lock themselves out
        await users.SetLockoutEnabledAsync(user, true);
        await users.SetLockoutEndDateAsync(user, locked ? DateTimeOffset.MaxValue : null);
        if (locked) await users.UpdateSecurityStampAsync(user);      // ends their sessions
        return RedirectToPage();
    }
}
