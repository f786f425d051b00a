using Npgsql;
using Paperboy.Storage;

namespace Paperboy.Indexing;

/// <summary>
/// On PostgreSQL, LISTENs on <see cref="ChangeLog.Channel"/> over a connection of its own and pulses <see cref="ChangeSignal"/>
/// for every notification, so this node's indexes follow a commit made on any node (or by a CLI import) within
/// milliseconds. When the connection drops it reconnects with back-off (0.5 s doubling to 30 s) and pulses once connected
/// again, since notifications sent meanwhile are lost; the follower's poll covers the gap until then. On SQLite it does nothing.
/// </summary>
public sealed class ChangeListener(StorageOptions storage, ChangeSignal changes, TimeProvider clock, ILogger<ChangeListener> logger) : BackgroundService
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(500), MaxRetry = TimeSpan.FromSeconds(30);

    /// <summary>True while the LISTEN connection is up (for tests and diagnostics).</summary>
    public bool Listening { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        if (storage.Provider != StoreProvider.Postgres) return;
        var connectionString = new NpgsqlConnectionStringBuilder(storage.ConnectionString)
        {
            Pooling = false,              // a connection of its own for as long as it lives, never handed to anyone else
            KeepAlive = 15,               // notice a half-open connection (a database that vanished without closing)
            ApplicationName = "paperboy-change-listener",
        }.ToString();
        var retry = FirstRetry;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(ct);
                connection.Notification += (_, e) => { if (e.Channel == ChangeLog.Channel) changes.Pulse(); };
                await using (var listen = new NpgsqlCommand($"LISTEN {ChangeLog.Channel}", connection)) await listen.ExecuteNonQueryAsync(ct);
                if (retry != FirstRetry) logger.LogInformation("Listening for change-log notifications again");
                Listening = true;
                retry = FirstRetry;
                changes.Pulse();          // whatever was committed while we were not listening
                while (true) await connection.WaitAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                Listening = false;
                logger.LogWarning("Change-log notifications interrupted ({Reason}); reconnecting in {Delay}, polling meanwhile", e.Message, retry);
                try { await Task.Delay(retry, clock, ct); } catch (OperationCanceledException) { return; }
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, MaxRetry.Ticks));
            }
            finally { Listening = false; }
        }
    }
}
