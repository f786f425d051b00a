using CsCheck;
using System.Net.Http.Json;
using System.Text.Json;
using Paperboy.Core.Import;
using Paperboy.Core.Papers;
using Paperboy.Storage;
using Paperboy.Tests.Import;
using Paperboy.Tests.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Enrichment;

/// <summary>Near-duplicates: MinHash/LSH candidates checked by exact Jaccard, stored as relations, never merged.</summary>
public sealed class NearDuplicateTests
{
    private const string Modelling = "Phemenological Modelling of a Group of Eclipsing Binary Stars";
    private const string Modeling = "Phemenological Modeling of Eclipsing Binary Stars";

    [Fact]
    public void Text_hashes_are_the_hashes_of_the_text_shingles_for_the_demo_corpus_and_any_string()
    {
        foreach (var p in new[] { "000", "001", "002", "003", "004" }.SelectMany(page => Seeds.Read(page)))
            Assert.Equal(NearDuplicates.Hashes(NearDuplicates.TextShingles(p.Title, p.Abstract)), NearDuplicates.TextHashes(p.Title, p.Abstract));
        // Any text: accents, other scripts, lone surrogates, runs of spaces, one or two words.
        var words = Gen.OneOf(Gen.String[Gen.Char, 0, 12], Gen.OneOf<string>("é", "naïve", "x\uD800", "\uDC00y", "数学", "  ", "a-b", "$\\alpha$"));
        Gen.Select(words.Array[0, 30], words.Array[0, 8]).Sample((abs, title) =>
        {
            string t = string.Join(' ', title), a = string.Join(' ', abs);
            Assert.Equal(NearDuplicates.Hashes(NearDuplicates.TextShingles(t, a)), NearDuplicates.TextHashes(t, a));
        }, iter: 2_000);
    }

    [Fact]
    public async Task The_eclipsing_binary_look_alikes_stay_two_papers_and_are_related_both_ways()
    {
        await using var t = await TestStore.CreateAsync();
        await t.ImportSeedPagesAsync();

        var all = await t.AllAsync();
        var a = all.Single(p => p.Title == Modelling);
        var b = all.Single(p => p.Title == Modeling);
        Assert.NotEqual(a.Id, b.Id);
        var ra = Assert.Single(await t.Store.RelatedAsync(a.Id));
        var rb = Assert.Single(await t.Store.RelatedAsync(b.Id));
        Assert.Equal((b.Id, NearDuplicates.SameTitle), (ra.Paper.Id, ra.Kind));
        Assert.Equal(a.Id, rb.Paper.Id);
        Assert.InRange(ra.Similarity, 0.7, 0.8);
        // No other pair of the 257 demo papers is related.
        foreach (var p in all.Where(p => p.Id != a.Id && p.Id != b.Id)) Assert.Empty(await t.Store.RelatedAsync(p.Id));
    }

    [Fact]
    public async Task A_lightly_edited_copy_under_another_id_is_flagged_and_kept()
    {
        await using var t = await TestStore.CreateAsync();
        var rq = Seeds.Read("004").First(p => p.Title.StartsWith("Rayleigh Quotient Graph Neural Networks", StringComparison.Ordinal));
        var original = new Paper { ArxivId = "2310.02861", Title = rq.Title, Abstract = rq.Abstract, PublishedAt = rq.PublishedAt };
        // The workshop version: another id, a retitled paper and an abstract with a few words changed.
        var copy = new Paper
        {
            ArxivId = "2401.00001", Title = "Spectral Graph Neural Networks for Graph-level Anomaly Detection",
            Abstract = rq.Abstract.Replace("has gained significant attention", "has attracted much attention")
                .Replace("In this paper, we", "Here we").Replace("Extensive experiments", "Experiments"),
        };
        var unrelated = Seeds.Read("000").First(p => p.Title == Modelling);

        await t.Store.ImportAsync([original, unrelated]);
        await t.Store.ImportAsync([copy]);

        Assert.Equal(3, await t.Store.CountAsync());
        var r = Assert.Single(await t.Store.RelatedAsync("2401.00001"));
        Assert.Equal(("2310.02861", NearDuplicates.SameText), (r.Paper.Id, r.Kind));
        Assert.True(r.Similarity is >= 0.5 and < 1, $"similarity {r.Similarity}");
        Assert.Equal("2401.00001", Assert.Single(await t.Store.RelatedAsync("2310.02861")).Paper.Id);
        Assert.Empty(await t.Store.RelatedAsync(unrelated.Id ?? PaperIdentity.TitleId(Modelling)));
    }

    [Fact]
    public void Unrelated_papers_share_no_band_and_are_not_similar()
    {
        var papers = Seeds.Read("001").Take(2).ToList();
        Assert.Null(NearDuplicates.Compare(papers[0], papers[1]));
        Assert.Empty(NearDuplicates.BandKeys(papers[0]).Intersect(NearDuplicates.BandKeys(papers[1])));
    }

    [Fact]
    public void Band_keys_are_the_same_in_every_process()
    {
        // Stored keys must keep their meaning across restarts and versions: pin the first one.
        var p = new Paper { Title = "A Title", Abstract = "one two three four five" };
        Assert.Equal(NearDuplicates.BandKeys(p), NearDuplicates.BandKeys(p.Clone()));
        Assert.Equal(NearDuplicates.TextBands + NearDuplicates.TitleBands, NearDuplicates.BandKeys(p).Length);
    }
}

/// <summary>The related papers on the paper page and in the API, on the demo corpus the app seeds itself.</summary>
public sealed class RelatedPapersWebTests(SharedTestHost fixture) : IClassFixture<SharedTestHost>
{
    [Fact]
    public async Task Both_look_alikes_show_each_other_as_possibly_the_same_work()
    {
        var store = fixture.Host.Get<PaperStore>();
        var a = PaperIdentity.TitleId("Phemenological Modelling of a Group of Eclipsing Binary Stars");
        var b = PaperIdentity.TitleId("Phemenological Modeling of Eclipsing Binary Stars");

        var page = await fixture.Client.GetStringAsync($"/papers/{a}");
        Assert.Contains("Possibly the same work as", page);
        Assert.Contains($"href=\"/papers/{b}\">Phemenological Modeling of Eclipsing Binary Stars</a>", page);
        Assert.Contains($"href=\"/papers/{a}\">Phemenological Modelling of a Group of Eclipsing Binary Stars</a>", await fixture.Client.GetStringAsync($"/papers/{b}"));

        var json = await fixture.Client.GetFromJsonAsync<JsonElement>($"/api/papers/{b}/related");
        var only = Assert.Single(json.GetProperty("results").EnumerateArray());
        Assert.Equal(a, only.GetProperty("paper").GetProperty("id").GetString());
        Assert.Equal("same-title", only.GetProperty("kind").GetString());
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await fixture.Client.GetAsync("/api/papers/nope/related")).StatusCode);
        Assert.Equal(2, (await store.GetManyAsync([a, b])).Count);
    }

    [Fact]
    public async Task Cards_carry_the_headline_html_encoded_and_the_paper_page_its_datasets()
    {
        var board = await fixture.Client.GetStringAsync("/trending");
        var rq = (await fixture.Host.Get<PaperStore>().AllAsync().ToListAsync()).Single(p => p.Title.StartsWith("Rayleigh Quotient Graph", StringComparison.Ordinal));
        var show = await fixture.Client.GetStringAsync($"/papers/{rq.Id}");
        Assert.Contains("<p class=\"headline\">Extensive experiments on 10 real-world datasets show that RQGNN outperforms the best rival by 6.74% in Macro-F1 score", show);
        var withData = (await fixture.Host.Get<PaperStore>().AllAsync().ToListAsync()).First(p => p.Datasets.Contains("MetaMathQA"));
        Assert.Contains("<span class=\"tag\">MetaMathQA</span>", await fixture.Client.GetStringAsync($"/papers/{withData.Id}"));
        Assert.Contains("class=\"headline\"", board);
    }
}
