using System.Security.Cryptography;
using System.Text;
using Paperboy.Core.Import;
using Paperboy.Core.Papers;

namespace Paperboy.Tests.Import;

/// <summary>Identity of a paper (architecture.md) and the merge of two copies of one paper.</summary>
public sealed class IdentityAndMergeTests
{
    [Theory]
    [InlineData("2310.01234", "2310.01234", null)]
    [InlineData("2310.01234v2", "2310.01234", 2)]
    [InlineData(" arXiv:2310.01234v3 ", "2310.01234", 3)]
    [InlineData("0704.0001", "0704.0001", null)]
    [InlineData("http://arxiv.org/abs/2310.01234v2", "2310.01234", 2)]
    [InlineData("https://arxiv.org/abs/2310.01234", "2310.01234", null)]
    [InlineData("https://arxiv.org/pdf/2310.01234v1.pdf", "2310.01234", 1)]
    [InlineData("https://arxiv.org/pdf/2310.01234v1", "2310.01234", 1)]
    [InlineData("https://export.arxiv.org/abs/2310.01234?context=cs", "2310.01234", null)]
    [InlineData("math/0601001v1", "math/0601001", 1)]
    [InlineData("Math/0601001", "math/0601001", null)]
    [InlineData("math.GT/0601001", "math/0601001", null)]
    [InlineData("hep-th/9901001v2", "hep-th/9901001", 2)]
    [InlineData("http://arxiv.org/abs/math/0601001v1", "math/0601001", 1)]
    public void ArXiv_ids_and_URLs_normalise_to_the_bare_id_and_version(string text, string id, int? version)
    {
        Assert.True(PaperIdentity.TryParseArxivId(text, out var parsed, out var v));
        Assert.Equal(id, parsed);
        Assert.Equal(version, v);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("Rayleigh Quotient")]
    [InlineData("2310.123")]
    [InlineData("2310.01234x")]
    [InlineData("https://example.org/abs/2310.01234")]
    [InlineData("https://notarxiv.org/abs/2310.01234")]
    [InlineData("https://evil.example/arxiv.org/abs/2310.01234")]
    [InlineData("math/060100")]
    [InlineData("2310.01234v99999999999")]
    [InlineData("2310.01234v0")]
    [InlineData("\u0662\u0663\u0661\u0660.\u0660\u0661\u0662\u0663\u0664")]
    [InlineData("2310.01234v\u0663")]
    public void Text_that_is_not_an_arXiv_id_is_not_parsed(string text)
    {
        Assert.False(PaperIdentity.TryParseArxivId(text, out _, out _));
    }

    [Theory]
    [InlineData("Rayleigh Quotient Graph Neural Networks for Graph-level Anomaly Detection", "rayleigh quotient graph neural networks for graph level anomaly detection")]
    [InlineData("  LIFT the Veil -- for the Truth!! ", "lift the veil for the truth")]
    [InlineData("Café: Ünïcode_titles", "café ünïcode titles")]
    [InlineData("Cross-Site <script>alert(1)</script>", "cross site script alert 1 script")]
    public void Titles_normalise_to_lower_case_words_separated_by_one_space(string title, string normalised)
    {
        Assert.Equal(normalised, PaperIdentity.NormaliseTitle(title));
    }

    [Fact]
    public void A_title_id_is_t_and_12_hex_digits_of_the_SHA256_of_the_normalised_title()
    {
        const string title = "Rayleigh Quotient Graph Neural Networks for Graph-level Anomaly Detection";
        Assert.Equal("t-c15c222db5c5", PaperIdentity.TitleId(title));
        var expected = "t-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(PaperIdentity.NormaliseTitle(title))))[..12];
        Assert.Equal(expected, PaperIdentity.TitleId(title));
        Assert.Equal(PaperIdentity.TitleId(title), PaperIdentity.TitleId("rayleigh quotient graph neural networks for graph level anomaly detection."));
    }

    [Fact]
    public void Look_alike_titles_get_different_ids()
    {
        Assert.Equal("t-845b5c13c773", PaperIdentity.TitleId("Phemenological Modelling of a Group of Eclipsing Binary Stars"));
        Assert.Equal("t-fedaec682c07", PaperIdentity.TitleId("Phemenological Modeling of Eclipsing Binary Stars"));
    }

    [Fact]
    public void A_paper_with_an_arXiv_id_is_known_by_it()
    {
        Assert.Equal("2310.02861", PaperIdentity.IdFor(new Paper { ArxivId = "2310.02861", Title = "Anything" }));
        Assert.Equal(PaperIdentity.TitleId("Anything"), PaperIdentity.IdFor(new Paper { Title = "Anything" }));
        Assert.True(PaperIdentity.IsTitleId(PaperIdentity.TitleId("Anything")));
        Assert.False(PaperIdentity.IsTitleId("2310.02861"));
    }

    private static Paper Seed() => new()
    {
        Title = "Rayleigh Quotient Graph Neural Networks for Graph-level Anomaly Detection",
        Abstract = "Graph-level anomaly detection has gained significant attention. Our code is available at https://github.com/xydong127/RQGNN.",
        AuthorCount = 3,
        PublishedAt = new DateOnly(2023, 10, 4),
        Upvotes = 2,
        Links = [new PaperLink(PaperLink.Code, "https://github.com/xydong127/RQGNN")],
    };

    private static Paper Arxiv() => new()
    {
        ArxivId = "2310.02861",
        Version = 2,
        Title = "Rayleigh Quotient Graph Neural Networks for Graph-level Anomaly Detection",
        Abstract = "Short.",
        Authors = ["Xiangyu Dong", "Xingyi Zhang", "Sibo Wang"],
        AuthorCount = 3,
        PublishedAt = new DateOnly(2023, 10, 5),
        Upvotes = 1,
        PrimaryCategory = "cs.LG",
        Categories = ["cs.LG", "cs.AI"],
        Links = [new PaperLink(PaperLink.Pdf, "http://arxiv.org/pdf/2310.02861v2"), new PaperLink(PaperLink.Code, "https://github.com/xydong127/RQGNN")],
    };

    [Fact]
    public void Merging_keeps_the_richest_fields_and_the_highest_upvotes()
    {
        var merged = Seed();
        Assert.True(PaperMerge.Into(merged, Arxiv()));
        Assert.Equal("2310.02861", merged.ArxivId);
        Assert.Equal(2, merged.Version);
        Assert.StartsWith("Graph-level anomaly detection", merged.Abstract);            // the longer abstract stays
        Assert.Equal(["Xiangyu Dong", "Xingyi Zhang", "Sibo Wang"], merged.Authors);   // the longer author list arrives
        Assert.Equal(2, merged.Upvotes);                                               // max(2, 1)
        Assert.Equal(new DateOnly(2023, 10, 4), merged.PublishedAt);                   // the earliest day
        Assert.Equal("cs.LG", merged.PrimaryCategory);
        Assert.Equal(["cs.LG", "cs.AI"], merged.Categories);
        Assert.Equal(
            [new PaperLink(PaperLink.Code, "https://github.com/xydong127/RQGNN"), new PaperLink(PaperLink.Pdf, "http://arxiv.org/pdf/2310.02861v2")],
            merged.Links);                                                             // union, no duplicate
    }

    [Fact]
    public void Merging_takes_higher_upvotes_and_comment_counts_from_the_newcomer()
    {
        var p = Arxiv();
        Assert.True(PaperMerge.Into(p, new Paper { Title = p.Title, Upvotes = 40, CommentCount = 5, FeedDay = new DateOnly(2023, 10, 6), SubmittedBy = "akhaliq" }));
        Assert.Equal(40, p.Upvotes);
        Assert.Equal(5, p.CommentCount);
        Assert.Equal(new DateOnly(2023, 10, 6), p.FeedDay);
        Assert.Equal("akhaliq", p.SubmittedBy);
        Assert.Equal(3, p.Authors.Count);
    }

    [Fact]
    public void Merging_unions_categories_and_links_in_order()
    {
        var p = Arxiv();
        PaperMerge.Into(p, new Paper { Title = p.Title, Categories = ["cs.AI", "stat.ML"], Links = [new PaperLink(PaperLink.Project, "https://rqgnn.example.org/")] });
        Assert.Equal(["cs.LG", "cs.AI", "stat.ML"], p.Categories);
        Assert.Equal(3, p.Links.Count);
        Assert.Equal(new PaperLink(PaperLink.Project, "https://rqgnn.example.org/"), p.Links[^1]);
    }

    [Fact]
    public void Merging_the_same_copy_again_changes_nothing()
    {
        var p = Seed();
        PaperMerge.Into(p, Arxiv());
        var before = JsonlFormat.Write(p);
        Assert.False(PaperMerge.Into(p, Arxiv()));
        Assert.False(PaperMerge.Into(p, Seed()));
        Assert.Equal(before, JsonlFormat.Write(p));
    }

    [Fact]
    public void Merging_never_lowers_the_upvotes_or_empties_a_field()
    {
        var p = Arxiv();
        p.Upvotes = 9;
        Assert.False(PaperMerge.Into(p, new Paper { Title = p.Title }));
        Assert.Equal(9, p.Upvotes);
        Assert.Equal(3, p.Authors.Count);
        Assert.Equal(2, p.Version);
    }

    [Fact]
    public void A_batch_folds_title_only_copies_into_the_arXiv_paper_in_either_order()
    {
        var titleFirst = ImportBatch.Fold([Seed(), Arxiv()]);
        var arxivFirst = ImportBatch.Fold([Arxiv(), Seed()]);
        foreach (var folded in new[] { titleFirst, arxivFirst })
        {
            var p = Assert.Single(folded);
            Assert.Equal("2310.02861", p.Id);
            Assert.Equal(2, p.Upvotes);
            Assert.Equal(new DateOnly(2023, 10, 4), p.PublishedAt);
            Assert.Equal(3, p.Authors.Count);
        }
    }

    [Fact]
    public void A_batch_folds_the_same_title_twice_into_one_paper()
    {
        var a = Seed();
        var b = Seed();
        b.Title = "Rayleigh quotient graph neural networks for graph level anomaly detection";
        b.Upvotes = 5;
        var p = Assert.Single(ImportBatch.Fold([a, b]));
        Assert.Equal(PaperIdentity.TitleId(a.Title), p.Id);
        Assert.Equal(5, p.Upvotes);
        Assert.Equal(a.Title, p.Title);                                                // the first title is kept
    }

    [Fact]
    public void Folding_does_not_change_the_papers_it_was_given()
    {
        var a = Seed();
        var before = JsonlFormat.Write(a);
        ImportBatch.Fold([a, Arxiv()]);
        Assert.Equal(before, JsonlFormat.Write(a));
    }
}
