using System.Text;
using Paperboy.Core.Import;
using Paperboy.Core.Papers;
using Paperboy.Storage;
using Paperboy.Tests.Import;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Storage;

/// <summary>
/// The store: seed import, idempotence, identity, re-keying, transactions, export. Every test runs twice, over a real
/// SQLite file (<see cref="SqlitePaperStoreTests"/>) and over a real PostgreSQL database (<see cref="PostgresPaperStoreTests"/>).
/// </summary>
public abstract class PaperStoreTests(StoreProvider provider) : IAsyncLifetime
{
    private const string Rayleigh = "Rayleigh Quotient Graph Neural Networks for Graph-level Anomaly Detection";
    private TestStore _db = null!;

    public async Task InitializeAsync() => _db = await TestStore.CreateAsync(provider);
    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Importing_all_seed_pages_gives_257_papers()
    {
        var summaries = await _db.ImportSeedPagesAsync();
        Assert.Equal(257, await _db.Store.CountAsync());
        Assert.Equal(284, summaries.Sum(s => s.Read));
        Assert.Equal(257, summaries.Sum(s => s.Added));
        Assert.Equal(257, (await _db.AllAsync()).Select(p => p.Id).Distinct().Count());
    }

    [Fact]
    public async Task Importing_the_seed_pages_again_changes_nothing()
    {
        await _db.ImportSeedPagesAsync();
        var seq = await _db.Store.LastChangeSeqAsync();
        var before = string.Join('\n', (await _db.AllAsync()).Select(JsonlFormat.Write));

        var again = await _db.ImportSeedPagesAsync();
        Assert.All(again, s => { Assert.Equal(0, s.Added); Assert.Equal(0, s.Merged); });
        Assert.Equal(284, again.Sum(s => s.Read));
        Assert.Equal(257, await _db.Store.CountAsync());
        Assert.Equal(seq, await _db.Store.LastChangeSeqAsync());
        Assert.Equal(before, string.Join('\n', (await _db.AllAsync()).Select(JsonlFormat.Write)));
    }

    [Fact]
    public async Task The_change_log_holds_one_entry_per_added_or_merged_paper_in_order()
    {
        var summaries = await _db.ImportSeedPagesAsync();
        var changes = await _db.Store.ChangesSinceAsync(0, 10_000);
        Assert.Equal(summaries.Sum(s => s.Added + s.Merged), changes.Count);
        Assert.Equal(changes.Count, await _db.Store.LastChangeSeqAsync());
        Assert.Equal(changes.Select(c => c.Seq).Order(), changes.Select(c => c.Seq));
        Assert.Equal(257, changes.Select(c => c.PaperId).Distinct().Count());
        Assert.DoesNotContain(changes, c => c.Deleted);
        Assert.Equal(changes.Skip(10).Take(5).Select(c => c.Seq), (await _db.Store.ChangesSinceAsync(changes[9].Seq, 5)).Select(c => c.Seq));
    }

    [Fact]
    public async Task The_Rayleigh_quotient_paper_is_stored_with_PublishedAt_2023_10_04_and_its_code_link()
    {
        await _db.ImportSeedPagesAsync();
        var p = await _db.Store.FindAsync(PaperIdentity.TitleId(Rayleigh));
        Assert.NotNull(p);
        Assert.Equal(Rayleigh, p.Title);
        Assert.Equal(new DateOnly(2023, 10, 4), p.PublishedAt);
        Assert.Equal(3, p.AuthorCount);
        Assert.Equal([new PaperLink(PaperLink.Code, "https://github.com/xydong127/RQGNN")], p.Links);
    }

    [Fact]
    public async Task The_look_alike_eclipsing_binary_papers_stay_two_papers()
    {
        await _db.ImportSeedPagesAsync();
        var all = await _db.AllAsync();
        var a = Assert.Single(all, p => p.Title == "Phemenological Modelling of a Group of Eclipsing Binary Stars");
        var b = Assert.Single(all, p => p.Title == "Phemenological Modeling of Eclipsing Binary Stars");
        Assert.NotEqual(a.Id, b.Id);
        Assert.Equal(new DateOnly(2015, 9, 17), a.PublishedAt);
        Assert.Equal(new DateOnly(2016, 2, 12), b.PublishedAt);
        Assert.StartsWith("We review the method NAV", b.Abstract);
    }

    [Fact]
    public async Task A_paper_met_on_two_seed_pages_is_stored_once_with_the_merged_fields()
    {
        // 27 of the 284 entries repeat a paper of another page; take one that carries a date.
        var pages = new[] { "000", "001", "002", "003", "004" }.SelectMany(p => Seeds.Read(p)).ToList();
        var recurring = pages.GroupBy(p => p.Id).First(g => g.Count() > 1 && g.Any(p => p.PublishedAt is not null));
        await _db.ImportSeedPagesAsync();
        var stored = await _db.Store.FindAsync(recurring.Key);
        Assert.NotNull(stored);
        Assert.Equal(recurring.Max(p => p.Upvotes), stored.Upvotes);
        Assert.Equal(recurring.Max(p => p.Abstract.Length), stored.Abstract.Length);
        Assert.Equal(recurring.Where(p => p.PublishedAt is not null).Min(p => p.PublishedAt), stored.PublishedAt);
    }

    [Fact]
    public async Task An_arXiv_paper_for_a_title_only_paper_re_keys_it_and_the_old_id_still_resolves()
    {
        await _db.ImportSeedPagesAsync();
        var oldId = PaperIdentity.TitleId(Rayleigh);
        var seqBefore = await _db.Store.LastChangeSeqAsync();

        var summary = await _db.ImportFileAsync(TestData.File("arxiv_query.atom"));
        Assert.Equal(new ImportSummary(2, 1, 1, 0), summary);     // 2310.01234 is new, 2310.02861 re-keys the seed paper
        Assert.Equal(258, await _db.Store.CountAsync());

        var byArxiv = await _db.Store.FindAsync("2310.02861");
        Assert.NotNull(byArxiv);
        Assert.Equal("2310.02861", byArxiv.Id);
        Assert.Equal(["Xiangyu Dong", "Xingyi Zhang", "Sibo Wang"], byArxiv.Authors);
        Assert.Equal(new DateOnly(2023, 10, 4), byArxiv.PublishedAt);
        Assert.StartsWith("Graph-level anomaly detection has gained significant attention", byArxiv.Abstract);
        Assert.Contains("6.74% in Macro-F1", byArxiv.Abstract);                      // the seed's longer abstract is kept
        Assert.Equal(["cs.LG", "cs.AI"], byArxiv.Categories);
        Assert.Contains(new PaperLink(PaperLink.Pdf, "http://arxiv.org/pdf/2310.02861v1"), byArxiv.Links);
        Assert.Single(byArxiv.Links, l => l.Url == "https://github.com/xydong127/RQGNN");

        var byOldId = await _db.Store.FindAsync(oldId);
        Assert.NotNull(byOldId);
        Assert.Equal("2310.02861", byOldId.Id);
        Assert.DoesNotContain(await _db.AllAsync(), p => p.Id == oldId);

        var changes = await _db.Store.ChangesSinceAsync(seqBefore, 100);
        Assert.Contains(changes, c => c.PaperId == oldId && c.Deleted);
        Assert.Contains(changes, c => c.PaperId == "2310.02861" && !c.Deleted);
        Assert.Contains(changes, c => c.PaperId == "2310.01234" && !c.Deleted);
    }

    [Fact]
    public async Task After_re_keying_the_seed_pages_and_the_arXiv_feed_import_again_without_change()
    {
        await _db.ImportSeedPagesAsync();
        await _db.ImportFileAsync(TestData.File("arxiv_query.atom"));
        var seq = await _db.Store.LastChangeSeqAsync();

        var again = await _db.ImportSeedPagesAsync();
        Assert.All(again, s => { Assert.Equal(0, s.Added); Assert.Equal(0, s.Merged); });
        var atom = await _db.ImportFileAsync(TestData.File("arxiv_query.atom"));
        Assert.Equal(new ImportSummary(2, 0, 0, 2), atom);
        Assert.Equal(258, await _db.Store.CountAsync());
        Assert.Equal(seq, await _db.Store.LastChangeSeqAsync());
    }

    [Fact]
    public async Task A_title_only_paper_arriving_after_its_arXiv_paper_merges_into_it()
    {
        await _db.ImportFileAsync(TestData.File("arxiv_query.atom"));
        var summary = await _db.ImportFileAsync(Seeds.Page("004"));
        Assert.Equal(68 - 1, summary.Added);
        Assert.Equal(1, summary.Merged);
        Assert.Equal(2 + 67, await _db.Store.CountAsync());
        var p = await _db.Store.FindAsync("2310.02861");
        Assert.NotNull(p);
        Assert.Contains("6.74% in Macro-F1", p.Abstract);
        Assert.Null(await _db.Store.FindAsync(PaperIdentity.TitleId(Rayleigh)));      // it never had the title id
    }

    [Fact]
    public async Task Daily_papers_after_the_seed_pages_re_key_the_paper_and_add_feed_day_and_upvotes()
    {
        await _db.ImportSeedPagesAsync();
        await _db.ImportFileAsync(TestData.File("hf_daily.json"));
        var p = await _db.Store.FindAsync(PaperIdentity.TitleId(Rayleigh));
        Assert.NotNull(p);
        Assert.Equal("2310.02861", p.Id);
        Assert.Equal(7, p.Upvotes);
        Assert.Equal(new DateOnly(2023, 10, 5), p.FeedDay);
        Assert.Equal(new DateOnly(2023, 10, 5), p.BoardDay);
        Assert.Equal("akhaliq", p.SubmittedBy);
        Assert.Equal(258, await _db.Store.CountAsync());                              // 2311.04567 is new
    }

    [Fact]
    public async Task A_file_that_fails_validation_midway_stores_nothing()
    {
        await _db.ImportFileAsync(Seeds.Page("000"));
        var count = await _db.Store.CountAsync();
        var seq = await _db.Store.LastChangeSeqAsync();

        // Page 004 with its second-to-last date made impossible: 66 good entries come before it.
        using var dir = new TempDir();
        var lines = File.ReadAllLines(Seeds.Page("004")).ToList();
        var dateLines = Enumerable.Range(0, lines.Count)
            .Where(i => System.Text.RegularExpressions.Regex.IsMatch(lines[i], @"^[A-Z][a-z]{2} \d{1,2}(, \d{4})?( \d+)?$")).ToList();
        var bad = dateLines[^2];
        Assert.True(bad > lines.Count / 2);
        lines[bad] = "Feb 30, 2023";
        var path = dir.File("004-broken.txt", string.Join('\n', lines) + "\n");

        var e = await Assert.ThrowsAsync<ImportException>(() => _db.ImportFileAsync(path));
        Assert.Equal(bad + 1, e.Line);
        Assert.Equal(path, e.InputName);
        Assert.Equal(count, await _db.Store.CountAsync());
        Assert.Equal(seq, await _db.Store.LastChangeSeqAsync());
        Assert.Null(await _db.Store.FindAsync(PaperIdentity.TitleId(Rayleigh)));
    }

    [Fact]
    public async Task Import_summaries_count_the_duplicates_inside_one_file_once()
    {
        var page = File.ReadAllText(Seeds.Page("004"));
        var body = page[page.IndexOf(Rayleigh, StringComparison.Ordinal)..];
        var doubled = ImportSource.FromText("doubled.txt", page.TrimEnd() + "\n\n" + body);
        var summary = await _db.Store.ImportAsync(HfPageReader.Read(doubled, TestStore.Today));
        Assert.Equal(136, summary.Read);
        Assert.Equal(68, summary.Added);
        Assert.Equal(68, await _db.Store.CountAsync());
        Assert.Equal(68, await _db.Store.LastChangeSeqAsync());
    }

    [Fact]
    public async Task JSONL_export_then_import_into_a_fresh_store_round_trips_exactly()
    {
        await _db.ImportSeedPagesAsync();
        await _db.ImportFileAsync(TestData.File("arxiv_query.atom"));
        await _db.ImportFileAsync(TestData.File("arxiv_oldstyle.atom"));
        await _db.ImportFileAsync(TestData.File("hf_daily.json"));
        await _db.ImportFileAsync(TestData.File("script_title.txt"));
        var exported = Export(await _db.AllAsync());
        Assert.Equal(261, exported.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        await using var fresh = await TestStore.CreateAsync(provider);
        using var dir = new TempDir();
        var file = dir.File("export.jsonl", exported);
        var summary = await fresh.ImportFileAsync(file);
        Assert.Equal(new ImportSummary(261, 261, 0, 0), summary);
        Assert.Equal(exported, Export(await fresh.AllAsync()));

        var again = await fresh.ImportFileAsync(file);
        Assert.Equal(new ImportSummary(261, 0, 0, 261), again);
    }

    [Fact]
    public async Task A_batch_larger_than_one_chunk_is_stored_and_read_back_in_full()
    {
        // 2,600 papers: more than the store's 500-paper lookup chunks and its 2,000-paper read pages.
        var papers = Enumerable.Range(0, 2600).Select(i => new Paper
        {
            Title = $"Scaling Study Number {i} of Sparse Mixture-of-Experts",
            Abstract = $"Experiment {i}.",
            ArxivId = i % 2 == 0 ? $"2401.{i:D5}" : null,
            Upvotes = i % 7,
        }).ToList();
        foreach (var p in papers) p.Id = PaperIdentity.IdFor(p);
        Assert.Equal(new ImportSummary(2600, 2600, 0, 0), await _db.Store.ImportAsync(papers));

        var all = await _db.AllAsync();
        Assert.Equal(2600, all.Count);
        Assert.Equal(papers.Select(p => p.Id).Order(StringComparer.Ordinal), all.Select(p => p.Id));
        Assert.Equal(new ImportSummary(2600, 0, 0, 2600), await _db.Store.ImportAsync(papers));
        Assert.Equal(2600, await _db.Store.LastChangeSeqAsync());
    }

    [Fact]
    public async Task GetMany_returns_papers_in_the_order_asked_and_skips_unknown_ids()
    {
        await _db.ImportFileAsync(TestData.File("arxiv_query.atom"));
        await _db.ImportFileAsync(TestData.File("arxiv_oldstyle.atom"));
        var got = await _db.Store.GetManyAsync(["math/0601001", "nope", "2310.01234", "2310.02861", "2310.01234"]);
        Assert.Equal(["math/0601001", "2310.01234", "2310.02861", "2310.01234"], got.Select(p => p.Id));
    }

    [Fact]
    public async Task A_title_with_a_script_tag_is_stored_verbatim()
    {
        await _db.ImportFileAsync(TestData.File("script_title.txt"));
        var p = Assert.Single(await _db.AllAsync());
        Assert.Equal("Cross-Site <script>alert(1)</script> Scripting Detection with Transformers", p.Title);
    }

    private static string Export(IEnumerable<Paper> papers)
    {
        var sb = new StringWriter(new StringBuilder()) { NewLine = "\n" };
        JsonlFormat.WriteAll(papers, sb);
        return sb.ToString();
    }
}

public sealed class SqlitePaperStoreTests() : PaperStoreTests(StoreProvider.Sqlite);

public sealed class PostgresPaperStoreTests() : PaperStoreTests(StoreProvider.Postgres);
