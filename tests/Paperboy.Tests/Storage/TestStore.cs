using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Paperboy.Core.Import;
using Paperboy.Core.Papers;
using Paperboy.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Storage;

/// <summary>A real <see cref="PaperStore"/> over a SQLite file in a temporary directory, migrated and empty.</summary>
public sealed class TestStore : IAsyncDisposable
{
    /// <summary>The "today" every test import uses, so year-less seed dates resolve the same way on any day.</summary>
    public static readonly DateOnly Today = new(2026, 11, 23);

    private readonly TempDir _dir = new();
    private readonly ServiceProvider _services;

    public PaperStore Store { get; }
    public string DataDir => _dir.Path;

    public IDbContextFactory<PaperboyDb> Factory => _services.GetRequiredService<IDbContextFactory<PaperboyDb>>();

    private TestStore(TimeProvider? clock = null)
    {
        var cs = StorageSetup.SqliteConnectionString(_dir.Path);
        _services = new ServiceCollection()
            .AddDbContextFactory<PaperboyDb>(o => o.UseSqliteStore(cs))
            .BuildServiceProvider();
        Store = new PaperStore(_services.GetRequiredService<IDbContextFactory<PaperboyDb>>(), clock ?? TimeProvider.System);
    }

    public static async Task<TestStore> CreateAsync(TimeProvider? clock = null)
    {
        var s = new TestStore(clock);
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
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
