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
    /// (mean per search): 128 (Lucene's own block, whose skipping saves decoding) 5.6 ms, 64 5.0, 32 4.7, 16 4.6:
    /// tighter maxima skip more than larger blocks save. 32 costs at most a byte per four postings of the words searched.
    /// </summary>
    internal const int BlockPostings = 32;
    /// <summary>
    /// Matches counted exactly before any pruning starts, as Lucene counts up to 1,000 hits: a page's count and its
    /// "next" link stay right for up to this many results; beyond, the total is a lower bound of at least this.
    /// </summary>
    internal const int CountedExactly = 1_000;

    /// <summary>Words in fewer documents of a segment than this are cheap to walk whole: no block maxima.</summary>
    internal const int MinBlockMaxDocFreq = 4 * BlockPostings;

    /// <param name="constraints">Documents must also satisfy these (phrases, authors, exclusions, ranges); they add nothing to the score.</param>
    internal static Result Search(IndexSearcher searcher, Similarity similarity, string field, IReadOnlyList<string> words, IReadOnlyList<Constraint>? constraints, int k)
    {
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
                var docs = termsEnum.Docs(reader.LiveDocs, null, DocsFlags.FREQS);
                if (docs is null || docs.NextDoc() == DocIdSetIterator.NO_MORE_DOCS) continue;
                var simScorer = similarity.GetSimScorer(weight, leaf);
                var bound = UpperBound(simScorer, docs.DocID);
                var scorer = new WordScorer(simScorer, norms);
                var blocks = docFreq >= MinBlockMaxDocFreq ? BlockMaxima.Of(leaf, termsEnum, term, docFreq, scorer, bound, collection) : null;
                postings.Add(new Posting(docs, scorer, bound, blocks));
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

    private sealed class Posting(DocsEnum docs, WordScorer scorer, float bound, BlockMaxima? blocks)
    {
        public readonly DocsEnum Docs = docs;
        public readonly WordScorer Scorer = scorer;
        public readonly float Bound = bound;
        private int _block;
        /// <summary>The current document, kept here: read for every candidate, it would otherwise be a virtual call each time.</summary>
        public int Doc = docs.DocID;
        public float Score(int doc) => Scorer.Score(doc, Docs.Freq);
        public void Next() => Doc = Docs.NextDoc();
        public void AdvanceTo(int target) => Doc = Docs.Advance(target);

        /// <summary>The last document of the block holding this word's next document at or after <paramref name="target"/> (increasing over calls).</summary>
        public int BlockEnd(int target) => blocks is null ? DocIdSetIterator.NO_MORE_DOCS - 1 : blocks.Last[BlockOf(target)];

        /// <summary>The block holding the first posting at or after <paramref name="target"/>; targets only grow, so each block is passed once.</summary>
        private int BlockOf(int target)
        {
            var last = blocks!.Last;
            while (last[_block] < target) _block++;
            return _block;
        }

        /// <summary>The most this word can add to any document from <paramref name="from"/> to <paramref name="to"/> (both increasing over calls).</summary>
        public float MaxBetween(int from, int to)
        {
            if (blocks is null) return Bound;
            var last = blocks.Last;
            var max = 0f;
            for (var b = BlockOf(from); ; b++)
            {
                max = Math.Max(max, blocks.Ratio[b]);
                if (last[b] >= to) break;
            }
            return max * Bound;
        }
    }

    /// <summary>
    /// One word's block maxima in one segment: the last document of each block of postings, and the best score of
    /// the block as a share of the word's bound (so the same maxima serve whatever the word's idf). Scores depend on
    /// the average length of the field, so the maxima are made again when the collection's statistics change.
    /// </summary>
    private sealed class BlockMaxima(int[] last, float[] ratio, (long TermFreqs, long Docs) statistics)
    {
        public readonly int[] Last = last;
        public readonly float[] Ratio = ratio;
        private readonly (long TermFreqs, long Docs) _statistics = statistics;

        // Per segment core (dropped with the segment), per word.
        private static readonly ConditionalWeakTable<object, ConcurrentDictionary<string, BlockMaxima>> Cache = new();

        public static BlockMaxima Of(AtomicReaderContext leaf, TermsEnum termsEnum, Term term, int docFreq, WordScorer scorer, float bound, CollectionStatistics collection)
        {
            var perSegment = Cache.GetValue(leaf.AtomicReader.CoreCacheKey, _ => new(StringComparer.Ordinal));
            var statistics = (collection.SumTotalTermFreq, collection.DocCount);
            if (perSegment.TryGetValue(term.Text, out var known) && known._statistics == statistics) return known;
            // Deleted documents are included: their scores only loosen the bounds, and the maxima outlive deletions.
            // The enum is positioned on the word by the caller; a second postings enum over it leaves the first alone.
            var docs = termsEnum.Docs(null, null, DocsFlags.FREQS)!;
            var blocks = docFreq / BlockPostings + 2;
            var lasts = new List<int>(blocks);
            var ratios = new List<float>(blocks);
            var inBlock = 0;
            var max = 0f;
            var lastDoc = -1;
            for (var doc = docs.NextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = docs.NextDoc())
            {
                max = Math.Max(max, scorer.Score(doc, docs.Freq));
                lastDoc = doc;
                if (++inBlock == BlockPostings) { lasts.Add(doc); ratios.Add(max / bound * 1.0001f); inBlock = 0; max = 0; }
            }
            if (inBlock > 0) { lasts.Add(lastDoc); ratios.Add(max / bound * 1.0001f); }
            // A sentinel block past the last document, so a lookup never runs off the end.
            lasts.Add(DocIdSetIterator.NO_MORE_DOCS);
            ratios.Add(0);
            // Statistics move with every commit: the maxima made under the newest ones replace the word's older ones.
            return perSegment[term.Text] = new BlockMaxima([.. lasts], [.. ratios], statistics);
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
                // Probe the non-essential words, best first, while the document can still make the top k.
                var competitive = true;
                for (var i = essential - 1; i >= 0; i--)
                {
                    if (score + prefix[i] <= top.Threshold) { competitive = false; break; }
                    var p = order[i];
                    if (p.Doc < doc) p.AdvanceTo(doc);
                    if (p.Doc == doc) score += p.Score(doc);
                }
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
    /// bench/search's queries at depth 100, mean per search, alternated twice): 1 document 2.90–2.98 ms, 64 2.81–2.83,
    /// 256 2.76–2.81, against 2.95–3.01 for the walk with one split for the whole segment. 64 keeps windows near one
    /// block of a common word on a small index, where whole windows must still be skipped.
    /// </summary>
    internal const int MinWindow = 64;

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
