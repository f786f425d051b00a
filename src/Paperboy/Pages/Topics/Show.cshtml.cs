using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Paperboy.Core.Papers;
using Paperboy.Storage;
using Paperboy.Topics;
using Paperboy.Trends;

namespace Paperboy.Pages.Topics;

/// <summary>/topics/{id}: a topic's papers ranked as a board, and its papers per month and per week.</summary>
public sealed class ShowModel(TopicCatalog catalog, TopicStore store, TrendService trends, ViewerVotes votes, CardTopics cardTopics) : PageModel
{
    public const int PageSize = 50;

    public Topic Topic { get; private set; } = null!;
    public IReadOnlyList<Paper> Papers { get; private set; } = [];
    public int Total { get; private set; }
    public int Offset { get; private set; }
    public string MonthlyChart { get; private set; } = "";
    public string WeeklyChart { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(int id, [FromQuery(Name = "page")] int page = 1, CancellationToken ct = default)
    {
        if (await catalog.FindAsync(id, ct) is not { } topic) return NotFound();
        Topic = topic;
        Offset = Math.Clamp(page - 1, 0, 200) * PageSize;
        (var papers, Total) = await store.PapersAsync(id, PageSize, Offset, ct);
        Papers = papers;
        var monthly = await trends.TopicCountsAsync([topic], weekly: false, ct: ct);
        var weekly = await trends.TopicCountsAsync([topic], weekly: true, ct: ct);
        MonthlyChart = SvgChart.Lines($"Papers per month in {topic.Label}", monthly.Buckets, monthly.Series, id: "topic-monthly");
        WeeklyChart = SvgChart.Lines($"Papers per week in {topic.Label}", weekly.Buckets, weekly.Series, id: "topic-weekly");
        await votes.LoadAsync(Papers, ct);
        await cardTopics.LoadAsync(Papers, ct);
        return Page();
    }
}
