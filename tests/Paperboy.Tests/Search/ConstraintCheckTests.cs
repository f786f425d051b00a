using Paperboy.Core.Papers;
using Paperboy.Search.Lexical;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Search;

/// <summary>
/// Constraints are checked one candidate at a time (two phases: the words' postings, then positions, ranges and
/// exclusions). They must answer exactly as the Lucene query built from the same constraints, and a constrained
/// search must rank exactly as Lucene's exhaustive search: BM25 over all the query's words, filtered by its constraints.
/// </summary>
public sealed class ConstraintCheckTests : IDisposable
{
    private static readonly string[] Vocabulary = ["neural", "network", "deep", "learning", "graph", "diffusion", "model", "image", "generation", "score", "function", "the", "of", "time", "series"];
    private static readonly string[] People = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov"];
    private readonly TempDir _dir = new();
    private readonly LexicalIndex _index;
    private readonly List<string> _ids;

    public ConstraintCheckTests()
    {
        var random = new Random(11);
        string Text(int n) => string.Join(' ', Enumerable.Range(0, n).Select(_ => Vocabulary[(int)Math.Floor(Math.Pow(random.NextDouble(), 2) * Vocabulary.Length)]));
        var papers = Enumerable.Range(0, 1500).Select(i => new Paper
        {
            Id = $"p{i:D4}",
            Title = Text(random.Next(2, 8)),
            Abstract = Text(random.Next(5, 60)),
            Authors = People.Where(_ => random.Next(3) == 0).ToList(),
            PublishedAt = random.Next(10) == 0 ? null : new DateOnly(2023, 1, 1).AddDays(random.Next(900)),
            Upvotes = random.Next(4) == 0 ? random.Next(50) : 0,
            Links = random.Next(3) == 0 ? [new PaperLink(PaperLink.Code, "https://example.org/code")] : [],
        }).ToList();
        _index = LexicalIndex.Open(_dir.Path);
        // Several segments, one paper updated (deleted and added again), so the checks see deletions.
        foreach (var batch in papers.Chunk(400)) _index.Apply(batch, [], 1);
        _index.Apply([papers[3]], ["p0005"], 2);
        _ids = papers.Select(p => p.Id).Where(id => id != "p0005").ToList();
    }

    private static (SearchQuery Query, SearchFilter Filter) RandomQuery(Random random)
    {
        string Words(int n) => string.Join(' ', Enumerable.Range(0, n).Select(_ => Vocabulary[random.Next(Vocabulary.Length)]));
        var parts = new List<string>();
        if (random.Next(3) > 0) parts.Add(Words(random.Next(1, 3)));
        for (var i = random.Next(0, 3); i > 0; i--) parts.Add($"\"{Words(random.Next(1, 4))}\"");
        if (random.Next(3) == 0) parts.Add($"author:\"{People[random.Next(People.Length)]}\"");
        if (random.Next(3) == 0) parts.Add(random.Next(2) == 0 ? $"-{Vocabulary[random.Next(Vocabulary.Length)]}" : $"-\"{Words(2)}\"");
        if (random.Next(5) == 0) parts.Add($"-author:\"{People[random.Next(People.Length)]}\"");
        if (random.Next(4) == 0) parts.Add($"after:2023-{random.Next(1, 13):D2}");
        if (random.Next(4) == 0) parts.Add($"before:2025-{random.Next(1, 7):D2}");
        var filter = new SearchFilter(
            From: random.Next(6) == 0 ? new DateOnly(2024, 1, 1) : null,
            MinUpvotes: random.Next(5) == 0 ? random.Next(1, 30) : null,
            HasCode: random.Next(4) == 0);
        return (SearchQuery.Parse(string.Join(' ', parts)), filter);
    }

    [Fact]
    public void Checking_candidates_one_at_a_time_agrees_with_the_Lucene_query()
    {
        var random = new Random(5);
        var nonEmpty = 0;
        for (var q = 0; q < 300; q++)
        {
            var (query, filter) = RandomQuery(random);
            if (!LexicalIndex.HasConstraints(query, filter)) continue;
            var expected = _index.RunLucene(_index.ConstraintsQuery(query, filter), _ids.Count).Select(h => h.Id).ToHashSet();
            var actual = _index.Satisfying(query, filter, _ids);
            Assert.True(expected.SetEquals(actual), $"[{query.Text}] {filter}: {actual.Count} satisfy, Lucene says {expected.Count}");
            if (expected.Count > 0) nonEmpty++;
        }
        Assert.True(nonEmpty > 50, $"only {nonEmpty} queries had any match: the test would prove little");
    }

    [Fact]
    public void All_papers_satisfying_the_constraints_are_listed_up_to_the_limit()
    {
        var random = new Random(7);
        var (listed, refused) = (0, 0);
        for (var q = 0; q < 300; q++)
        {
            var (query, filter) = RandomQuery(random);
            if (!LexicalIndex.HasConstraints(query, filter)) continue;
            var expected = _index.RunLucene(_index.ConstraintsQuery(query, filter), _ids.Count).Select(h => h.Id).ToHashSet();
            var limit = random.Next(2) == 0 ? 50 : 2_000;
            var all = _index.AllSatisfying(query, filter, limit);
            if (expected.Count > limit) { Assert.Null(all); refused++; continue; }
            // Under the limit a list may still be refused unread, when the postings leading it are far longer.
            if (all is null) continue;
            Assert.True(expected.SetEquals(all) && all.Count == expected.Count, $"[{query.Text}] {filter}: {all.Count} listed, Lucene says {expected.Count}");
            listed++;
        }
        Assert.True(listed > 50 && refused > 10, $"{listed} lists and {refused} refusals: the test would prove little");
    }

    [Fact]
    public void A_word_or_a_two_word_phrase_is_listed_when_its_postings_fit_the_limit_and_refused_when_its_papers_do_not()
    {
        // Its postings alone decide (the word's, or the pair's), so their length, deleted papers included, is the count:
        // two papers of the index are deleted (one deleted, one updated).
        const int deleted = 2;
        var listed = 0;
        foreach (var phrase in Vocabulary.SelectMany(a => Vocabulary.Select(b => $"\"{a} {b}\"")).Concat(Vocabulary.Select(a => $"\"{a}\"")))
        {
            var query = SearchQuery.Parse(phrase);
            var expected = _index.RunLucene(_index.ConstraintsQuery(query, new SearchFilter()), _ids.Count).Select(h => h.Id).ToHashSet();
            if (expected.Count == 0) continue;
            var within = _index.AllSatisfying(query, new SearchFilter(), expected.Count + deleted);
            Assert.True(within is not null && expected.SetEquals(within), $"{phrase}: in {expected.Count} papers, refused or wrong with a limit of {expected.Count + deleted}");
            Assert.Null(_index.AllSatisfying(query, new SearchFilter(), expected.Count - 1));
            listed++;
        }
        Assert.True(listed > 100, $"only {listed} phrases are in any paper: the test would prove little");
    }

    [Fact]
    public void A_constrained_search_ranks_as_Lucene_ranks_its_words_filtered_by_its_constraints()
    {
        var random = new Random(6);
        var compared = 0;
        for (var q = 0; q < 300; q++)
        {
            var (query, filter) = RandomQuery(random);
            if (query.Words.Count == 0 || !LexicalIndex.HasConstraints(query, filter)) continue;
            foreach (var k in new[] { 10, 100 })
            {
                var expected = _index.RunLucene(_index.RankingQuery(query, filter), k);
                var actual = _index.Search(query, filter, k, 0).Hits;
                Assert.True(expected.Count == actual.Count, $"[{query.Text}] {filter} k={k}: {actual.Count} hits, Lucene {expected.Count}");
                for (var i = 0; i < expected.Count; i++)
                    Assert.True(Math.Abs(expected[i].Score - actual[i].Score) <= 1e-4f * expected[i].Score, $"[{query.Text}] rank {i + 1}: {actual[i].Score} against {expected[i].Score}");
                compared += expected.Count > 0 ? 1 : 0;
            }
        }
        Assert.True(compared > 50, $"only {compared} searches found anything");
    }

    [Fact]
    public void Word_pairs_are_the_words_one_position_apart_within_one_text()
    {
        using var analyzer = new PaperAnalyzer();
        List<string> Pairs(string text)
        {
            var pairs = new List<string>();
            using var ts = AnalysedText.Of(analyzer, text).Pairs();
            var term = ts.AddAttribute<Lucene.Net.Analysis.TokenAttributes.ICharTermAttribute>();
            ts.Reset();
            while (ts.IncrementToken()) pairs.Add(term.ToString());
            ts.End();
            return pairs;
        }
        // Stemmed and folded as the words are; a stop word is a gap, a dropped LaTeX command is not (as in the text field).
        Assert.Equal(["deep neural", "neural network", "score function", "function x"], Pairs("Deep neural networks: the score function $\\mathcal{X}$"));
        Assert.Equal([], Pairs("graph"));
        Assert.Equal(["graph network"], Pairs("of graph networks of"));
        // The words replayed are the analyzer's own, at the same positions.
        const string Text = "The score of a function, $\\mathcal{X}$ networks of the";
        using var words = AnalysedText.Of(analyzer, Text).Words();
        var term = words.AddAttribute<Lucene.Net.Analysis.TokenAttributes.ICharTermAttribute>();
        var increment = words.AddAttribute<Lucene.Net.Analysis.TokenAttributes.IPositionIncrementAttribute>();
        words.Reset();
        var replayed = new List<string>();
        while (words.IncrementToken()) replayed.Add($"{term}+{increment.PositionIncrement}");
        Assert.Equal(["score+2", "function+3", "x+1", "network+1"], replayed);
        // Trailing stop words move where the field's next value starts, in the index as in the analyzer.
        words.End();
        using var direct = analyzer.GetTokenStream("text", Text);
        var directIncrement = direct.AddAttribute<Lucene.Net.Analysis.TokenAttributes.IPositionIncrementAttribute>();
        direct.Reset();
        while (direct.IncrementToken()) { }
        direct.End();
        Assert.Equal(directIncrement.PositionIncrement, increment.PositionIncrement);
        Assert.Equal(2, increment.PositionIncrement);
    }

    [Fact]
    public void Phrases_match_across_gaps_titles_and_abstracts_exactly_as_Lucene_matches()
    {
        using var dir = new TempDir();
        using var index = LexicalIndex.Open(dir.Path);
        string[] texts = ["score function learning", "score of function", "score graph function", "function score",
            "learning score", "function $\\mathcal{S}$ score", "score the function graph"];
        var papers = texts.Select((t, i) => new Paper { Id = $"a{i}", Title = i % 2 == 0 ? t : "unrelated title", Abstract = i % 2 == 0 ? "learning score" : t }).ToList();
        // A phrase must not run from the title into the abstract: "learning score" only where one text says it.
        papers.Add(new Paper { Id = "edge", Title = "deep score function learning", Abstract = "score function" });
        index.Apply(papers, [], 1);
        var ids = papers.Select(p => p.Id).ToList();
        foreach (var phrase in new[] { "\"score function\"", "\"score of function\"", "\"function score\"", "\"learning score\"",
                     "\"score function learning\"", "\"function s score\"", "\"score the function graph\"", "\"graph function\"", "-\"score function\" graph" })
        {
            var query = SearchQuery.Parse(phrase);
            var expected = index.RunLucene(index.ConstraintsQuery(query, new SearchFilter()), ids.Count).Select(h => h.Id).Order().ToList();
            var actual = index.Satisfying(query, new SearchFilter(), ids).Order().ToList();
            Assert.True(expected.SequenceEqual(actual), $"{phrase}: [{string.Join(", ", actual)}], Lucene [{string.Join(", ", expected)}]");
        }
        Assert.Equal(["a0", "a2", "a4", "a6"], index.Satisfying(SearchQuery.Parse("\"learning score\""), new SearchFilter(), ids).Order());
    }

    public void Dispose()
    {
        _index.Dispose();
        _dir.Dispose();
    }
}
