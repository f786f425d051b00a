using System.Text;
using Paperboy.Core.Import;
using Paperboy.Tests.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Import;

/// <summary>
/// Bad input is refused with an <see cref="ImportException"/> that names the file and the line, and nothing from it
/// is stored.
/// </summary>
public sealed class BrokenInputTests
{
    public static TheoryData<string, int, string> Fixtures => new()
    {
        { "empty.txt", 1, "empty file" },
        { "blank_lines.txt", 1, "empty file" },
        { "truncated.txt", 29, "has no abstract" },
        { "feb30.txt", 27, "invalid date 'Feb 30, 2023'" },
        { "negative_upvotes.txt", 27, "negative upvote count -3" },
        { "malformed.atom", 8, "malformed XML" },
        { "arxiv_error.atom", 10, "incorrect id format for 2310.0123456" },
        { "malformed.json", 16, "malformed JSON" },
        { "unknown_field.jsonl", 3, "stars" },
    };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void A_broken_fixture_is_refused_naming_the_file_and_line(string name, int line, string reason)
    {
        var path = TestData.File(name);
        var e = Assert.Throws<ImportException>(() => ImportFormat.Read(ImportSource.FromFile(path), ImportFormat.Auto, Seeds.Today));
        AssertNames(e, path, line, reason);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task A_broken_fixture_stores_nothing(string name, int line, string reason)
    {
        await using var store = await TestStore.CreateAsync();
        await store.ImportFileAsync(Seeds.Page("004"));
        var (count, seq) = (await store.Store.CountAsync(), await store.Store.LastChangeSeqAsync());

        var e = await Assert.ThrowsAsync<ImportException>(() => store.ImportFileAsync(TestData.File(name)));
        Assert.Equal(line, e.Line);
        Assert.Contains(reason, e.Reason);

        Assert.Equal(count, await store.Store.CountAsync());
        Assert.Equal(seq, await store.Store.LastChangeSeqAsync());
    }

    [Fact]
    public void A_binary_file_is_refused_at_the_line_of_its_first_NUL_byte()
    {
        using var dir = new TempDir();
        var path = dir.File("figure.png");
        byte[] png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, (byte)'I', (byte)'H', (byte)'D', (byte)'R'];
        File.WriteAllBytes(path, png);
        var e = Assert.Throws<ImportException>(() => ImportSource.FromFile(path));
        AssertNames(e, path, 3, "binary data");
    }

    [Fact]
    public void Invalid_UTF8_is_refused_at_the_line_of_the_bad_byte()
    {
        using var dir = new TempDir();
        var path = dir.File("latin1.txt");
        var good = File.ReadAllBytes(TestData.File("script_title.txt"));
        // "Caf\xE9" in Latin-1 on line 15 (the abstract line).
        var text = Encoding.UTF8.GetString(good).Replace("We classify HTML", "Caf\u0001 classify HTML");
        var bytes = Encoding.UTF8.GetBytes(text);
        bytes[Array.IndexOf(bytes, (byte)0x01)] = 0xE9;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<ImportException>(() => ImportSource.FromFile(path));
        AssertNames(e, path, 15, "invalid UTF-8 (byte 0xE9");
    }

    [Fact]
    public void A_truncated_multibyte_sequence_at_the_end_is_refused_at_its_line()
    {
        using var dir = new TempDir();
        var path = dir.File("cut.jsonl");
        var bytes = Encoding.UTF8.GetBytes("{\"title\":\"A\",\"abstract\":\"x\"}\n{\"title\":\"Tom\u00E1s\"}\n\n").Concat(new byte[] { 0xC3 }).ToArray();
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<ImportException>(() => ImportSource.FromFile(path));
        AssertNames(e, path, 4, "invalid UTF-8");
    }

    [Fact]
    public void A_one_megabyte_line_is_refused_at_its_line()
    {
        using var dir = new TempDir();
        var path = dir.File("huge.txt");
        var sb = new StringBuilder(Seeds.PageText("Oct 17", Seeds.Entry("Kernel Ridge Regression under Distribution Shift", "We revisit kernel ridge regression.", 2, "Mar 13")));
        sb.Append('\n').Append("Long Title\n\n").Append('x', 1024 * 1024).Append("\n\n  • 1 authors\n·\nOct 4, 2023\n");
        File.WriteAllText(path, sb.ToString());
        var bigLine = File.ReadAllLines(path).ToList().FindIndex(l => l.Length > 1000) + 1;
        Assert.Equal(23, bigLine);
        var e = Assert.Throws<ImportException>(() => ImportFormat.Read(ImportSource.FromFile(path), ImportFormat.Auto, Seeds.Today));
        AssertNames(e, path, 23, "characters long");
    }

    [Fact]
    public void A_BOM_alone_is_an_empty_file()
    {
        var e = Assert.Throws<ImportException>(() => ImportSource.FromBytes("bom.txt", [0xEF, 0xBB, 0xBF]));
        AssertNames(e, "bom.txt", 1, "empty file");
    }

    [Fact]
    public void Feb_29_of_a_year_less_date_in_a_non_leap_page_year_is_refused()
    {
        var text = Seeds.PageText("Mar 12",
            Seeds.Entry("Sparse Spectral Adapters", "Adapters.", 3, "Oct 1, 2024"),
            Seeds.Entry("Kernel Ridge Regression under Distribution Shift", "We revisit kernel ridge regression.", 2, "Feb 29"));
        var e = Assert.Throws<ImportException>(() => HfPageReader.Read(ImportSource.FromText("leap.txt", text), Seeds.Today));
        AssertNames(e, "leap.txt", 27, "2025 is not a leap year");
    }

    [Fact]
    public void A_negative_upvote_count_in_daily_papers_JSON_is_refused_at_its_item()
    {
        const string json = """
            [
              {"paper": {"id": "2310.02861", "title": "Rayleigh Quotient Graph Neural Networks", "summary": "x", "upvotes": 7}},
              {"paper": {"id": "2311.04567", "title": "Token Merging", "summary": "y", "upvotes": -3}}
            ]
            """;
        var e = Assert.Throws<ImportException>(() => HfDailyReader.Read(ImportSource.FromText("daily.json", json)));
        AssertNames(e, "daily.json", 3, "negative upvote count -3");
    }

    [Fact]
    public void An_unknown_format_name_is_refused()
    {
        var e = Assert.Throws<ImportException>(() => ImportFormat.Read(ImportSource.FromFile(TestData.File("papers.jsonl")), "bibtex", Seeds.Today));
        Assert.Contains("unknown format 'bibtex'", e.Reason);
    }

    private static void AssertNames(ImportException e, string path, int line, string reason)
    {
        Assert.Equal(path, e.InputName);
        Assert.Equal(line, e.Line);
        Assert.Contains(reason, e.Reason);
        // file:line: or, where the parser knows the column (XML, JSON), file:line:column:
        Assert.StartsWith(e.Column is { } column ? $"{path}:{line}:{column}: " : $"{path}:{line}: ", e.Message);
        if (reason.StartsWith("malformed", StringComparison.Ordinal)) Assert.NotNull(e.Column);
    }
}
