using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Paperboy.Core.Import;
using Paperboy.Core.Papers;
using Paperboy.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Storage;

/// <summary>
/// A real <see cref="PaperStore"/>, migrated and empty: over a SQLite file in a temporary directory (the default), or
/// over a fresh database on the test run's real PostgreSQL server. Both are registered exactly as the host does it
/// (<see cref="StorageSetup.AddPaperboyDb"/>), so a store test proves the same behaviour on each provider.
/// </summary>
public sealed class TestStore : IAsyncDisposable
{
    /// <summary>The "today" every test import uses, so year-less seed dates resolve the same way on any day.</summary>
    public static readonly DateOnly Today = new(2026, 11, 23);

    private readonly TempDir _dir = new();
    private readonly ServiceProvider _services;
    private readonly PostgresServer? _postgres;

    public StoreProvider Provider { get; }
    public PaperStore Store { get; }
    public string DataDir => _dir.Path;
    /// <summary>The provider's connection string (the SQLite file, or the PostgreSQL test database).</summary>
    public string ConnectionString { get; }
    public TimeProvider Clock { get; }

    public IDbContextFactory<PaperboyDb> Factory => _services.GetRequiredService<IDbContextFactory<PaperboyDb>>();

    private TestStore(StoreProvider provider, string? connectionString, PostgresServer? postgres, TimeProvider? clock)
    {
        (Provider, _postgres, Clock) = (provider, postgres, clock ?? TimeProvider.System);
        ConnectionString = connectionString ?? StorageSetup.SqliteConnectionString(_dir.Path);
        _services = new ServiceCollection().AddPaperboyDb(provider, _ => ConnectionString).BuildServiceProvider();
        Store = new PaperStore(Factory, Clock);
    }

    public static Task<TestStore> CreateAsync(TimeProvider? clock = null) => CreateAsync(StoreProvider.Sqlite, clock);

    public static async Task<TestStore> CreateAsync(StoreProvider provider, TimeProvider? clock = null)
    {
        TestStore s;
        if (provider == StoreProvider.Postgres)
        {
            var server = await PostgresServer.SharedAsync();
            s = new TestStore(provider, await server.CreateDatabaseAsync(), server, clock);
        }
        else s = new TestStore(provider, null, null, clock);
        await s.Store.MigrateAsync();
        return s;
    }

    /// <summary>
    /// The store over an existing database (another process's or node's), migrated; disposing leaves the database alone.
    /// </summary>
    public static async Task<TestStore> OpenAsync(StoreProvider provider, string connectionString, TimeProvider? clock = null)
    {
        var s = new TestStore(provider, connectionString, null, clock);
        await s.Store.MigrateAsync();
        return s;
    }

    /// <summary>Reads a file the way <c>paperboy import</c> does and stores it in one batch.</summary>
    public Task<ImportSummary> ImportFileAsync(string path, string format = ImportFormat.Auto) =>
        Store.ImportAsync(ImportFormat.Read(ImportSource.FromFile(path), format, Today));

    public async Task<List<ImportSummary>> ImportSeedPagesAsync()
    {
        var summaries = new List<ImportSummary>();
        foreach (var page in TestData.SeedPages) summaries.Add(await ImportFileAsync(page, ImportFormat.HfPage));
        return summaries;
    }

    public async Task<List<Paper>> AllAsync()
    {
        var all = new List<Paper>();
        await foreach (var p in Store.AllAsync()) all.Add(p);
        return all;
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        if (_postgres is not null) await _postgres.DropDatabaseAsync(ConnectionString);
        else SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
