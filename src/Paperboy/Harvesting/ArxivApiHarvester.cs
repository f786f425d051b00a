using Microsoft.Extensions.Options;
using Paperboy.Storage;

namespace Paperboy.Harvesting;

/// <summary>
/// The arXiv API (Atom), for the papers of the last hours that OAI-PMH has not published yet: each configured
/// category (<c>cat:cs.LG</c>) and query, newest submissions first, page after page until a page reaches papers
/// submitted before the watermark (or the run's <c>--from</c>), at most <see cref="HarvestOptions.ArxivApiSource.MaxPages"/>
/// pages. The watermark becomes the newest submission day seen. Each page is committed with the offset of the next,
/// so an interrupted run resumes there (new submissions push papers down the list: that overlaps, never skips).
/// </summary>
public sealed class ArxivApiHarvester(ArxivClient arxiv, PaperStore store, IOptions<HarvestOptions> options, TimeProvider clock) : IHarvester
{
    public string Name => "arxiv";
    public bool Enabled => options.Value.Arxiv.Enabled;

    public IEnumerable<string> Queries => options.Value.Arxiv.Categories.Select(c => $"cat:{c}").Concat(options.Value.Arxiv.Queries).Distinct();

    public async Task<HarvestResult> RunAsync(HarvestRequest request, IProgress<HarvestProgress>? progress, CancellationToken ct)
    {
        var total = new HarvestCounts();
        var errors = new List<string>();
        foreach (var query in Queries)
        {
            var run = await HarvestRun.OpenAsync(store, clock, $"arxiv:{query}", ct);
            try
            {
                await HarvestQueryAsync(query, run, request, progress, ct);
            }
            catch (ArxivException e)
            {
                await run.FailAsync(e, CancellationToken.None);
                errors.Add($"{run.Slice}: {e.Message}");
            }
            total = total.Plus(run.Counts);
        }
        return new HarvestResult(Name, total, errors);
    }

    private async Task HarvestQueryAsync(string query, HarvestRun run, HarvestRequest request, IProgress<HarvestProgress>? progress, CancellationToken ct)
    {
        var o = options.Value.Arxiv;
        int start;
        if (run.Continues(request) && int.TryParse(run.Cursor, out start)) await run.ResumeAsync(ct);
        else
        {
            start = 0;
            await run.StartAsync(request.From ?? run.Watermark ?? run.Today.AddDays(-options.Value.FirstRunDays), request.Until, ct);
        }
        var floor = run.RunFrom!.Value;
        for (var page = 1; ; page++)
        {
            var papers = await arxiv.SearchNewestAsync(query, start, o.PageSize, ct);
            var keep = papers.Where(p => p.PublishedAt is not { } d || d >= floor && (run.RunUntil is not { } u || d <= u)).ToList();
            var newest = papers.Max(p => p.PublishedAt);
            start += papers.Count;
            var done = papers.Count < o.PageSize || papers.Any(p => p.PublishedAt < floor) || page >= o.MaxPages;
            // The watermark is the newest day seen by the whole run (the first page, normally), never a later page's.
            var watermark = new[] { run.RunNewest, newest }.Max();
            await run.CommitPageAsync(keep, [], start.ToString(), newest, finished: done, watermark: watermark ?? floor, ct);
            progress?.Report(new HarvestProgress(run.Slice, run.Counts));
            if (done) return;
        }
    }
}
