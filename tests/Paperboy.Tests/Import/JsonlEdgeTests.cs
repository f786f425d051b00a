using Paperboy.Core.Import;

namespace Paperboy.Tests.Import;

/// <summary>JSONL lines that are valid JSON but not a valid paper are refused with the line, never a crash.</summary>
public sealed class JsonlEdgeTests
{
    private const string Good = """{"arxivId":"2310.02861","title":"Rayleigh Quotient Graph Neural Networks","abstract":"Spectral GNNs.","upvotes":7}""";

    [Theory]
    [InlineData("""{"title":null,"abstract":"x"}""", "title")]
    [InlineData("""{"abstract":"x"}""", "missing title")]
    [InlineData("""{"title":"Token Merging","abstract":null}""", "abstract")]
    [InlineData("""{"title":"Token Merging","authors":null}""", "authors")]
    [InlineData("""{"title":"Token Merging","categories":null}""", "categories")]
    [InlineData("""{"title":"Token Merging","links":null}""", "links")]
    [InlineData("""{"title":"Token Merging","links":[null]}""", "links")]
    [InlineData("""{"title":"Token Merging","links":[{"kind":"code"}]}""", "url")]
    [InlineData("""{"title":"Token Merging","authors":["Hana Suzuki",null]}""", "authors")]
    [InlineData("""{"title":"Token Merging","categories":[null]}""", "categories")]
    [InlineData("""{"title":"Token Merging","upvotes":-3}""", "negative upvote count -3")]
    [InlineData("""{"title":"Token Merging","version":0}""", "invalid version 0")]
    [InlineData("""{"title":"Token Merging","publishedAt":"2023-02-30"}""", "invalid paper JSON")]
    [InlineData("""{"title":"Token Merging","arxivId":"not-an-id"}""", "is not an arXiv id")]
    [InlineData("""{"title":"Token Merging","upvotes":"7"}""", "invalid paper JSON")]
    [InlineData("""[{"title":"Token Merging"}]""", "invalid paper JSON")]
    [InlineData("null", "found null")]
    public void A_line_that_is_not_a_valid_paper_is_refused_at_its_line(string line, string reason)
    {
        var text = Good + "\n\n" + line + "\n" + Good.Replace("2310.02861", "2311.04567") + "\n";
        var e = Assert.Throws<ImportException>(() => JsonlFormat.Read(ImportSource.FromText("bad.jsonl", text)));
        Assert.Equal(3, e.Line);
        Assert.Equal("bad.jsonl", e.InputName);
        Assert.Contains(reason, e.Reason);
    }

    [Fact]
    public void Missing_optional_fields_read_as_empty()
    {
        var p = Assert.Single(JsonlFormat.Read(ImportSource.FromText("min.jsonl", """{"title":"Token Merging"}""")));
        Assert.Equal("", p.Abstract);
        Assert.Empty(p.Authors);
        Assert.Empty(p.Categories);
        Assert.Empty(p.Links);
        Assert.Null(p.ArxivId);
        Assert.StartsWith("t-", p.Id);
    }

    [Fact]
    public void An_Atom_feed_with_a_DTD_is_refused()
    {
        const string xml = """
            <?xml version="1.0"?>
            <!DOCTYPE feed [<!ENTITY boom "boom">]>
            <feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2310.01234v1</id><title>&boom;</title></entry></feed>
            """;
        var e = Assert.Throws<ImportException>(() => ArxivAtomReader.Read(ImportSource.FromText("dtd.atom", xml)));
        Assert.Contains("DTD is prohibited", e.Reason);
        Assert.Equal("dtd.atom", e.InputName);
    }
}
