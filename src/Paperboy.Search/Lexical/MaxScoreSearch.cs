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
/// </summary>
internal static class MaxScoreSearch
{
    public sealed record Result(IReadOnlyList<ScoreDoc> Top, int TotalHits, bool TotalIsExact);

    /// <param name="constraints">Documents must also match this (phrases, authors, exclusions, ranges); it adds nothing to the score.</param>
    public static Result Search(IndexSearcher searcher, Similarity similarity, string field, IReadOnlyList<string> words, Weight? constraints, int k)
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
        if (terms.Count == 0) return new Result([], 0, true);

        foreach (var leaf in searcher.IndexReader.Leaves)
        {
            var reader = leaf.AtomicReader;
            var fieldTerms = reader.GetTerms(field);
            if (fieldTerms is null) continue;
            var termsEnum = fieldTerms.GetEnumerator();
            var postings = new List<Posting>(terms.Count);
            foreach (var (term, context, weight) in terms)
            {
                var state = context.Get(leaf.Ord);
                if (state is null) continue;
                termsEnum.SeekExact(term.Bytes, state);
                var docs = termsEnum.Docs(reader.LiveDocs, null, DocsFlags.FREQS);
                if (docs is null || docs.NextDoc() == DocIdSetIterator.NO_MORE_DOCS) continue;
                var scorer = similarity.GetSimScorer(weight, leaf);
                postings.Add(new Posting(docs, scorer, UpperBound(scorer, docs.DocID)));
            }
            if (postings.Count == 0) continue;
            var filter = constraints?.GetScorer(leaf, reader.LiveDocs);
            if (constraints is not null && (filter is null || filter.NextDoc() == DocIdSetIterator.NO_MORE_DOCS))
            {
                exact = false;
                continue;
            }
            var (matched, pruned) = Run(postings, filter, leaf.DocBase, top);
            total += matched;
            exact &= !pruned;
        }
        return new Result(top.Drain(), Math.Max(total, top.Count), exact);
    }

    /// <summary>The largest score this word can give a document: BM25's tf part tends to 1 as the frequency grows.</summary>
    private static float UpperBound(Similarity.SimScorer scorer, int anyDoc) => scorer.Score(anyDoc, 1e9f) * 1.0001f;

    private sealed class Posting(DocsEnum docs, Similarity.SimScorer scorer, float bound)
    {
        public readonly DocsEnum Docs = docs;
        public readonly Similarity.SimScorer Scorer = scorer;
        public readonly float Bound = bound;
        public int Doc => Docs.DocID;
        public float Score(int doc) => Scorer.Score(doc, Docs.Freq);
    }

    /// <returns>How many matching documents were seen, and whether some were skipped unseen (so that count is a lower bound).</returns>
    private static (int Matched, bool Pruned) Run(List<Posting> postings, Scorer? filter, int docBase, TopK top)
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
        void Raise()
        {
            while (essential < n && top.Full && bounds[essential] <= top.Threshold) { essential++; pruned = true; }
        }
        Raise();
        while (essential < n)
        {
            var doc = NoMore;
            for (var i = essential; i < n; i++) doc = Math.Min(doc, postings[i].Doc);
            if (doc == NoMore) break;
            if (filter is not null)
            {
                var allowed = filter.DocID < doc ? filter.Advance(doc) : filter.DocID;
                if (allowed == NoMore) { pruned = true; break; }
                if (allowed != doc)
                {
                    // Leapfrog: no document before the filter's next one can match.
                    for (var i = essential; i < n; i++) if (postings[i].Doc < allowed) postings[i].Docs.Advance(allowed);
                    continue;
                }
            }
            matched++;
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
            if (competitive && top.Offer(docBase + doc, score)) Raise();
        }
        return (matched, pruned);
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
