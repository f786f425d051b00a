using Microsoft.Extensions.Options;
using Paperboy.Hosting;

namespace Paperboy.Indexing;

/// <summary>
/// Keeps the server's indexes following the change log: at start-up, then whenever <see cref="ChangeSignal"/> says the log
/// has grown (PostgreSQL's NOTIFY, see <see cref="ChangeListener"/>) and at least every <see cref="PaperboyOptions.IndexPollInterval"/>,
/// the safety net for a missed notification and the only way on SQLite (a CLI import is another process).
/// The topic map follows in a task of its own: computing it whole takes minutes on a large store, and neither
/// <c>/healthz</c> nor the next changes wait for it.
/// </summary>
public sealed class IndexFollower(Indexer indexer, ChangeSignal changes, IOptions<PaperboyOptions> options, TimeProvider clock, ILogger<IndexFollower> logger) : BackgroundService
{
    private Task _topics = Task.CompletedTask;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var woken = changes.Next;
                try { await indexer.CatchUpIndexesAsync(stoppingToken); }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
                catch (Exception e) { logger.LogError(e, "Index catch-up failed; retrying"); }
                if (_topics.IsCompleted && indexer.Ready) _topics = FollowTopicsAsync(stoppingToken);
                using var poll = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var delay = Task.Delay(options.Value.IndexPollInterval, clock, poll.Token);
                await Task.WhenAny(woken, delay);
                await poll.CancelAsync();
                if (stoppingToken.IsCancellationRequested) return;
            }
        }
        finally { await _topics; }
    }

    private async Task FollowTopicsAsync(CancellationToken ct)
    {
        await Task.Yield();
        try { await indexer.CatchUpTopicsAsync(ct); }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        catch (Exception e) { logger.LogError(e, "Topic map catch-up failed; retrying"); }
    }
}
