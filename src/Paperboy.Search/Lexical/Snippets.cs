using System.Collections.Concurrent;
using System.Net;
using System.Text;

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
        var matches = terms.Count == 0 ? [] : Matches(text, terms, _vocabulary);
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

    // Word → its analysed terms, as numbers. Running the analyzer over ten abstracts for every results page cost as
    // much as the BM25 search itself; words repeat (Zipf), so each distinct word is analysed once, and a word's
    // terms are compared with the query's as small integers rather than hashed again. Replaced when it grows large.
    private Vocabulary _vocabulary = new();
    private const int MaxRememberedWords = 200_000;

    private sealed class Vocabulary
    {
        public readonly ConcurrentDictionary<string, int[]> WordTerms = new(StringComparer.Ordinal);
        public readonly ConcurrentDictionary<string, int> TermIds = new(StringComparer.Ordinal);
        public int Id(string term) => TermIds.TryGetValue(term, out var id) ? id : TermIds.GetOrAdd(term, _ => Interlocked.Increment(ref _next));
        private int _next;
    }

    private List<(int Start, int End)> Matches(string text, IReadOnlySet<string> terms, Vocabulary vocabulary)
    {
        var wanted = new int[terms.Count];
        var n = 0;
        foreach (var t in terms) wanted[n++] = vocabulary.Id(t);
        var found = new List<(int, int)>();
        var lookup = vocabulary.WordTerms.GetAlternateLookup<ReadOnlySpan<char>>();
        for (var i = 0; i < text.Length;)
        {
            if (!char.IsLetterOrDigit(text[i])) { i++; continue; }
            var start = i;
            i = WordEnd(text, i);
            var word = text.AsSpan(start, i - start);
            if (!lookup.TryGetValue(word, out var wordTerms))
            {
                // Counting a concurrent dictionary takes all its locks: only on a miss. A full vocabulary is replaced
                // for the next page; this one finishes with the old.
                if (vocabulary.WordTerms.Count >= MaxRememberedWords) _vocabulary = new();
                wordTerms = [.. analyzer.Terms(word.ToString()).Select(vocabulary.Id)];
                lookup.TryAdd(word, wordTerms);
            }
            foreach (var t in wordTerms)
                if (Array.IndexOf(wanted, t) >= 0) { found.Add((start, i)); break; }
        }
        return found;
    }

    /// <summary>
    /// The end of the word starting at <paramref name="i"/>: letters and digits, with one inner '.', ',' or
    /// apostrophe between them ("3.5", "e.g", "model's"), much as the standard tokenizer's word rules have it.
    /// </summary>
    private static int WordEnd(string text, int i)
    {
        while (i < text.Length)
        {
            if (char.IsLetterOrDigit(text[i])) i++;
            else if (text[i] is '.' or ',' or '\'' or '’' && i + 1 < text.Length && char.IsLetterOrDigit(text[i + 1])) i += 2;
            else break;
        }
        return i;
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
