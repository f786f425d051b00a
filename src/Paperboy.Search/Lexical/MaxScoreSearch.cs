using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Util;
using System.Collections.Concurrent;
using BindingFlags = System.Reflection.BindingFlags;
using System.Runtime.CompilerServices;

namespace Paperboy.Search.Lexical;

/// <summary>
/// Top-k BM25 for a bag of words ("OR" of terms) with MaxScore pruning (Turtle &amp; Flood 1995), scored exactly as
/// Lucene's BooleanQuery of SHOULD TermQuerys would score it (the same <see cref="Similarity"/> weights and norms).
/// Lucene.Net 4.8 has no WAND or block-max pruning, so its BooleanScorer scores every posting of every query word;
/// on a broad query over 200k abstracts that is most of a search's CPU. MaxScore keeps each word's upper bound
/// (BM25's tf part is below 1, so a word never adds more than its weight, idf·(k1+1)): once the k-th best score
/// passes the summed bounds of the cheapest (most common) words, a document that has only those words cannot enter
/// the top k, so their postings are no longer walked, only probed for the candidates the other words bring.
/// The top k are the same as the exhaustive search's; only <see cref="Result.TotalHits"/> becomes a lower bound.
/// <para>
/// MaxScore alone cannot prune a one-word query, or one whose words are all common: every posting of the essential
/// words is still scored ("learning" is in half of all abstracts). So, as Lucene 8 does with its impacts (Ding &amp;
/// Suel 2011, block-max indexes), a word's postings are also cut into blocks of <see cref="BlockPostings"/> with the
/// best score any document in the block can get. The walk goes window by window over those blocks (see
/// <see cref="Run"/>): in each, the words are split into essential and probed ones by their maxima there, and a window
/// none of whose documents could beat the k-th score is jumped on the skip lists, its postings neither decoded nor
/// scored. Lucene.Net 4.8 stores no such maxima, so they are computed from the postings the first time a word is
/// searched in a segment and kept while the segment and the collection's length statistics are the same.
/// </para>
/// </summary>
internal static class MaxScoreSearch
{
    /// <param name="WindowsSkipped">How many windows were jumped over whole by their block maxima (for tests and tuning).</param>
    public sealed record Result(IReadOnlyList<ScoreDoc> Top, int TotalHits, bool TotalIsExact, int WindowsSkipped = 0);

    /// <summary>
    /// Postings per block of the block maxima. Measured on the 2.5M index, 300 of bench/search's queries at depth 100
    /// (mean per search), with Lucene's postings: 128 (Lucene's own block, whose skipping saves decoding) 5.6 ms, 64 5.0,
    /// 32 4.7, 16 4.6: tighter maxima skip more than larger blocks save. With the postings decoded into arrays, where a
    /// skip costs little either way (1,000 queries, with <see cref="MinWindow"/> 128, alternated twice): 16 2.28–2.31 ms,
    /// 32 1.91–1.96, 64 1.81–1.90, 128 1.80–1.93. The block ends cost 4 bytes, the maxima 4 more, per block.
    /// </summary>
    internal const int BlockPostings = 64;
    /// <summary>
    /// Matches counted exactly before any pruning starts, as Lucene counts up to 1,000 hits: a page's count and its
    /// "next" link stay right for up to this many results; beyond, the total is a lower bound of at least this.
    /// </summary>
    internal const int CountedExactly = 1_000;

    /// <summary>Words in fewer documents of a segment than this are cheap to walk whole: no block maxima.</summary>
    internal const int MinBlockMaxDocFreq = 4 * BlockPostings;

    /// <param name="constraints">Documents must also satisfy these (phrases, authors, exclusions, ranges); they add nothing to the score.</param>
    /// <param name="budget">What decoded postings may take (<see cref="DecodingBudget.Shared"/> unless given): a segment draws on the budget it is first searched with.</param>
    internal static Result Search(IndexSearcher searcher, Similarity similarity, string field, IReadOnlyList<string> words, IReadOnlyList<Constraint>? constraints, int k,
        DecodingBudget? budget = null)
    {
        budget ??= DecodingBudget.Shared;
        var top = new TopK(k);
        var collection = searcher.CollectionStatistics(field);
        var terms = new List<(Term Term, TermContext Context, Similarity.SimWeight Weight)>();
        foreach (var w in words)
        {
            var term = new Term(field, w);
            var context = TermContext.Build(searcher.TopReaderContext, term);
            if (context.DocFreq == 0) continue;
            var weight = similarity.ComputeWeight(1f, collection, searcher.TermStatistics(term, context));
            // BM25 has no query norm (it is 1): normalise as IndexSearcher.CreateNormalizedWeight would.
            weight.Normalize(similarity.QueryNorm(weight.GetValueForNormalization()), 1f);
            terms.Add((term, context, weight));
        }
        var total = 0;
        var exact = true;
        var skipped = 0;
        if (terms.Count == 0) return new Result([], 0, true);
        // Without constraints every live document holding any one word matches: the largest word's live documents are
        // a floor for the total (a segment's deleted documents are taken off its count, as if all held the word).
        var floors = new long[terms.Count];

        foreach (var leaf in searcher.IndexReader.Leaves)
        {
            var reader = leaf.AtomicReader;
            var fieldTerms = reader.GetTerms(field);
            if (fieldTerms is null) continue;
            var termsEnum = fieldTerms.GetEnumerator();
            var norms = WordScorer.NormsOf(reader, field);
            var postings = new List<Posting>(terms.Count);
            for (var j = 0; j < terms.Count; j++)
            {
                var (term, context, weight) = terms[j];
                var state = context.Get(leaf.Ord);
                if (state is null) continue;
                termsEnum.SeekExact(term.Bytes, state);
                var docFreq = termsEnum.DocFreq;
                floors[j] += Math.Max(0, docFreq - reader.NumDeletedDocs);
                var word = docFreq >= MinBlockMaxDocFreq ? WordPostings.Of(reader, termsEnum, term, docFreq, budget) : null;
                DocsEnum? docs = null;
                if (word?.Docs is null)
                {
                    docs = termsEnum.Docs(reader.LiveDocs, null, DocsFlags.FREQS);
                    if (docs is null || docs.NextDoc() == DocIdSetIterator.NO_MORE_DOCS) continue;
                }
                var simScorer = similarity.GetSimScorer(weight, leaf);
                var bound = UpperBound(simScorer, word?.Docs?[0] ?? docs!.DocID);
                var scorer = new WordScorer(simScorer, norms);
                var ratio = word?.Ratio(scorer, bound, collection, termsEnum);
                postings.Add(new Posting(docs, word, ratio, reader.LiveDocs, scorer, bound));
            }
            if (postings.Count == 0) continue;
            var check = constraints is null ? null : ConstraintCheck.For(leaf, constraints);
            if (constraints is not null && check is null) continue;   // nothing in this segment can satisfy them
            var (matched, pruned, jumps) = Run(postings, check, leaf.DocBase, top, total);
            total += matched;
            exact &= !pruned;
            skipped += jumps;
        }
        var floor = constraints is null && !exact ? (int)Math.Min(int.MaxValue, floors.Max()) : 0;
        return new Result(top.Drain(), Math.Max(Math.Max(total, floor), top.Count), exact, skipped);
    }

    /// <summary>
    /// Memory for decoded postings (<see cref="WordPostings"/>): <see cref="Limit"/> bytes over the segments that draw
    /// on it, given back when a segment is dropped and collected. Searches share <see cref="Shared"/>.
    /// </summary>
    internal sealed class DecodingBudget(long limit)
    {
        public static readonly DecodingBudget Shared = new(1L << 30);
        private long _used;
        /// <summary>Bytes the decoded postings may take; 0 turns decoding off.</summary>
        public long Limit { get; set; } = limit;
        public long Used => Interlocked.Read(ref _used);
        public bool HasRoom(long bytes) => Used + bytes <= Limit;

        public bool TryTake(long bytes)
        {
            if (Interlocked.Add(ref _used, bytes) <= Limit) return true;
            Interlocked.Add(ref _used, -bytes);
            return false;
        }

        public void Give(long bytes) => Interlocked.Add(ref _used, -bytes);
    }

    /// <summary>The largest score this word can give a document: BM25's tf part tends to 1 as the frequency grows.</summary>
    private static float UpperBound(Similarity.SimScorer scorer, int anyDoc) => scorer.Score(anyDoc, 1e9f) * 1.0001f;

    /// <summary>
    /// One word's BM25 score in one segment, weight · f / (f + cache[norm]), computed as Lucene's <c>BM25DocScorer</c>
    /// computes it (the same floats in the same order, so the same bits) without the two virtual calls per posting
    /// behind it: the scorer's, and the norms', which Lucene 4.2's format keeps bit-packed behind a table. The norms are
    /// read once per segment, a byte per document. A scorer of another similarity, or a field without norms, is called.
    /// </summary>
    private sealed class WordScorer
    {
        private static readonly Type? Bm25DocScorer = typeof(BM25Similarity).GetNestedType("BM25DocScorer", BindingFlags.NonPublic);
        private static readonly System.Reflection.FieldInfo? WeightField = Bm25DocScorer?.GetField("weightValue", BindingFlags.NonPublic | BindingFlags.Instance);
        private static readonly System.Reflection.FieldInfo? CacheField = Bm25DocScorer?.GetField("cache", BindingFlags.NonPublic | BindingFlags.Instance);
        // Per segment core (dropped with the segment), per field.
        private static readonly ConditionalWeakTable<object, ConcurrentDictionary<string, byte[]>> Norms = new();

        private readonly Similarity.SimScorer _scorer;
        private readonly float _weight;
        private readonly float[] _cache = [];
        private readonly byte[]? _norms;

        /// <param name="norms">The segment's norms of the field (<see cref="NormsOf"/>), null when it has none.</param>
        public WordScorer(Similarity.SimScorer scorer, byte[]? norms)
        {
            _scorer = scorer;
            if (norms is null || scorer.GetType() != Bm25DocScorer || WeightField?.GetValue(scorer) is not float weight
                || CacheField?.GetValue(scorer) is not float[] { Length: 256 } cache)
                return;
            _weight = weight;
            _cache = cache;
            _norms = norms;
        }

        /// <summary>A segment's norms of <paramref name="field"/> as a byte per document, read once per segment.</summary>
        public static byte[]? NormsOf(AtomicReader reader, string field)
        {
            if (reader.GetNormValues(field) is not { } norms) return null;
            return Norms.GetValue(reader.CoreCacheKey, _ => new(StringComparer.Ordinal)).GetOrAdd(field, _ =>
            {
                var bytes = new byte[reader.MaxDoc];
                for (var d = 0; d < bytes.Length; d++) bytes[d] = (byte)norms.Get(d);
                return bytes;
            });
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Score(int doc, int freq)
        {
            if (_norms is null) return _scorer.Score(doc, freq);
            float f = freq;
            return _weight * f / (f + _cache[_norms[doc]]);
        }
    }

    /// <summary>
    /// One word's postings in one segment, as the walk reads them: from its decoded arrays when it has them (a step is
    /// an index, a jump a scan along the block ends), else from Lucene's enum; with its block maxima when it has them.
    /// </summary>
    private sealed class Posting
    {
        private const int NoMore = DocIdSetIterator.NO_MORE_DOCS;
        private readonly DocsEnum? _enum;
        private readonly WordPostings? _word;
        private readonly int[]? _docs;       // ends with NoMore, so a step never runs off the end
        private readonly byte[]? _freqs;
        private readonly IBits? _live;       // decoded postings keep deleted documents; the walk passes them by
        private readonly int[]? _last;
        private readonly float[]? _ratio;
        private int _i = -1;
        private int _block;
        private readonly WordScorer _scorer;
        public readonly float Bound;
        /// <summary>The current document, kept here: read for every candidate, it would otherwise be a virtual call each time.</summary>
        public int Doc;

        /// <param name="docs">Lucene's enum, on its first document; null when <paramref name="word"/> has its postings decoded.</param>
        /// <param name="ratio">The word's block maxima (<see cref="WordPostings.Ratio"/>), null when it has none.</param>
        public Posting(DocsEnum? docs, WordPostings? word, float[]? ratio, IBits? live, WordScorer scorer, float bound)
        {
            _enum = docs;
            _word = word;
            _docs = word?.Docs;
            _freqs = word?.Freqs;
            _last = word?.Last;
            _ratio = ratio;
            _live = live;
            _scorer = scorer;
            Bound = bound;
            if (_docs is null) Doc = docs!.DocID;
            else Next();
        }

        public float Score(int doc) => _scorer.Score(doc, _freqs is { } f ? _word!.Freq(f, _i) : _enum!.Freq);

        /// <summary>
        /// Steps to the first document up to <paramref name="max"/> that scores above <paramref name="bar"/>, and past
        /// it: returns it with its score, or a document past <paramref name="max"/> (where the word then stands).
        /// Counts every document stepped over or returned in <paramref name="seen"/>.
        /// </summary>
        public int NextAbove(int max, float bar, ref int seen, out float score)
        {
            if (_docs is { } docs && _live is null)
            {
                // Decoded postings of a segment without deletions: a straight loop over the arrays.
                var freqs = _freqs!;
                var i = _i;
                while (true)
                {
                    var doc = docs[i];
                    if (doc > max) { _i = i; Doc = doc; score = 0; return doc; }
                    seen++;
                    var s = _scorer.Score(doc, _word!.Freq(freqs, i++));
                    if (s > bar) { _i = i; Doc = docs[i]; score = s; return doc; }
                }
            }
            while (true)
            {
                var doc = Doc;
                if (doc > max) { score = 0; return doc; }
                seen++;
                var s = Score(doc);
                Next();
                if (s > bar) { score = s; return doc; }
            }
        }

        public void Next()
        {
            if (_docs is not { } docs) { Doc = _enum!.NextDoc(); return; }
            Doc = Live(docs, _i + 1);
        }

        public void AdvanceTo(int target)
        {
            if (_docs is not { } docs) { Doc = _enum!.Advance(target); return; }
            var i = Math.Min(docs.Length - 1, Math.Max(_i + 1, BlockOf(target) * BlockPostings));
            while (docs[i] < target) i++;
            Doc = Live(docs, i);
        }

        /// <summary>The first live document at or after position <paramref name="i"/>, which becomes the current one.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private int Live(int[] docs, int i)
        {
            var doc = docs[i];
            if (_live is { } live)
                while (doc != NoMore && !live.Get(doc)) doc = docs[++i];
            _i = i;
            return doc;
        }

        /// <summary>The last document of the block holding this word's next document at or after <paramref name="target"/> (increasing over calls).</summary>
        public int BlockEnd(int target) => _last is null ? NoMore - 1 : _last[BlockOf(target)];

        /// <summary>The block holding the first posting at or after <paramref name="target"/>; targets only grow, so each block is passed once.</summary>
        private int BlockOf(int target)
        {
            var last = _last!;
            while (last[_block] < target) _block++;
            return _block;
        }

        /// <summary>The most this word can add to any document from <paramref name="from"/> to <paramref name="to"/> (both increasing over calls).</summary>
        public float MaxBetween(int from, int to)
        {
            if (_last is not { } last) return Bound;
            var ratio = _ratio!;
            var max = 0f;
            for (var b = BlockOf(from); ; b++)
            {
                max = Math.Max(max, ratio[b]);
                if (last[b] >= to) break;
            }
            return max * Bound;
        }
    }

    /// <summary>
    /// What is kept of a common word's postings in one segment while the segment lives (deleted documents included, so
    /// it outlives deletions): the last document of each block of <see cref="BlockPostings"/>, with the block maxima
    /// made under the newest collection statistics; and, within a <see cref="DecodingBudget"/>, the postings themselves decoded
    /// into arrays. A search reads those as arrays instead of through Lucene.Net's postings enum, whose block decoding
    /// and skip lists were a fifth of a 2.5M hybrid search's CPU. They cost five bytes a posting; words that come when
    /// the budget is spent are read through Lucene, with their block maxima all the same.
    /// </summary>
    private sealed class WordPostings
    {
        public readonly int[] Last;
        /// <summary>The documents, ending with NO_MORE_DOCS; null when the word came over budget.</summary>
        public readonly int[]? Docs;
        public readonly byte[]? Freqs;
        private readonly Dictionary<int, int>? _largeFreqs;   // frequencies of 255 and more, by position
        // The block maxima as shares of the word's bound (so the same maxima serve whatever the word's idf), with the
        // collection statistics they were made under: scores depend on the average length, so the maxima are made
        // again when it moves.
        private volatile Tuple<(long TermFreqs, long Docs), float[]>? _ratio;

        // Per segment core (dropped with the segment), per word.
        private static readonly ConditionalWeakTable<object, Segment> Cache = new();

        private WordPostings(int[] last, int[]? docs, byte[]? freqs, Dictionary<int, int>? largeFreqs)
        {
            Last = last;
            Docs = docs;
            Freqs = freqs;
            _largeFreqs = largeFreqs;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Freq(byte[] freqs, int i) => freqs[i] < byte.MaxValue ? freqs[i] : _largeFreqs![i];

        /// <summary>The word in this segment, read from <paramref name="termsEnum"/> (positioned on it) the first time.</summary>
        public static WordPostings Of(AtomicReader reader, TermsEnum termsEnum, Term term, int docFreq, DecodingBudget budget)
        {
            var segment = Cache.GetValue(reader.CoreCacheKey, _ => new Segment(budget));
            var bytes = docFreq * 5L;
            // A word read over budget is read again once there is room (segments dropped by a rebuild or merge give
            // theirs back), so the words searched while an old index was still held get decoded in the new one.
            if (segment.Words.TryGetValue(term.Text, out var known) && (known.Docs is not null || !segment.Budget.HasRoom(bytes))) return known;
            var decode = segment.Budget.TryTake(bytes);
            var last = new int[(docFreq + BlockPostings - 1) / BlockPostings + 1];
            var docs = decode ? new int[docFreq + 1] : null;
            var freqs = decode ? new byte[docFreq + 1] : null;
            Dictionary<int, int>? large = null;
            // A second postings enum over the word leaves the caller's where it is.
            var enumerator = termsEnum.Docs(null, null, DocsFlags.FREQS)!;
            var n = 0;
            var lastDoc = -1;
            for (var doc = enumerator.NextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = enumerator.NextDoc(), n++)
            {
                lastDoc = doc;
                if (n % BlockPostings == BlockPostings - 1) last[n / BlockPostings] = doc;
                if (docs is null) continue;
                docs[n] = doc;
                var freq = enumerator.Freq;
                freqs![n] = (byte)Math.Min(freq, byte.MaxValue);
                if (freq >= byte.MaxValue) (large ??= [])[n] = freq;
            }
            if (n % BlockPostings != 0) last[n / BlockPostings] = lastDoc;
            // Sentinels past the last document, in the block ends and the postings, so a walk never runs off the end.
            last[^1] = DocIdSetIterator.NO_MORE_DOCS;
            if (docs is not null) docs[n] = DocIdSetIterator.NO_MORE_DOCS;
            var word = new WordPostings(last, docs, freqs, large);
            var kept = segment.Words.AddOrUpdate(term.Text, word, (_, other) => other.Docs is null ? word : other);
            if (decode && kept != word) segment.Budget.Give(bytes);   // another search decoded it first
            else if (decode) Interlocked.Add(ref segment.Bytes, bytes);
            return kept;
        }

        /// <summary>
        /// The best score of each block as a share of the word's <paramref name="bound"/>, under the collection's
        /// current statistics; made from the decoded postings, or a walk of <paramref name="termsEnum"/> (positioned on
        /// the word) when there are none.
        /// </summary>
        public float[] Ratio(WordScorer scorer, float bound, CollectionStatistics collection, TermsEnum termsEnum)
        {
            var statistics = (collection.SumTotalTermFreq, collection.DocCount);
            if (_ratio is { } known && known.Item1 == statistics) return known.Item2;
            var ratio = new float[Last.Length];   // the sentinel block's stays 0
            var max = 0f;
            var n = 0;
            void Add(int doc, int freq)
            {
                max = Math.Max(max, scorer.Score(doc, freq));
                if (++n % BlockPostings == 0) { ratio[n / BlockPostings - 1] = max / bound * 1.0001f; max = 0; }
            }
            if (Docs is { } docs)
                for (var i = 0; i < docs.Length - 1; i++) Add(docs[i], Freq(Freqs!, i));
            else
            {
                var enumerator = termsEnum.Docs(null, null, DocsFlags.FREQS)!;
                for (var doc = enumerator.NextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = enumerator.NextDoc()) Add(doc, enumerator.Freq);
            }
            if (n % BlockPostings != 0) ratio[n / BlockPostings] = max / bound * 1.0001f;
            // Statistics move with every commit: the maxima made under the newest ones replace older ones.
            _ratio = Tuple.Create(statistics, ratio);
            return ratio;
        }

        /// <summary>A segment's words; when the segment is dropped and collected, its decoded bytes go back to the budget.</summary>
        private sealed class Segment(DecodingBudget budget)
        {
            public readonly DecodingBudget Budget = budget;
            public readonly ConcurrentDictionary<string, WordPostings> Words = new(StringComparer.Ordinal);
            public long Bytes;
            ~Segment() => Budget.Give(Interlocked.Read(ref Bytes));
        }
    }

    /// <returns>
    /// How many matching documents were seen, whether some were skipped unseen (so that count is a lower bound), and
    /// how many windows the block maxima let the walk jump over whole.
    /// </returns>
    /// <remarks>
    /// The walk goes window by window, as Lucene 9.9's <c>MaxScoreBulkScorer</c> does. A window runs to the first block
    /// end among the words that drove the last one (at least <see cref="MinWindow"/> documents). In it each word counts
    /// with the best score of its blocks there, not its bound over the whole segment, and the words are split again:
    /// those whose window maxima together cannot beat the k-th score are only probed for the candidates the others
    /// bring. Where a common word's blocks score low (most of a topic-ordered index, for a word of another topic) it
    /// stops bringing candidates; where no split leaves a candidate that could compete, the window is jumped whole.
    /// </remarks>
    /// <param name="countedBefore">Matches counted in the segments before this one (see <see cref="CountedExactly"/>).</param>
    private static (int Matched, bool Pruned, int Jumps) Run(List<Posting> postings, ConstraintCheck? check, int docBase, TopK top, int countedBefore)
    {
        const int NoMore = DocIdSetIterator.NO_MORE_DOCS;
        var n = postings.Count;
        var order = postings.ToArray();                      // by window maximum, smallest first
        var maxima = new float[n];
        var prefix = new float[n];                           // prefix[i] = the sum of maxima[0..i]: the non-essential words' best
        var essential = 0;                                   // order[essential..] bring the candidates
        var matched = 0;
        var pruned = false;
        var jumps = 0;
        bool Pruning() => top.Full && countedBefore + matched >= CountedExactly;
        var windowMin = 0;
        while (true)
        {
            // Where the next window starts: its first possible document (words lagging behind it hold none that counts).
            var start = NoMore;
            foreach (var p in order) start = Math.Min(start, Math.Max(windowMin, p.Doc));
            if (start == NoMore) break;
            windowMin = start;
            int windowMax;
            var pruning = Pruning();
            if (!pruning)
            {
                // Until the top k are full and the count is exact, every word brings candidates, to the segment's end
                // or until pruning may start.
                essential = 0;
                windowMax = NoMore - 1;
            }
            else
            {
                windowMax = WindowEnd(order, essential, windowMin);
                for (var i = 0; i < n; i++)
                {
                    var from = Math.Max(windowMin, order[i].Doc);
                    maxima[i] = from > windowMax ? 0f : order[i].MaxBetween(from, windowMax);
                }
                SortByMaxima(maxima, order);
                for (float sum = 0, i = 0; i < n; i++) prefix[(int)i] = sum += maxima[(int)i];
                essential = 0;
                while (essential < n && prefix[essential] <= top.Threshold) essential++;
                if (essential == n)
                {
                    // Nothing in the window can compete: on to the next, the postings left where they are (the skip
                    // lists pass the blocks between undecoded when they are next moved).
                    pruned = true;
                    jumps++;
                    if (windowMax >= NoMore - 1) break;
                    windowMin = windowMax + 1;
                    continue;
                }
                if (essential > 0) pruned = true;
                for (var i = essential; i < n; i++) if (order[i].Doc < windowMin) order[i].AdvanceTo(windowMin);
                if (check is null && essential == n - 1)
                {
                    matched += ScoreOneWord(order, prefix, windowMax, docBase, top);
                    if (windowMax >= NoMore - 1) break;
                    windowMin = windowMax + 1;
                    continue;
                }
            }
            var resume = windowMax == NoMore - 1 ? NoMore : windowMax + 1;
            while (true)
            {
                var doc = NoMore;
                for (var i = essential; i < n; i++) doc = Math.Min(doc, order[i].Doc);
                if (doc > windowMax) break;
                if (check is not null)
                {
                    // Leapfrog: no document before the next one holding every required word can match.
                    var next = check.Approximate(doc);
                    if (next == NoMore) return (matched, true, jumps);
                    if (next != doc)
                    {
                        for (var i = essential; i < n; i++) if (order[i].Doc < next) order[i].AdvanceTo(next);
                        resume = Math.Max(resume, next);
                        continue;
                    }
                }
                var score = 0f;
                for (var i = essential; i < n; i++)
                {
                    var p = order[i];
                    if (p.Doc != doc) continue;
                    score += p.Score(doc);
                    p.Next();
                }
                var competitive = Probe(order, essential, prefix, doc, ref score, top);
                // The constraints' own check (phrase positions, ranges, exclusions): for every document while the count is
                // kept exact, then only for a document that would rank (those not asked about are not counted).
                if (check is not null)
                {
                    if (!competitive && pruning) continue;
                    if (!check.Matches(doc)) continue;
                }
                matched++;
                if (competitive && top.Offer(docBase + doc, score) && pruning)
                    while (essential < n && prefix[essential] <= top.Threshold) essential++;   // the same maxima, a higher bar
                if (!pruning && Pruning() || essential == n)
                {
                    // Pruning may start (or nothing left in the window can compete): a new window from the next document.
                    pruned |= essential == n;
                    resume = doc + 1;
                    break;
                }
            }
            if (resume == NoMore) break;
            windowMin = resume;
        }
        return (matched, pruned, jumps);
    }

    /// <summary>
    /// A window where one word alone brings the candidates, the common case once the top k are good (at 2.5M, 98 % of
    /// windows): the candidates are that word's documents, and one is worth probing the other words for only when its
    /// own score passes the k-th score less their best. A straight walk of the one word's postings against that bar.
    /// </summary>
    /// <returns>How many documents in the window hold the word (all are counted as matches).</returns>
    private static int ScoreOneWord(Posting[] order, float[] prefix, int windowMax, int docBase, TopK top)
    {
        var essential = order.Length - 1;
        var p = order[essential];
        var rest = essential > 0 ? prefix[essential - 1] : 0f;   // the other words' best in the window
        var bar = top.Threshold - rest;
        var matched = 0;
        while (true)
        {
            var doc = p.NextAbove(windowMax, bar, ref matched, out var score);
            if (doc > windowMax) return matched;
            if (Probe(order, essential, prefix, doc, ref score, top) && top.Offer(docBase + doc, score)) bar = top.Threshold - rest;
        }
    }

    /// <summary>
    /// Adds the non-essential words' scores (<paramref name="order"/> before <paramref name="essential"/>), best first,
    /// while the document can still make the top k; false once it cannot.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Probe(Posting[] order, int essential, float[] prefix, int doc, ref float score, TopK top)
    {
        for (var i = essential - 1; i >= 0; i--)
        {
            if (score + prefix[i] <= top.Threshold) return false;
            var p = order[i];
            if (p.Doc < doc) p.AdvanceTo(doc);
            if (p.Doc == doc) score += p.Score(doc);
        }
        return true;
    }

    /// <summary>Sorts the words by their window maxima, smallest first (insertion sort: a query has a handful of words).</summary>
    private static void SortByMaxima(float[] maxima, Posting[] order)
    {
        for (var i = 1; i < maxima.Length; i++)
        {
            var (m, p) = (maxima[i], order[i]);
            var j = i - 1;
            for (; j >= 0 && maxima[j] > m; j--) (maxima[j + 1], order[j + 1]) = (maxima[j], order[j]);
            (maxima[j + 1], order[j + 1]) = (m, p);
        }
    }

    /// <summary>
    /// Documents a window spans at least, so that splitting the words again pays for itself. On the 2.5M index (1,000 of
    /// bench/search's queries at depth 100, mean per search, alternated twice), with Lucene's postings: 1 document
    /// 2.90–2.98 ms, 64 2.81–2.83, 256 2.76–2.81, against 2.95–3.01 for one split for the whole segment. With decoded
    /// postings and blocks of 64: 64 documents 1.93–2.03 ms, 128 1.81–1.90, 256 1.82–1.91. On the 200k index 128 is as
    /// fast as 64 (0.40–0.41 ms against 0.42–0.45 for 64 with blocks of 32), so whole windows are still skipped there.
    /// </summary>
    internal const int MinWindow = 128;

    /// <summary>
    /// The end of the window from <paramref name="windowMin"/>: the first block end among the words that brought the
    /// candidates of the last window (all words if none of those has documents left), at least <see cref="MinWindow"/> on.
    /// </summary>
    private static int WindowEnd(Posting[] order, int essential, int windowMin)
    {
        const int NoMore = DocIdSetIterator.NO_MORE_DOCS;
        var end = NoMore - 1;
        for (var pass = 0; pass < 2 && end == NoMore - 1; pass++)
            for (var i = pass == 0 ? essential : 0; i < order.Length; i++)
                if (order[i].Doc != NoMore) end = Math.Min(end, order[i].BlockEnd(Math.Max(windowMin, order[i].Doc)));
        return (int)Math.Min(NoMore - 1L, Math.Max(end, (long)windowMin + MinWindow - 1));
    }

    /// <summary>The k best (score, doc) pairs; on equal scores the earlier document wins, as in Lucene's collector.</summary>
    private sealed class TopK(int k)
    {
        // A min-heap on (score, then later doc first): its root is the entry to evict.
        private readonly PriorityQueue<ScoreDoc, (float Score, int NegDoc)> _heap = new(k + 1);

        public int Count => _heap.Count;
        public bool Full => _heap.Count >= k;
        /// <summary>The k-th best score once the heap is full (read for every candidate, so kept rather than peeked).</summary>
        public float Threshold { get; private set; } = float.NegativeInfinity;

        /// <returns>True when the document entered a full heap (the threshold may have risen).</returns>
        public bool Offer(int doc, float score)
        {
            if (!Full)
            {
                _heap.Enqueue(new ScoreDoc(doc, score), (score, -doc));
                if (!Full) return false;
            }
            else
            {
                if (score <= Threshold) return false;
                _heap.EnqueueDequeue(new ScoreDoc(doc, score), (score, -doc));
            }
            _heap.TryPeek(out _, out var least);
            Threshold = least.Score;
            return true;
        }

        public List<ScoreDoc> Drain()
        {
            var list = new List<ScoreDoc>(_heap.Count);
            while (_heap.TryDequeue(out var sd, out _)) list.Add(sd);
            list.Reverse();
            return list;
        }
    }
}
