using System.Text;
using CsCheck;
using Paperboy.Core.Import;
using Paperboy.Core.Papers;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Hostile;

/// <summary>
/// Every importer, fed real fixtures mutated at random and arbitrary bytes, either reads papers that pass validation or
/// refuses with an <see cref="ImportException"/> naming a line of the input (<see cref="HostileTargets.Import"/>);
/// anything else it throws fails the property. Run counts stay small for CI; bench/fuzz is the long search.
/// </summary>
public sealed class ImporterPropertyTests
{
    private const int MutatedRuns = 400, ArbitraryRuns = 150;

    public static TheoryData<string> Importers => new(HostileTargets.Importers);

    // Bytes that carry meaning in some format: delimiters, escapes, entities, odd numbers and dates, broken UTF-8.
    private static readonly byte[][] Tokens = new[]
    {
        "\"", "{", "}", "[", "]", ",", ":", "<", ">", "/>", "</", "&", "&amp;", "&#0;", "&#xD800;", "&#x10FFFF;", "<![CDATA[", "]]>",
        "<!DOCTYPE x [<!ENTITY e \"e\">]>", "<!--", "-->", "\n", "\r\n", "\n\n", "\t", "\\", "\\u0000", "\\ud800", "\\u0007", "null", "true",
        "-1", "0", "1e400", "99999999999999999999", "-2147483649", "2147483648", "v0", "v-1", "v99999999999", "Feb 30", "Feb 29, 2023", "0001-01-01",
        "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "Mon, 32 Jan 2024 00:00:00 GMT", "• -5 authors", "• 99999999999 authors", "·",
        "Oct 4 -3", "Oct 4, 2023 99999999999", "\u0663", "\u0662\u0660\u0662\u0664", "\u00e9", "\U0001F600", "\u202e", "\u0085", "\u2028",
    }.Select(t => Encoding.UTF8.GetBytes(t)).Concat([[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xef, 0xbb, 0xbf]]).ToArray();

    /// <summary>One edit: kind (flip, delete, duplicate, insert a token, truncate), two positions, a token.</summary>
    private static readonly Gen<(int Kind, int A, int B, int Token)> Edit =
        Gen.Select(Gen.Int[0, 4], Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue], Gen.Int[0, Tokens.Length - 1]);

    private static byte[] Mutate(byte[] input, (int Kind, int A, int B, int Token)[] edits)
    {
        var bytes = input.ToList();
        foreach (var (kind, a, b, token) in edits)
        {
            var at = bytes.Count == 0 ? 0 : a % bytes.Count;
            var length = bytes.Count - at == 0 ? 0 : 1 + b % Math.Min(64, bytes.Count - at);
            switch (kind)
            {
                case 0 when bytes.Count > 0: bytes[at] = (byte)b; break;
                case 1: bytes.RemoveRange(at, length); break;
                case 2: bytes.InsertRange(at, bytes.GetRange(at, length)); break;
                case 3: bytes.InsertRange(at, Tokens[token]); break;
                case 4: bytes.RemoveRange(at, bytes.Count - at); break;
            }
        }
        return [.. bytes];
    }

    [Theory]
    [MemberData(nameof(Importers))]
    public void A_mutated_real_input_is_read_or_refused_with_its_line(string format)
    {
        var seeds = HostileTargets.Seeds(RepoRoot.Path, format);
        Assert.NotEmpty(seeds);
        Gen.Select(Gen.Int[0, seeds.Count - 1], Edit.Array[1, 6])
            .Sample((seed, edits) => { HostileTargets.Import(format, Mutate(seeds[seed].Bytes, edits)); },
                iter: MutatedRuns, print: t => $"{seeds[t.Item1].Name} with {string.Join(", ", t.Item2)}");
    }

    [Theory]
    [MemberData(nameof(Importers))]
    public void Arbitrary_bytes_are_read_or_refused_with_their_line(string format)
    {
        Gen.Byte.Array[1, 2_000].Sample(bytes => { HostileTargets.Import(format, bytes); }, iter: ArbitraryRuns, print: Convert.ToBase64String);
        Gen.String[Gen.Char, 1, 500].Sample(text => { HostileTargets.Import(format, Encoding.UTF8.GetBytes(text)); }, iter: ArbitraryRuns);
    }

    [Theory]
    [MemberData(nameof(Importers))]
    public void The_mutations_reach_both_papers_and_refusals(string format)
    {
        // The properties above are only worth something if mutated inputs exercise both outcomes of each reader.
        var seeds = HostileTargets.Seeds(RepoRoot.Path, format);
        int read = 0, refused = 0;
        Gen.Select(Gen.Int[0, seeds.Count - 1], Edit.Array[1, 2]).Sample((seed, edits) =>
        {
            var (papers, refusal) = HostileTargets.Import(format, Mutate(seeds[seed].Bytes, edits));
            if (papers > 0) Interlocked.Increment(ref read);
            if (refusal is not null) Interlocked.Increment(ref refused);
        }, iter: 200);
        Assert.True(read > 0 && refused > 0, $"{format}: {read} inputs read, {refused} refused");
    }

    private static readonly Gen<string> Text = Gen.String[Gen.Char.Where(c => !char.IsControl(c) && !char.IsSurrogate(c)), 1, 80]
        .Where(s => !string.IsNullOrWhiteSpace(s));

    private static readonly Gen<DateOnly> Day = Gen.Int[1900 * 372, 2200 * 372].Select(n => new DateOnly(n / 372, 1 + n % 372 / 31, 1 + n % 31 % 28));

    private static readonly Gen<Paper> ValidPaper =
        Gen.Select(Text, Gen.String[Gen.Char.Where(c => !char.IsControl(c) && !char.IsSurrogate(c) || c is '\n' or '\t'), 0, 300], Text.List[0, 5], Gen.Int[0, 99_999].Nullable(),
                Gen.Int[1, 20].Nullable(), Day.Nullable(), Day.Nullable(), Gen.Int[0, 100_000])
            .Select(Gen.Int[0, 1_000], Text.List[0, 3], Gen.String[Gen.Char['a', 'z'], 0, 20],
                (p, comments, categories, repo) =>
                {
                    var (title, abs, authors, arxiv, version, published, feed, upvotes) = p;
                    var paper = new Paper
                    {
                        ArxivId = arxiv is { } n ? $"2310.{n:D5}" : null,
                        Version = arxiv is null ? null : version,
                        Title = title, Abstract = abs, Authors = authors, AuthorCount = authors.Count > 0 ? authors.Count : null,
                        PublishedAt = published, FeedDay = feed, Upvotes = upvotes, CommentCount = comments, Categories = categories,
                        PrimaryCategory = categories.FirstOrDefault(),
                    };
                    if (repo.Length > 0) paper.Links.Add(new PaperLink(PaperLink.Code, $"https://github.com/{repo}/{repo}"));
                    paper.Id = PaperIdentity.IdFor(paper);
                    return paper;
                });

    [Fact]
    public void Exported_papers_import_back_exactly()
    {
        ValidPaper.List[1, 8].Sample(papers =>
        {
            var export = new StringWriter();
            JsonlFormat.WriteAll(papers, export);
            var read = JsonlFormat.Read(ImportSource.FromText("export.jsonl", export.ToString()));
            Assert.Equal(papers.Select(JsonlFormat.Write), read.Select(JsonlFormat.Write));
            Assert.Equal(papers.Select(p => p.Id), read.Select(p => p.Id));
        }, iter: 300);
    }
}
