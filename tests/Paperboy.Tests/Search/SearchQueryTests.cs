using Paperboy.Search.Lexical;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Search;

/// <summary>Query syntax: words, "phrases", -exclusions, author:, before:/after:; never an error.</summary>
public sealed class SearchQueryTests
{
    [Fact]
    public void Free_words_are_words()
    {
        var q = SearchQuery.Parse("graph anomaly detection");
        Assert.Equal(["graph", "anomaly", "detection"], q.Words);
        Assert.Empty(q.Phrases);
        Assert.True(q.HasPositiveClause);
    }

    [Fact]
    public void Quoted_text_is_a_phrase()
    {
        var q = SearchQuery.Parse("\"rayleigh quotient\" gnn \"graph-level anomaly\"");
        Assert.Equal(["rayleigh quotient", "graph-level anomaly"], q.Phrases);
        Assert.Equal(["gnn"], q.Words);
    }

    [Fact]
    public void A_leading_minus_excludes_a_word_or_a_phrase()
    {
        var q = SearchQuery.Parse("diffusion -video -\"text to image\" state-of-the-art");
        Assert.Equal(["diffusion", "state-of-the-art"], q.Words);
        Assert.Equal(["video", "text to image"], q.Excluded);
        Assert.Empty(q.Phrases);
    }

    [Fact]
    public void A_lone_minus_is_just_a_word()
    {
        var q = SearchQuery.Parse("a - b");
        Assert.Equal(["a", "-", "b"], q.Words);
        Assert.Empty(q.Excluded);
    }

    [Fact]
    public void Author_takes_a_name_or_a_quoted_full_name()
    {
        var q = SearchQuery.Parse("author:Dong author:\"Sibo Wang\" spectral -author:Smith");
        Assert.Equal(["Dong", "Sibo Wang"], q.Authors);
        Assert.Equal(["spectral"], q.Words);
        Assert.Equal(["author:Smith"], q.Excluded);
    }

    [Fact]
    public void Before_and_after_take_a_day_a_month_or_a_year()
    {
        var q = SearchQuery.Parse("scaling after:2023-10 before:2024-01-15");
        Assert.Equal(new DateOnly(2023, 10, 31), q.After);   // after the whole of October
        Assert.Equal(new DateOnly(2024, 12, 31), SearchQuery.Parse("after:2024").After);
        Assert.Equal(new DateOnly(2024, 1, 15), q.Before);
        Assert.Equal(["scaling"], q.Words);
        Assert.Equal(new DateOnly(2021, 1, 1), SearchQuery.Parse("BEFORE:2021").Before);
    }

    [Fact]
    public void A_date_filter_that_is_not_a_date_is_kept_as_a_word()
    {
        var q = SearchQuery.Parse("after:yesterday before:2023-02-30");
        Assert.Null(q.After);
        Assert.Null(q.Before);
        Assert.Equal(["after:yesterday", "before:2023-02-30"], q.Words);
    }

    [Fact]
    public void A_query_of_filters_only_has_no_positive_clause()
    {
        Assert.False(SearchQuery.Parse("after:2023 -diffusion").HasPositiveClause);
        Assert.False(SearchQuery.Parse("").HasPositiveClause);
        Assert.False(SearchQuery.Parse(null).HasPositiveClause);
    }

    [Fact]
    public void An_unbalanced_quote_runs_to_the_end()
    {
        var q = SearchQuery.Parse("gnn \"rayleigh quotient");
        Assert.Equal(["rayleigh quotient"], q.Phrases);
        Assert.Equal(["gnn"], q.Words);
        Assert.Equal(["x"], SearchQuery.Parse("author:\"x").Authors);
    }

    public static TheoryData<string> Hostile => new()
    {
        "\"", "\"\"", "-", "--", "-\"", "\"-", "author:", "author:\"", "author:\"\"", "before:", "after:-",
        "title:(foo AND bar)", "+graph -", "foo~2 bar^3", "[2020 TO 2023]", "{a TO b}", "a && b || !c", "\\", "\\\"",
        "/regex/", "*", "?", "wild*card", "te?t", "(unclosed", "unopened)", ":", "::", "a:b:c", "\0", "\u00A0\u2028",
        "mathcal{O}(d^k)", "<script>alert(1)</script>", "AND", "OR NOT", new string('"', 999), new string('-', 1000),
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Lucene_syntax_and_stray_characters_never_throw(string text)
    {
        var q = SearchQuery.Parse(text);
        Assert.Equal(text, q.Text);
        Assert.All(q.Words.Concat(q.Excluded), w => Assert.NotEqual("", w));
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Lucene_syntax_and_stray_characters_never_make_the_index_throw(string text)
    {
        using var dir = new TempDir();
        using var index = LexicalIndex.Open(dir.Path);
        index.Apply([new Core.Papers.Paper { Id = "2310.02861", Title = "Rayleigh Quotient Graph Neural Networks", Abstract = "mathcal{O}(d^k) AND title:(foo)", Authors = ["Sibo Wang"] }], [], 1);
        var result = index.Search(SearchQuery.Parse(text), new SearchFilter(), 10, 0);
        Assert.True(result.Total >= 0);
        Assert.True(result.Hits.Count <= 1);
    }

    [Fact]
    public void The_index_finds_a_paper_by_words_phrase_and_author_and_honours_exclusions()
    {
        using var dir = new TempDir();
        using var index = LexicalIndex.Open(dir.Path);
        index.Apply(
        [
            new Core.Papers.Paper { Id = "2310.02861", Title = "Rayleigh Quotient Graph Neural Networks for Graph-level Anomaly Detection", Abstract = "Spectral energy of anomalous graphs.", Authors = ["Xiangyu Dong", "Sibo Wang"], PublishedAt = new DateOnly(2023, 10, 4) },
            new Core.Papers.Paper { Id = "t-aaaaaaaaaaaa", Title = "Searching Better Activation Functions", Abstract = "Graph of functions.", PublishedAt = new DateOnly(2024, 5, 1) },
        ], [], 2);
        Assert.Equal(["t-aaaaaaaaaaaa"], Ids(index, "activation function"));
        Assert.Equal(["2310.02861"], Ids(index, "\"rayleigh quotients\""));
        Assert.Equal(["2310.02861"], Ids(index, "author:\"Sibo Wang\""));
        Assert.Equal(["2310.02861"], Ids(index, "graph -activation"));
        Assert.Equal(["t-aaaaaaaaaaaa"], Ids(index, "graph after:2024-01-01"));
        Assert.Empty(Ids(index, "graph before:2023-01-01"));
    }

    private static List<string> Ids(LexicalIndex index, string q) =>
        index.Search(SearchQuery.Parse(q), new SearchFilter(), 10, 0).Hits.Select(h => h.Id).ToList();
}
