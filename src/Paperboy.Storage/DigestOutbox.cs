using System.Data;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;

namespace Paperboy.Storage;

/// <summary>Where a digest in the outbox is on its way to the mail server.</summary>
public enum DigestStatus
{
    /// <summary>Waiting to be sent at <see cref="OutboxDigest.NextAttemptAt"/>.</summary>
    Pending,
    /// <summary>Claimed by a sender (<see cref="OutboxDigest.ClaimedBy"/>) and being handed to the mail server.</summary>
    Sending,
    /// <summary>The mail server accepted it.</summary>
    Sent,
    /// <summary>Given up: a permanent refusal, or too many transient ones (<see cref="OutboxDigest.LastError"/> says which).</summary>
    Failed,
    /// <summary>Not sent: the subscription ended or was suspended before its turn came.</summary>
    Skipped,
}

/// <summary>
/// One composed digest: a subscription's mail for one period, rendered to MIME once at composition, so what is sent
/// (and re-sent after a crash) is byte for byte what was composed. Unique per (subscription, period).
/// </summary>
public sealed class OutboxDigest
{
    public const int MaxPeriodKey = 16;
    public const int MaxError = 1000;

    public long Id { get; set; }
    public long SubscriptionId { get; set; }
    /// <summary><c>daily:2026-11-23</c> or <c>weekly:2026-W47</c>.</summary>
    public string PeriodKey { get; set; } = "";
    public string Recipient { get; set; } = "";
    /// <summary>Deterministic per (subscription, period): a copy that arrives twice can be recognised as the same mail.</summary>
    public string MessageId { get; set; } = "";
    /// <summary>The whole message as it goes on the wire; emptied once sent.</summary>
    public byte[] Mime { get; set; } = [];
    public DigestStatus Status { get; set; }
    public int Attempts { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime NextAttemptAt { get; set; }
    /// <summary>The sender run that claimed it (while <see cref="DigestStatus.Sending"/>) and when.</summary>
    public string? ClaimedBy { get; set; }
    public DateTime? ClaimedAt { get; set; }
    public string? LastError { get; set; }
    public DateTime? SentAt { get; set; }
}

/// <summary>A digest ready to go into the outbox.</summary>
public sealed record ComposedDigest(long SubscriptionId, string Recipient, string MessageId, byte[] Mime);

/// <summary>A claimed digest for the sender: what to send and to whom.</summary>
public sealed record ClaimedDigest(long Id, long SubscriptionId, string Recipient, string MessageId, byte[] Mime, int Attempts);

/// <summary>How many digests are in each state (for the CLI and the logs).</summary>
public sealed record OutboxCounts(int Pending, int Sending, int Sent, int Failed, int Skipped);

/// <summary>
/// The digest outbox: composition writes a period's digests in one transaction; senders claim due ones, hand them to
/// the mail server and record the outcome. Every state change is one short transaction of its own, committed before the
/// next step starts, so a crash leaves each digest in a state that says what is known about it (see
/// <see cref="RecoverInterruptedAsync"/> for the one state that is ambiguous).
/// </summary>
public sealed class DigestOutbox(IDbContextFactory<PaperboyDb> factory, TimeProvider clock)
{
    private const int Chunk = 500;

    /// <summary>
    /// Adds a period's digests in ONE transaction; a subscription that already has a digest for the period keeps it and
    /// is not given a second one. <paramref name="digests"/> is enumerated inside the transaction (rendering can stream
    /// into it, so memory stays flat); other writers wait for the commit. Returns how many were added.
    /// </summary>
    public async Task<int> AddAsync(string periodKey, IEnumerable<ComposedDigest> digests, CancellationToken ct = default)
    {
        if (periodKey.Length is 0 or > OutboxDigest.MaxPeriodKey) throw new ArgumentException($"bad period key '{periodKey}'", nameof(periodKey));
        await using var db = await factory.CreateDbContextAsync(ct);
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var existing = (await db.DigestOutbox.Where(d => d.PeriodKey == periodKey).Select(d => d.SubscriptionId).ToListAsync(ct)).ToHashSet();
        var now = clock.GetUtcNow().UtcDateTime;
        var added = 0;
        foreach (var d in digests)
        {
            ct.ThrowIfCancellationRequested();
            if (!existing.Add(d.SubscriptionId)) continue;
            db.DigestOutbox.Add(new OutboxDigest
            {
                SubscriptionId = d.SubscriptionId, PeriodKey = periodKey, Recipient = d.Recipient, MessageId = d.MessageId, Mime = d.Mime,
                Status = DigestStatus.Pending, CreatedAt = now, NextAttemptAt = now,
            });
            if (++added % Chunk == 0)
            {
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
            }
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return added;
    }

    /// <summary>
    /// After a crash: digests left <see cref="DigestStatus.Sending"/> by another sender run go back to pending, to be
    /// sent again. Call only while holding the digest job lock (<see cref="JobLockStore"/>), which makes every other
    /// run's claim a dead one.
    /// <para>
    /// This is the one ambiguous state. A sender commits the claim before it opens the SMTP conversation and commits
    /// <see cref="DigestStatus.Sent"/> as soon as the server has answered 250 to the message, so a claimed digest was
    /// either never handed over (the crash came before or during the SMTP transaction: the server discards a message
    /// whose DATA it never acknowledged) or was accepted in the instant between the server's 250 and our commit.
    /// We resend: the first case is far more likely (it spans the whole conversation, the second a local SQLite commit),
    /// and a duplicate from the second carries the same Message-ID, so mail readers and de-duplicating servers can
    /// recognise it. Not resending would instead lose a digest for every crash during a conversation.
    /// </para>
    /// </summary>
    public async Task<int> RecoverInterruptedAsync(string owner, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.DigestOutbox.Where(d => d.Status == DigestStatus.Sending && d.ClaimedBy != owner)
            .ExecuteUpdateAsync(u => u
                .SetProperty(d => d.Status, DigestStatus.Pending)
                .SetProperty(d => d.NextAttemptAt, now)
                .SetProperty(d => d.ClaimedBy, (string?)null)
                .SetProperty(d => d.LastError, "the sender stopped during the attempt; sending again"), ct);
    }

    /// <summary>
    /// Claims up to <paramref name="max"/> due pending digests for <paramref name="owner"/> in one statement (only rows
    /// still pending are taken, so two claimers can never take the same one) and commits before returning them.
    /// </summary>
    public async Task<List<ClaimedDigest>> ClaimAsync(string owner, int max, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var due = await db.DigestOutbox.Where(d => d.Status == DigestStatus.Pending && d.NextAttemptAt <= now)
            .OrderBy(d => d.NextAttemptAt).ThenBy(d => d.Id).Select(d => d.Id).Take(max).ToListAsync(ct);
        if (due.Count == 0) return [];
        // The update takes only rows that are still pending, so a row claimed meanwhile by another sender is skipped;
        // the owner (one per run, which claims one batch at a time) then tells which of them this call got.
        await db.DigestOutbox.Where(d => due.Contains(d.Id) && d.Status == DigestStatus.Pending).ExecuteUpdateAsync(u => u
            .SetProperty(d => d.Status, DigestStatus.Sending).SetProperty(d => d.ClaimedBy, owner)
            .SetProperty(d => d.ClaimedAt, now).SetProperty(d => d.Attempts, d => d.Attempts + 1), ct);
        return await db.DigestOutbox.AsNoTracking()
            .Where(d => due.Contains(d.Id) && d.Status == DigestStatus.Sending && d.ClaimedBy == owner)
            .OrderBy(d => d.Id)
            .Select(d => new ClaimedDigest(d.Id, d.SubscriptionId, d.Recipient, d.MessageId, d.Mime, d.Attempts))
            .ToListAsync(ct);
    }

    /// <summary>The mail server accepted the digest: done for good (its MIME is dropped, its Message-ID kept). Resets the subscription's failure count.</summary>
    public async Task MarkSentAsync(ClaimedDigest d, string owner, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        await db.DigestOutbox.Where(x => x.Id == d.Id && x.ClaimedBy == owner).ExecuteUpdateAsync(u => u
            .SetProperty(x => x.Status, DigestStatus.Sent).SetProperty(x => x.SentAt, now).SetProperty(x => x.Mime, Array.Empty<byte>())
            .SetProperty(x => x.LastError, (string?)null), ct);
        await db.Subscriptions.Where(s => s.Id == d.SubscriptionId && s.PermanentFailures != 0)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.PermanentFailures, 0), ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>A transient failure: pending again, to be tried at <paramref name="nextAttemptAt"/>.</summary>
    public async Task MarkRetryAsync(ClaimedDigest d, string owner, string error, DateTime nextAttemptAt, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await db.DigestOutbox.Where(x => x.Id == d.Id && x.ClaimedBy == owner).ExecuteUpdateAsync(u => u
            .SetProperty(x => x.Status, DigestStatus.Pending).SetProperty(x => x.NextAttemptAt, nextAttemptAt)
            .SetProperty(x => x.ClaimedBy, (string?)null).SetProperty(x => x.LastError, Truncate(error)), ct);
    }

    /// <summary>
    /// Given up on the digest. A <paramref name="permanent"/> refusal counts against the subscription, which is suspended
    /// (<see cref="Subscription.SuspendedAt"/>) when it reaches <paramref name="suspendAfter"/> in a row. True when this suspended it.
    /// </summary>
    public async Task<bool> MarkFailedAsync(ClaimedDigest d, string owner, string error, bool permanent, int suspendAfter, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        await db.DigestOutbox.Where(x => x.Id == d.Id && x.ClaimedBy == owner).ExecuteUpdateAsync(u => u
            .SetProperty(x => x.Status, DigestStatus.Failed).SetProperty(x => x.ClaimedBy, (string?)null)
            .SetProperty(x => x.LastError, Truncate(error)).SetProperty(x => x.Mime, Array.Empty<byte>()), ct);
        var suspended = false;
        if (permanent)
        {
            var s = await db.Subscriptions.FirstOrDefaultAsync(x => x.Id == d.SubscriptionId, ct);
            if (s is not null)
            {
                s.PermanentFailures++;
                if (s.PermanentFailures >= suspendAfter && s.SuspendedAt is null) { s.SuspendedAt = now; suspended = true; }
                await db.SaveChangesAsync(ct);
            }
        }
        await tx.CommitAsync(ct);
        return suspended;
    }

    /// <summary>Not sent because the subscription is no longer active.</summary>
    public async Task MarkSkippedAsync(ClaimedDigest d, string owner, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await db.DigestOutbox.Where(x => x.Id == d.Id && x.ClaimedBy == owner).ExecuteUpdateAsync(u => u
            .SetProperty(x => x.Status, DigestStatus.Skipped).SetProperty(x => x.ClaimedBy, (string?)null)
            .SetProperty(x => x.Mime, Array.Empty<byte>()), ct);
    }

    /// <summary>The earliest time a pending digest is due, or null when none is pending.</summary>
    public async Task<DateTime?> NextDueAsync(CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.DigestOutbox.Where(d => d.Status == DigestStatus.Pending).MinAsync(d => (DateTime?)d.NextAttemptAt, ct);
    }

    public async Task<OutboxDigest?> FindAsync(long subscriptionId, string periodKey, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.DigestOutbox.AsNoTracking().FirstOrDefaultAsync(d => d.SubscriptionId == subscriptionId && d.PeriodKey == periodKey, ct);
    }

    /// <summary>How many digests are in each state, for one period or (null) all.</summary>
    public async Task<OutboxCounts> CountsAsync(string? periodKey = null, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var q = db.DigestOutbox.AsQueryable();
        if (periodKey is not null) q = q.Where(d => d.PeriodKey == periodKey);
        var counts = await q.GroupBy(d => d.Status).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        int C(DigestStatus s) => counts.GetValueOrDefault(s);
        return new OutboxCounts(C(DigestStatus.Pending), C(DigestStatus.Sending), C(DigestStatus.Sent), C(DigestStatus.Failed), C(DigestStatus.Skipped));
    }

    /// <summary>Which of these subscriptions may still be mailed (confirmed, not unsubscribed, not suspended).</summary>
    public async Task<HashSet<long>> ActiveAmongAsync(IReadOnlyCollection<long> subscriptionIds, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var ids = subscriptionIds.ToList();
        return (await db.Subscriptions.Where(s => ids.Contains(s.Id) && s.ConfirmedAt != null && s.UnsubscribedAt == null && s.SuspendedAt == null)
            .Select(s => s.Id).ToListAsync(ct)).ToHashSet();
    }

    private static string Truncate(string s) => s.Length <= OutboxDigest.MaxError ? s : s[..OutboxDigest.MaxError];
}
