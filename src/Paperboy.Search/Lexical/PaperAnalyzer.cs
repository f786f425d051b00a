using Lucene.Net.Analysis;
using Lucene.Net.Analysis.CharFilters;
using Lucene.Net.Analysis.Core;
using Lucene.Net.Analysis.En;
using Lucene.Net.Analysis.Miscellaneous;
using Lucene.Net.Analysis.Standard;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Analysis.Util;
using Lucene.Net.Util;

namespace Paperboy.Search.Lexical;

/// <summary>
/// The one analyzer for indexing and querying titles and abstracts: LaTeX punctuation to spaces, standard
/// tokenisation, possessives off, lower case, LaTeX command words removed, ASCII folding, English stop words,
/// Porter stemming. Bump <see cref="Version"/> whenever the chain changes: the index is then rebuilt.
/// </summary>
public sealed class PaperAnalyzer : Analyzer
{
    public const string Version = "paper-analyzer-4"; // 2: upvotes and code fields; 3: one text field, ids in doc values; 4: word pairs

    /// <summary>
    /// The field of word pairs: every two words the chain leaves next to each other (one position apart), as one term
    /// "first second". Indexed without frequencies or positions, it lists the documents that can hold a phrase of those
    /// two words, as Elasticsearch's <c>index_phrases</c> does; <see cref="ConstraintCheck"/> reads it to find a
    /// phrase's candidates without reading the positions of every document holding both words. The pairs are made
    /// from the analysed words (<see cref="AnalysedText.Pairs"/>).
    /// </summary>
    public const string PairsField = "pairs";
    internal static readonly LuceneVersion Lucene = LuceneVersion.LUCENE_48;

    // Same-length replacements keep token offsets true to the original text (the snippets rely on that).
    private static readonly NormalizeCharMap LatexPunctuation = BuildLatexMap();

    /// <summary>Values of one field (title, abstract) are far apart, so no phrase spans two of them.</summary>
    public override int GetPositionIncrementGap(string fieldName) => 100;

    protected override TextReader InitReader(string fieldName, TextReader reader) => new MappingCharFilter(LatexPunctuation, reader);

    protected override TokenStreamComponents CreateComponents(string fieldName, TextReader reader)
    {
        var source = new StandardTokenizer(Lucene, reader) { MaxTokenLength = 64 };
        TokenStream ts = new EnglishPossessiveFilter(Lucene, source);
        ts = new LowerCaseFilter(Lucene, ts);
        ts = new LatexCommandFilter(ts);
        ts = new ASCIIFoldingFilter(ts);
        ts = new StopFilter(Lucene, ts, StandardAnalyzer.STOP_WORDS_SET);
        ts = new PorterStemFilter(ts);
        return new TokenStreamComponents(source, ts);
    }

    /// <summary>The analysed terms of a text, in order (used by queries and snippets).</summary>
    public List<string> Terms(string text)
    {
        var terms = new List<string>();
        using var ts = GetTokenStream("abstract", text);
        var term = ts.AddAttribute<ICharTermAttribute>();
        ts.Reset();
        while (ts.IncrementToken()) terms.Add(term.ToString());
        ts.End();
        return terms;
    }

    private static NormalizeCharMap BuildLatexMap()
    {
        var b = new NormalizeCharMap.Builder();
        foreach (var c in @"\{}^_~$") b.Add(c.ToString(), " ");
        return b.Build();
    }
}

/// <summary>
/// Drops the command words that stripped LaTeX leaves in abstracts (<c>mathcal</c>, <c>widetilde</c>,
/// <c>rightarrow</c>…) and unglues a command from the word it was written against (<c>widetildeTheta</c> → <c>theta</c>).
/// </summary>
internal sealed class LatexCommandFilter : TokenFilter
{
    private static readonly HashSet<string> Commands = new(StringComparer.Ordinal)
    {
        "mathcal", "mathbf", "mathbb", "mathrm", "mathit", "mathsf", "mathfrak", "mathscr", "boldsymbol", "operatorname",
        "widetilde", "widehat", "overline", "underline", "tilde", "hat", "bar", "vec", "dot", "ddot",
        "frac", "dfrac", "tfrac", "sqrt", "cdot", "cdots", "ldots", "dots", "circ", "times", "propto", "infty",
        "rightarrow", "leftarrow", "leftrightarrow", "rightleftharpoons", "mapsto", "to", "gg", "ll", "leq", "geq", "neq", "approx", "sim", "simeq", "equiv", "pm", "mp",
        "textit", "textbf", "texttt", "textrm", "textsc", "emph", "cite", "citep", "citet", "url", "href", "eqref", "ref",
        "mathop", "displaystyle", "scriptstyle", "quad", "qquad", "nabla", "partial", "forall", "exists", "ell",
    };

    private static readonly string[] GluedPrefixes = ["widetilde", "widehat", "mathcal", "mathbb", "mathbf", "mathrm", "operatorname", "boldsymbol"];

    private readonly ICharTermAttribute _term;

    public LatexCommandFilter(TokenStream input) : base(input) => _term = AddAttribute<ICharTermAttribute>();

    public override bool IncrementToken()
    {
        while (m_input.IncrementToken())
        {
            var text = _term.ToString();
            if (Commands.Contains(text)) continue;
            foreach (var prefix in GluedPrefixes)
            {
                if (text.Length > prefix.Length + 1 && text.StartsWith(prefix, StringComparison.Ordinal))
                {
                    _term.SetEmpty().Append(text[prefix.Length..]);
                    break;
                }
            }
            return true;
        }
        return false;
    }
}
