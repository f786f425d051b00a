using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Paperboy.Core.Import;
using Paperboy.Core.Papers;
using Paperboy.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Storage;

/// <summary>
/// New papers bypass EF's change tracking (<c>BulkInsert</c>): prepared INSERTs on SQLite, one binary COPY per table on
/// PostgreSQL, inside the import's transaction. These pin down that the two paths store the same rows, that COPY stays
/// all-or-nothing with the rest of the transaction, and that the change log and its notification work as before.
/// </summary>
public sealed class BulkImportTests
{
    private static readonly DateTimeOffset Now = new DateTimeOffset(2026, 11, 23, 9, 30, 15, TimeSpan.Zero).AddTicks(1_234_560);

    [Fact]
    public async Task An_import_into_PostgreSQL_stores_exactly_what_the_same_import_stores_in_SQLite()
    {
        await using var sqlite = await TestStore.CreateAsync(StoreProvider.Sqlite, new FixedClock(Now));
        await using var postgres = await TestStore.CreateAsync(StoreProvider.Postgres, new FixedClock(Now));
        foreach (var t in new[] { sqlite, postgres }) await ImportEverythingAsync(t);

        var expected = await DumpAsync(sqlite);
        Assert.Contains("relation ", expected);            // the look-alike seed papers: the relations are compared too
        Assert.Contains("2401.90003", expected);           // and the submitted paper with its submitter and time
        Assert.Equal(expected, await DumpAsync(postgres));
    }

    [Fact]
    public async Task A_bad_row_in_the_middle_of_a_COPY_rolls_back_the_whole_batch_with_its_checkpoint()
    {
        await using var t = await TestStore.CreateAsync(StoreProvider.Postgres, new FixedClock(Now));
        await t.ImportFileAsync(TestData.File("arxiv_query.atom"));
        var before = await DumpAsync(t);
        var known = (await t.AllAsync())[0];

        var merge = known.Clone();
        merge.Upvotes = known.Upvotes + 40;                               // written by SaveChanges before the COPY
        var batch = Generated(0, 300).Append(merge).ToList();
        batch[150].Title = "A title PostgreSQL refuses \0 (a NUL byte)"; // row 151 of the COPY fails
        var checkpoint = new BulkCheckpoint { Path = "/bulk/snapshot.json", HeadHash = "h", TailHash = "t", Offset = 10, Line = 301, Records = 301, Running = true };

        await Assert.ThrowsAsync<PostgresException>(() => t.Store.ImportBatchAsync(batch, checkpoint, last: false));

        Assert.Equal(before, await DumpAsync(t));
        Assert.Null(await t.Store.BulkCheckpointAsync("/bulk/snapshot.json"));

        batch[150].Title = "A title PostgreSQL accepts";
        var summary = await t.Store.ImportBatchAsync(batch, checkpoint, last: false);
        Assert.Equal((300, 1), (summary.Added, summary.Merged));
        Assert.Equal(301, (await t.Store.BulkCheckpointAsync("/bulk/snapshot.json"))?.Line);
    }

    [Fact]
    public async Task Importing_the_same_papers_again_into_PostgreSQL_merges_them_instead_of_adding_copies()
    {
        await using var t = await TestStore.CreateAsync(StoreProvider.Postgres, new FixedClock(Now));
        var papers = Generated(0, 1_200).ToList();   // more than one 500-paper lookup chunk
        Assert.Equal(new ImportSummary(1_200, 1_200, 0, 0), await t.Store.ImportAsync(papers));
        var first = await DumpAsync(t);

        Assert.Equal(new ImportSummary(1_200, 0, 0, 1_200), await t.Store.ImportAsync(papers));
        Assert.Equal(first, await DumpAsync(t));

        foreach (var p in papers.Take(10)) p.Upvotes += 5;
        var again = await t.Store.ImportAsync(papers.Concat(Generated(1_200, 5)).ToList());
        Assert.Equal(new ImportSummary(1_205, 5, 10, 1_190), again);
        Assert.Equal(1_205, await t.Store.CountAsync());
        var changes = await t.Store.ChangesSinceAsync(1_200, 100);
        Assert.Equal(15, changes.Count);
        Assert.Equal(15, changes.Select(c => c.PaperId).Distinct().Count());
        Assert.Equal(Enumerable.Range(1_201, 15).Select(i => (long)i), changes.Select(c => c.Seq));
    }

    [Fact]
    public async Task A_COPY_import_notifies_the_nodes_once_when_it_commits()
    {
        await using var t = await TestStore.CreateAsync(StoreProvider.Postgres, new FixedClock(Now));
        await using var listener = new NpgsqlConnection(t.ConnectionString);
        await listener.OpenAsync();
        var heard = 0;
        listener.Notification += (_, e) => { if (e.Channel == ChangeLog.Channel) Interlocked.Increment(ref heard); };
        await using (var listen = new NpgsqlCommand($"LISTEN {ChangeLog.Channel}", listener)) await listen.ExecuteNonQueryAsync();

        await t.Store.ImportAsync(Generated(0, 50).ToList());

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await listener.WaitAsync(timeout.Token);
        while (await listener.WaitAsync(TimeSpan.FromMilliseconds(300))) { }   // anything more from the same commit
        Assert.Equal(1, heard);
        Assert.Equal(50, await t.Store.LastChangeSeqAsync());
    }

    /// <summary>Every kind of input, in several transactions: seed pages (with look-alikes and re-keying), arXiv feeds, a submission, a bulk batch.</summary>
    private static async Task ImportEverythingAsync(TestStore t)
    {
        await t.ImportSeedPagesAsync();
        await t.ImportFileAsync(TestData.File("arxiv_query.atom"));
        await t.ImportFileAsync(TestData.File("arxiv_oldstyle.atom"));
        await t.ImportFileAsync(TestData.File("hf_daily.json"));
        await t.ImportFileAsync(TestData.File("papers.jsonl"));
        var submitted = new Paper
        {
            ArxivId = "2401.90003", Version = 2, Title = "A Submitted Paper on Sparse Attention", Abstract = "We submit. Code: https://github.com/example/sparse",
            SubmittedBy = "member-1", SubmittedAt = Now.AddMinutes(-3), Authors = ["Ada Lovelace", "Émilie du Châtelet"], AuthorCount = 2,
            Categories = ["cs.LG", "cs.CL"], PrimaryCategory = "cs.LG", PublishedAt = new DateOnly(2024, 1, 15),
        };
        await t.Store.ImportAsync([submitted]);
        var checkpoint = new BulkCheckpoint { Path = "/bulk/snapshot.json", HeadHash = "h", TailHash = "t", Offset = 1, Line = 1, Records = 700, Running = true };
        await t.Store.ImportBatchAsync(Generated(0, 700).ToList(), checkpoint, last: true);
    }

    /// <summary>Papers that look like an arXiv load: ids, versions, dates, categories, links, and some shared boilerplate.</summary>
    private static IEnumerable<Paper> Generated(int from, int count) => Enumerable.Range(from, count).Select(i => new Paper
    {
        ArxivId = $"2402.{i:D5}", Version = 1 + i % 3,
        Title = $"Scaling Study Number {i} of Sparse Mixture-of-Experts",
        Abstract = $"We study sparse experts at scale {i}. Our method improves accuracy by {i % 9}.{i % 7} points on ImageNet. Code at https://github.com/lab/moe-{i}.",
        Authors = [$"Author {i}", $"Author {i + 1}"],
        Categories = i % 2 == 0 ? ["cs.LG"] : ["cs.CL", "cs.AI"], PrimaryCategory = i % 2 == 0 ? "cs.LG" : "cs.CL",
        PublishedAt = new DateOnly(2024, 2, 1).AddDays(i % 28), UpdatedAt = i % 5 == 0 ? new DateOnly(2024, 3, 1) : null,
        Upvotes = i % 4,
    });

    /// <summary>
    /// What the store holds, as text: every paper as <c>export</c> writes it with its derived columns, the change log,
    /// the near-duplicate bands and relations, and bulk checkpoints. Times in microseconds (what <c>timestamptz</c> keeps).
    /// </summary>
    private static async Task<string> DumpAsync(TestStore t)
    {
        await using var db = await t.Factory.CreateDbContextAsync();
        var sb = new StringBuilder();
        var papers = await db.Papers.AsNoTracking().OrderBy(p => p.Id)
            .Select(p => new
            {
                Paper = p, AddedAt = EF.Property<DateTime>(p, PaperboyDb.AddedAt),
                BoardDay = EF.Property<DateOnly?>(p, PaperboyDb.BoardDay), TitleKey = EF.Property<string>(p, PaperboyDb.TitleKey),
            }).ToListAsync();
        foreach (var x in papers)
            sb.Append("paper ").Append(JsonlFormat.Write(x.Paper)).Append(' ').Append(Micros(x.AddedAt)).Append(' ').Append(x.BoardDay?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Append(' ').Append(x.TitleKey).Append('\n');
        foreach (var c in await db.Changes.AsNoTracking().OrderBy(c => c.Seq).ToListAsync())
            sb.Append($"change {c.Seq} {c.PaperId} {c.Deleted} {c.CountsOnly} {Micros(c.At)}\n");
        foreach (var b in await db.Bands.AsNoTracking().OrderBy(b => b.Key).ThenBy(b => b.PaperId).ToListAsync())
            sb.Append($"band {b.Key} {b.PaperId}\n");
        foreach (var r in await db.Relations.AsNoTracking().OrderBy(r => r.PaperId).ThenBy(r => r.OtherId).ToListAsync())
            sb.Append($"relation {r.PaperId} {r.OtherId} {r.Kind} {r.Similarity.ToString("R", CultureInfo.InvariantCulture)} {Micros(r.At)}\n");
        foreach (var a in await db.Aliases.AsNoTracking().OrderBy(a => a.Id).ToListAsync()) sb.Append($"alias {a.Id} {a.PaperId}\n");
        foreach (var c in await db.BulkCheckpoints.AsNoTracking().OrderBy(c => c.Path).ToListAsync()) sb.Append($"checkpoint {c.Path} {c.Line}\n");
        return sb.ToString();
    }

    private static long Micros(DateTime t) => t.Ticks / 10;
}
