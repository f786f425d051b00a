using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Util;

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
/// best score any document in the block can get; where the blocks under the next documents cannot beat the k-th
/// score together, the walk jumps past them on the skip lists without decoding or scoring their documents. Lucene.Net
/// 4.8 stores no such maxima, so they are computed from the postings the first time a word is searched in a segment
/// and kept while the segment and the collection's length statistics are the same.
/// </para>
/// </summary>
internal static class MaxScoreSearch
{
    /// <param name="BlocksSkipped">How many times a run of blocks was jumped over by its block maxima (for tests and tuning).</param>
    public sealed record Result(IReadOnlyList<ScoreDoc> Top, int TotalHits, bool TotalIsExact, int BlocksSkipped = 0);

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
                var scorer = similarity.GetSimScorer(weight, leaf);
                var bound = UpperBound(scorer, docs.DocID);
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

    private sealed class Posting(DocsEnum docs, Similarity.SimScorer scorer, float bound, BlockMaxima? blocks)
    {
        public readonly DocsEnum Docs = docs;
        public readonly Similarity.SimScorer Scorer = scorer;
        public readonly float Bound = bound;
        private int _block;
        public int Doc => Docs.DocID;
        public float Score(int doc) => Scorer.Score(doc, Docs.Freq);

        /// <summary>
        /// The block holding this word's next document at or after <paramref name="target"/> (increasing over calls):
        /// its last document, and the most any document of it scores.
        /// </summary>
        public (int Last, float Max) BlockAt(int target)
        {
            if (blocks is null) return (DocIdSetIterator.NO_MORE_DOCS - 1, Bound);
            var last = blocks.Last;
            while (last[_block] < target) _block++;   // positions only move forward: each block is passed once
            return (last[_block], blocks.Ratio[_block] * Bound);
        }

        /// <summary>The most this word can add to any document from <paramref name="from"/> to <paramref name="to"/> (both increasing over calls).</summary>
        public float MaxBetween(int from, int to)
        {
            if (blocks is null) return Bound;
            var last = blocks.Last;
            while (last[_block] < from) _block++;
            var max = 0f;
            for (var b = _block; ; b++)
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
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, System.Collections.Concurrent.ConcurrentDictionary<string, BlockMaxima>> Cache = new();

        public static BlockMaxima Of(AtomicReaderContext leaf, TermsEnum termsEnum, Term term, int docFreq, Similarity.SimScorer scorer, float bound, CollectionStatistics collection)
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
    /// how many times block maxima let the walk jump.
    /// </returns>
    /// <param name="countedBefore">Matches counted in the segments before this one (see <see cref="CountedExactly"/>).</param>
    private static (int Matched, bool Pruned, int Jumps) Run(List<Posting> postings, ConstraintCheck? check, int docBase, TopK top, int countedBefore)
    {
        const int NoMore = DocIdSetIterator.NO_MORE_DOCS;
        // Cheapest bound first; bounds[i] = the sum of the bounds of postings 0..i (the non-essential prefix).
        postings.Sort((a, b) => a.Bound.CompareTo(b.Bound));
        var n = postings.Count;
        var bounds = new float[n];
        for (float sum = 0, i = 0; i < n; i++) bounds[(int)i] = sum += postings[(int)i].Bound;
        var essential = 0;                                   // postings[essential..] drive the candidates
        var matched = 0;
        var pruned = false;
        var jumps = 0;
        var region = -1;                                     // documents up to here are known not to be skippable
        bool counted() => countedBefore + matched >= CountedExactly;
        void Raise()
        {
            while (essential < n && top.Full && counted() && bounds[essential] <= top.Threshold) { essential++; pruned = true; }
        }
        Raise();
        while (essential < n)
        {
            var doc = NoMore;
            for (var i = essential; i < n; i++) doc = Math.Min(doc, postings[i].Doc);
            if (doc == NoMore) break;
            if (top.Full && counted() && doc > region)
            {
                // Up to the first block end among the essential words, a document scores at most the block maxima of
                // the essential words that have a posting there, plus the maxima of the non-essential words' blocks
                // over the same documents. While that cannot beat the k-th score, look at the next region, without
                // moving the postings; then jump them all at once to the first region that could (the skip lists pass
                // the blocks between undecoded). A region that could is walked without asking again.
                var target = doc;
                int upTo;
                float best;
                while (true)
                {
                    upTo = NoMore - 1;
                    for (var i = essential; i < n; i++) upTo = Math.Min(upTo, postings[i].BlockAt(Math.Max(target, postings[i].Doc)).Last);
                    best = 0f;
                    for (var i = 0; i < essential; i++) best += postings[i].MaxBetween(target, upTo);
                    for (var i = essential; i < n; i++) if (postings[i].Doc <= upTo) best += postings[i].BlockAt(Math.Max(target, postings[i].Doc)).Max;
                    if (best > top.Threshold || upTo >= NoMore - 1) break;
                    target = upTo + 1;
                }
                if (best <= top.Threshold) { pruned = true; break; }   // nothing left in the segment can compete
                if (target > doc)
                {
                    pruned = true;
                    for (var i = essential; i < n; i++) if (postings[i].Doc < target) postings[i].Docs.Advance(target);
                    jumps++;
                    continue;
                }
                region = upTo;
            }
            if (check is not null)
            {
                // Leapfrog: no document before the next one holding every required word can match.
                var next = check.Approximate(doc);
                if (next == NoMore) { pruned = true; break; }
                if (next != doc)
                {
                    for (var i = essential; i < n; i++) if (postings[i].Doc < next) postings[i].Docs.Advance(next);
                    continue;
                }
            }
            var score = 0f;
            for (var i = essential; i < n; i++)
            {
                var p = postings[i];
                if (p.Doc != doc) continue;
                score += p.Score(doc);
                p.Docs.NextDoc();
            }
            // Probe the non-essential words, largest bound first, while the document can still make the top k.
            var competitive = true;
            for (var i = essential - 1; i >= 0; i--)
            {
                if (top.Full && score + bounds[i] <= top.Threshold) { competitive = false; break; }
                var p = postings[i];
                if (p.Doc < doc) p.Docs.Advance(doc);
                if (p.Doc == doc) score += p.Score(doc);
            }
            // The constraints' own check (phrase positions, ranges, exclusions): for every document while the count is
            // kept exact, then only for a document that would rank (those not asked about are not counted).
            if (check is not null)
            {
                if (!competitive && counted()) { pruned = true; continue; }
                if (!check.Matches(doc)) continue;
            }
            matched++;
            if (countedBefore + matched == CountedExactly) Raise();   // counting is done: pruning may start
            if (competitive && top.Offer(docBase + doc, score)) Raise();
        }
        return (matched, pruned, jumps);
    }

    /// <summary>The k best (score, doc) pairs; on equal scores the earlier document wins, as in Lucene's collector.</summary>
    private sealed class TopK(int k)
    {
        // A min-heap on (score, then later doc first): its root is the entry to evict.
        private readonly PriorityQueue<ScoreDoc, (float Score, int NegDoc)> _heap = new(k + 1);

        public int Count => _heap.Count;
        public bool Full => _heap.Count >= k;
        public float Threshold => _heap.TryPeek(out _, out var p) ? p.Score : float.NegativeInfinity;

        /// <returns>True when the document entered a full heap (the threshold may have risen).</returns>
        public bool Offer(int doc, float score)
        {
            if (!Full) { _heap.Enqueue(new ScoreDoc(doc, score), (score, -doc)); return Full; }
            if (score <= Threshold) return false;
            _heap.EnqueueDequeue(new ScoreDoc(doc, score), (score, -doc));
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
