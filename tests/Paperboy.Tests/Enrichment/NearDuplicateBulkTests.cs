using Microsoft.EntityFrameworkCore;
using Paperboy.Core.Papers;
using Paperboy.Importing;
using Paperboy.Storage;
using Paperboy.Tests.Import;
using Paperboy.Tests.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Enrichment;

/// <summary>
/// The bulk path of near-duplicate detection (batches stored without it, one pass at the end) against the per-import
/// path, on the demo corpus with planted near-duplicates: lightly edited copies under new ids, and a template family
/// larger than a band bucket holds, where which papers enter a full bucket depends on the order papers are taken in.
/// </summary>
public abstract class NearDuplicateBulkTests(StoreProvider provider)
{
    private const int BatchSize = 60;

    /// <summary>The demo corpus, then the planted papers, in the order both paths store them.</summary>
    private static List<Paper> Corpus()
    {
        var papers = new[] { "000", "001", "002", "003", "004" }.SelectMany(p => Seeds.Read(p))
            .GroupBy(p => p.Id).Select(g => g.First()).ToList();
        var planted = new List<Paper>();
        foreach (var (original, i) in papers.Where(p => p.Abstract.Length > 400).Take(12).Select((p, i) => (p, i)))
        {
            var words = original.Abstract.Split(' ');
            words[words.Length / 2] = "notably";          // one word changed in the middle: the same text, a new id
            planted.Add(new Paper { ArxivId = $"2501.{i + 1:00000}", Title = original.Title + " (extended version)", Abstract = string.Join(' ', words),
                PublishedAt = original.PublishedAt });
        }
        // A family of 45 papers from one template: more than a bucket's 32, so order decides which are compared.
        for (var i = 0; i < 45; i++)
            planted.Add(new Paper
            {
                ArxivId = $"2502.{i + 1:00000}", Title = $"Scaling Study Number {i} of Sparse Attention in Long-Context Transformers",
                Abstract = $"We measure sparse attention at scale {i}. Our study trains models of many sizes on long documents and finds that "
                    + "block-sparse attention keeps perplexity within one percent of dense attention while cutting the memory of the attention "
                    + $"matrix by a factor of eight; setting {i} uses {i * 3 % 7} heads.",
            });
        // Interleave: planted papers arrive among the others, in the batches of both paths.
        var all = new List<Paper>();
        for (var i = 0; i < Math.Max(papers.Count, planted.Count); i++)
        {
            if (i < papers.Count) all.Add(papers[i]);
            if (i < planted.Count) all.Add(planted[i]);
        }
        return all;
    }

    [Fact]
    public async Task The_pass_after_a_bulk_load_finds_the_same_relations_and_bands_as_importing_batch_by_batch()
    {
        var corpus = Corpus();
        await using var perImport = await TestStore.CreateAsync(provider);
        foreach (var batch in corpus.Chunk(BatchSize)) await perImport.Store.ImportAsync(batch.Select(p => p.Clone()).ToList());

        await using var bulk = await TestStore.CreateAsync(provider);
        var checkpoint = new BulkCheckpoint { Path = "/bulk.json", Running = true, StartedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };
        foreach (var batch in corpus.Chunk(BatchSize))
            await bulk.Store.ImportBatchAsync(batch.Select(p => p.Clone()).ToList(), checkpoint, last: false, deferRelations: true);
        Assert.Empty(await Relations(bulk));                      // nothing found while loading
        Assert.Empty(await Bands(bulk));
        var looked = await bulk.Store.FindRelationsAsync(null);

        Assert.Equal(corpus.Count, looked);
        var expected = await Relations(perImport);
        Assert.Equal(expected, await Relations(bulk));
        Assert.Equal(await Bands(perImport), await Bands(bulk));
        // The planted pairs are among them, so the comparison is not between two empty sets.
        Assert.True(expected.Count(r => r.StartsWith("2501.", StringComparison.Ordinal)) >= 12, string.Join("\n", expected));
        Assert.Contains(expected, r => r.StartsWith("2502.00045 2502.", StringComparison.Ordinal));
        // Run again, it finds nothing left to do (every paper has its bands) and changes nothing.
        Assert.Equal(0, await bulk.Store.FindRelationsAsync(null));
        Assert.Equal(expected, await Relations(bulk));
    }

    [Fact]
    public async Task A_snapshot_load_finds_the_look_alikes_once_it_is_done_and_leaves_no_checkpoint()
    {
        await using var t = await TestStore.CreateAsync(provider);
        using var dir = new TempDir();
        var lines = File.ReadAllText(TestData.File("arxiv_snapshot.json")).TrimEnd('\n').Split('\n').ToList();
        // A re-edited copy of the first record under another id, in the last batch.
        lines.Add(lines[0].Replace("\"0704.0001\"", "\"0704.9999\""));
        var path = dir.File("snap.json", string.Join('\n', lines) + "\n");
        var notices = new List<string>();

        await new SnapshotLoader(t.Store, TimeProvider.System).LoadAsync(path, 5, notices.Add, (_, _) => { });

        var related = Assert.Single(await t.Store.RelatedAsync("0704.9999"));
        Assert.Equal(("0704.0001", NearDuplicates.SameText), (related.Paper.Id, related.Kind));
        Assert.Contains(notices, n => n.Contains("near-duplicates: 21 papers compared", StringComparison.Ordinal));
        Assert.Null(await t.Store.BulkCheckpointAsync(Path.GetFullPath(path)));
    }

    private static async Task<List<string>> Relations(TestStore t)
    {
        await using var db = await t.Factory.CreateDbContextAsync();
        return (await db.Relations.AsNoTracking().ToListAsync())
            .Select(r => $"{r.PaperId} {r.OtherId} {r.Kind} {r.Similarity:0.000}").Order(StringComparer.Ordinal).ToList();
    }

    private static async Task<List<string>> Bands(TestStore t)
    {
        await using var db = await t.Factory.CreateDbContextAsync();
        return (await db.Bands.AsNoTracking().ToListAsync()).Select(b => $"{b.Key} {b.PaperId}").Order(StringComparer.Ordinal).ToList();
    }
}

public sealed class SqliteNearDuplicateBulkTests() : NearDuplicateBulkTests(StoreProvider.Sqlite);

public sealed class PostgresNearDuplicateBulkTests() : NearDuplicateBulkTests(StoreProvider.Postgres);
