using System.Text.RegularExpressions;

namespace Paperboy.Core.Papers;

/// <summary>
/// The headline number of an abstract: the sentence that carries its main quantitative result ("RQGNN outperforms
/// the best rival by 6.74% in Macro-F1 score and 1.44% in AUC"). Sentences are scored by their result figures
/// (percentages, factors such as 3.2× or 10x, points, dB; not "64 times 64", a stripped LaTeX \times) and by comparison words (outperforms, improves, faster,
/// state-of-the-art); a sentence needs at least one figure and one comparison word to count. Plain counts ("on 10
/// datasets", "7B parameters") and years are not figures. None when no sentence qualifies.
/// </summary>
public static partial class HeadlineSentence
{
    /// <summary>Sentences longer than this are run-ons of stripped LaTeX, not headlines.</summary>
    public const int MaxLength = 400;

    [GeneratedRegex(@"(?<![\w.])[-+]?\d+(?:[.,]\d+)?\s?(?:%|×|x(?![\w])|X(?![\w])|\s?times\b(?!\s*\d)|\s?(?:percentage\s)?points?\b|\s?pp\b|\s?dB\b)", RegexOptions.CultureInvariant)]
    private static partial Regex FigurePattern();

    [GeneratedRegex(@"\b(?:outperform\w*|surpass\w*|improv\w*|beat\w*|exceed\w*|boost\w*|reduc\w*|gain\w*|speed-?up\w*|faster|slower|higher|lower|better|fewer|smaller|less|more|increas\w*|decreas\w*|state[- ]of[- ]the[- ]art|SOTA|relative|over|compared|achiev\w*|accelerat\w*|cut\w*)\b", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex ComparisonPattern();

    // A sentence ends at . ! ? followed by white space and a capital, digit or quote; "e.g. the", "et al. (2020)" and
    // "6.74%" do not end one (no space, or no capital after it).
    [GeneratedRegex(@"(?<=[.!?])\s+(?=[A-Z0-9""“(])", RegexOptions.CultureInvariant)]
    private static partial Regex SentenceBreak();

    private static readonly string[] Abbreviations = ["e.g.", "i.e.", "et al.", "vs.", "cf.", "Fig.", "Eq.", "approx.", "resp."];

    public static string? Find(string abstractText)
    {
        string? best = null;
        var bestScore = 0;
        foreach (var sentence in Sentences(abstractText))
        {
            if (sentence.Length > MaxLength) continue;
            var figures = FigurePattern().Matches(sentence).Count;
            if (figures == 0) continue;
            var comparisons = ComparisonPattern().Matches(sentence).Count;
            if (comparisons == 0) continue;
            var score = 3 * Math.Min(figures, 4) + Math.Min(comparisons, 3);
            if (score > bestScore) { best = sentence; bestScore = score; }
        }
        return best;
    }

    /// <summary>The abstract's sentences, trimmed; abbreviations such as "e.g." do not split.</summary>
    public static IEnumerable<string> Sentences(string text)
    {
        var pending = "";
        foreach (var raw in SentenceBreak().Split(text))
        {
            var piece = pending.Length > 0 ? pending + " " + raw.Trim() : raw.Trim();
            if (Abbreviations.Any(a => piece.EndsWith(a, StringComparison.Ordinal))) { pending = piece; continue; }
            pending = "";
            if (piece.Length > 0) yield return piece;
        }
        if (pending.Length > 0) yield return pending;
    }
}
