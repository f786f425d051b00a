using Microsoft.AspNetCore.Mvc.RazorPages;
using Paperboy.Storage;
using Paperboy.Topics;
using Paperboy.Trends;

namespace Paperboy.Pages;

/// <summary>/trends?terms=diffusion,GAN: keyword shares per month, papers per month in the largest topics, rising topics.</summary>
public sealed class TrendsModel(TrendService trends, TopicCatalog catalog, PaperStore store) : PageModel
{
    public string? Input { get; private set; }
    public string? KeywordChart { get; private set; }
    public string? TopicChart { get; private set; }
    public IReadOnlyList<RisingTopic> Rising { get; private set; } = [];

    public async Task OnGetAsync(string? terms, CancellationToken ct)
    {
        Input = terms;
        var list = TrendService.ParseTerms(terms);
        if (list.Count > 0)
        {
            var table = trends.KeywordShares(list);
            KeywordChart = SvgChart.Lines($"Share of papers per month using {string.Join(", ", list)}", table.Buckets, table.Series, percent: true, id: "keyword-chart");
        }
        var topics = await catalog.AllAsync(ct);
        if (topics.Count > 0)
        {
            var table = await trends.TopicCountsAsync(topics.Take(6).ToList(), weekly: false, ct: ct);
            TopicChart = SvgChart.Lines("Papers per month in the six largest topics", table.Buckets, table.Series, id: "topic-chart");
            if (await store.LatestBoardDayAsync(ct) is { } newest) Rising = await trends.RisingAsync(topics, newest, 8, ct);
        }
    }
}
