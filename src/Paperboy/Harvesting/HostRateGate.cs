using System.Collections.Concurrent;

namespace Paperboy.Harvesting;

/// <summary>
/// The polite rate limit of the whole process, per host: one request at a time to a host, and at least the caller's
/// minimum interval between the end of one and the start of the next (longer when the server asked for it with
/// Retry-After). The arXiv client and the harvesters share it, so export.arxiv.org sees one polite client, not two.
/// It also holds each host's circuit breaker: after a run of failed requests the host is left alone for a while.
/// One instance per process (a singleton).
/// </summary>
public sealed class HostRateGate(TimeProvider clock)
{
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(5);
    private readonly ConcurrentDictionary<string, Slot> _slots = new(StringComparer.OrdinalIgnoreCase);

    private sealed class Slot
    {
        public readonly SemaphoreSlim Turn = new(1, 1);
        public DateTimeOffset ReadyAt = DateTimeOffset.MinValue;
        public int Failures;
        public DateTimeOffset OpenUntil = DateTimeOffset.MinValue;
    }

    private Slot For(string host) => _slots.GetOrAdd(host, _ => new Slot());

    /// <summary>Waits for our turn at <paramref name="host"/>; dispose the result when the request has finished.</summary>
    public async Task<Turn> EnterAsync(string host, TimeSpan minInterval, CancellationToken ct)
    {
        var slot = For(host);
        await slot.Turn.WaitAsync(ct);
        try
        {
            var wait = slot.ReadyAt - clock.GetUtcNow();
            // Timers may fire a hair early against other clocks: wait a little more, never less, than asked.
            if (wait > TimeSpan.Zero) await Task.Delay(wait + Slack, clock, ct);
        }
        catch
        {
            slot.Turn.Release();
            throw;
        }
        return new Turn(this, slot, minInterval);
    }

    /// <summary>Holds every request to <paramref name="host"/> back until at least <paramref name="delay"/> from now (a Retry-After).</summary>
    public void Defer(string host, TimeSpan delay)
    {
        var slot = For(host);
        var until = clock.GetUtcNow() + delay;
        lock (slot) if (until > slot.ReadyAt) slot.ReadyAt = until;
    }

    /// <summary>How long the host's circuit stays open (no request is sent), or null when it is closed.</summary>
    public TimeSpan? OpenFor(string host)
    {
        var slot = For(host);
        lock (slot)
        {
            var left = slot.OpenUntil - clock.GetUtcNow();
            return left > TimeSpan.Zero ? left : null;
        }
    }

    /// <summary>Counts a request that failed after its retries; the <paramref name="breakAfter"/>-th in a row opens the circuit.</summary>
    public void Failed(string host, int breakAfter, TimeSpan breakFor)
    {
        var slot = For(host);
        lock (slot)
        {
            if (++slot.Failures < breakAfter) return;
            slot.OpenUntil = clock.GetUtcNow() + breakFor;
            slot.Failures = 0;
        }
    }

    public void Succeeded(string host)
    {
        var slot = For(host);
        lock (slot) slot.Failures = 0;
    }

    private void Leave(Slot slot, TimeSpan minInterval)
    {
        var next = clock.GetUtcNow() + minInterval;
        lock (slot) if (next > slot.ReadyAt) slot.ReadyAt = next;
        slot.Turn.Release();
    }

    public sealed class Turn : IDisposable
    {
        private HostRateGate? _gate;
        private readonly Slot _slot;
        private readonly TimeSpan _interval;
        internal Turn(HostRateGate gate, object slot, TimeSpan interval) { _gate = gate; _slot = (Slot)slot; _interval = interval; }
        public void Dispose() => Interlocked.Exchange(ref _gate, null)?.Leave(_slot, _interval);
    }
}
