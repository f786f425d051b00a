using Microsoft.EntityFrameworkCore;

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
/// Locks in the store for cluster-wide jobs (digests; later harvesting). Taking one is a single conditional upsert: the
/// row is written only when it is missing, expired or already ours, so of several nodes asking at once exactly one gets
/// it. A lease that is not renewed expires, so a crashed holder blocks the job for at most one lease. On PostgreSQL this
/// is to be replaced by an advisory lock.
/// </summary>
public sealed class JobLockStore(IDbContextFactory<PaperboyDb> factory, TimeProvider clock)
{
    /// <summary>Takes (or renews, when <paramref name="owner"/> holds it) the lock for <paramref name="lease"/>; false when someone else holds it.</summary>
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

    /// <summary>Lets go of the lock if <paramref name="owner"/> holds it.</summary>
    public async Task ReleaseAsync(string name, string owner, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await db.JobLocks.Where(l => l.Name == name && l.Owner == owner).ExecuteDeleteAsync(ct);
    }

    /// <summary>Who holds the lock and until when; null when nobody does.</summary>
    public async Task<JobLock?> HolderAsync(string name, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.JobLocks.AsNoTracking().FirstOrDefaultAsync(l => l.Name == name && l.ExpiresAt > now, ct);
    }
}
