using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Paperboy.Core.Papers;
using Paperboy.Storage;
using Paperboy.Tests.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Enrichment;

/// <summary>
/// Papers stored before enrichment existed, or under older rules, are enriched again by the backfill and reach the
/// indexes through the change log. Every test runs on a real SQLite file and on a real PostgreSQL database.
/// </summary>
public abstract class EnrichmentBackfillTests(StoreProvider provider) : IAsyncLifetime
{
    internal const string RayleighAbstract =
        "Graph-level anomaly detection has gained significant attention. Extensive experiments on 10 real-world datasets show that RQGNN " +
        "outperforms the best rival by 6.74% in Macro-F1 score and 1.44% in AUC. Code is at https://github.com/xydong127/RQGNN and we also report results on ImageNet.";

    internal static Paper Rayleigh() => new()
    {
        Id = "2310.02861", ArxivId = "2310.02861", Title = "Rayleigh Quotient Graph Neural Networks for Graph-level Anomaly Detection",
        Abstract = RayleighAbstract, Categories = ["cs.LG", "cs.AI"], PublishedAt = new DateOnly(2023, 10, 4),
    };

    internal static Paper Plain(string id, string title) => new() { Id = id, ArxivId = id, Title = title, Abstract = "A plain abstract with no figures.", PublishedAt = new DateOnly(2023, 10, 4) };

    /// <summary>Puts papers back the way a store from before enrichment holds them: nothing derived, version 0.</summary>
    internal static async Task StripEnrichmentAsync(IDbContextFactory<PaperboyDb> factory, params string[] ids)
    {
        await using var db = await factory.CreateDbContextAsync();
        await db.Papers.Where(p => ids.Contains(p.Id)).ExecuteUpdateAsync(u => u
            .SetProperty(p => p.Links, new List<PaperLink>())
            .SetProperty(p => p.Datasets, new List<string>())
            .SetProperty(p => p.Headline, (string?)null)
            .SetProperty(p => p.PrimaryCategory, (string?)null)
            .SetProperty(p => EF.Property<int>(p, PaperboyDb.EnrichmentVersion), 0));
    }

    private TestStore _db = null!;
    private EnrichmentBackfill Backfill => new(_db.Factory, _db.Clock);

    public async Task InitializeAsync() => _db = await TestStore.CreateAsync(provider);
    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task A_paper_stored_under_an_older_version_gets_its_headline_and_links_and_a_second_backfill_changes_nothing()
    {
        await _db.Store.ImportAsync([Rayleigh(), Plain("2310.03001", "Already Current"), Plain("2310.03002", "Old But Nothing To Derive")]);
        await StripEnrichmentAsync(_db.Factory, "2310.02861", "2310.03002");
        var stripped = await _db.Store.FindAsync("2310.02861");
        Assert.Null(stripped!.Headline);
        Assert.Empty(stripped.Links);
        var seq = await _db.Store.LastChangeSeqAsync();
        Assert.Equal(2, await Backfill.PendingAsync());

        var reported = new List<int>();
        var result = await Backfill.RunAsync(new SynchronousProgress(reported), batchSize: 1);

        Assert.Equal(new BackfillResult(Checked: 2, Changed: 1), result);
        Assert.Equal([1, 2], reported);   // one batch at a time
        var rq = await _db.Store.FindAsync("2310.02861");
        Assert.Equal("Extensive experiments on 10 real-world datasets show that RQGNN outperforms the best rival by 6.74% in Macro-F1 score and 1.44% in AUC.", rq!.Headline);
        Assert.Contains(new PaperLink(PaperLink.Code, "https://github.com/xydong127/RQGNN"), rq.Links);
        Assert.Equal(["ImageNet"], rq.Datasets);
        Assert.Equal("cs.LG", rq.PrimaryCategory);
        // The change log carries the one paper that changed, so every node's indexes and pages follow.
        var changes = await _db.Store.ChangesSinceAsync(seq, 100);
        Assert.Equal(["2310.02861"], changes.Select(c => c.PaperId));
        Assert.False(changes[0].Deleted);
        Assert.Equal(0, await Backfill.PendingAsync());

        Assert.Equal(new BackfillResult(0, 0), await Backfill.RunAsync());
        Assert.Equal(changes[^1].Seq, await _db.Store.LastChangeSeqAsync());
    }

    [Fact]
    public async Task Papers_imported_or_merged_now_carry_the_current_version()
    {
        await _db.Store.ImportAsync([Plain("2310.03001", "Imported Now")]);
        await _db.Store.ImportAsync([Rayleigh()]);
        await StripEnrichmentAsync(_db.Factory, "2310.02861");
        // Met again with more text: the merge enriches it and stamps it, so the backfill has nothing left to do.
        var longer = Rayleigh();
        longer.Abstract += " We release the model.";
        await _db.Store.ImportAsync([longer]);

        Assert.Equal(0, await Backfill.PendingAsync());
        Assert.NotNull((await _db.Store.FindAsync("2310.02861"))!.Headline);
    }

    [Fact]
    public async Task The_migration_marks_papers_stored_before_it_for_the_backfill()
    {
        await _db.Store.ImportAsync([Rayleigh()]);
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            // Back to the schema before this migration (the column goes), then forward again, as an upgrade runs it.
            var migrations = db.Database.GetMigrations().ToList();
            var mine = migrations.FindIndex(m => m.EndsWith("_EnrichmentVersion", StringComparison.Ordinal));
            var migrator = db.GetService<IMigrator>();
            await migrator.MigrateAsync(migrations[mine - 1]);
            await migrator.MigrateAsync(migrations[^1]);
        }

        Assert.Equal(1, await Backfill.PendingAsync());
        Assert.Equal(new BackfillResult(1, 0), await Backfill.RunAsync());   // its enrichment was right: only the version moves
        Assert.Equal(0, await Backfill.PendingAsync());
    }

    /// <summary>Progress&lt;T&gt; would post to the thread pool; the test wants the reports in order, at once.</summary>
    private sealed class SynchronousProgress(List<int> into) : IProgress<int>
    {
        public void Report(int value) => into.Add(value);
    }
}

public sealed class SqliteEnrichmentBackfillTests() : EnrichmentBackfillTests(StoreProvider.Sqlite);

public sealed class PostgresEnrichmentBackfillTests() : EnrichmentBackfillTests(StoreProvider.Postgres);
