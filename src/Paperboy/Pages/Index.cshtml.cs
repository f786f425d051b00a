using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Paperboy.Core.Boards;
using Paperboy.Storage;

namespace Paperboy.Pages;

/// <summary>The front page: the newest day that has papers.</summary>
public sealed class IndexModel(PaperStore store, TimeProvider clock) : PageModel
{
    public BoardView Board { get; private set; } = null!;

    public async Task OnGetAsync([FromQuery(Name = "page")] int page = 1, CancellationToken ct = default)
    {
        var day = await store.LatestBoardDayAsync(ct) ?? DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        Board = await BoardView.LoadAsync(store, BoardPeriod.Day(day), page, ct);
    }
}
