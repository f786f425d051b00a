using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Paperboy.Core.Boards;
using Paperboy.Storage;

namespace Paperboy.Pages;

/// <summary>/date/YYYY-MM-DD, /week/YYYY-Www and /month/YYYY-MM; /date, /week and /month alone show the newest period.</summary>
public sealed class BoardModel(PaperStore store, BoardViews boards, TimeProvider clock, ViewerVotes votes, Paperboy.Topics.CardTopics cardTopics) : PageModel
{
    public BoardView Board { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string period, string? key, [FromQuery(Name = "page")] int page = 1, CancellationToken ct = default)
    {
        var kind = period switch { "date" => BoardKind.Daily, "week" => BoardKind.Weekly, _ => BoardKind.Monthly };
        BoardPeriod p;
        if (key is null)
            // /week and /month without a key: the period of the newest papers, as the front page shows the newest day.
            p = BoardPeriod.Containing(kind, await store.LatestBoardDayAsync(ct) ?? DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime));
        else if (!BoardPeriod.TryParse(kind, key, out p)) return NotFound();
        Board = await boards.LoadAsync(p, page, ct);
        await votes.LoadAsync(Board.Papers, ct);
        await cardTopics.LoadAsync(Board.Papers, ct);
        return Page();
    }
}
