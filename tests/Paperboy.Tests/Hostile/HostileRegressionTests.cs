using Paperboy.Search.Lexical;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Hostile;

/// <summary>Every input that once crashed a reader or the query parser (testdata/fuzz/TARGET/*), replayed.</summary>
public sealed class HostileRegressionTests(DemoLexicalIndex demo) : IClassFixture<DemoLexicalIndex>
{
    public static TheoryData<string, string> CrashInputs()
    {
        var data = new TheoryData<string, string>();
        foreach (var dir in Directory.GetDirectories(TestData.File("fuzz")).Order(StringComparer.Ordinal))
            foreach (var file in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
                data.Add(Path.GetFileName(dir), Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(CrashInputs))]
    public void An_input_that_once_crashed_is_read_or_refused(string target, string file)
    {
        var bytes = File.ReadAllBytes(TestData.File(Path.Combine("fuzz", target, file)));
        if (target == HostileTargets.Query) HostileTargets.Search(demo.Index, System.Text.Encoding.UTF8.GetString(bytes));
        else HostileTargets.Import(target, bytes);
    }

    [Theory]
    [InlineData("arxiv-atom")]
    [InlineData("arxiv-oai")]
    public void A_lone_carriage_return_does_not_shift_the_line_an_xml_error_names(string format)
    {
        // Line 3 by LFs, line 4 to an XML reader that also breaks lines at the lone CR on line 2.
        var (_, refusal) = HostileTargets.Import(format, System.Text.Encoding.UTF8.GetBytes("<?xml version=\"1.0\"?>\n<feed>a\rb\n<x <y/></feed>\n"));
        Assert.NotNull(refusal);
        Assert.Equal(3, refusal.Line);
    }

    [Theory]
    [InlineData("after:9999", 9999, 12, 31)]
    [InlineData("after:9999-12", 9999, 12, 31)]
    [InlineData("after:9999-12-31", 9999, 12, 31)]
    public void After_the_end_of_the_calendar_is_a_date_that_nothing_follows(string text, int y, int m, int d)
    {
        var query = SearchQuery.Parse("graph " + text);
        Assert.Equal(new DateOnly(y, m, d), query.After);
        Assert.Equal(0, demo.Index.Search(query, new SearchFilter(), 10, 0).Total);
    }

    [Theory]
    [InlineData("before:0001")]
    [InlineData("before:0001-01")]
    [InlineData("before:0001-01-01")]
    public void Before_the_start_of_the_calendar_is_a_date_that_nothing_precedes(string text)
    {
        var query = SearchQuery.Parse("graph " + text);
        Assert.Equal(new DateOnly(1, 1, 1), query.Before);
        Assert.Equal(0, demo.Index.Search(query, new SearchFilter(), 10, 0).Total);
    }
}
