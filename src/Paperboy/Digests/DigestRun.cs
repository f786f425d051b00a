using Microsoft.Extensions.Options;
using MimeKit;
using Paperboy.Storage;

namespace Paperboy.Digests;

/// <summary>How composing one period went: active subscribers still without a digest, digests added, and empty ones (not sent).</summary>
public sealed record ComposeResult(DigestPeriod Period, int Subscribers, int Added, int Empty, TimeSpan Took);

/// <summary>What one run did.</summary>
public sealed record DigestRunResult(IReadOnlyList<ComposeResult> Composed, DrainResult Delivery, TimeSpan DeliveryTook);

/// <summary>
/// One digest run, once per cluster: take the digest job lock (<see cref="JobLockStore.TryTakeAsync"/>: a lease in the
/// store on SQLite, an advisory lock on PostgreSQL), compose the given periods into the outbox, drain the outbox, let go of the lock. Used by the scheduler in <c>serve</c> and by
/// <c>paperboy digest send</c>.
/// </summary>
public sealed class DigestRun(
    JobLockStore locks, SubscriptionStore subscriptions, DigestComposer composer, DigestMail mail, DigestOutbox outbox, DigestSender sender,
    Indexing.Indexer indexer, IOptions<DigestOptions> options, ILogger<DigestRun> log)
{
    public const string LockName = "digests";

    /// <summary>Runs, or returns null at once when another run (here or on another node) holds the lock.</summary>
    public async Task<DigestRunResult?> RunAsync(IReadOnlyList<DigestPeriod> periods, CancellationToken ct = default)
    {
        var owner = JobLockStore.NewOwner();
        var lease = options.Value.LockLease;
        await using var held = await locks.TryTakeAsync(LockName, owner, lease, ct);
        if (held is null) return null;

        using var lost = CancellationTokenSource.CreateLinkedTokenSource(ct, held.Lost);
        using var said = held.Lost.Register(() => log.LogError(
            "The digest job lock was lost (its lease of {Lease} could not be renewed, or its database session ended); stopping this run", lease));
        var composed = new List<ComposeResult>();
        foreach (var period in periods) composed.Add(await ComposeAsync(period, lost.Token));
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var delivery = await sender.DrainAsync(owner, () => !lost.IsCancellationRequested, lost.Token);
        return new DigestRunResult(composed, delivery, System.Diagnostics.Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// Composes a period's digests into the outbox in one transaction, for the active subscribers of its frequency
    /// that do not have one yet: running it again for the same period adds nothing. Empty digests are not written.
    /// </summary>
    public async Task<ComposeResult> ComposeAsync(DigestPeriod period, CancellationToken ct = default)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        // Saved searches must see every paper the store has: a digest, once composed, is final.
        await indexer.CatchUpAsync(ct);
        var waiting = await subscriptions.AwaitingDigestAsync(period.Frequency, period.Key, ct);
        var digests = await composer.ComposeAsync(period, waiting, ct);
        var nonEmpty = digests.Where(d => !d.IsEmpty).ToList();
        // Rendering streams into the transaction: the MIME of ten thousand digests is never held at once.
        var added = await outbox.AddAsync(period.Key, nonEmpty.Select(mail.Compose), ct);
        if (waiting.Count > 0) log.LogInformation("Digests for {Period}: {Added} composed, {Empty} empty for {Subscribers} subscribers", period.Key, added, digests.Count - nonEmpty.Count, waiting.Count);
        return new ComposeResult(period, waiting.Count, added, digests.Count - nonEmpty.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started));
    }

    /// <summary>What <paramref name="subscription"/> would get for <paramref name="period"/>; nothing is written.</summary>
    public async Task<(Digest Digest, MimeMessage Message)> PreviewAsync(Subscription subscription, DigestPeriod period, CancellationToken ct = default)
    {
        await indexer.CatchUpAsync(ct);
        var digest = (await composer.ComposeAsync(period, [subscription], ct)).Single();
        return (digest, mail.Render(digest));
    }
}
