using Paperboy.Core.Import;
using Paperboy.Importing;
using Paperboy.Tests.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Bulk;

/// <summary>
/// The streaming bulk load over a real SQLite store: batches committed with their checkpoint, idempotent re-loads,
/// newer versions, and a bad line that stops the load where a fixed file resumes.
/// </summary>
public sealed class SnapshotLoaderTests : IAsyncLifetime
{
    private TestStore _store = null!;
    private readonly TempDir _dir = new();
    private readonly List<string> _notices = [];
    private SnapshotLoader Loader => new(_store.Store, TimeProvider.System);

    public async Task InitializeAsync() => _store = await TestStore.CreateAsync();

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _dir.Dispose();
    }

    private static string[] FixtureLines => File.ReadAllText(TestData.File("arxiv_snapshot.json")).TrimEnd('\n').Split('\n');

    private Task<SnapshotLoad> Load(string path, int batch = 5) => Loader.LoadAsync(path, batch, _notices.Add, (_, _) => { });

    private string Write(string name, IEnumerable<string> lines) => _dir.File(name, string.Join('\n', lines) + "\n");

    [Fact]
    public async Task Loading_the_fixture_stores_every_paper_and_leaves_no_checkpoint()
    {
        var path = Write("snap.json", FixtureLines);
        var load = await Load(path);
        Assert.Equal(new ImportSummary(20, 20, 0, 0), load.Summary);
        Assert.Equal(4, load.Batches);
        Assert.Null(load.ResumedAfterLine);
        Assert.Equal(20, await _store.Store.CountAsync());
        Assert.Equal(20, await _store.Store.LastChangeSeqAsync());
        Assert.Null(await _store.Store.BulkCheckpointAsync(Path.GetFullPath(path)));

        // What the prepared-statement insert wrote reads back exactly as the reader made it.
        var expected = ImportFormat.Read(ImportSource.FromFile(path), ImportFormat.ArxivSnapshot, default).Single(p => p.Id == "0704.0001");
        var stored = (await _store.Store.FindAsync("0704.0001"))!;
        Assert.Equal(JsonlFormat.Write(expected), JsonlFormat.Write(stored));
    }

    [Fact]
    public async Task Loading_the_same_snapshot_again_changes_nothing()
    {
        var path = Write("snap.json", FixtureLines);
        await Load(path);
        var before = string.Join('\n', (await _store.AllAsync()).Select(JsonlFormat.Write));
        var seq = await _store.Store.LastChangeSeqAsync();

        var again = await Load(path);
        Assert.Equal(new ImportSummary(20, 0, 0, 20), again.Summary);
        Assert.Equal(seq, await _store.Store.LastChangeSeqAsync());            // no change-log rows: the indexes have nothing to do
        Assert.Equal(before, string.Join('\n', (await _store.AllAsync()).Select(JsonlFormat.Write)));
    }

    [Fact]
    public async Task A_newer_version_replaces_the_title_and_abstract_and_an_older_one_does_not()
    {
        const string v1 = """{"id": "2501.00001", "title": "A first title", "abstract": "A long first abstract that the second version shortens a lot.", "versions": [{"version": "v1", "created": "Mon, 6 Jan 2025 10:00:00 GMT"}], "authors_parsed": [["Doe", "Jane", ""]]}""";
        const string v2 = """{"id": "2501.00001", "title": "A revised title", "abstract": "Shorter.", "versions": [{"version": "v1", "created": "Mon, 6 Jan 2025 10:00:00 GMT"}, {"version": "v2", "created": "Mon, 3 Feb 2025 10:00:00 GMT"}], "authors_parsed": [["Doe", "Jane", ""], ["Roe", "Rick", ""]]}""";
        await Load(Write("v1.json", [v1]));
        var updated = await Load(Write("v2.json", [v2]));
        Assert.Equal(1, updated.Summary.Merged);
        var p = (await _store.Store.FindAsync("2501.00001"))!;
        Assert.Equal(("A revised title", "Shorter.", 2), (p.Title, p.Abstract, p.Version));
        Assert.Equal(["Jane Doe", "Rick Roe"], p.Authors);
        Assert.Equal(new DateOnly(2025, 1, 6), p.PublishedAt);

        var stale = await Load(Write("v1-again.json", [v1]));
        Assert.Equal(1, stale.Summary.Unchanged);
        Assert.Equal("A revised title", (await _store.Store.FindAsync("2501.00001"))!.Title);
    }

    [Fact]
    public async Task A_bad_line_stores_nothing_of_its_batch_keeps_earlier_batches_and_the_fixed_file_resumes()
    {
        var lines = FixtureLines.ToList();
        var good = lines[7];
        lines[7] = """{"id": "0704.9999", "title": "Broken""";             // line 8: in the second batch of five (lines 6-10)
        var path = Write("snap.json", lines);

        var e = await Assert.ThrowsAsync<ImportException>(() => Load(path));
        Assert.StartsWith($"{path}:8: invalid snapshot JSON", e.Message);
        Assert.Contains("lines 6 to 8 were not stored; the 5 records before line 6 were, and importing the fixed file again resumes there", e.Message);
        Assert.Equal(5, await _store.Store.CountAsync());
        var checkpoint = (await _store.Store.BulkCheckpointAsync(Path.GetFullPath(path)))!;
        Assert.Equal((5, 5L, false), (checkpoint.Line, checkpoint.Records, checkpoint.Running));
        Assert.False(await _store.Store.BulkLoadRunningAsync(TimeSpan.FromHours(1)));   // stopped: the indexer need not wait

        lines[7] = good;
        Write("snap.json", lines);
        var resumed = await Load(path);
        Assert.Equal(5, resumed.ResumedAfterLine);
        Assert.Contains(_notices, n => n.Contains("resuming an interrupted load after line 5 (5 records already loaded)"));
        Assert.Equal(new ImportSummary(15, 15, 0, 0), resumed.Summary);              // the first five were not read again
        Assert.Equal(20, await _store.Store.CountAsync());
        Assert.Null(await _store.Store.BulkCheckpointAsync(Path.GetFullPath(path)));
    }

    [Fact]
    public async Task A_different_file_at_the_path_of_an_interrupted_load_starts_from_the_beginning()
    {
        var lines = FixtureLines.ToList();
        lines[12] = "{";
        var path = Write("snap.json", lines);
        await Assert.ThrowsAsync<ImportException>(() => Load(path));
        Assert.Equal(10, await _store.Store.CountAsync());

        // Another snapshot under the same name: its first lines differ, so the checkpoint is not trusted.
        Write("snap.json", FixtureLines.Skip(10).Select(l => l.Replace("\"id\": \"2403.", "\"id\": \"2404.")));
        var fresh = await Load(path);
        Assert.Null(fresh.ResumedAfterLine);
        Assert.Contains(_notices, n => n.Contains("not the file of the interrupted load"));
        Assert.Equal(10, fresh.Summary.Added);
    }

    [Fact]
    public async Task An_empty_snapshot_is_refused()
    {
        var e = await Assert.ThrowsAsync<ImportException>(() => Load(_dir.File("empty.json", "\n\n")));
        Assert.Equal("empty file", e.Reason);
    }
}
