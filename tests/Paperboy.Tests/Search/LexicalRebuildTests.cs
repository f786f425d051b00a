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

        index.Clear();
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
            index.Clear();
            index.Stage(Corpus("narwhal", 200));
            // The server stops here, before the rebuild's commit (a kill leaves the disk as it was anyway).
        }
        using var reopened = LexicalIndex.Open(dir.Path);
        Assert.Equal(10, reopened.AppliedSeq);
        Assert.Equal(300, Ids(reopened, "walrus").Count);
        Assert.Empty(Ids(reopened, "narwhal"));
    }
}
