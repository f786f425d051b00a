using System.Net;
using System.Text.Json;
using Paperboy.Storage;
using Paperboy.Tests.Storage;
using Paperboy.Tests.Support;
using static Paperboy.Tests.Enrichment.EnrichmentBackfillTests;

namespace Paperboy.Tests.Enrichment;

/// <summary>The backfill where it runs: <c>paperboy reindex</c>, and <c>serve</c> in the background at start-up.</summary>
public sealed class EnrichmentCatchUpTests
{
    /// <summary>A data directory whose store holds the Rayleigh paper as a store from before enrichment has it.</summary>
    private static async Task OldStoreAsync(string dir)
    {
        await using var store = await TestStore.OpenAsync(StoreProvider.Sqlite, StorageSetup.SqliteConnectionString(dir));
        await store.Store.ImportAsync([Rayleigh(), Plain("2310.03001", "Already Current")]);
        await StripEnrichmentAsync(store.Factory, "2310.02861");
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task Serve_enriches_old_papers_in_the_background_once_healthy_and_the_index_follows()
    {
        await using var host = await TestHost.StartAsync(null, seedDemo: false, prepare: OldStoreAsync);

        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/healthz")).StatusCode);
        var store = host.Get<PaperStore>();
        await WaitUntilAsync(async () => (await store.FindAsync("2310.02861"))!.Headline is not null);
        Assert.Contains((await store.FindAsync("2310.02861"))!.Links, l => l.Url == "https://github.com/xydong127/RQGNN");
        // The change went through the log: the lexical index now knows the paper has code.
        await WaitUntilAsync(async () =>
        {
            using var doc = JsonDocument.Parse(await host.Client.GetStringAsync("/api/search?q=Rayleigh+Quotient&mode=lexical&hasCode=true"));
            return doc.RootElement.GetProperty("results").EnumerateArray().Any(r => r.GetProperty("id").GetString() == "2310.02861");
        });
        var page = await host.Client.GetStringAsync("/papers/2310.02861");
        Assert.Contains("outperforms the best rival by 6.74% in Macro-F1 score", WebUtility.HtmlDecode(page));
    }

    [Fact]
    public async Task Reindex_enriches_old_papers_first_and_a_second_reindex_has_nothing_to_enrich()
    {
        using var dir = new TempDir();
        await OldStoreAsync(dir.Path);

        var first = await PaperboyCli.RunAsync("reindex", "--data", dir.Path);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(["Enriched again under version 1: 1 checked, 1 changed.", "Indexed 2 papers."], first.StdoutLines);
        await using (var store = await TestStore.OpenAsync(StoreProvider.Sqlite, StorageSetup.SqliteConnectionString(dir.Path)))
            Assert.StartsWith("Extensive experiments on 10 real-world datasets", (await store.Store.FindAsync("2310.02861"))!.Headline);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var second = await PaperboyCli.RunAsync("reindex", "--data", dir.Path);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal(["Indexed 2 papers."], second.StdoutLines);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("the condition did not come true in 60 s");
            await Task.Delay(100);
        }
    }
}
