using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Store;
using Paperboy.Core.Papers;
using Paperboy.Search.Lexical;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Search;

/// <summary>A rebuild of the lexical index from the store never leaves search empty: the old view serves until the new one is committed.</summary>
public sealed class LexicalRebuildTests
{
    private static IEnumerable<Paper> Corpus(string word, int n) => Enumerable.Range(1, n).Select(i => new Paper
    {
        Id = $"{word}-{i:D5}", Title = $"{word} paper {i} on topic {i % 17}",
        Abstract = $"We study {word} topic {i % 17} with method {i % 5}; the bound is {i}.", Authors = ["Jane Doe"],
    });

    private static List<string> Ids(LexicalIndex index, string q) =>
        index.Search(SearchQuery.Parse(q), new SearchFilter(), 5000, 0).Hits.Select(h => h.Id).ToList();

    [Fact]
    public void Searches_see_the_old_index_while_a_rebuild_stages_and_the_new_one_once_it_commits()
    {
        using var dir = new TempDir();
        using var index = LexicalIndex.Open(dir.Path);
        index.Apply(Corpus("walrus", 300), [], 10);
        index.Optimise();

        index.Clear(inMapOrder: false);
        using (index.BulkMode())
            foreach (var batch in Corpus("narwhal", 3000).Chunk(500))
            {
                index.Stage(batch);
                Assert.Equal(300, Ids(index, "walrus").Count);     // still the old view, stored fields readable
                Assert.Empty(Ids(index, "narwhal"));
                Assert.Equal(10, index.AppliedSeq);
            }
        index.Apply([], [], 20);
        Assert.Empty(Ids(index, "walrus"));
        Assert.Equal(3000, Ids(index, "narwhal").Count);
        Assert.Equal(20, index.AppliedSeq);
    }

    [Fact]
    public void A_rebuild_that_never_commits_leaves_the_old_index_on_disk()
    {
        using var dir = new TempDir();
        using (var index = LexicalIndex.Open(dir.Path))
        {
            index.Apply(Corpus("walrus", 300), [], 10);
            index.Clear(inMapOrder: false);
            index.Stage(Corpus("narwhal", 200));
            // The server stops here, before the rebuild's commit (a kill leaves the disk as it was anyway).
        }
        using var reopened = LexicalIndex.Open(dir.Path);
        Assert.Equal(10, reopened.AppliedSeq);
        Assert.Equal(300, Ids(reopened, "walrus").Count);
        Assert.Empty(Ids(reopened, "narwhal"));
    }

    [Fact]
    public void The_order_a_rebuild_wrote_is_carried_by_later_commits_and_kept_on_reopening()
    {
        using var dir = new TempDir();
        using (var index = LexicalIndex.Open(dir.Path))
        {
            index.Apply(Corpus("walrus", 100), [], 10);
            Assert.False(index.InMapOrder);                   // papers applied one by one: in the order they came
            index.Clear(inMapOrder: true);
            index.Stage(Corpus("narwhal", 200));
            Assert.False(index.InMapOrder);                   // not until the rebuild commits
            index.Apply([], [], 20);
            Assert.True(index.InMapOrder);
            index.Optimise();
            index.Apply(Corpus("beluga", 5), ["narwhal-00001"], 21);
            Assert.True(index.InMapOrder);
        }
        using (var index = LexicalIndex.Open(dir.Path))
        {
            Assert.True(index.InMapOrder);
            Assert.Equal(21, index.AppliedSeq);
            index.Clear(inMapOrder: false);
            index.Stage(Corpus("narwhal", 200));
            index.Apply([], [], 22);
            Assert.False(index.InMapOrder);
            index.Clear(inMapOrder: true);
            index.Stage(Corpus("orca", 10));
            // Stopped before the rebuild's commit: the index on disk is the id-ordered one.
        }
        using var reopened = LexicalIndex.Open(dir.Path);
        Assert.False(reopened.InMapOrder);
        Assert.Equal(200, Ids(reopened, "narwhal").Count);
    }

    [Fact]
    public void An_index_committed_before_the_order_was_recorded_counts_as_id_order_and_stays_current()
    {
        using var dir = new TempDir();
        using (var fs = FSDirectory.Open(dir.Path))
        using (var writer = new IndexWriter(fs, new IndexWriterConfig(PaperAnalyzer.Lucene, new PaperAnalyzer())))
        {
            writer.AddDocument(new Document { new StringField("id", "walrus-00001", Field.Store.YES) });
            // What every commit recorded until the order was: the log position and the analyzer.
            writer.SetCommitData(new Dictionary<string, string> { ["seq"] = "7", ["analyzer"] = PaperAnalyzer.Version });
            writer.Commit();
        }
        using var index = LexicalIndex.Open(dir.Path);
        Assert.True(index.IsCurrent);   // no rebuild for the analyzer's sake
        Assert.Equal(7, index.AppliedSeq);
        Assert.False(index.InMapOrder);
    }
}
