using Cronos;
using Microsoft.Extensions.Options;
using Paperboy.Storage;

namespace Paperboy.Harvesting;

/// <summary>
/// Harvests on schedule from <c>serve</c>: at each occurrence of <see cref="HarvestOptions.Schedule"/> (a Cronos
/// expression, UTC; empty turns it off) it runs every enabled source under the cluster's <c>harvest</c> job lock, so with
/// several nodes one harvests and the others skip that occurrence. Each source resumes from its own watermark, so a
/// missed or failed occurrence loses nothing: the next one fetches from where the last committed page ended.
/// </summary>
public sealed class HarvestScheduler(HarvestRunner runner, IOptions<HarvestOptions> options, TimeProvider clock, ILogger<HarvestScheduler> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var o = options.Value;
        if (string.IsNullOrWhiteSpace(o.Schedule)) return;
        var cron = CronExpression.Parse(o.Schedule);
        while (!ct.IsCancellationRequested)
        {
            var next = cron.GetNextOccurrence(clock.GetUtcNow(), TimeZoneInfo.Utc);
            if (next is null) return;
            try { await Task.Delay(next.Value - clock.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero, clock, ct); }
            catch (OperationCanceledException) { return; }
            try
            {
                var results = await runner.RunExclusiveAsync(HarvestRunner.All, new HarvestRequest(), null, ct);
                if (results is null) log.LogInformation("Harvest: another node holds the job lock; skipping this run");
                else foreach (var r in results)
                    log.Log(r.Succeeded ? LogLevel.Information : LogLevel.Warning, "Harvest {Source}: {Added} added, {Merged} merged, {Pages} pages{Errors}",
                        r.Source, r.Counts.Added, r.Counts.Merged, r.Counts.Pages, r.Succeeded ? "" : "; " + string.Join("; ", r.Errors));
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                log.LogError(e, "Harvest run failed; the next run resumes from the watermarks");
            }
        }
    }
}
