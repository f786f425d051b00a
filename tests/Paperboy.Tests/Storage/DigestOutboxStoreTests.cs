using Paperboy.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Storage;

/// <summary>
/// The digest outbox's store operations on both providers: compose a period once, claim without overlap between
/// concurrent senders, mark sent / retry / failed / skipped, suspend after repeated refusals, and recover a dead run's claims.
/// </summary>
public abstract class DigestOutboxStoreTests(StoreProvider provider) : IAsyncLifetime
{
    private readonly FixedClock _clock = new(new DateTimeOffset(2026, 11, 24, 6, 0, 0, TimeSpan.Zero));
    private TestStore _db = null!;
    private SubscriptionStore _subscriptions = null!;
    private DigestOutbox _outbox = null!;

    public async Task InitializeAsync()
    {
        _db = await TestStore.CreateAsync(provider, _clock);
        _subscriptions = new SubscriptionStore(_db.Factory, _clock);
        _outbox = new DigestOutbox(_db.Factory, _clock);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private async Task<List<long>> SubscribersAsync(int n)
    {
        var ids = new List<long>();
        for (var i = 0; i < n; i++)
        {
            var (s, _) = await _subscriptions.RequestAsync($"Reader{i:00}@Example.org", SubscriptionFrequency.Daily, true, null);
            await _subscriptions.ConfirmAsync(s.Id);
            ids.Add(s.Id);
        }
        return ids;
    }

    private static ComposedDigest Digest(long id) => new(id, $"reader{id}@example.org", $"<daily-2026-11-23-{id}@paperboy>", [1, 2, 3, (byte)id]);

    [Fact]
    public async Task A_period_is_composed_once_and_concurrent_senders_never_claim_the_same_digest()
    {
        var ids = await SubscribersAsync(30);
        Assert.Equal(30, await _outbox.AddAsync("daily:2026-11-23", ids.Select(Digest)));
        Assert.Equal(0, await _outbox.AddAsync("daily:2026-11-23", ids.Select(Digest)));    // again: nothing new
        Assert.Equal(new OutboxCounts(30, 0, 0, 0, 0), await _outbox.CountsAsync("daily:2026-11-23"));
        Assert.Equal(_clock.Now.UtcDateTime, await _outbox.NextDueAsync());

        var claims = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() => _outbox.ClaimAsync($"run-{i}", 10))));
        var claimed = claims.SelectMany(c => c.Select(d => d.Id)).ToList();
        Assert.Equal(claimed.Count, claimed.Distinct().Count());
        Assert.Equal(30, claimed.Count + (await _outbox.CountsAsync()).Pending);
        var one = claims.SelectMany(c => c).First();
        Assert.Equal([1, 2, 3, (byte)one.SubscriptionId], one.Mime);
        Assert.Equal(1, one.Attempts);
    }

    [Fact]
    public async Task Sent_retry_failed_and_skipped_are_recorded_and_three_refusals_suspend_a_subscription()
    {
        var ids = await SubscribersAsync(4);
        await _outbox.AddAsync("daily:2026-11-23", ids.Select(Digest));
        var c = await _outbox.ClaimAsync("run-1", 10);
        Assert.Equal(4, c.Count);

        await _outbox.MarkSentAsync(c[0], "run-1");
        await _outbox.MarkSentAsync(c[1], "someone-else");   // not its claim: no effect
        await _outbox.MarkRetryAsync(c[1], "run-1", "451 try later", _clock.Now.UtcDateTime.AddMinutes(5));
        Assert.False(await _outbox.MarkFailedAsync(c[2], "run-1", "550 no such user", permanent: true, suspendAfter: 1 + 2));
        await _outbox.MarkSkippedAsync(c[3], "run-1");
        Assert.Equal(new OutboxCounts(1, 0, 1, 1, 1), await _outbox.CountsAsync());

        var sent = await _outbox.FindAsync(ids[0], "daily:2026-11-23");
        Assert.Equal(DigestStatus.Sent, sent!.Status);
        Assert.Empty(sent.Mime);
        Assert.Equal(_clock.Now.UtcDateTime, sent.SentAt);
        var retry = await _outbox.FindAsync(ids[1], "daily:2026-11-23");
        Assert.Equal(("451 try later", _clock.Now.UtcDateTime.AddMinutes(5)), (retry!.LastError, retry.NextAttemptAt));
        Assert.Empty(await _outbox.ClaimAsync("run-2", 10));                                  // not due yet
        _clock.Now = _clock.Now.AddMinutes(6);
        Assert.Equal([ids[1]], (await _outbox.ClaimAsync("run-2", 10)).Select(d => d.SubscriptionId));

        // Two more permanent refusals of the same subscriber in later periods suspend it.
        var suspended = false;
        foreach (var day in new[] { "daily:2026-11-24", "daily:2026-11-25" })
        {
            await _outbox.AddAsync(day, [Digest(ids[2])]);
            var d = Assert.Single(await _outbox.ClaimAsync("run-3", 10));
            suspended = await _outbox.MarkFailedAsync(d, "run-3", "550 no such user", permanent: true, suspendAfter: 3);
        }
        Assert.True(suspended);
        Assert.NotNull((await _subscriptions.FindAsync(ids[2]))!.SuspendedAt);
        Assert.Equal(new HashSet<long> { ids[0], ids[1], ids[3] }, await _outbox.ActiveAmongAsync(ids));
    }

    [Fact]
    public async Task A_dead_runs_claims_go_back_to_pending_for_the_next_lock_holder_and_its_own_do_not()
    {
        var ids = await SubscribersAsync(5);
        await _outbox.AddAsync("daily:2026-11-23", ids.Select(Digest));
        var dead = await _outbox.ClaimAsync("dead-run", 3);
        var mine = await _outbox.ClaimAsync("next-run", 1);
        Assert.Equal(new OutboxCounts(1, 4, 0, 0, 0), await _outbox.CountsAsync());

        Assert.Equal(3, await _outbox.RecoverInterruptedAsync("next-run"));
        Assert.Equal(new OutboxCounts(4, 1, 0, 0, 0), await _outbox.CountsAsync());
        var again = await _outbox.ClaimAsync("next-run", 10);
        Assert.Equal(4, again.Count);
        Assert.Subset(again.Select(d => d.Id).ToHashSet(), dead.Select(d => d.Id).ToHashSet());
        Assert.All(again.Where(d => dead.Any(x => x.Id == d.Id)), d => Assert.Equal(2, d.Attempts));
        Assert.DoesNotContain(mine[0].Id, again.Select(d => d.Id));
    }
}

public sealed class SqliteDigestOutboxStoreTests() : DigestOutboxStoreTests(StoreProvider.Sqlite);

public sealed class PostgresDigestOutboxStoreTests() : DigestOutboxStoreTests(StoreProvider.Postgres);
