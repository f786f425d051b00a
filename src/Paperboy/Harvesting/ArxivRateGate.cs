using Microsoft.Extensions.Options;

namespace Paperboy.Harvesting;

/// <summary>
/// The polite rate limit of the whole process: one request to arXiv at a time, and at least
/// <see cref="ArxivOptions.MinInterval"/> between the end of one and the start of the next (longer when the server
/// asked for it with Retry-After). One instance per process (a singleton), shared by every <see cref="ArxivClient"/>.
/// </summary>
public sealed class ArxivRateGate(IOptions<ArxivOptions> options, TimeProvider clock)
{
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(5);
    private readonly SemaphoreSlim _turn = new(1, 1);
    private DateTimeOffset _readyAt = DateTimeOffset.MinValue;

    /// <summary>Waits for our turn; dispose the result when the request has finished (answered, failed or timed out).</summary>
    public async Task<Turn> EnterAsync(CancellationToken ct)
    {
        await _turn.WaitAsync(ct);
        try
        {
            var wait = _readyAt - clock.GetUtcNow();
            // Timers may fire a hair early against other clocks: wait a little more, never less, than asked.
            if (wait > TimeSpan.Zero) await Task.Delay(wait + Slack, clock, ct);
        }
        catch
        {
            _turn.Release();
            throw;
        }
        return new Turn(this);
    }

    /// <summary>Holds every request back until at least <paramref name="delay"/> from now (a server's Retry-After).</summary>
    public void Defer(TimeSpan delay)
    {
        var until = clock.GetUtcNow() + delay;
        lock (_turn) if (until > _readyAt) _readyAt = until;
    }

    private void Leave()
    {
        var next = clock.GetUtcNow() + options.Value.MinInterval;
        lock (_turn) if (next > _readyAt) _readyAt = next;
        _turn.Release();
    }

    public sealed class Turn : IDisposable
    {
        private ArxivRateGate? _gate;
        internal Turn(ArxivRateGate gate) => _gate = gate;
        public void Dispose() => Interlocked.Exchange(ref _gate, null)?.Leave();
    }
}
