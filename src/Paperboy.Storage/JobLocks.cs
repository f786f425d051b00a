using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Paperboy.Storage;

/// <summary>A named lock on a job that must run once per cluster; held by <see cref="Owner"/> until <see cref="ExpiresAt"/> unless renewed.</summary>
public sealed class JobLock
{
    public const int MaxName = 64;
    public const int MaxOwner = 128;

    public string Name { get; set; } = "";
    public string Owner { get; set; } = "";
    public DateTime ExpiresAt { get; set; }
}

/// <summary>
/// Locks for jobs that must run once per cluster (digests; later harvesting). <see cref="TryTakeAsync"/> is the one way a
/// job takes its lock, on either provider; it returns a <see cref="JobLease"/> to hold for the job's duration.
/// <list type="bullet">
/// <item>SQLite: a row in <c>job_locks</c> with a lease. Taking it is a single conditional upsert, written only when the
/// row is missing, expired or already ours, so of several processes asking at once exactly one gets it; the holder renews
/// it every third of the lease, and a crashed holder blocks the job for at most one lease.</item>
/// <item>PostgreSQL: a session-level advisory lock (<c>pg_try_advisory_lock</c>) on a connection of its own, held for the
/// job's duration. PostgreSQL releases it the moment that connection ends, so a node killed mid-job frees the job at once
/// instead of after a lease, and nothing can expire under a job that stalls (a long GC pause, a slow SMTP server) while its
/// node is alive. The <c>job_locks</c> row is kept alongside only to say who holds it (<see cref="HolderAsync"/>).</item>
/// </list>
/// </summary>
public sealed class JobLockStore(IDbContextFactory<PaperboyDb> factory, TimeProvider clock)
{
    /// <summary>A new owner for one run: anything an earlier run claimed, even one in this process, is recognisably not its.</summary>
    public static string NewOwner()
    {
        var owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
        return owner.Length > JobLock.MaxOwner ? owner[^JobLock.MaxOwner..] : owner;
    }

    /// <summary>
    /// Takes the job's lock for <paramref name="owner"/>, or returns null at once when another run (in this process or on
    /// another node) holds it. Dispose the lease when the job is done; watch <see cref="JobLease.Lost"/> and stop the job
    /// when it fires (the lease could not be renewed, or the lock's connection died).
    /// </summary>
    public async Task<JobLease?> TryTakeAsync(string name, string owner, TimeSpan lease, CancellationToken ct = default)
    {
        string? postgres;
        await using (var db = await factory.CreateDbContextAsync(ct))
            postgres = db.Database.IsNpgsql() ? db.Database.GetConnectionString() : null;
        if (postgres is null)
        {
            if (!await TryAcquireAsync(name, owner, lease, ct)) return null;
            // The row is ours until it expires: a renewal that fails because the store is busy (a long write, perhaps
            // this very job's) is tried again while the lease lasts, not taken for a loss.
            return new JobLease(name, owner, lease / 3, clock, retryUntilExpiry: lease,
                keep: token => TryAcquireAsync(name, owner, lease, token),
                release: () => ReleaseAsync(name, owner, CancellationToken.None));
        }

        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(postgres)
        {
            Pooling = false,       // the lock lives and dies with this session: it must never go back to a pool
            KeepAlive = 15,        // and a dead session is noticed
            ApplicationName = $"paperboy-job-lock:{name}",
        }.ToString());
        try
        {
            await connection.OpenAsync(ct);
            if (!await ScalarAsync<bool>(connection, "SELECT pg_try_advisory_lock(@key)", AdvisoryKey(name), ct))
            {
                await connection.DisposeAsync();
                return null;
            }
            await RecordHolderAsync(name, owner, lease, ct);
            return new JobLease(name, owner, lease / 3, clock, retryUntilExpiry: null,
                keep: async token =>
                {
                    await ScalarAsync<int>(connection, "SELECT 1", null, token);   // throws when the session is gone, and the lock with it
                    await RecordHolderAsync(name, owner, lease, token);
                    return true;
                },
                release: async () =>
                {
                    try
                    {
                        if (connection.FullState == System.Data.ConnectionState.Open)
                            await ScalarAsync<bool>(connection, "SELECT pg_advisory_unlock(@key)", AdvisoryKey(name), CancellationToken.None);
                    }
                    catch (Exception e) when (e is NpgsqlException or InvalidOperationException) { }   // the session is gone: so is the lock
                    finally { await connection.DisposeAsync(); }
                    try { await ReleaseAsync(name, owner, CancellationToken.None); } catch (NpgsqlException) { }
                });
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The advisory lock's key for a job: the first 8 bytes of SHA-256("paperboy job " + name). Session locks share their
    /// key space with <see cref="ChangeLog.AppendLock"/>'s transaction lock, which this cannot meet but by a 2⁻⁶⁴ chance.
    /// </summary>
    public static long AdvisoryKey(string name) => BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes("paperboy job " + name)), 0);

    /// <summary>The lease-table lock (SQLite's): takes or renews (when <paramref name="owner"/> holds it) the row for <paramref name="lease"/>; false when someone else holds it.</summary>
    public async Task<bool> TryAcquireAsync(string name, string owner, TimeSpan lease, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var expires = now + lease;
        await using var db = await factory.CreateDbContextAsync(ct);
        var changed = await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO job_locks ("Name", "Owner", "ExpiresAt") VALUES ({name}, {owner}, {expires})
            ON CONFLICT ("Name") DO UPDATE SET "Owner" = excluded."Owner", "ExpiresAt" = excluded."ExpiresAt"
            WHERE job_locks."Owner" = excluded."Owner" OR job_locks."ExpiresAt" <= {now}
            """, ct);
        return changed == 1;
    }

    /// <summary>Lets go of the lease-table lock if <paramref name="owner"/> holds it.</summary>
    public async Task ReleaseAsync(string name, string owner, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await db.JobLocks.Where(l => l.Name == name && l.Owner == owner).ExecuteDeleteAsync(ct);
    }

    /// <summary>Who holds the lock and until when (on PostgreSQL: until the holder's next renewal of the row); null when nobody does.</summary>
    public async Task<JobLock?> HolderAsync(string name, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await factory.CreateDbContextAsync(ct);
        if (!db.Database.IsNpgsql())
            return await db.JobLocks.AsNoTracking().FirstOrDefaultAsync(l => l.Name == name && l.ExpiresAt > now, ct);
        var key = AdvisoryKey(name);
        var held = await db.Database.SqlQuery<bool>($"""
            SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_database d ON d.oid = l.database
                WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()
                  AND l.classid::bigint = {(key >> 32) & 0xFFFFFFFFL} AND l.objid::bigint = {key & 0xFFFFFFFFL} AND l.objsubid = 1) AS "Value"
            """).SingleAsync(ct);
        if (!held) return null;
        return await db.JobLocks.AsNoTracking().FirstOrDefaultAsync(l => l.Name == name, ct) ?? new JobLock { Name = name, Owner = "(unknown)" };
    }

    /// <summary>PostgreSQL: the informational row that says who holds the advisory lock (overwritten whatever it said: the lock decides).</summary>
    private async Task RecordHolderAsync(string name, string owner, TimeSpan lease, CancellationToken ct)
    {
        var expires = clock.GetUtcNow().UtcDateTime + lease;
        await using var db = await factory.CreateDbContextAsync(ct);
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO job_locks ("Name", "Owner", "ExpiresAt") VALUES ({name}, {owner}, {expires})
            ON CONFLICT ("Name") DO UPDATE SET "Owner" = excluded."Owner", "ExpiresAt" = excluded."ExpiresAt"
            """, ct);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, long? key, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        if (key is { } k) cmd.Parameters.AddWithValue("key", k);
        return (T)(await cmd.ExecuteScalarAsync(ct))!;
    }
}

/// <summary>
/// A job lock held by this process: renewed (SQLite) or checked (PostgreSQL) every <c>every</c> in the background;
/// <see cref="Lost"/> fires when that fails, and disposing lets go of the lock. With <c>retryUntilExpiry</c> (a lease
/// row, which nobody else can take before it expires) a renewal that throws is tried again, and the lock is lost only
/// when the lease would run out before the next try could end; without it (a PostgreSQL session lock) at once.
/// </summary>
public sealed class JobLease : IAsyncDisposable
{
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _done = new();
    private readonly Func<Task> _release;
    private readonly Task _keeping;

    internal JobLease(string name, string owner, TimeSpan every, TimeProvider clock, TimeSpan? retryUntilExpiry,
        Func<CancellationToken, Task<bool>> keep, Func<Task> release)
    {
        (Name, Owner, _release) = (name, owner, release);
        _keeping = KeepAsync(every, clock, retryUntilExpiry, keep);
    }

    public string Name { get; }
    public string Owner { get; }

    /// <summary>Cancelled when the lock may no longer be ours: stop the job.</summary>
    public CancellationToken Lost => _lost.Token;

    private async Task KeepAsync(TimeSpan every, TimeProvider clock, TimeSpan? retryUntilExpiry, Func<CancellationToken, Task<bool>> keep)
    {
        try
        {
            var expires = clock.GetUtcNow() + (retryUntilExpiry ?? TimeSpan.Zero);
            var wait = every;
            while (true)
            {
                await Task.Delay(wait, clock, _done.Token);
                var started = clock.GetUtcNow();
                bool kept;
                try { kept = await keep(_done.Token); }
                catch (Exception) when (!_done.IsCancellationRequested)
                {
                    // A try takes as long as the store makes it wait (its busy timeout): give up only when another try
                    // that long could end after the lease has.
                    wait = TimeSpan.FromSeconds(1);
                    var took = clock.GetUtcNow() - started;
                    if (retryUntilExpiry is not null && clock.GetUtcNow() + wait + took < expires) continue;
                    kept = false;
                }
                if (!kept) { await _lost.CancelAsync(); return; }
                expires = started + (retryUntilExpiry ?? TimeSpan.Zero);
                wait = every;
            }
        }
        catch (OperationCanceledException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _done.CancelAsync();
        await _keeping;
        await _release();
        _done.Dispose();
        _lost.Dispose();
    }
}
