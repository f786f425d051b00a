using Microsoft.Extensions.Options;
using Paperboy.Hosting;

namespace Paperboy.Indexing;

/// <summary>
/// Keeps the server's indexes following the change log: at start-up, then whenever <see cref="ChangeSignal"/> says the log
/// has grown (PostgreSQL's NOTIFY, see <see cref="ChangeListener"/>) and at least every <see cref="PaperboyOptions.IndexPollInterval"/>,
/// the safety net for a missed notification and the only way on SQLite (a CLI import is another process).
/// </summary>
public sealed class IndexFollower(Indexer indexer, ChangeSignal changes, IOptions<PaperboyOptions> options, TimeProvider clock, ILogger<IndexFollower> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var woken = changes.Next;
            try { await indexer.CatchUpAsync(stoppingToken); }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception e) { logger.LogError(e, "Index catch-up failed; retrying"); }
            using var poll = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var delay = Task.Delay(options.Value.IndexPollInterval, clock, poll.Token);
            await Task.WhenAny(woken, delay);
            await poll.CancelAsync();
            if (stoppingToken.IsCancellationRequested) return;
        }
    }
}
