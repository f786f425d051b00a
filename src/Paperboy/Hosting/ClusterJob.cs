using Paperboy.Storage;

namespace Paperboy.Hosting;

/// <summary>
/// Work that runs once per cluster (digests, harvests): it takes the named job lock in the store, renews it every third
/// of its lease while the work runs, cancels the work if the lease is lost (a run that stalled for longer than its
/// lease, so another node may have taken over), and lets go at the end. Each run has an owner of its own, so anything
/// it claimed is recognisably not claimed by any earlier run, even one in the same process.
/// </summary>
public sealed class ClusterJob(JobLockStore locks, ILogger<ClusterJob> log)
{
    /// <summary>Runs <paramref name="work"/> under the lock, or returns (false, default) at once when another run holds it.</summary>
    public async Task<(bool Ran, T? Result)> RunAsync<T>(string name, TimeSpan lease, Func<string, CancellationToken, Task<T>> work, CancellationToken ct = default)
    {
        var owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
        if (owner.Length > JobLock.MaxOwner) owner = owner[^JobLock.MaxOwner..];
        if (!await locks.TryAcquireAsync(name, owner, lease, ct)) return (false, default);

        using var lost = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var done = new CancellationTokenSource();
        var renewal = KeepAsync(name, owner, lease, lost, done.Token);
        try { return (true, await work(owner, lost.Token)); }
        finally
        {
            await done.CancelAsync();
            await renewal;
            await locks.ReleaseAsync(name, owner, CancellationToken.None);
        }
    }

    private async Task KeepAsync(string name, string owner, TimeSpan lease, CancellationTokenSource lost, CancellationToken done)
    {
        try
        {
            while (true)
            {
                await Task.Delay(lease / 3, done);
                if (!await locks.TryAcquireAsync(name, owner, lease, done))
                {
                    log.LogError("The {Job} job lock was lost (a run that stalled for longer than its lease of {Lease}); stopping this run", name, lease);
                    await lost.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException) { }
    }
}
