using System.Text;
using CsCheck;
using Paperboy.Search.Lexical;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Hostile;

/// <summary>A lexical index of the demo corpus for the query properties, built once.</summary>
public sealed class DemoLexicalIndex : IDisposable
{
    private readonly TempDir _dir = new();
    public LexicalIndex Index { get; }
    public DemoLexicalIndex() => Index = HostileTargets.DemoIndex(RepoRoot.Path, _dir.Path);
    public void Dispose() { Index.Dispose(); _dir.Dispose(); }
}

/// <summary>
/// Whatever is typed into the search box parses, and leads to a Lucene query that Lucene runs: never an exception,
/// never a query of exclusions alone, never more clauses than Lucene allows (<see cref="HostileTargets.Search"/>).
/// </summary>
public sealed class QueryPropertyTests(DemoLexicalIndex demo) : IClassFixture<DemoLexicalIndex>
{
    // Query syntax, ours and Lucene's, plus words that are in the demo corpus so that some queries match.
    private static readonly string[] Pieces =
    [
        "\"", "-", ":", "author:", "after:", "before:", "AUTHOR:", "2023", "2023-10", "2023-10-04", "2023-02-30", "0000", "9999-12",
        "(", ")", "*", "?", "~", "^2", "[", "]", "{", "}", "\\", "/", "&&", "||", "!", "AND", "OR", "NOT", "+", " ", " ", "  ", "\t", "\u3000",
        "graph", "neural", "diffusion", "the", "of", "Smith", "Lovelace", "anomaly", "😀", "ümlaut", "中文", "<script>", "'", "\u0000", "\ud800",
    ];

    private static readonly Gen<string> Syntax = Gen.Int[0, Pieces.Length - 1].Array[0, 40].Select(ix => string.Concat(ix.Select(i => Pieces[i])));

    [Fact]
    public void A_query_built_from_syntax_pieces_parses_and_runs() =>
        Syntax.Sample(q => { HostileTargets.Search(demo.Index, q); }, iter: 1_500, print: q => $"\"{q}\"");

    [Fact]
    public void Arbitrary_text_parses_and_runs() =>
        Gen.String[Gen.Char, 0, SearchQuery.MaxLength].Sample(q => { HostileTargets.Search(demo.Index, q); }, iter: 300);

    [Fact]
    public void Arbitrary_bytes_decoded_as_a_query_string_parse_and_run() =>
        Gen.Byte.Array[0, 300].Sample(b => { HostileTargets.Search(demo.Index, Encoding.UTF8.GetString(b)); }, iter: 300);

    [Fact]
    public void Syntax_pieces_still_find_what_their_words_find()
    {
        // A word keeps matching whatever syntax surrounds it, unless that syntax excludes or constrains it.
        var plain = demo.Index.Search(SearchQuery.Parse("anomaly"), new SearchFilter(), 10, 0);
        Assert.True(plain.Total > 0);
        foreach (var wrapped in new[] { "(anomaly)", "anomaly*", "[anomaly]", "anomaly~", "anomaly^2", "anomaly:", "\"anomaly" })
            Assert.True(HostileTargets.Search(demo.Index, wrapped).Total > 0, wrapped);
    }
}
