using Microsoft.Extensions.Options;
using Paperboy.Hosting;

namespace Paperboy.Indexing;

/// <summary>Keeps the server's indexes following the change log: at start-up, after imports, and on a short poll for other writers.</summary>
public sealed class IndexFollower(Indexer indexer, IOptions<PaperboyOptions> options, TimeProvider clock, ILogger<IndexFollower> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try { await indexer.CatchUpAsync(stoppingToken); }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception e) { logger.LogError(e, "Index catch-up failed; retrying"); }
            try { await Task.Delay(options.Value.IndexPollInterval, clock, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }
}
