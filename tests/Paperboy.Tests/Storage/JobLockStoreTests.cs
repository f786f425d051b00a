using Npgsql;
using Paperboy.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Storage;

/// <summary>
/// <see cref="JobLockStore.TryTakeAsync"/>, the one way a job takes its lock, on both providers: a lease row on SQLite, an
/// advisory lock on a session of its own on PostgreSQL (<see cref="PostgresJobLockTests"/> for what only that one does).
/// </summary>
public abstract class JobLockStoreTests(StoreProvider provider) : IAsyncLifetime
{
    protected TestStore Db = null!;
    protected readonly FixedClock Clock = new(new DateTimeOffset(2026, 11, 24, 6, 0, 0, TimeSpan.Zero));
    protected JobLockStore Locks => new(Db.Factory, Clock);

    public async Task InitializeAsync() => Db = await TestStore.CreateAsync(provider, Clock);
    public async Task DisposeAsync() => await Db.DisposeAsync();

    [Fact]
    public async Task A_job_lock_is_held_by_one_run_at_a_time_and_free_again_once_released()
    {
        var lease = TimeSpan.FromMinutes(2);
        await using (var first = await Locks.TryTakeAsync("digests", "node-a/1", lease))
        {
            Assert.NotNull(first);
            Assert.Null(await Locks.TryTakeAsync("digests", "node-b/1", lease));
            await using (var other = await Locks.TryTakeAsync("harvest", "node-b/1", lease)) Assert.NotNull(other);   // per job
            Assert.Equal("node-a/1", (await Locks.HolderAsync("digests"))!.Owner);
            Assert.False(first.Lost.IsCancellationRequested);
        }
        Assert.Null(await Locks.HolderAsync("digests"));
        await using var second = await Locks.TryTakeAsync("digests", "node-b/2", lease);
        Assert.NotNull(second);
    }

    [Fact]
    public async Task Of_many_runs_asking_at_once_exactly_one_gets_the_lock()
    {
        var leases = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => Locks.TryTakeAsync("race", $"node-{i}", TimeSpan.FromMinutes(2)))));
        try { Assert.Single(leases, l => l is not null); }
        finally { foreach (var l in leases) if (l is not null) await l.DisposeAsync(); }
    }
}

public sealed class SqliteJobLockTests() : JobLockStoreTests(StoreProvider.Sqlite)
{
    [Fact]
    public async Task On_SQLite_a_holder_that_stops_renewing_loses_the_lock_after_its_lease()
    {
        var lease = TimeSpan.FromMinutes(2);
        Assert.True(await Locks.TryAcquireAsync("digests", "crashed-node", lease));   // a holder that will never renew
        Assert.Null(await Locks.TryTakeAsync("digests", "node-b", lease));
        Clock.Now = Clock.Now.AddMinutes(3);
        await using var taken = await Locks.TryTakeAsync("digests", "node-b", lease);
        Assert.NotNull(taken);
    }
}

public sealed class SqliteBusyJobLockTests : IAsyncLifetime
{
    private TestStore _db = null!;
    public async Task InitializeAsync() => _db = await TestStore.CreateAsync();
    public async Task DisposeAsync() => await _db.DisposeAsync();

    /// <summary>Lock renewals that wait at most one second for SQLite's write lock (a real clock: the renewals are timers).</summary>
    private JobLockStore Locks()
    {
        var options = new Microsoft.EntityFrameworkCore.DbContextOptionsBuilder<PaperboyDb>();
        options.UseSqliteStore(StorageSetup.SqliteConnectionString(_db.DataDir, TimeSpan.FromSeconds(1)));
        return new(new Factory(options.Options), TimeProvider.System);
    }

    private sealed class Factory(Microsoft.EntityFrameworkCore.DbContextOptions<PaperboyDb> options) : Microsoft.EntityFrameworkCore.IDbContextFactory<PaperboyDb>
    {
        public PaperboyDb CreateDbContext() => new(options);
    }

    /// <summary>Another connection holds SQLite's write lock (a long write: a 2.5M-paper topic map, or this job's own) for <paramref name="held"/>.</summary>
    private async Task HoldWriteLockAsync(TimeSpan held)
    {
        await using var other = new Microsoft.Data.Sqlite.SqliteConnection(_db.ConnectionString);
        await other.OpenAsync();
        await using (var begin = other.CreateCommand()) { begin.CommandText = "BEGIN IMMEDIATE"; await begin.ExecuteNonQueryAsync(); }
        await Task.Delay(held);
        await using (var commit = other.CreateCommand()) { commit.CommandText = "COMMIT"; await commit.ExecuteNonQueryAsync(); }
    }

    [Fact]
    public async Task A_renewal_that_waits_on_a_busy_store_is_tried_again_while_the_lease_lasts()
    {
        // A 9 s lease is renewed every 3 s. The store is busy from 3.5 s to 7.5 s, so the renewal at 6 s times out at
        // 7 s; the lease lasts until 12 s, so the tries a second apart renew it and the job goes on. (A 6 s lease and a
        // store busy until 6 s left a loaded machine too little slack: the retry landed after the lease once.)
        await using var lease = await Locks().TryTakeAsync("topics", "node-a", TimeSpan.FromSeconds(9));
        Assert.NotNull(lease);
        await Task.Delay(TimeSpan.FromSeconds(3.5));
        await HoldWriteLockAsync(TimeSpan.FromSeconds(4));
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.False(lease.Lost.IsCancellationRequested);
        Assert.Equal("node-a", (await Locks().HolderAsync("topics"))!.Owner);
    }

    [Fact]
    public async Task A_store_busy_past_the_lease_loses_the_lock_before_it_expires()
    {
        await using var lease = await Locks().TryTakeAsync("topics", "node-a", TimeSpan.FromSeconds(6));
        Assert.NotNull(lease);
        var lost = new TaskCompletionSource();
        using var _ = lease.Lost.Register(() => lost.TrySetResult());
        var busy = HoldWriteLockAsync(TimeSpan.FromSeconds(12));
        // Given up while the lease row is still ours (it expires 6 s after the last renewal): nobody can have taken it yet.
        await lost.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await busy;
    }
}

public sealed class PostgresJobLockTests() : JobLockStoreTests(StoreProvider.Postgres)
{
    [Fact]
    public async Task On_PostgreSQL_the_lock_never_expires_under_a_live_holder_and_is_free_the_moment_its_session_dies()
    {
        var lease = TimeSpan.FromMilliseconds(600);   // the session is checked every 200 ms
        await using var held = await Locks.TryTakeAsync("digests", "node-a", lease);
        Assert.NotNull(held);

        // No lease to run out: an hour later by the clock the holder still has it (the lease table would have let go).
        Clock.Now = Clock.Now.AddHours(1);
        Assert.Null(await Locks.TryTakeAsync("digests", "node-b", lease));
        // A stale lease row is not a lock here: the advisory lock decides.
        Assert.True(await Locks.TryAcquireAsync("stale", "dead-node", lease));
        await using (var stale = await Locks.TryTakeAsync("stale", "node-b", lease)) Assert.NotNull(stale);

        // The holder's session dies (its node was killed, or the network cut): the lock is free at once, and the holder is told.
        await using (var admin = new NpgsqlConnection(Db.ConnectionString))
        {
            await admin.OpenAsync();
            await using var kill = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'paperboy-job-lock:digests'", admin);
            Assert.Equal(1L, await kill.ExecuteScalarAsync());
        }
        await using var taken = await Locks.TryTakeAsync("digests", "node-b", lease);
        Assert.NotNull(taken);
        Assert.Equal("node-b", (await Locks.HolderAsync("digests"))!.Owner);
        await Task.WhenAny(Task.Delay(TimeSpan.FromSeconds(5), TimeProvider.System), Task.Delay(Timeout.Infinite, held.Lost));
        Assert.True(held.Lost.IsCancellationRequested, "the holder whose session died must learn it lost the lock");
    }
}
