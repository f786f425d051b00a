using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Util;

namespace Paperboy.Search.Lexical;

/// <summary>One thing a result must (or must not) satisfy beyond ranking.</summary>
internal abstract record Constraint
{
    /// <summary>The same condition as a Lucene query, for searches Lucene runs itself.</summary>
    public abstract Query ToQuery();
}

/// <summary>
/// Terms at fixed relative positions in a field (one term is a plain term): a quoted phrase, an author's name,
/// has-code, or an exclusion of any of these. <paramref name="Paired"/>: the field's adjacent words are also indexed as
/// pairs in <see cref="PaperAnalyzer.PairsField"/>.
/// </summary>
internal sealed record PhraseConstraint(string Field, string[] Terms, int[] Positions, bool Excluded, bool Paired = false) : Constraint
{
    public override Query ToQuery()
    {
        if (Terms.Length == 1) return new TermQuery(new Term(Field, Terms[0]));
        var pq = new PhraseQuery();
        for (var i = 0; i < Terms.Length; i++) pq.Add(new Term(Field, Terms[i]), Positions[i]);
        return pq;
    }
}

/// <summary>An inclusive range of an indexed 32-bit number (a day as yyyymmdd, upvotes); null ends are open.</summary>
internal sealed record RangeConstraint(string Field, int? Min, int? Max) : Constraint
{
    public override Query ToQuery() => NumericRangeQuery.NewInt32Range(Field, Min, Max, true, true);
}

/// <summary>
/// A query's constraints checked one candidate document at a time, in increasing order, within one segment, in two
/// phases as Lucene does since 5.x: <see cref="Approximate"/> finds the next document holding every required word
/// (cheap: postings skip to it), and <see cref="Matches"/> then checks positions, ranges and exclusions for that one
/// document. Lucene.Net 4.8's phrase scorer does both at once: asked to advance, it reads the positions of every
/// document holding all the phrase's words until one matches, so filtering a search by a phrase of two common words
/// cost more than the search. Here positions are read only for the documents that would otherwise rank.
/// The answers are exactly those of the Lucene query <see cref="Constraint.ToQuery"/> builds.
/// </summary>
internal sealed class ConstraintCheck
{
    private readonly PhraseCheck[] _required;
    private readonly PhraseCheck[] _excluded;
    private readonly (FieldCache.Int32s Values, IBits Present, int Min, int Max)[] _ranges;
    private readonly DocIdSetIterator[] _lead;       // every required word's postings

    private readonly int _maxDoc;

    private ConstraintCheck(PhraseCheck[] required, PhraseCheck[] excluded, (FieldCache.Int32s, IBits, int, int)[] ranges, int maxDoc)
    {
        _maxDoc = maxDoc;
        _required = required;
        _excluded = excluded;
        _ranges = ranges;
        // Sparsest first, as Lucene's conjunctions do: the rarest postings move the candidate furthest.
        _lead = required.SelectMany(p => p.Iterators).OrderBy(it => it.GetCost()).ToArray();
    }

    /// <summary>
    /// At most how many documents <see cref="Approximate"/> can return: the sparsest required postings' length, or
    /// every document of the segment when no word is required (only ranges and exclusions).
    /// </summary>
    public long LeadCost => _lead.Length > 0 ? _lead[0].GetCost() : _maxDoc;

    /// <summary>
    /// True when every live document <see cref="Approximate"/> returns satisfies the constraints: one word's or one
    /// pair's postings decide alone. <see cref="LeadCost"/> is then the number of matches, deleted documents included.
    /// </summary>
    public bool LeadIsExact => _lead.Length == 1 && _ranges.Length == 0 && _excluded.Length == 0 && _required.All(p => p.WithoutPositions);

    /// <returns>The check for <paramref name="leaf"/>, or null when no document of the segment can satisfy the constraints.</returns>
    public static ConstraintCheck? For(AtomicReaderContext leaf, IReadOnlyList<Constraint> constraints)
    {
        var reader = leaf.AtomicReader;
        var required = new List<PhraseCheck>();
        var excluded = new List<PhraseCheck>();
        var ranges = new List<(FieldCache.Int32s, IBits, int, int)>();
        foreach (var c in constraints)
        {
            switch (c)
            {
                case PhraseConstraint p:
                    var check = PhraseCheck.For(reader, p);
                    if (check is null && !p.Excluded) return null;       // a required word absent from the segment
                    if (check is not null) (p.Excluded ? excluded : required).Add(check);
                    break;
                case RangeConstraint r:
                    var values = FieldCache.DEFAULT.GetInt32s(reader, r.Field, FieldCache.NUMERIC_UTILS_INT32_PARSER, setDocsWithField: true);
                    var present = FieldCache.DEFAULT.GetDocsWithField(reader, r.Field);
                    ranges.Add((values, present, r.Min ?? int.MinValue, r.Max ?? int.MaxValue));
                    break;
            }
        }
        return new ConstraintCheck([.. required], [.. excluded], [.. ranges], reader.MaxDoc);
    }

    /// <summary>
    /// The first document at or after <paramref name="target"/> (never before one asked already) that holds every
    /// required word: it may still fail <see cref="Matches"/>, but none before it can pass.
    /// </summary>
    public int Approximate(int target)
    {
        if (_lead.Length == 0) return target < _maxDoc ? target : DocIdSetIterator.NO_MORE_DOCS;
        var doc = target;
        for (var agreed = 0; agreed < _lead.Length;)
        {
            // Leapfrog: each word's postings skip to the current candidate; one that lands past it moves the candidate.
            agreed = 0;
            foreach (var it in _lead)
            {
                var at = it.DocID < doc ? it.Advance(doc) : it.DocID;
                if (at == DocIdSetIterator.NO_MORE_DOCS) return at;
                if (at > doc) { doc = at; break; }
                agreed++;
            }
        }
        return doc;
    }

    /// <summary>Whether <paramref name="doc"/>, which <see cref="Approximate"/> has just returned, satisfies every constraint.</summary>
    public bool Matches(int doc)
    {
        // Cheapest first: ranges are array reads, phrases read positions, exclusions seek postings.
        foreach (var (values, present, min, max) in _ranges)
        {
            if (!present.Get(doc)) return false;
            var v = values.Get(doc);
            if (v < min || v > max) return false;
        }
        foreach (var p in _required) if (!p.InPlace(doc)) return false;
        foreach (var p in _excluded) if (p.Contains(doc)) return false;
        return true;
    }

    /// <summary>Both phases for one document (larger than any asked before).</summary>
    public bool Accepts(int doc) => Approximate(doc) == doc && Matches(doc);

    /// <summary>One phrase in one segment: its words' postings, moved forward to each document asked about.</summary>
    private sealed class PhraseCheck
    {
        private readonly DocsAndPositionsEnum[] _positions;
        private readonly int[] _offsets;
        private readonly int[][] _starts;             // per word, the phrase starts its positions imply
        private readonly int[] _counts;
        private readonly int[] _cursors;

        /// <param name="docs">Postings that hold no positions: a one-word phrase's word, or a longer phrase's word pairs.</param>
        private PhraseCheck(DocsAndPositionsEnum[] positions, DocsEnum[] docs, int[] offsets)
        {
            _positions = positions;
            Iterators = [.. docs, .. positions];
            _offsets = offsets;
            _starts = positions.Select(_ => new int[8]).ToArray();
            _counts = new int[positions.Length];
            _cursors = new int[positions.Length];
        }

        /// <summary>True when the phrase is in every document its postings agree on: no positions are read.</summary>
        public bool WithoutPositions => _positions.Length == 0;

        /// <summary>The postings that must all be on a document for the phrase to be in it.</summary>
        public DocIdSetIterator[] Iterators { get; }

        public static PhraseCheck? For(AtomicReader reader, PhraseConstraint phrase)
        {
            var terms = reader.GetTerms(phrase.Field);
            if (terms is null) return null;
            var te = terms.GetEnumerator();
            if (phrase.Terms.Length == 1)
                return te.SeekExact(new BytesRef(phrase.Terms[0])) ? new PhraseCheck([], [te.Docs(reader.LiveDocs, null, DocsFlags.NONE)], []) : null;
            // Words next to each other in the phrase are next to each other in any document holding it: that document
            // holds their pair. A pair of common words is far rarer than either word, so its postings lead the search
            // for candidates, and positions are read only where every pair is. A segment without the field (an index
            // made before pairs) is checked on positions alone.
            var pairs = new List<DocsEnum>();
            if (phrase.Paired && reader.GetTerms(PaperAnalyzer.PairsField)?.GetEnumerator() is { } pairTerms)
                for (var i = 0; i + 1 < phrase.Terms.Length; i++)
                {
                    if (phrase.Positions[i + 1] - phrase.Positions[i] != 1) continue;
                    if (!pairTerms.SeekExact(new BytesRef(AnalysedText.Pair(phrase.Terms[i], phrase.Terms[i + 1])))) return null;
                    pairs.Add(pairTerms.Docs(reader.LiveDocs, null, DocsFlags.NONE));
                }
            // Two words side by side are their pair: the pair's postings are exactly the documents holding the phrase
            // (pairs are indexed only for words with nothing between them), so no positions are read at all.
            if (phrase.Terms.Length == 2 && pairs.Count == 1) return new PhraseCheck([], [.. pairs], []);
            var enums = new DocsAndPositionsEnum[phrase.Terms.Length];
            for (var i = 0; i < enums.Length; i++)
            {
                if (!te.SeekExact(new BytesRef(phrase.Terms[i]))) return null;
                // Without positions indexed a phrase cannot be checked; Lucene's PhraseQuery refuses it the same way.
                enums[i] = te.DocsAndPositions(reader.LiveDocs, null, DocsAndPositionsFlags.NONE)
                    ?? throw new InvalidOperationException($"field {phrase.Field} was indexed without positions");
            }
            return new PhraseCheck(enums, [.. pairs], phrase.Positions);
        }

        /// <summary>Whether the phrase occurs in <paramref name="doc"/> (moving its postings there first).</summary>
        public bool Contains(int doc)
        {
            foreach (var it in Iterators)
                if ((it.DocID < doc ? it.Advance(doc) : it.DocID) != doc) return false;
            return InPlace(doc);
        }

        /// <summary>With every word's postings on <paramref name="doc"/>: is there a start s with word i at s + offset i for every i?</summary>
        public bool InPlace(int doc)
        {
            var n = _positions.Length;
            if (n == 0) return true;
            for (var i = 0; i < n; i++)
            {
                var e = _positions[i];
                var freq = e.Freq;
                if (_starts[i].Length < freq) _starts[i] = new int[Math.Max(freq, 2 * _starts[i].Length)];
                for (var j = 0; j < freq; j++) _starts[i][j] = e.NextPosition() - _offsets[i];
                _counts[i] = freq;
                _cursors[i] = 0;
            }
            // Each list is sorted: walk them together looking for a start they all share.
            for (var j = 0; j < _counts[0]; j++)
            {
                var start = _starts[0][j];
                var all = true;
                for (var i = 1; i < n && all; i++)
                {
                    ref var at = ref _cursors[i];
                    while (at < _counts[i] && _starts[i][at] < start) at++;
                    all = at < _counts[i] && _starts[i][at] == start;
                }
                if (all) return true;
            }
            return false;
        }
    }
}
