using System.Globalization;
using System.Text.RegularExpressions;
using Paperboy.Core.Papers;

namespace Paperboy.Core.Import;

/// <summary>
/// Reads a Hugging Face paper-search page saved as text (the seed format, <c>hf-page</c>):
/// a header, then entries of a title line, an abstract line and an optional
/// <c>• N authors</c> / <c>·</c> / <c>date [upvotes]</c> group, separated by blank lines.
/// Year-less dates belong to the page's year: one after the newest explicit year on the page
/// (Hugging Face writes the year only for earlier years), never after today, and a year-less
/// date later in the year than the page's own date belongs to the year before.
/// </summary>
public static partial class HfPageReader
{
    private static readonly HashSet<string> HeaderLines = new(StringComparer.OrdinalIgnoreCase)
    {
        "new", "Get trending papers in your email inbox!", "Subscribe", "Daily Papers", "byAK and the research community",
    };

    public const int MaxLineLength = 100_000;

    [GeneratedRegex(@"^(?<mon>[A-Za-z]{3}) (?<day>[0-9]{1,2})(?:, (?<year>[0-9]{4}))?(?: (?<up>-?[0-9]+))?$", RegexOptions.CultureInvariant)]
    private static partial Regex DatePattern();

    [GeneratedRegex(@"^•\s*(?<n>-?[0-9]+)\s+authors?$", RegexOptions.CultureInvariant)]
    private static partial Regex AuthorsPattern();

    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    private sealed record Line(int Number, string Text);

    private sealed record RawDate(int Line, string Text, int Month, int Day, int? Year, int Upvotes);

    public static IReadOnlyList<Paper> Read(ImportSource source, DateOnly today)
    {
        var lines = source.Text.Split('\n');
        var groups = new List<List<Line>>();
        List<Line>? current = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var text = lines[i].TrimEnd('\r');
            if (text.Length > MaxLineLength)
                throw source.Error(i + 1, $"line is {text.Length} characters long (at most {MaxLineLength})");
            if (string.IsNullOrWhiteSpace(text)) { current = null; continue; }
            if (current is null) groups.Add(current = []);
            current.Add(new Line(i + 1, text.Trim()));
        }

        // Header: known banner lines and the page's own date.
        var g = 0;
        RawDate? pageDate = null;
        while (g < groups.Count && groups[g].Count == 1)
        {
            var line = groups[g][0];
            if (HeaderLines.Contains(line.Text)) { g++; continue; }
            if (pageDate is null && TryDate(source, line, out var d) && d.Year is null && d.Upvotes == 0) { pageDate = d; g++; continue; }
            break;
        }

        var entries = new List<(Paper Paper, int Line, RawDate? Date)>();
        while (g < groups.Count)
        {
            var title = groups[g];
            if (title.Count != 1 || IsMetaLine(title[0].Text))
                throw source.Error(title[0].Number, $"expected a title line, found '{Excerpt(title[0].Text)}'");
            if (g + 1 >= groups.Count)
                throw source.Error(title[0].Number, $"truncated entry: title '{Excerpt(title[0].Text)}' has no abstract");
            var abs = groups[g + 1];
            if (abs.Count != 1 || IsMetaLine(abs[0].Text))
                throw source.Error(abs[0].Number, $"truncated entry: expected the abstract of '{Excerpt(title[0].Text)}', found '{Excerpt(abs[0].Text)}'");
            g += 2;

            var paper = new Paper { Title = title[0].Text, Abstract = abs[0].Text };
            RawDate? date = null;
            if (g < groups.Count && IsMetaLine(groups[g][0].Text))
            {
                (paper.AuthorCount, date) = ReadMeta(source, groups[g]);
                if (date is not null) paper.Upvotes = date.Upvotes;
                g++;
            }
            paper.Links = CodeLinks.Find(paper.Abstract);
            entries.Add((paper, title[0].Number, date));
        }
        if (entries.Count == 0) throw source.Error(lines.Length, "no paper entries found (expected title, abstract, and '• N authors · date' lines)");

        var pageYear = PageYear(entries.Select(e => e.Date), today);
        var papers = new List<Paper>(entries.Count);
        foreach (var (paper, line, date) in entries)
        {
            if (date is not null) paper.PublishedAt = Resolve(source, date, pageYear, pageDate);
            PaperValidation.Check(paper, source, line);
            paper.Id = PaperIdentity.IdFor(paper);
            papers.Add(paper);
        }
        return papers;
    }

    private static bool IsMetaLine(string text) => text.StartsWith('•') || text == "·";

    private static (int? AuthorCount, RawDate? Date) ReadMeta(ImportSource source, List<Line> group)
    {
        int? authors = null;
        RawDate? date = null;
        foreach (var line in group)
        {
            if (line.Text == "·") continue;
            var m = AuthorsPattern().Match(line.Text);
            if (m.Success)
            {
                if (!int.TryParse(m.Groups["n"].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) || n < 0)
                    throw source.Error(line.Number, $"invalid author count '{m.Groups["n"].Value}'");
                authors = n;
                continue;
            }
            if (TryDate(source, line, out var d)) { date = d; continue; }
            throw source.Error(line.Number, $"expected '• N authors', '·' or a date such as 'Oct 4, 2023', found '{Excerpt(line.Text)}'");
        }
        return (authors, date);
    }

    private static bool TryDate(ImportSource source, Line line, out RawDate date)
    {
        date = null!;
        var m = DatePattern().Match(line.Text);
        if (!m.Success) return false;
        var month = Array.FindIndex(Months, x => x.Equals(m.Groups["mon"].Value, StringComparison.OrdinalIgnoreCase)) + 1;
        if (month == 0) return false;
        var day = int.Parse(m.Groups["day"].Value, CultureInfo.InvariantCulture);
        int? year = m.Groups["year"].Success ? int.Parse(m.Groups["year"].Value, CultureInfo.InvariantCulture) : null;
        var upvotes = 0;
        if (m.Groups["up"].Success)
        {
            if (!int.TryParse(m.Groups["up"].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out upvotes))
                throw source.Error(line.Number, $"upvote count '{m.Groups["up"].Value}' is out of range");
            if (upvotes < 0) throw source.Error(line.Number, $"negative upvote count {upvotes} in '{line.Text}'");
        }
        // Feb 30 and friends: refuse now, whatever year the date later resolves to (Feb 29 is checked then).
        if (day < 1 || day > DateTime.DaysInMonth(2024, month))
            throw source.Error(line.Number, $"invalid date '{line.Text}'");
        date = new RawDate(line.Number, line.Text, month, day, year, upvotes);
        return true;
    }

    private static int PageYear(IEnumerable<RawDate?> dates, DateOnly today)
    {
        var explicitYears = dates.Where(d => d?.Year is not null).Select(d => d!.Year!.Value).ToList();
        var year = explicitYears.Count == 0 ? today.Year : explicitYears.Max() + 1;
        return Math.Min(year, today.Year);
    }

    private static DateOnly Resolve(ImportSource source, RawDate d, int pageYear, RawDate? pageDate)
    {
        var year = d.Year ?? pageYear;
        if (d.Year is null && pageDate is not null && (d.Month, d.Day).CompareTo((pageDate.Month, pageDate.Day)) > 0) year--;
        if (d.Day > DateTime.DaysInMonth(year, d.Month)) throw source.Error(d.Line, $"invalid date '{d.Text}' ({year} is not a leap year)");
        return new DateOnly(year, d.Month, d.Day);
    }

    private static string Excerpt(string s) => s.Length <= 60 ? s : s[..57] + "...";
}
