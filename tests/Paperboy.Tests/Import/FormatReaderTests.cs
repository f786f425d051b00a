using Paperboy.Core.Import;
using Paperboy.Core.Papers;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Import;

/// <summary>arXiv Atom, Hugging Face daily papers, JSONL, and format detection.</summary>
public sealed class FormatReaderTests
{
    private static IReadOnlyList<Paper> Read(string fixture, string format = ImportFormat.Auto) =>
        ImportFormat.Read(ImportSource.FromFile(TestData.File(fixture)), format, Seeds.Today);

    [Fact]
    public void An_arXiv_API_entry_gives_id_version_unwrapped_text_authors_dates_categories_and_links()
    {
        var papers = Read("arxiv_query.atom");
        Assert.Equal(2, papers.Count);
        var p = papers[0];
        Assert.Equal("2310.01234", p.Id);
        Assert.Equal("2310.01234", p.ArxivId);
        Assert.Equal(2, p.Version);
        Assert.Equal("Sparse Spectral Adapters for Graph-level Anomaly Detection with Few Labels", p.Title);
        Assert.StartsWith("Graph-level anomaly detection asks which graphs in a collection are unlike the others. We study", p.Abstract);
        Assert.EndsWith("while training 5% of the weights.", p.Abstract);
        Assert.DoesNotContain("\n", p.Abstract);
        Assert.DoesNotContain("  ", p.Abstract);
        Assert.Equal(["Mei Lin", "Jonas Weber", "Priya Raman"], p.Authors);
        Assert.Equal(3, p.AuthorCount);
        Assert.Equal(new DateOnly(2023, 10, 2), p.PublishedAt);       // <published>, not <updated>
        Assert.Equal("cs.LG", p.PrimaryCategory);
        Assert.Equal(["cs.LG", "cs.SI", "stat.ML"], p.Categories);
        Assert.Equal(
            [new PaperLink(PaperLink.Pdf, "http://arxiv.org/pdf/2310.01234v2"), new PaperLink(PaperLink.Code, "https://github.com/meilin-lab/ssa-gad")],
            p.Links);
        Assert.Equal(0, p.Upvotes);
    }

    [Fact]
    public void An_arXiv_entry_with_a_code_URL_in_the_abstract_gets_one_code_link()
    {
        var rq = Read("arxiv_query.atom")[1];
        Assert.Equal("2310.02861", rq.Id);
        Assert.Equal(1, rq.Version);
        Assert.Equal("Rayleigh Quotient Graph Neural Networks for Graph-level Anomaly Detection", rq.Title);
        Assert.Single(rq.Links, l => l.Kind == PaperLink.Code);
        Assert.Contains(new PaperLink(PaperLink.Code, "https://github.com/xydong127/RQGNN"), rq.Links);
    }

    [Fact]
    public void An_old_style_arXiv_entry_keeps_its_archive_in_the_id()
    {
        var p = Assert.Single(Read("arxiv_oldstyle.atom"));
        Assert.Equal("math/0601001", p.Id);
        Assert.Equal(1, p.Version);
        Assert.Equal(new DateOnly(2005, 12, 30), p.PublishedAt);
        Assert.Equal("math.NT", p.PrimaryCategory);
        Assert.Equal(["math.NT", "11P21"], p.Categories);
        Assert.Contains(new PaperLink(PaperLink.Pdf, "http://arxiv.org/pdf/math/0601001v1"), p.Links);
        Assert.Contains(@"$\mathbb{Z}^2$", p.Abstract);
    }

    [Fact]
    public void Daily_papers_JSON_gives_upvotes_comments_feed_day_submitter_and_author_names()
    {
        var papers = Read("hf_daily.json");
        Assert.Equal(2, papers.Count);
        var rq = papers[0];
        Assert.Equal("2310.02861", rq.Id);
        Assert.Equal("Rayleigh Quotient Graph Neural Networks for Graph-level Anomaly Detection", rq.Title);
        Assert.Equal(7, rq.Upvotes);
        Assert.Equal(2, rq.CommentCount);
        Assert.Equal(new DateOnly(2023, 10, 4), rq.PublishedAt);
        Assert.Equal(new DateOnly(2023, 10, 5), rq.FeedDay);
        Assert.Equal("akhaliq", rq.SubmittedBy);
        Assert.Equal(["Xiangyu Dong", "Xingyi Zhang", "Sibo Wang"], rq.Authors);
        Assert.Equal([new PaperLink(PaperLink.Code, "https://github.com/xydong127/RQGNN")], rq.Links);   // githubRepo and abstract URL: once

        var tm = papers[1];
        Assert.Equal(["Hana Suzuki", "Tomás Ibáñez"], tm.Authors);
        Assert.Equal(23, tm.Upvotes);
        Assert.Equal([new PaperLink(PaperLink.Project, "https://token-merge.example.org/")], tm.Links);
    }

    [Fact]
    public void JSONL_lines_are_read_with_normalised_ids_and_blank_lines_skipped()
    {
        var papers = Read("papers.jsonl");
        Assert.Equal(["2310.02861", PaperIdentity.TitleId("Phemenological Modeling of Eclipsing Binary Stars"), "math/0601001"], papers.Select(p => p.Id));
        Assert.Equal("math/0601001", papers[2].ArxivId);      // "arXiv:math/0601001v1"
        Assert.Equal(1, papers[2].Version);
        Assert.Null(papers[1].ArxivId);
        Assert.Equal(3, papers[1].AuthorCount);
        Assert.Equal(new DateOnly(2016, 2, 12), papers[1].PublishedAt);
        Assert.Equal(2, papers[0].Links.Count);
    }

    [Theory]
    [InlineData("arxiv_query.atom", ImportFormat.ArxivAtom)]
    [InlineData("arxiv_oldstyle.atom", ImportFormat.ArxivAtom)]
    [InlineData("hf_daily.json", ImportFormat.HfDaily)]
    [InlineData("papers.jsonl", ImportFormat.Jsonl)]
    [InlineData("script_title.txt", ImportFormat.HfPage)]
    public void The_format_is_detected_from_the_content(string fixture, string expected)
    {
        Assert.Equal(expected, ImportFormat.Detect(ImportSource.FromFile(TestData.File(fixture))));
    }

    [Fact]
    public void Seed_pages_are_detected_as_hf_pages()
    {
        Assert.All(TestData.SeedPages, p => Assert.Equal(ImportFormat.HfPage, ImportFormat.Detect(ImportSource.FromFile(p))));
        Assert.Equal(5, TestData.SeedPages.Count);
    }

    [Fact]
    public void XML_that_is_not_an_Atom_feed_is_refused_rather_than_read_as_a_page()
    {
        var e = Assert.Throws<ImportException>(() => ImportFormat.Detect(ImportSource.FromText("oai.xml", "<?xml version=\"1.0\"?>\n<OAI-PMH><ListRecords/></OAI-PMH>\n")));
        Assert.Contains("not an Atom feed", e.Reason);
    }

    [Fact]
    public void A_page_whose_first_title_starts_with_a_bracket_is_still_a_page()
    {
        var page = "<projektor>: Predicting Model Performance\n\nWe propose a framework called <projektor>.\n\n  • 3 authors\n·\nOct 4, 2023\n";
        var source = ImportSource.FromText("page.txt", page);
        Assert.Equal(ImportFormat.HfPage, ImportFormat.Detect(source));
        Assert.Equal("<projektor>: Predicting Model Performance", ImportFormat.Read(source, ImportFormat.Auto, new DateOnly(2026, 1, 1)).Single().Title);
    }

    [Fact]
    public void Auto_and_named_formats_read_the_same_papers()
    {
        var auto = Read("arxiv_query.atom").Select(JsonlFormat.Write);
        var named = Read("arxiv_query.atom", ImportFormat.ArxivAtom).Select(JsonlFormat.Write);
        Assert.Equal(auto, named);
    }
}
