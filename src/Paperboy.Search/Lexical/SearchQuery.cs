using System.Globalization;

namespace Paperboy.Search.Lexical;

/// <summary>
/// What a user typed, understood: free words, "quoted phrases", -exclusions, author:name, before:/after: dates.
/// Parsing never fails: anything it cannot read as syntax is taken as words, so no query can cause an error.
/// </summary>
public sealed record SearchQuery(
    string Text,
    IReadOnlyList<string> Words,
    IReadOnlyList<string> Phrases,
    IReadOnlyList<string> Excluded,
    IReadOnlyList<string> Authors,
    DateOnly? After,
    DateOnly? Before)
{
    public const int MaxLength = 1_000;

    public bool HasPositiveClause => Words.Count > 0 || Phrases.Count > 0 || Authors.Count > 0;

    public static SearchQuery Parse(string? text)
    {
        text ??= "";
        var words = new List<string>();
        var phrases = new List<string>();
        var excluded = new List<string>();
        var authors = new List<string>();
        DateOnly? after = null, before = null;

        var i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i])) { i++; continue; }
            var negate = false;
            if (text[i] == '-' && i + 1 < text.Length && !char.IsWhiteSpace(text[i + 1])) { negate = true; i++; }
            string token;
            var quoted = false;
            if (text[i] == '"')
            {
                var end = text.IndexOf('"', i + 1);
                if (end < 0) end = text.Length;          // an unbalanced quote runs to the end
                token = text[(i + 1)..end];
                i = Math.Min(text.Length, end + 1);
                quoted = true;
            }
            else
            {
                var start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i]))
                {
                    // author:"Ada Lovelace" keeps its quoted value together
                    if (text[i] == '"' && i > start && text[i - 1] == ':')
                    {
                        var end = text.IndexOf('"', i + 1);
                        i = end < 0 ? text.Length : end + 1;
                        continue;
                    }
                    i++;
                }
                token = text[start..i];
            }
            if (token.Length == 0) continue;

            if (!quoted && TryField(token, out var field, out var value))
            {
                switch (field)
                {
                    case "author" when value.Length > 0:
                        if (negate) excluded.Add(token); else authors.Add(value);
                        continue;
                    // after:2024 is after the whole of 2024; before:2024 is before any of it.
                    case "after" when TryPeriod(value, out _, out var lastDay): after = lastDay; continue;
                    case "before" when TryPeriod(value, out var firstDay, out _): before = firstDay; continue;
                }
            }
            if (negate) excluded.Add(token);
            else if (quoted) phrases.Add(token);
            else words.Add(token);
        }
        return new SearchQuery(text, words, phrases, excluded, authors, after, before);
    }

    private static bool TryField(string token, out string field, out string value)
    {
        var colon = token.IndexOf(':');
        field = value = "";
        if (colon <= 0) return false;
        field = token[..colon].ToLowerInvariant();
        value = token[(colon + 1)..].Trim('"');
        return field is "author" or "after" or "before";
    }

    /// <summary>A day, month or year, as its first and last day.</summary>
    private static bool TryPeriod(string s, out DateOnly first, out DateOnly last)
    {
        var inv = CultureInfo.InvariantCulture;
        if (DateOnly.TryParseExact(s, "yyyy-MM-dd", inv, DateTimeStyles.None, out first)) { last = first; return true; }
        // The last day named, not the day before the next period: after:9999 has no next year.
        if (DateOnly.TryParseExact(s, "yyyy-MM", inv, DateTimeStyles.None, out first)) { last = new DateOnly(first.Year, first.Month, DateTime.DaysInMonth(first.Year, first.Month)); return true; }
        if (DateOnly.TryParseExact(s, "yyyy", inv, DateTimeStyles.None, out first)) { last = new DateOnly(first.Year, 12, 31); return true; }
        last = default;
        return false;
    }
}
