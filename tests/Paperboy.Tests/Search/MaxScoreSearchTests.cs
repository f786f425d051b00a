using Lucene.Net.Analysis.Core;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Store;
using Lucene.Net.Util;
using Paperboy.Search.Lexical;

namespace Paperboy.Tests.Search;

/// <summary>
/// MaxScore must return exactly what Lucene's exhaustive OR of the same terms returns: the same documents with the
/// same scores, on a corpus with Zipf-distributed words (a few very common ones, a long tail), several segments and
/// deleted documents, with and without a constraint.
/// </summary>
public sealed class MaxScoreSearchTests : IDisposable
{
    private const string Text = "text";
    private static readonly Similarity Bm25 = new BM25Similarity();
    private readonly RAMDirectory _dir = new();
    private readonly DirectoryReader _reader;
    private readonly IndexSearcher _searcher;
    private readonly RAMDirectory _wholeDir = new();
    private readonly DirectoryReader _wholeReader;
    private readonly int _vocabulary = 3000;

    public MaxScoreSearchTests()
    {
        _reader = Build(_dir, deletions: true);
        _searcher = new IndexSearcher(_reader) { Similarity = Bm25 };
        _wholeReader = Build(_wholeDir, deletions: false);
    }

    /// <summary>6,000 documents in several segments, with every 37th deleted or none.</summary>
    private DirectoryReader Build(RAMDirectory dir, bool deletions)
    {
        var random = new Random(7);
        var config = new IndexWriterConfig(LuceneVersion.LUCENE_48, new WhitespaceAnalyzer(LuceneVersion.LUCENE_48)) { Similarity = Bm25 };
        using (var writer = new IndexWriter(dir, config))
        {
            for (var d = 0; d < 6000; d++)
            {
                var length = random.Next(5, 220);
                var words = Enumerable.Range(0, length).Select(_ => Word(Zipf(random)));
                writer.AddDocument(new Document
                {
                    new StringField("id", d.ToString(), Lucene.Net.Documents.Field.Store.NO),
                    new TextField(Text, string.Join(' ', words), Lucene.Net.Documents.Field.Store.NO),
                    new StringField("even", d % 2 == 0 ? "1" : "0", Lucene.Net.Documents.Field.Store.NO),
                });
                if (d % 1500 == 1499) writer.Commit();   // several segments
            }
            if (deletions)
                for (var d = 0; d < 6000; d += 37) writer.DeleteDocuments(new Term("id", d.ToString()));
            writer.Commit();
        }
        return DirectoryReader.Open(dir);
    }

    private int Zipf(Random random) => Math.Min(_vocabulary - 1, (int)Math.Floor(Math.Pow(_vocabulary, random.NextDouble())) - 1);

    private static string Word(int rank) => "w" + rank;

    /// <summary>
    /// k, whether a constraint filters, the bytes the common words' decoded postings may take (plenty: all are decoded;
    /// none: all are read through Lucene's enum; or room for a few, so the walk mixes both), and whether some
    /// documents are deleted (decoded postings keep them, and the walk must pass them by).
    /// </summary>
    public static TheoryData<int, bool, long, bool> Cases() => new()
    {
        { 1, false, 1L << 30, true }, { 10, false, 1L << 30, true }, { 100, false, 1L << 30, true }, { 10, true, 1L << 30, true }, { 100, true, 1L << 30, true },
        { 10, false, 0, true }, { 100, true, 0, true }, { 10, false, 20_000, true }, { 100, true, 20_000, true },
        { 1, false, 1L << 30, false }, { 10, false, 1L << 30, false }, { 100, false, 1L << 30, false }, { 10, false, 20_000, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Returns_the_exhaustive_top_k(int k, bool constrained, long decodedBytes, bool deletions)
    {
        // Each test has its own index, so its segments draw on this budget alone.
        var budget = new MaxScoreSearch.DecodingBudget(decodedBytes);
        var reader = deletions ? _reader : _wholeReader;
        var searcher = deletions ? _searcher : new IndexSearcher(_wholeReader) { Similarity = Bm25 };
        Assert.True(reader.Leaves.Count > 1, "the corpus should span several segments");
        Assert.Equal(deletions, reader.HasDeletions);
        var random = new Random(k * 31 + (constrained ? 1 : 0));
        var constraint = new TermQuery(new Term("even", "1"));
        var prunedSomewhere = false;
        var jumps = 0;
        for (var q = 0; q < 150; q++)
        {
            // From one to eight words, common and rare mixed; some absent from the corpus.
            var words = Enumerable.Range(0, random.Next(1, 9)).Select(_ => Word(random.Next(4) == 0 ? random.Next(_vocabulary * 2) : Zipf(random))).Distinct().ToList();
            var or = new BooleanQuery();
            foreach (var w in words) or.Add(new TermQuery(new Term(Text, w)), Occur.SHOULD);
            var expected = constrained ? searcher.Search(or, new QueryWrapperFilter(constraint), k) : searcher.Search(or, k);
            var constraints = constrained ? new Constraint[] { new PhraseConstraint("even", ["1"], [0], Excluded: false) } : null;
            var actual = MaxScoreSearch.Search(searcher, Bm25, Text, words, constraints, k, budget);
            jumps += actual.WindowsSkipped;

            var label = $"query {q} [{string.Join(' ', words)}], k={k}";
            Assert.True(expected.ScoreDocs.Length == actual.Top.Count, $"{label}: {actual.Top.Count} hits, expected {expected.ScoreDocs.Length}");
            for (var i = 0; i < actual.Top.Count; i++)
                Assert.True(Math.Abs(expected.ScoreDocs[i].Score - actual.Top[i].Score) <= 1e-4f * expected.ScoreDocs[i].Score,
                    $"{label}: rank {i + 1} scores {actual.Top[i].Score}, expected {expected.ScoreDocs[i].Score}");
            // One word leaves no sum whose order could differ: the scores are Lucene's to the bit (its BM25 arithmetic,
            // done here without its scorer).
            if (words.Count == 1) Assert.Equal(expected.ScoreDocs.Select(sd => sd.Score), actual.Top.Select(sd => sd.Score));
            // The same documents, except where a float-rounding tie at the cut-off could go either way.
            if (actual.Top.Count > 0)
            {
                var cut = expected.ScoreDocs[^1].Score;
                var clear = (IEnumerable<ScoreDoc> docs) => docs.Where(sd => sd.Score > cut * (1 + 1e-4f)).Select(sd => sd.Doc).ToHashSet();
                Assert.Equal(clear(expected.ScoreDocs), clear(actual.Top));
            }
            // Totals are exact up to CountedExactly matches (a page's count and "next" link), a lower bound above.
            if (actual.TotalIsExact || expected.TotalHits <= MaxScoreSearch.CountedExactly) Assert.Equal(expected.TotalHits, actual.TotalHits);
            else Assert.InRange(actual.TotalHits, MaxScoreSearch.CountedExactly, expected.TotalHits);
            prunedSomewhere |= !actual.TotalIsExact;
        }
        Assert.True(prunedSomewhere, "MaxScore should have skipped postings on some of these queries");
        Assert.True(jumps > 0, "block maxima should have let some walks jump over whole windows");
        Assert.InRange(budget.Used, decodedBytes == 0 ? 0 : 1, decodedBytes);
    }

    [Fact]
    public void Documents_deleted_after_their_words_were_decoded_are_not_found()
    {
        using var dir = new RAMDirectory();
        var config = new IndexWriterConfig(LuceneVersion.LUCENE_48, new WhitespaceAnalyzer(LuceneVersion.LUCENE_48)) { Similarity = Bm25 };
        using var writer = new IndexWriter(dir, config);
        var random = new Random(5);
        for (var d = 0; d < 2000; d++)
            writer.AddDocument(new Document
            {
                new StringField("id", d.ToString(), Lucene.Net.Documents.Field.Store.NO),
                new TextField(Text, string.Join(' ', Enumerable.Range(0, random.Next(1, 30)).Select(_ => Word(random.Next(4)))), Lucene.Net.Documents.Field.Store.NO),
            });
        writer.Commit();
        var budget = new MaxScoreSearch.DecodingBudget(1L << 20);
        var reader = DirectoryReader.Open(dir);
        var first = MaxScoreSearch.Search(new IndexSearcher(reader) { Similarity = Bm25 }, Bm25, Text, [Word(0), Word(1)], null, 50, budget);
        Assert.True(budget.Used > 0, "the common words should have been decoded");
        // Delete the best fifty (one segment: a document's number is its id). The reopened reader shares the segment,
        // and its decoded postings, with new live documents.
        foreach (var sd in first.Top) writer.DeleteDocuments(new Term("id", sd.Doc.ToString()));
        writer.Commit();
        var reopened = DirectoryReader.OpenIfChanged(reader)!;
        reader.Dispose();
        var searcher = new IndexSearcher(reopened) { Similarity = Bm25 };
        var or = new BooleanQuery { { new TermQuery(new Term(Text, Word(0))), Occur.SHOULD }, { new TermQuery(new Term(Text, Word(1))), Occur.SHOULD } };
        var expected = searcher.Search(or, 50);
        var actual = MaxScoreSearch.Search(searcher, Bm25, Text, [Word(0), Word(1)], null, 50, budget);
        Assert.Equal(expected.ScoreDocs.Select(sd => sd.Score), actual.Top.Select(sd => sd.Score));
        Assert.Empty(actual.Top.Select(sd => sd.Doc).Intersect(first.Top.Select(sd => sd.Doc)));
        reopened.Dispose();
    }

    [Fact]
    public void A_dropped_segment_gives_its_decoded_postings_back()
    {
        var budget = new MaxScoreSearch.DecodingBudget(1L << 20);
        var taken = SearchAndDrop(budget);
        Assert.True(taken > 0, "the common words should have been decoded");
        for (var i = 0; i < 10 && budget.Used > 0; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.Equal(0, budget.Used);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static long SearchAndDrop(MaxScoreSearch.DecodingBudget budget)
    {
        using var dir = new RAMDirectory();
        using (var writer = new IndexWriter(dir, new IndexWriterConfig(LuceneVersion.LUCENE_48, new WhitespaceAnalyzer(LuceneVersion.LUCENE_48))))
            for (var d = 0; d < 1000; d++)
                writer.AddDocument(new Document { new TextField(Text, Word(d % 3) + " " + Word(0), Lucene.Net.Documents.Field.Store.NO) });
        using var reader = DirectoryReader.Open(dir);
        MaxScoreSearch.Search(new IndexSearcher(reader) { Similarity = Bm25 }, Bm25, Text, [Word(0), Word(1)], null, 10, budget);
        return budget.Used;
    }

    [Fact]
    public void A_single_common_word_is_ranked_exactly_while_whole_windows_are_skipped()
    {
        // MaxScore alone walks every posting of a one-word query; the block maxima must skip some and lose nothing.
        foreach (var k in new[] { 1, 10, 100 })
        {
            var expected = _searcher.Search(new TermQuery(new Term(Text, Word(0))), k);
            var actual = MaxScoreSearch.Search(_searcher, Bm25, Text, [Word(0)], null, k);
            Assert.Equal(expected.ScoreDocs.Select(sd => sd.Score), actual.Top.Select(sd => sd.Score));
            Assert.True(actual.WindowsSkipped > 0, $"k={k}: no window skipped");
            Assert.False(actual.TotalIsExact);
        }
    }

    [Fact]
    public void Block_maxima_are_made_again_when_the_collection_statistics_change()
    {
        // Long documents added in a new segment raise the average length, and with it every old document's score:
        // block maxima kept from before would be too low, and whole blocks of good documents skipped.
        using var dir = new RAMDirectory();
        var config = new IndexWriterConfig(LuceneVersion.LUCENE_48, new WhitespaceAnalyzer(LuceneVersion.LUCENE_48)) { Similarity = Bm25, MergePolicy = NoMergePolicy.NO_COMPOUND_FILES };
        using var writer = new IndexWriter(dir, config);
        var random = new Random(3);
        for (var d = 0; d < 3000; d++)
            writer.AddDocument(new Document { new TextField(Text, string.Join(' ', Enumerable.Range(0, random.Next(1, 12)).Select(_ => Word(random.Next(3)))), Lucene.Net.Documents.Field.Store.NO) });
        writer.Commit();
        var reader = DirectoryReader.Open(dir);
        void Compare()
        {
            var searcher = new IndexSearcher(reader) { Similarity = Bm25 };
            var expected = searcher.Search(new TermQuery(new Term(Text, Word(0))), 10);
            var actual = MaxScoreSearch.Search(searcher, Bm25, Text, [Word(0)], null, 10);
            Assert.Equal(expected.ScoreDocs.Select(sd => (sd.Doc, sd.Score)), actual.Top.Select(sd => (sd.Doc, sd.Score)));
        }
        Compare();
        for (var d = 0; d < 3000; d++)
            writer.AddDocument(new Document { new TextField(Text, string.Join(' ', Enumerable.Range(0, 400).Select(_ => Word(100 + random.Next(50)))), Lucene.Net.Documents.Field.Store.NO) });
        writer.Commit();
        // Reopened as a server refreshes: the first segment's reader core (and its cached maxima) is shared.
        var reopened = DirectoryReader.OpenIfChanged(reader)!;
        reader.Dispose();
        reader = reopened;
        Compare();
        reader.Dispose();
    }

    [Fact]
    public void Words_that_are_not_in_the_index_find_nothing()
    {
        var result = MaxScoreSearch.Search(_searcher, Bm25, Text, ["absent", "missing"], null, 10);
        Assert.Empty(result.Top);
        Assert.Equal(0, result.TotalHits);
        Assert.True(result.TotalIsExact);
    }

    public void Dispose()
    {
        _reader.Dispose();
        _dir.Dispose();
        _wholeReader.Dispose();
        _wholeDir.Dispose();
    }
}
