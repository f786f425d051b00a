using System.Net;
using System.Text;
using Lucene.Net.Analysis.TokenAttributes;

namespace Paperboy.Search.Lexical;

/// <summary>
/// Highlighted excerpts: the window of a text holding the most query terms, HTML-encoded, with the matching words
/// wrapped in &lt;mark&gt;. Matching uses <see cref="PaperAnalyzer"/>, so "functions" in a text lights up for "function".
/// </summary>
public sealed class Snippets(PaperAnalyzer analyzer)
{
    /// <summary>Safe HTML: the excerpt of <paramref name="text"/> (at most about <paramref name="maxChars"/> characters) with matches marked.</summary>
    public string Highlight(string text, IReadOnlySet<string> terms, int maxChars = 300)
    {
        var matches = terms.Count == 0 ? [] : Matches(text, terms);
        var (start, end) = Window(text, matches, maxChars);
        var sb = new StringBuilder();
        if (start > 0) sb.Append("… ");
        var pos = start;
        foreach (var (s, e) in matches)
        {
            if (s < start || e > end) continue;
            sb.Append(WebUtility.HtmlEncode(text[pos..s]));
            sb.Append("<mark>").Append(WebUtility.HtmlEncode(text[s..e])).Append("</mark>");
            pos = e;
        }
        sb.Append(WebUtility.HtmlEncode(text[pos..end]));
        if (end < text.Length) sb.Append(" …");
        return sb.ToString();
    }

    private List<(int Start, int End)> Matches(string text, IReadOnlySet<string> terms)
    {
        var found = new List<(int, int)>();
        using var ts = analyzer.GetTokenStream("abstract", text);
        var term = ts.AddAttribute<ICharTermAttribute>();
        var offset = ts.AddAttribute<IOffsetAttribute>();
        ts.Reset();
        while (ts.IncrementToken())
            if (terms.Contains(term.ToString()) && offset.EndOffset <= text.Length && offset.StartOffset >= (found.Count > 0 ? found[^1].Item2 : 0))
                found.Add((offset.StartOffset, offset.EndOffset));
        ts.End();
        return found;
    }

    private static (int Start, int End) Window(string text, List<(int Start, int End)> matches, int maxChars)
    {
        if (text.Length <= maxChars) return (0, text.Length);
        var bestStart = 0;
        var bestCount = 0;
        for (int i = 0, j = 0; i < matches.Count; i++)
        {
            while (j < matches.Count && matches[j].End - matches[i].Start <= maxChars) j++;
            if (j - i > bestCount) { bestCount = j - i; bestStart = matches[i].Start; }
        }
        // Start a little before the first match, at a word boundary, so the excerpt reads naturally.
        var start = bestCount == 0 ? 0 : Math.Max(0, bestStart - maxChars / 5);
        if (start > 0)
        {
            var sentence = text.LastIndexOf(". ", bestStart, Math.Min(bestStart, maxChars / 3), StringComparison.Ordinal);
            start = sentence >= 0 ? sentence + 2 : NextSpace(text, start);
        }
        var end = Math.Min(text.Length, start + maxChars);
        if (end < text.Length)
        {
            var space = text.LastIndexOf(' ', end - 1, Math.Min(40, end - start));
            if (space > start) end = space;
        }
        return (start, end);
    }

    private static int NextSpace(string text, int from)
    {
        var i = text.IndexOf(' ', from);
        return i < 0 ? from : i + 1;
    }
}
