using System.Text;
using Paperboy.Core.Import;
using Paperboy.Core.Papers;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Bulk;

/// <summary>
/// arXiv's metadata snapshot, one JSON object a line (testdata/arxiv_snapshot.json: 20 lines written after the real
/// file, with old-style ids, several versions, LaTeX, &lt; and &gt;, and missing optional fields) mapped onto papers.
/// </summary>
public sealed class ArxivSnapshotReaderTests
{
    private static string Fixture => TestData.File("arxiv_snapshot.json");

    private static IReadOnlyList<Paper> ReadFixture() => ImportFormat.Read(ImportSource.FromFile(Fixture), ImportFormat.ArxivSnapshot, new DateOnly(2026, 11, 23));

    private static Paper Line(string json) => ArxivSnapshotReader.Parse(Encoding.UTF8.GetBytes(json), "x.json", 1)!;

    [Fact]
    public void Every_field_of_a_record_is_mapped()
    {
        var p = ReadFixture().Single(p => p.Id == "0704.0001");
        Assert.Equal("0704.0001", p.ArxivId);
        Assert.Equal(2, p.Version);                                                     // the latest of v1, v2
        Assert.Equal("Calculation of prompt diphoton production cross sections at Tevatron and LHC energies", p.Title);
        Assert.StartsWith("A fully differential calculation in perturbative quantum chromodynamics is presented for", p.Abstract);
        Assert.EndsWith("next-to-next-to-leading logarithmic accuracy.", p.Abstract);
        Assert.DoesNotContain("\n", p.Abstract);
        Assert.Equal(["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"], p.Authors); // from authors_parsed, first name first
        Assert.Equal(4, p.AuthorCount);
        Assert.Equal(new DateOnly(2007, 4, 2), p.PublishedAt);                        // v1's date, not update_date
        Assert.Equal("hep-ph", p.PrimaryCategory);
        Assert.Equal(["hep-ph"], p.Categories);
        Assert.Equal([new PaperLink(PaperLink.Pdf, "https://arxiv.org/pdf/0704.0001")], p.Links);
        Assert.Equal("https://arxiv.org/abs/0704.0001", p.ArxivUrl);
        Assert.Null(p.FeedDay);
        Assert.Equal(0, p.Upvotes);
    }

    [Fact]
    public void The_fixture_reads_as_twenty_distinct_papers()
    {
        var papers = ReadFixture();
        Assert.Equal(20, papers.Count);
        Assert.Equal(20, papers.Select(p => p.Id).Distinct().Count());
        Assert.All(papers, p => Assert.Equal(p.ArxivId, p.Id));
    }

    [Fact]
    public void Old_style_ids_keep_their_archive_and_author_suffixes_follow_the_name()
    {
        var papers = ReadFixture();
        var math = papers.Single(p => p.Id == "math/0501001");
        Assert.Equal(["J. Smith Jr.", "A. Jones"], math.Authors);
        Assert.Equal(["math.AP", "math.CA"], math.Categories);
        Assert.Equal(new DateOnly(2005, 1, 1), math.PublishedAt);
        var hep = papers.Single(p => p.Id == "hep-th/9901001");
        Assert.Equal("Strings in curved backgrounds", hep.Title);                       // runs of spaces and the line wrap folded
        Assert.Equal("https://arxiv.org/pdf/hep-th/9901001", hep.Links.Single().Url);
    }

    [Fact]
    public void LaTeX_and_angle_brackets_are_kept_as_text()
    {
        var papers = ReadFixture();
        var math = papers.Single(p => p.Id == "math/0501001");
        Assert.Equal("An old-style identifier: bounds for $L^p$ norms when $p < 2$ and $q > 4$", math.Title);
        Assert.Contains(@"$\|f\|_{L^p} < C \|f\|_{L^q}$ whenever $p<2$ and $q>4$", math.Abstract);
        Assert.Contains("is <b>not</b> covered", math.Abstract);
        Assert.Contains(@"\emph{closed strings} on $AdS_5\times S^5$", papers.Single(p => p.Id == "hep-th/9901001").Abstract);
    }

    [Fact]
    public void Code_links_come_from_the_abstract_and_the_comments()
    {
        var papers = ReadFixture();
        Assert.Contains(new PaperLink(PaperLink.Code, "https://github.com/xydong127/RQGNN"), papers.Single(p => p.Id == "2310.02861").Links);
        Assert.Contains(new PaperLink(PaperLink.Project, "https://example.org/fastattn"), papers.Single(p => p.Id == "2402.10001").Links);
        Assert.Equal(3, papers.Single(p => p.Id == "2310.02861").Version);
        Assert.Equal(["cs.LG", "stat.ML"], papers.Single(p => p.Id == "2402.10001").Categories);   // a repeated category once
    }

    [Fact]
    public void Missing_optional_fields_fall_back_or_stay_empty()
    {
        var papers = ReadFixture();
        Assert.Equal(["Maria Garcia", "Wei Li"], papers.Single(p => p.Id == "2401.00001").Authors);  // no authors_parsed: the string
        var undated = papers.Single(p => p.Id == "2401.00002");
        Assert.Equal(new DateOnly(2024, 1, 5), undated.PublishedAt);                               // no versions: update_date
        Assert.Null(undated.Version);
        var bare = papers.Single(p => p.Id == "2401.00003");
        Assert.Empty(bare.Authors);
        Assert.Null(bare.AuthorCount);
        Assert.Equal("", bare.Abstract);
        Assert.Empty(bare.Categories);
        Assert.Null(bare.PrimaryCategory);
    }

    [Fact]
    public void The_snapshot_is_detected_from_its_first_line_and_Paperboys_own_jsonl_is_not()
    {
        Assert.Equal(ImportFormat.ArxivSnapshot, ImportFormat.Detect(ImportSource.FromFile(Fixture)));
        Assert.True(ArxivSnapshotReader.IsSnapshotFile(Fixture));
        Assert.Equal(ImportFormat.Jsonl, ImportFormat.Detect(ImportSource.FromFile(TestData.File("papers.jsonl"))));
        Assert.False(ArxivSnapshotReader.IsSnapshotFile(TestData.File("papers.jsonl")));
        Assert.False(ArxivSnapshotReader.IsSnapshotFile(TestData.File("hf_daily.json")));
    }

    public static TheoryData<string, string> BadLines => new()
    {
        { """{"id": "0704.0001", "title": "Unterminated""", "invalid snapshot JSON" },
        { """{"title": "No id", "versions": []}""", "missing id" },
        { """{"id": "not-an-id", "title": "T"}""", "id 'not-an-id' is not an arXiv id" },
        { """{"id": "0704.0001", "title": "  ", "abstract": "x"}""", "missing title" },
        { """{"id": "0704.0001", "title": "T", "versions": [{"version": "v1", "created": "yesterday"}]}""", "invalid date 'yesterday' in versions" },
        { """{"id": "0704.0001", "title": "T", "update_date": "2008-13-45"}""", "invalid date '2008-13-45' in update_date" },
        { """{"id": "0704.0001", "title": "T", "authors_parsed": "Smith"}""", "invalid snapshot JSON" },
        { """[1, 2]""", "invalid snapshot JSON" },
        { "null", "expected a JSON object" },
    };

    [Theory]
    [MemberData(nameof(BadLines))]
    public void A_bad_line_is_refused_naming_the_file_and_line(string line, string reason)
    {
        var text = File.ReadAllText(Fixture).Split('\n');
        var lines = text.Take(5).Append(line).Concat(text.Skip(5)).ToArray();
        var e = Assert.Throws<ImportException>(() => ImportFormat.Read(ImportSource.FromText("snap.json", string.Join('\n', lines)), ImportFormat.ArxivSnapshot, default));
        Assert.Equal("snap.json", e.InputName);
        Assert.Equal(6, e.Line);
        Assert.Contains(reason, e.Reason);
        Assert.StartsWith("snap.json:6: ", e.Message);
    }

    [Fact]
    public void A_created_date_with_a_two_digit_day_and_an_id_with_a_version_parse()
    {
        var p = Line("""{"id": "2310.02861v2", "title": "T", "versions": [{"version": "v1", "created": "Wed, 04 Oct 2023 14:48:11 GMT"}]}""");
        Assert.Equal("2310.02861", p.Id);
        Assert.Equal(new DateOnly(2023, 10, 4), p.PublishedAt);
        Assert.Equal(1, p.Version);                     // the versions list wins over the id's suffix
    }

    [Fact]
    public void File_lines_give_byte_offsets_that_resume_exactly()
    {
        using var dir = new TempDir();
        var path = dir.File("lines.txt");
        File.WriteAllBytes(path, Encoding.UTF8.GetBytes("first\r\nsecond é\n\nlast without newline"));
        var seen = new List<(string, long, int)>();
        using (var lines = new FileLines(path, "lines.txt"))
            while (lines.TryRead(out var l)) seen.Add((Encoding.UTF8.GetString(l).TrimEnd('\r'), lines.Offset, lines.Line));
        Assert.Equal([("first", 7, 1), ("second é", 17, 2), ("", 18, 3), ("last without newline", 38, 4)], seen);

        using var resumed = new FileLines(path, "lines.txt", offset: 17, line: 2);
        Assert.True(resumed.TryRead(out var empty));
        Assert.True(empty.IsEmpty);
        Assert.True(resumed.TryRead(out var last));
        Assert.Equal("last without newline", Encoding.UTF8.GetString(last));
        Assert.Equal(4, resumed.Line);
        Assert.False(resumed.TryRead(out _));
    }
}
