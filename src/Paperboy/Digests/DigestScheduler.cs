using Cronos;
using Microsoft.Extensions.Options;
using Paperboy.Storage;

namespace Paperboy.Digests;

/// <summary>
/// Sends the digests on schedule from <c>serve</c>: when a cron occurrence of <see cref="DigestOptions.Daily"/> or
/// <see cref="DigestOptions.Weekly"/> has passed it runs <see cref="DigestRun"/> for the period just ended, and every
/// <see cref="DigestOptions.RetryInterval"/> it drains digests whose retry is due. The run takes the job lock in the
/// store, so with several nodes only one does the work. At start-up it catches up on the latest occurrence within one
/// period (a server that was down at 06:00 still sends that day's digests); composing a period twice adds nothing.
/// </summary>
public sealed class DigestScheduler(DigestRun run, DigestOutbox outbox, IOptions<DigestOptions> options, TimeProvider clock, ILogger<DigestScheduler> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var o = options.Value;
        if (!o.Enabled) return;
        var schedules = new (SubscriptionFrequency Frequency, CronExpression Cron, TimeSpan Span)[]
        {
            (SubscriptionFrequency.Daily, o.DailyCron, TimeSpan.FromDays(1)),
            (SubscriptionFrequency.Weekly, o.WeeklyCron, TimeSpan.FromDays(7)),
        };
        var start = clock.GetUtcNow();
        var checkedUntil = schedules.Select(s => start - s.Span).ToArray();
        var due = new List<DigestPeriod>();
        while (!ct.IsCancellationRequested)
        {
            var now = clock.GetUtcNow();
            for (var i = 0; i < schedules.Length; i++)
            {
                var latest = schedules[i].Cron.GetOccurrences(checkedUntil[i], now, TimeZoneInfo.Utc, fromInclusive: false, toInclusive: true).LastOrDefault();
                if (latest != default && DigestPeriod.Before(schedules[i].Frequency, latest) is var period && !due.Contains(period)) due.Add(period);
                checkedUntil[i] = now;
            }
            try
            {
                if (due.Count > 0 || await outbox.NextDueAsync(ct) is { } next && next <= now.UtcDateTime)
                {
                    var result = await run.RunAsync(due, ct);
                    if (result is null) log.LogInformation("Digests: another node holds the job lock; trying again later");
                    else
                    {
                        due.Clear();
                        var d = result.Delivery;
                        if (d.Sent + d.Retrying + d.Failed + d.Skipped > 0)
                            log.LogInformation("Digests: {Sent} sent, {Retrying} to retry, {Failed} failed, {Skipped} skipped", d.Sent, d.Retrying, d.Failed, d.Skipped);
                    }
                }
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                log.LogError(e, "Digest run failed; trying again in {Interval}", o.RetryInterval);
            }

            var wake = schedules.Select(s => s.Cron.GetNextOccurrence(clock.GetUtcNow(), TimeZoneInfo.Utc)).OfType<DateTimeOffset>()
                .Select(at => at - clock.GetUtcNow()).Append(o.RetryInterval).Min();
            try { await Task.Delay(wake < TimeSpan.FromMilliseconds(100) ? TimeSpan.FromMilliseconds(100) : wake, clock, ct); }
            catch (OperationCanceledException) { return; }
        }
    }
}
