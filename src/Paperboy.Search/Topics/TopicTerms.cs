using System.Text.RegularExpressions;
using Paperboy.Search.Lexical;

namespace Paperboy.Search.Topics;

/// <summary>
/// Labels clusters with their most distinctive terms by class-based TF-IDF (c-TF-IDF, as in BERTopic): a term's
/// frequency within a cluster's papers (the cluster taken as one document), weighted by log(1 + N / df) with N the
/// number of papers and df those that use the term, so words every abstract uses ("models", "propose") sink. Terms are <see cref="PaperAnalyzer"/>'s (stemmed, LaTeX and stop words
/// dropped), shown in the spelling that occurs most often ("diffus" is shown as "diffusion").
/// </summary>
public sealed partial class TopicTerms
{
    private readonly PaperAnalyzer _analyzer = new();
    private readonly Dictionary<string, string?> _stems = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, int>> _spellings = new(StringComparer.Ordinal);
    private readonly List<Dictionary<string, int>> _counts = [];
    private readonly Dictionary<string, int> _df = new(StringComparer.Ordinal);
    private readonly HashSet<string> _inPaper = new(StringComparer.Ordinal);
    private int _papers;

    /// <summary>Words of any abstract that say nothing about its subject (Lucene's stop words are only English's).</summary>
    private static readonly HashSet<string> Boilerplate = new(StringComparer.Ordinal)
    {
        "our", "we", "us", "also", "can", "which", "using", "use", "used", "based", "propose", "proposed", "present", "paper",
        "method", "methods", "approach", "approaches", "result", "results", "show", "shows", "new", "novel", "work", "both",
        "however", "while", "well", "such", "than", "more", "most", "these", "those", "its", "has", "have", "been", "from",
        "via", "over", "two", "one", "first", "different", "various", "existing", "achieve", "achieves", "demonstrate", "furthermore",
    };

    [GeneratedRegex(@"[\p{L}][\p{L}\p{N}]*(?:-[\p{L}\p{N}]+)*")]
    private static partial Regex Word();

    public TopicTerms(int clusters)
    {
        for (var c = 0; c < clusters; c++) _counts.Add(new Dictionary<string, int>(StringComparer.Ordinal));
    }

    /// <summary>Counts one paper's terms towards its cluster.</summary>
    public void Add(int cluster, string text)
    {
        var counts = _counts[cluster];
        _papers++;
        _inPaper.Clear();
        foreach (Match m in Word().Matches(text))
        {
            var word = m.Value.ToLowerInvariant();
            if (word.Length < 3 || word.Length > 40 || Boilerplate.Contains(word)) continue;
            if (!_stems.TryGetValue(word, out var stem))
            {
                var terms = _analyzer.Terms(word);
                stem = terms.Count == 1 && terms[0].Length >= 3 ? terms[0] : null;   // hyphenated words split: not a label
                _stems[word] = stem;
            }
            if (stem is null) continue;
            counts[stem] = counts.GetValueOrDefault(stem) + 1;
            if (_inPaper.Add(stem)) _df[stem] = _df.GetValueOrDefault(stem) + 1;
            if (!_spellings.TryGetValue(stem, out var forms)) _spellings[stem] = forms = new Dictionary<string, int>(StringComparer.Ordinal);
            forms[word] = forms.GetValueOrDefault(word) + 1;
        }
    }

    /// <summary>The <paramref name="top"/> most distinctive terms of each cluster, best first, in their usual spelling.</summary>
    public List<List<string>> Labels(int top = 5)
    {
        var labels = new List<List<string>>();
        foreach (var counts in _counts)
        {
            var size = counts.Values.Sum();
            var ranked = counts.Where(kv => kv.Value >= 2)
                .Select(kv => (Term: kv.Key, Score: (double)kv.Value / Math.Max(1, size) * Math.Log(1 + (double)_papers / _df[kv.Key])))
                .OrderByDescending(x => x.Score).ThenBy(x => x.Term, StringComparer.Ordinal)
                .Take(top).Select(x => Spelling(x.Term)).ToList();
            labels.Add(ranked);
        }
        return labels;
    }

    private string Spelling(string stem) =>
        _spellings[stem].OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).First().Key;
}
