using Microsoft.Extensions.Options;
using MimeKit;
using Paperboy.Mail;
using Paperboy.Storage;

namespace Paperboy.Digests;

/// <summary>What one drain of the outbox did.</summary>
public sealed record DrainResult(int Sent, int Retrying, int Failed, int Skipped, int Recovered, int Suspended)
{
    public static readonly DrainResult None = new(0, 0, 0, 0, 0, 0);
    public DrainResult Plus(DrainResult o) => new(Sent + o.Sent, Retrying + o.Retrying, Failed + o.Failed, Skipped + o.Skipped, Recovered + o.Recovered, Suspended + o.Suspended);
}

/// <summary>
/// Drains the digest outbox: claims the due digests, hands each to the mail server, records what happened.
/// <para>
/// Exactly once, as far as SMTP allows. For each digest: (1) the claim (status Sending, this run's id) is committed;
/// (2) the message goes to the mail server in one SMTP transaction; (3) the moment the server answers 250, Sent is
/// committed, before anything else happens. A crash (<c>kill -9</c>, power) between (1) and (3) leaves the digest
/// Sending; the next run, which holds the job lock and so knows every other claim is dead, sends it again
/// (<see cref="DigestOutbox.RecoverInterruptedAsync"/>). That is right whenever the crash came before the server's 250,
/// because a server that has not acknowledged the DATA has not taken the message; it gives a duplicate only when the
/// crash falls between the server's 250 and our commit in (3) — the QUIT exchange and one local SQLite commit, well
/// under a millisecond next to a conversation of several — and the duplicate still carries the same Message-ID. SMTP has no way to ask a server whether it took a message, so that
/// interval cannot be closed; resending keeps it as small as it can be, where not resending would lose a digest for
/// every crash during a conversation. Digests never run in a second process at once: the job lock sees to that.
/// </para>
/// </summary>
public sealed class DigestSender(DigestOutbox outbox, IMailSender mail, IOptions<DigestOptions> options, TimeProvider clock, ILogger<DigestSender> log)
{
    private DigestOptions Options => options.Value;

    /// <summary>
    /// Sends every digest that is due, as run <paramref name="owner"/> (which must hold the digest job lock). Stops claiming
    /// when <paramref name="ct"/> is cancelled, but lets the digests already handed to the mail server finish, so a
    /// graceful stop never leaves one in doubt. <paramref name="stillHolding"/> is asked between batches.
    /// </summary>
    public async Task<DrainResult> DrainAsync(string owner, Func<bool> stillHolding, CancellationToken ct = default)
    {
        var total = DrainResult.None with { Recovered = await outbox.RecoverInterruptedAsync(owner, ct) };
        if (total.Recovered > 0) log.LogWarning("{Count} digest(s) were being sent when a previous run stopped; sending them again", total.Recovered);
        var batch = Options.SendConcurrency * 8;
        while (!ct.IsCancellationRequested && stillHolding())
        {
            var claimed = await outbox.ClaimAsync(owner, batch, ct);
            if (claimed.Count == 0) break;
            var active = await outbox.ActiveAmongAsync(claimed.Select(c => c.SubscriptionId).ToList(), ct);
            var results = new DrainResult[claimed.Count];
            // The sends run on their own token: one that was started is finished and recorded even when stopping.
            await Parallel.ForEachAsync(Enumerable.Range(0, claimed.Count), new ParallelOptions { MaxDegreeOfParallelism = Options.SendConcurrency },
                async (i, _) => results[i] = ct.IsCancellationRequested
                    ? await ReleaseAsync(claimed[i], owner)
                    : await SendOneAsync(claimed[i], owner, active.Contains(claimed[i].SubscriptionId)));
            total = results.Aggregate(total, (a, r) => a.Plus(r));
        }
        return total;
    }

    /// <summary>A claimed digest not started because the run is stopping: pending again, due at once.</summary>
    private async Task<DrainResult> ReleaseAsync(ClaimedDigest d, string owner)
    {
        await outbox.MarkRetryAsync(d, owner, "not attempted: the sender was stopping", clock.GetUtcNow().UtcDateTime);
        return DrainResult.None;
    }

    private async Task<DrainResult> SendOneAsync(ClaimedDigest d, string owner, bool active)
    {
        if (!active)
        {
            await outbox.MarkSkippedAsync(d, owner);
            return DrainResult.None with { Skipped = 1 };
        }
        MimeMessage message;
        try { message = MimeMessage.Load(new MemoryStream(d.Mime)); }
        catch (FormatException e)
        {
            await outbox.MarkFailedAsync(d, owner, $"unreadable MIME: {e.Message}", permanent: false, Options.SuspendAfter);
            return DrainResult.None with { Failed = 1 };
        }
        try
        {
            await mail.SendAsync(message);
        }
        catch (MailDeliveryException e) when (e.Permanent)
        {
            var suspended = await outbox.MarkFailedAsync(d, owner, e.Message, permanent: true, Options.SuspendAfter);
            if (suspended) log.LogWarning("Subscription {Id} suspended after {Count} permanent failures in a row: {Error}", d.SubscriptionId, Options.SuspendAfter, e.Message);
            return DrainResult.None with { Failed = 1, Suspended = suspended ? 1 : 0 };
        }
        catch (MailDeliveryException e) when (d.Attempts >= Options.MaxAttempts)
        {
            await outbox.MarkFailedAsync(d, owner, $"gave up after {d.Attempts} attempts: {e.Message}", permanent: false, Options.SuspendAfter);
            return DrainResult.None with { Failed = 1 };
        }
        catch (MailDeliveryException e)
        {
            var next = clock.GetUtcNow().UtcDateTime + Backoff(d.Attempts);
            await outbox.MarkRetryAsync(d, owner, e.Message, next);
            log.LogInformation("Digest {MessageId} to be tried again at {Next:u} (attempt {Attempt}): {Error}", d.MessageId, next, d.Attempts, e.Message);
            return DrainResult.None with { Retrying = 1 };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not a delivery failure but a fault of ours: give the digest up rather than retry it on every run.
            log.LogError(e, "Digest {MessageId} could not be sent", d.MessageId);
            await outbox.MarkFailedAsync(d, owner, $"{e.GetType().Name}: {e.Message}", permanent: false, Options.SuspendAfter);
            return DrainResult.None with { Failed = 1 };
        }
        // Accepted by the server: record it before anything else can happen (see the class comment). A failure to
        // record it would send it again after the next recovery, so the store gets a few chances.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await outbox.MarkSentAsync(d, owner);
                return DrainResult.None with { Sent = 1 };
            }
            catch (Exception e) when (attempt < 3 && e is Microsoft.Data.Sqlite.SqliteException or Microsoft.EntityFrameworkCore.DbUpdateException)
            {
                log.LogWarning(e, "Recording digest {MessageId} as sent failed; trying again", d.MessageId);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt));
            }
        }
    }

    /// <summary>The wait before attempt <paramref name="attempts"/> + 1: base × 2^(attempts − 1), capped, ±20 % jitter so retries spread out.</summary>
    public TimeSpan Backoff(int attempts)
    {
        var o = Options;
        var exponential = o.BackoffBase.TotalSeconds * Math.Pow(2, Math.Clamp(attempts - 1, 0, 30));
        var capped = Math.Min(exponential, o.BackoffMax.TotalSeconds);
        return TimeSpan.FromSeconds(capped * (0.8 + 0.4 * Random.Shared.NextDouble()));
    }
}
