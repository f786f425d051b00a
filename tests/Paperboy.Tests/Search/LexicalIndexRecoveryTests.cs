using Paperboy.Core.Papers;
using Paperboy.Search.Lexical;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Search;

/// <summary>
/// A damaged Lucene index (a crash mid-write, a bad disk, a hand-edited file) is found when it is opened, by its
/// checksums, and thrown away, so that the indexer rebuilds it from the store instead of serving errors or wrong hits.
/// </summary>
public sealed class LexicalIndexRecoveryTests
{
    private const int Papers = 400;

    private static void Build(string path)
    {
        using var index = LexicalIndex.Open(path);
        index.Apply(Enumerable.Range(1, Papers).Select(i => new Paper
        {
            Id = $"2501.{i:D5}", Title = $"Recoverable paper {i} on topic {i % 17}",
            Abstract = $"We study topic {i % 17} with method {i % 5}, and the bound is {i}.", Authors = ["Jane Doe"],
        }), [], 42);
        index.Optimise();
    }

    private static string Largest(string path) =>
        new DirectoryInfo(path).GetFiles().Where(f => !f.Name.StartsWith("segments", StringComparison.Ordinal) && f.Name != "write.lock")
            .OrderByDescending(f => f.Length).First().FullName;

    [Fact]
    public void A_sound_index_opens_as_it_was()
    {
        using var dir = new TempDir();
        Build(dir.Path);
        using var index = LexicalIndex.Open(dir.Path);
        Assert.Null(index.CorruptionFound);
        Assert.True(index.IsCurrent);
        Assert.Equal(42, index.AppliedSeq);
        Assert.Equal(Papers, index.Count);
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("flipped byte")]
    [InlineData("segment file deleted")]
    public void A_damaged_index_is_detected_on_opening_and_left_empty_to_be_rebuilt(string damage)
    {
        using var dir = new TempDir();
        Build(dir.Path);
        var file = Largest(dir.Path);
        switch (damage)
        {
            case "truncated":
                using (var f = File.OpenWrite(file)) f.SetLength(f.Length / 2);
                break;
            case "flipped byte":
                var bytes = File.ReadAllBytes(file);
                bytes[bytes.Length / 2] ^= 0x5A;   // the middle of the data: the headers and footers still look right
                File.WriteAllBytes(file, bytes);
                break;
            default:
                File.Delete(file);
                break;
        }

        using (var index = LexicalIndex.Open(dir.Path))
        {
            Assert.NotNull(index.CorruptionFound);
            Assert.False(index.IsCurrent);          // what makes the indexer rebuild it from the store
            Assert.Equal(0, index.Count);
            index.Apply([new Paper { Id = "2501.99999", Title = "After the repair", Abstract = "Indexed again.", Authors = ["Jane Doe"] }], [], 43);
        }
        using var reopened = LexicalIndex.Open(dir.Path);
        Assert.Null(reopened.CorruptionFound);
        Assert.Equal(1, reopened.Count);
        Assert.Equal(43, reopened.AppliedSeq);
    }
}
