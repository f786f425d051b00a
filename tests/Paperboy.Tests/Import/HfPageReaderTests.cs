using Paperboy.Core.Import;
using Paperboy.Core.Papers;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Import;

/// <summary>The quirks of the seed page format (architecture.md, "The seed page format").</summary>
public sealed class HfPageReaderTests
{
    private const string Rayleigh = "Rayleigh Quotient Graph Neural Networks for Graph-level Anomaly Detection";

    [Fact]
    public void The_five_seed_pages_hold_284_entries()
    {
        var counts = new[] { "000", "001", "002", "003", "004" }.Select(p => Seeds.Read(p).Count).ToArray();
        Assert.Equal([38, 56, 59, 63, 68], counts);
        Assert.Equal(284, counts.Sum());
    }

    [Fact]
    public void The_page_without_author_or_date_lines_gives_titles_and_abstracts_only()
    {
        var papers = Seeds.Read("001");
        Assert.Equal(56, papers.Count);
        Assert.All(papers, p =>
        {
            Assert.Null(p.AuthorCount);
            Assert.Null(p.PublishedAt);
            Assert.Equal(0, p.Upvotes);
            Assert.False(string.IsNullOrWhiteSpace(p.Abstract));
            Assert.StartsWith("t-", p.Id);
        });
        var first = papers[0];
        Assert.Equal("One Step of Gradient Descent is Provably the Optimal In-Context Learner with One Layer of Linear Self-Attention", first.Title);
        Assert.StartsWith("Recent works have empirically analyzed in-context learning", first.Abstract);
        Assert.Equal("How Powerful are Shallow Neural Networks with Bandlimited Random Weights?", papers[1].Title);
    }

    [Fact]
    public void An_upvote_count_after_the_date_is_read_as_upvotes()
    {
        var lift = Seeds.Read("000").ByTitle("LIFT the Veil for the Truth: Principal Weights Emerge after Rank Reduction for Reasoning-Focused Supervised Fine-Tuning");
        Assert.Equal(2, lift.Upvotes);                         // "May 31 2"
        Assert.Equal(new DateOnly(2025, 5, 31), lift.PublishedAt);
        Assert.Equal(8, lift.AuthorCount);

        var nov6 = Seeds.Read("000").Single(p => p.PublishedAt == new DateOnly(2024, 11, 6));   // "Nov 6, 2024 1"
        Assert.Equal(1, nov6.Upvotes);
    }

    [Fact]
    public void A_date_without_upvotes_gives_zero_upvotes()
    {
        var rq = Seeds.Read("004").ByTitle(Rayleigh);
        Assert.Equal(0, rq.Upvotes);
        Assert.Equal(3, rq.AuthorCount);
    }

    [Fact]
    public void The_Rayleigh_quotient_paper_was_published_on_2023_10_04()
    {
        Assert.Equal(new DateOnly(2023, 10, 4), Seeds.Read("004").ByTitle(Rayleigh).PublishedAt);
    }

    [Fact]
    public void Year_less_dates_take_the_page_year_one_after_the_newest_explicit_year()
    {
        // Page 000: newest explicit year 2024, so "Mar 11" is 2025-03-11.
        var uq = Seeds.Read("000").ByTitle("Uncertainty Quantification for Multi-fidelity Simulations");
        Assert.Equal(new DateOnly(2025, 3, 11), uq.PublishedAt);
        // Page 004: also 2024 at most; "Mar 13 3" is 2025-03-13 with 3 upvotes.
        var mar13 = Seeds.Read("004").Single(p => p.PublishedAt == new DateOnly(2025, 3, 13));
        Assert.Equal(3, mar13.Upvotes);
    }

    [Fact]
    public void The_page_year_is_capped_at_todays_year()
    {
        var uq = Seeds.Read("000", today: new DateOnly(2024, 6, 30)).ByTitle("Uncertainty Quantification for Multi-fidelity Simulations");
        Assert.Equal(new DateOnly(2024, 3, 11), uq.PublishedAt);
    }

    [Fact]
    public void A_page_with_no_explicit_year_uses_todays_year()
    {
        var text = Seeds.PageText("Mar 12", Seeds.Entry("Kernel Ridge Regression under Distribution Shift", "We revisit kernel ridge regression.", 2, "Mar 10 4"));
        var p = Assert.Single(HfPageReader.Read(ImportSource.FromText("page.txt", text), new DateOnly(2026, 11, 23)));
        Assert.Equal(new DateOnly(2026, 3, 10), p.PublishedAt);
        Assert.Equal(4, p.Upvotes);
    }

    [Fact]
    public void A_year_less_date_later_in_the_year_than_the_page_date_belongs_to_the_year_before()
    {
        var text = Seeds.PageText("Mar 12",
            Seeds.Entry("Kernel Ridge Regression under Distribution Shift", "We revisit kernel ridge regression.", 2, "Nov 24"),
            Seeds.Entry("Token Merging for Long-Context Retrieval", "We merge tokens.", 3, "Feb 2"),
            Seeds.Entry("Sparse Spectral Adapters", "Adapters for spectral GNNs.", 3, "Oct 1, 2024"));
        var papers = HfPageReader.Read(ImportSource.FromText("page.txt", text), new DateOnly(2026, 11, 23));
        Assert.Equal(new DateOnly(2024, 11, 24), papers[0].PublishedAt);   // page year 2025, but Nov 24 is after Mar 12
        Assert.Equal(new DateOnly(2025, 2, 2), papers[1].PublishedAt);
        Assert.Equal(new DateOnly(2024, 10, 1), papers[2].PublishedAt);
    }

    [Fact]
    public void Percent_comment_debris_is_kept_in_the_abstract()
    {
        var p = Seeds.Read("002").ByTitle("Learning Rates as a Function of Batch Size: A Random Matrix Theory Approach to Neural Network Training");
        Assert.Contains("completely novel. %For stochastic second-order methods", p.Abstract);
    }

    [Fact]
    public void Stripped_LaTeX_is_kept_in_the_abstract_as_written()
    {
        var p = Seeds.Read("000").ByTitle("Learning Hierarchical Polynomials with Three-Layer Neural Networks");
        Assert.Contains("mathcal{O}(d^k) samples", p.Abstract);
        Assert.Contains("widetildeTheta(d^4)", p.Abstract);
        Assert.Contains("p : R^d rightarrow R", p.Abstract);
    }

    [Fact]
    public void A_URL_in_the_abstract_becomes_a_code_link_without_the_sentence_full_stop()
    {
        var rq = Seeds.Read("004").ByTitle(Rayleigh);
        Assert.Equal([new PaperLink(PaperLink.Code, "https://github.com/xydong127/RQGNN")], rq.Links);
        Assert.EndsWith("https://github.com/xydong127/RQGNN.", rq.Abstract);
    }

    [Fact]
    public void A_LaTeX_href_leftover_gives_the_plain_URL()
    {
        // "https://github.com/masa-ue/SVDD{https://github.com/masa-ue/SVDD}." is what \href leaves behind.
        var p = Seeds.Read("001").Single(x => x.Abstract.Contains("masa-ue/SVDD{", StringComparison.Ordinal));
        Assert.Equal([new PaperLink(PaperLink.Code, "https://github.com/masa-ue/SVDD")], p.Links);
        var tangle = Seeds.Read("000").Single(x => x.Abstract.Contains("TangleNAS-527C{here}", StringComparison.Ordinal));
        // anonymous.4open.science hosts anonymised repositories for review: code, not a project page.
        Assert.Equal([new PaperLink(PaperLink.Code, "https://anonymous.4open.science/r/TangleNAS-527C")], tangle.Links);
    }

    [Fact]
    public void A_project_page_URL_becomes_a_project_link()
    {
        var p = Seeds.Read("001").Single(x => x.Abstract.Contains("energy-based-model.github.io", StringComparison.Ordinal));
        Assert.Contains(new PaperLink(PaperLink.Project, "https://energy-based-model.github.io/Compositional-Visual-Generation-with-Composable-Diffusion-Models/"), p.Links);
    }

    [Fact]
    public void A_title_with_a_script_tag_imports_as_plain_text()
    {
        var p = Assert.Single(ImportFormat.Read(ImportSource.FromFile(TestData.File("script_title.txt")), ImportFormat.Auto, Seeds.Today));
        Assert.Equal("Cross-Site <script>alert(1)</script> Scripting Detection with Transformers", p.Title);
        Assert.Contains("<img src=x onerror=alert(1)>", p.Abstract);
        Assert.Equal(12, p.Upvotes);
        Assert.Equal(new DateOnly(2023, 10, 4), p.PublishedAt);
    }

    [Fact]
    public void Windows_line_endings_read_the_same_as_unix_ones()
    {
        var unix = File.ReadAllText(Seeds.Page("004"));
        var a = HfPageReader.Read(ImportSource.FromText("unix.txt", unix), Seeds.Today);
        var b = HfPageReader.Read(ImportSource.FromText("dos.txt", unix.Replace("\n", "\r\n")), Seeds.Today);
        Assert.Equal(a.Select(JsonlFormat.Write), b.Select(JsonlFormat.Write));
    }

    [Fact]
    public void A_byte_order_mark_before_the_page_is_ignored()
    {
        var bytes = File.ReadAllBytes(Seeds.Page("004"));
        var withBom = HfPageReader.Read(ImportSource.FromBytes("bom.txt", [0xEF, 0xBB, 0xBF, .. bytes]), Seeds.Today);
        Assert.Equal(Seeds.Read("004").Select(JsonlFormat.Write), withBom.Select(JsonlFormat.Write));
        Assert.Equal(ImportFormat.HfPage, ImportFormat.Detect(ImportSource.FromBytes("bom.txt", [0xEF, 0xBB, 0xBF, .. bytes])));
    }

    [Fact]
    public void Feb_29_of_a_leap_year_is_a_valid_date()
    {
        var text = Seeds.PageText("Mar 12", Seeds.Entry("Kernel Ridge Regression under Distribution Shift", "We revisit kernel ridge regression.", 2, "Feb 29, 2024 5"));
        var p = Assert.Single(HfPageReader.Read(ImportSource.FromText("leap.txt", text), Seeds.Today));
        Assert.Equal(new DateOnly(2024, 2, 29), p.PublishedAt);
        Assert.Equal(5, p.Upvotes);
    }

    [Theory]
    [InlineData("  • -2 authors\n·\nOct 4, 2023", 25, "invalid author count '-2'")]
    [InlineData("  • 2 authors\n·\nOct 4, 2023 99999999999", 27, "out of range")]
    [InlineData("  • 2 authors\n·\nyesterday", 27, "found 'yesterday'")]
    [InlineData("  • 2 authors\n·\nOct 32, 2023", 27, "invalid date 'Oct 32, 2023'")]
    [InlineData("  • 2 authors\n·\nOct \u0664, 2023", 27, "found 'Oct \u0664, 2023'")]
    public void A_bad_author_or_date_line_is_refused_at_its_line(string meta, int line, string reason)
    {
        var text = Seeds.PageText("Oct 17",
            Seeds.Entry("Sparse Spectral Adapters", "Adapters.", 3, "Oct 1, 2024"),
            "Kernel Ridge Regression under Distribution Shift\n\nWe revisit kernel ridge regression.\n\n" + meta);
        var e = Assert.Throws<ImportException>(() => HfPageReader.Read(ImportSource.FromText("meta.txt", text), Seeds.Today));
        Assert.Equal(line, e.Line);
        Assert.Contains(reason, e.Reason);
    }

    [Fact]
    public void A_page_with_only_a_header_is_refused()
    {
        var e = Assert.Throws<ImportException>(() => HfPageReader.Read(ImportSource.FromText("header.txt", Seeds.PageText("Oct 17")), Seeds.Today));
        Assert.Contains("no paper entries found", e.Reason);
    }

    [Fact]
    public void Every_seed_page_paper_gets_its_title_id()
    {
        foreach (var prefix in new[] { "000", "001", "002", "003", "004" })
            Assert.All(Seeds.Read(prefix), p => Assert.Equal(PaperIdentity.TitleId(p.Title), p.Id));
    }
}
