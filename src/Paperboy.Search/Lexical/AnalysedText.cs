using Lucene.Net.Analysis;
using Lucene.Net.Analysis.TokenAttributes;

namespace Paperboy.Search.Lexical;

/// <summary>
/// A text run through <see cref="PaperAnalyzer"/> once, then replayed into every field that indexes it: the text field
/// (the title twice, the abstract once) and the word pairs of <see cref="PaperAnalyzer.PairsField"/>. Analysis is most of
/// a rebuild's time: the chain runs once per text instead of once per field value. The index is the same, byte for byte.
/// </summary>
internal sealed class AnalysedText
{
    private readonly char[] _chars;
    private readonly int[] _ends;          // token i is _chars[_ends[i - 1] .. _ends[i]]
    private readonly int[] _increments;    // its position increment (more than 1 after a stop word)
    private readonly int _finalIncrement;  // stop words at the end, which move where the field's next value starts

    private AnalysedText(char[] chars, int[] ends, int[] increments, int finalIncrement)
    {
        _chars = chars;
        _ends = ends;
        _increments = increments;
        _finalIncrement = finalIncrement;
    }

    public int Count => _ends.Length;

    public static AnalysedText Of(Analyzer analyzer, string text)
    {
        var chars = new List<char>(text.Length);
        var ends = new List<int>();
        var increments = new List<int>();
        using var ts = analyzer.GetTokenStream("text", text);   // one chain serves every field
        var term = ts.AddAttribute<ICharTermAttribute>();
        var increment = ts.AddAttribute<IPositionIncrementAttribute>();
        ts.Reset();
        while (ts.IncrementToken())
        {
            for (var i = 0; i < term.Length; i++) chars.Add(term.Buffer[i]);
            ends.Add(chars.Count);
            increments.Add(increment.PositionIncrement);
        }
        ts.End();
        return new AnalysedText([.. chars], [.. ends], [.. increments], increment.PositionIncrement);
    }

    /// <summary>The words, at their positions, as the analyzer made them.</summary>
    public TokenStream Words() => new Replay(this, pairs: false);

    /// <summary>
    /// The pairs of words one position apart ("first second"); a word after a gap (a stop word) starts a new run.
    /// Word terms never contain a space, so a pair term is unambiguous.
    /// </summary>
    public TokenStream Pairs() => new Replay(this, pairs: true);

    public static string Pair(string first, string second) => first + " " + second;

    private int Start(int i) => i == 0 ? 0 : _ends[i - 1];

    private ReadOnlySpan<char> Token(int i) => _chars.AsSpan(Start(i), _ends[i] - Start(i));

    private sealed class Replay : TokenStream
    {
        private readonly AnalysedText _text;
        private readonly bool _pairs;
        private readonly ICharTermAttribute _term;
        private readonly IPositionIncrementAttribute _increment;
        private int _next;

        public Replay(AnalysedText text, bool pairs)
        {
            _text = text;
            _pairs = pairs;
            _term = AddAttribute<ICharTermAttribute>();
            _increment = AddAttribute<IPositionIncrementAttribute>();
        }

        public override bool IncrementToken()
        {
            ClearAttributes();
            if (!_pairs)
            {
                if (_next >= _text.Count) return false;
                _term.CopyBuffer(_text._chars, _text.Start(_next), _text._ends[_next] - _text.Start(_next));
                _increment.PositionIncrement = _text._increments[_next++];
                return true;
            }
            while (++_next < _text.Count)   // _next is the second word of the pair
            {
                if (_text._increments[_next] != 1) continue;
                var first = _text.Token(_next - 1);
                var second = _text.Token(_next);
                var buffer = _term.ResizeBuffer(first.Length + 1 + second.Length);
                first.CopyTo(buffer);
                buffer[first.Length] = ' ';
                second.CopyTo(buffer.AsSpan(first.Length + 1));
                _term.Length = first.Length + 1 + second.Length;
                return true;
            }
            return false;
        }

        public override void Reset()
        {
            base.Reset();
            _next = 0;
        }

        public override void End()
        {
            base.End();
            _increment.PositionIncrement = _pairs ? 0 : _text._finalIncrement;
        }
    }
}
