using Microsoft.Extensions.Options;
using Paperboy.Core.Import;
using Paperboy.Storage;

namespace Paperboy.Harvesting;

/// <summary>
/// Hugging Face Daily Papers (<c>/api/daily_papers?date=YYYY-MM-DD</c>): every day from the watermark (inclusive:
/// the last day is fetched again, its upvotes and comments keep growing) to today. The feed day, upvotes and comment
/// counts merge into the papers we have (merges keep the highest counts); papers we lack are added. Each day is one
/// page, committed with the watermark moved to it. An item without a paper id or title is left out with a warning
/// naming the day and the item; a day whose answer cannot be read stores nothing and ends the run there (the
/// watermark stays on the last day stored, so the next run asks for the failed day again).
/// </summary>
public sealed class HfDailyHarvester(HarvestHttp http, PaperStore store, IOptions<HarvestOptions> options, TimeProvider clock, ILogger<HfDailyHarvester> log)
    : IHarvester
{
    public string Name => "hf";
    public bool Enabled => options.Value.Hf.Enabled;

    public async Task<HarvestResult> RunAsync(HarvestRequest request, IProgress<HarvestProgress>? progress, CancellationToken ct)
    {
        var run = await HarvestRun.OpenAsync(store, clock, "hf", ct);
        var warnings = new List<string>();
        try
        {
            var from = request.From ?? run.Watermark ?? run.Today.AddDays(-options.Value.FirstRunDays);
            var until = request.Until ?? run.Today;
            await run.StartAsync(from, request.Until, ct);
            if (from > until) await run.FinishAsync(null, ct);
            for (var day = from; day <= until; day = day.AddDays(1))
            {
                var skipped = new List<SkippedItem>();
                var papers = await http.ReadAsync($"{options.Value.Hf.BaseUrl.TrimEnd('/')}/api/daily_papers?date={day:yyyy-MM-dd}", "Hugging Face",
                    source => HfDailyReader.Read(source, skipped), ct);
                foreach (var s in skipped)
                {
                    log.LogWarning("{Slice}: {Day:yyyy-MM-dd} {Item}", run.Slice, day, s);
                    warnings.Add($"{run.Slice}: {day:yyyy-MM-dd} {s}");
                }
                foreach (var p in papers) p.FeedDay ??= day;
                // Each day is a run of its own: the watermark moves to it as it is committed.
                await run.CommitPageAsync(papers, [], null, day, finished: true, watermark: day, ct);
                progress?.Report(new HarvestProgress(run.Slice, run.Counts));
            }
            return new HarvestResult(Name, run.Counts, []) { Warnings = warnings };
        }
        catch (HarvestException e)
        {
            await run.FailAsync(e, CancellationToken.None);
            return new HarvestResult(Name, run.Counts, [$"{run.Slice}: {e.Message}"]) { Warnings = warnings };
        }
    }
}
