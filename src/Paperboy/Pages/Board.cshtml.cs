using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Paperboy.Core.Boards;
using Paperboy.Storage;

namespace Paperboy.Pages;

/// <summary>/date/YYYY-MM-DD, /week/YYYY-Www and /month/YYYY-MM.</summary>
public sealed class BoardModel(PaperStore store, TimeProvider clock) : PageModel
{
    public BoardView Board { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string period, string? key, int page = 1, CancellationToken ct = default)
    {
        var kind = period switch { "date" => BoardKind.Daily, "week" => BoardKind.Weekly, _ => BoardKind.Monthly };
        if (key is null)
        {
            // /week and /month without a key: the period of the newest paper.
            var latest = await store.LatestBoardDayAsync(ct) ?? DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
            return Redirect($"/{period}/{BoardPeriod.Containing(kind, latest).Key}");
        }
        if (!BoardPeriod.TryParse(kind, key, out var p)) return NotFound();
        Board = await BoardView.LoadAsync(store, p, page, ct);
        return Page();
    }
}
