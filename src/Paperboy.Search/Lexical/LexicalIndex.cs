using System.Globalization;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Store;
using Lucene.Net.Util;
using Paperboy.Core.Papers;
using Directory = Lucene.Net.Store.Directory;

namespace Paperboy.Search.Lexical;

public sealed record LexicalHit(string Id, float Score);

public sealed record LexicalResult(int Total, IReadOnlyList<LexicalHit> Hits, IReadOnlySet<string> Terms);

/// <summary>Optional narrowing of a search beyond the query text.</summary>
public sealed record SearchFilter(DateOnly? From = null, DateOnly? To = null, int? MinUpvotes = null, bool HasCode = false)
{
    public bool IsEmpty => From is null && To is null && MinUpvotes is null && !HasCode;
}

/// <summary>
/// The BM25 index over titles, abstracts and authors (Lucene.Net). It stores only ids: the store stays the source of
/// truth. Each commit records the last change-log sequence applied and the analyzer version, so a restart
/// resumes where it stopped and an analyzer change triggers a rebuild; and the order the last rebuild wrote the
/// documents in (<see cref="InMapOrder"/>), which later commits carry forward.
/// </summary>
public sealed class LexicalIndex : IDisposable
{
    private const string SeqKey = "seq";
    private const string AnalyzerKey = "analyzer";
    private const string OrderKey = "order", MapOrder = "map", IdOrder = "ids";
    private const string TextField_ = "text";
    private const string IdValues = "id_dv";
    public const int MaxQueryTerms = 64;
    private const double RamBufferMB = 64, BulkRamBufferMB = 256;

    private readonly Directory _dir;
    private readonly IndexWriter? _writer;
    private readonly SearcherManager _searchers;
    private readonly System.Threading.Lock _writeLock = new();
    private readonly PaperAnalyzer _analyzer = new();
    private static readonly Similarity Bm25 = new BM25Similarity();

    public long AppliedSeq { get; private set; }
    /// <summary>False when the index was made by another analyzer version (or is new) and must be rebuilt from the store.</summary>
    public bool IsCurrent { get; private set; }
    public bool ReadOnly => _writer is null;

    /// <summary>
    /// True when the committed index was last rebuilt in topic-map order (document numbers follow topics, so searches
    /// skip more postings); false for one rebuilt in id order, before any map, or committed before the order was
    /// recorded. Papers added since are appended either way.
    /// </summary>
    public bool InMapOrder { get; private set; }
    // The order the next commit records: the rebuild's under way (Clear), else the committed one.
    private bool _nextInMapOrder;

    private LexicalIndex(Directory dir, IndexWriter? writer, SearcherManager searchers, IDictionary<string, string>? userData)
    {
        _dir = dir;
        _writer = writer;
        _searchers = searchers;
        IsCurrent = userData is not null && userData.TryGetValue(AnalyzerKey, out var a) && a == PaperAnalyzer.Version;
        AppliedSeq = IsCurrent && userData!.TryGetValue(SeqKey, out var s) ? long.Parse(s, CultureInfo.InvariantCulture) : 0;
        InMapOrder = _nextInMapOrder = IsCurrent && userData!.TryGetValue(OrderKey, out var o) && o == MapOrder;
    }

    /// <summary>Opens (or creates) the index for writing; only one process can hold it.</summary>
    public static LexicalIndex Open(string path)
    {
        System.IO.Directory.CreateDirectory(path);
        var dir = new ArrayDirectory(path);
        // A config serves one writer only: a fresh one for each attempt.
        IndexWriterConfig Config(OpenMode mode) => new(PaperAnalyzer.Lucene, new PaperAnalyzer()) { OpenMode = mode, Similarity = Bm25, RAMBufferSizeMB = RamBufferMB };
        IndexWriter? writer = null;
        SearcherManager? searchers = null;
        string? corruption = null;
        try
        {
            writer = new IndexWriter(dir, Config(OpenMode.CREATE_OR_APPEND));
            searchers = new SearcherManager(writer, applyAllDeletes: true, new BM25SearcherFactory());
            VerifyChecksums(searchers);
        }
        // A corrupt or unreadable index (a truncated file, a flipped byte, a missing segment) is thrown away: it is
        // rebuilt from the store, which loses nothing. Opening alone reads only the segment list and headers, so every
        // file's checksum is verified too; it costs one sequential read of the index (~70 MB for 200,000 papers).
        catch (Exception e) when (e is not LockObtainFailedException && IsUnreadable(e))
        {
            corruption = $"{e.GetType().Name}: {e.Message}";
            try { searchers?.Dispose(); writer?.Dispose(); }
            catch (Exception) { }   // a broken index may fail to close; its files are deleted next
            if (IndexWriter.IsLocked(dir)) IndexWriter.Unlock(dir);
            foreach (var file in dir.ListAll()) dir.DeleteFile(file);
            writer = new IndexWriter(dir, Config(OpenMode.CREATE));
            searchers = new SearcherManager(writer, applyAllDeletes: true, new BM25SearcherFactory());
        }
        var userData = DirectoryReader.IndexExists(dir) ? LastCommitData(dir) : null;
        return new LexicalIndex(dir, writer, searchers, userData) { CorruptionFound = corruption };
    }

    /// <summary>Why the index found on opening was thrown away (it is rebuilt from the store), or null when it was sound.</summary>
    public string? CorruptionFound { get; private init; }

    /// <summary>
    /// What a damaged index throws on opening or on a checksum: Lucene's corruption errors and short reads (all
    /// IOExceptions), and what garbage read as a length or an offset turns into.
    /// </summary>
    private static bool IsUnreadable(Exception e) =>
        e is IOException or InvalidOperationException or ArgumentException or IndexOutOfRangeException or OverflowException or FormatException;

    private static void VerifyChecksums(SearcherManager searchers)
    {
        var s = searchers.Acquire();
        try
        {
            foreach (var leaf in s.IndexReader.Leaves) leaf.AtomicReader.CheckIntegrity();
        }
        finally { searchers.Release(s); }
    }

    /// <summary>
    /// Bytes the decoded postings of common words may take in memory, over all open indexes (see
    /// <c>MaxScoreSearch.WordPostings</c>); 0 reads every word through Lucene's postings.
    /// </summary>
    public static long DecodedPostingsBudget { get => MaxScoreSearch.DecodingBudget.Shared.Limit; set => MaxScoreSearch.DecodingBudget.Shared.Limit = value; }

    /// <summary>Bytes the decoded postings take now.</summary>
    public static long DecodedPostingsBytes => MaxScoreSearch.DecodingBudget.Shared.Used;

    /// <summary>Opens an existing index for reading only, for a second process while the server holds the writer.</summary>
    public static LexicalIndex OpenReadOnly(string path)
    {
        var dir = new ArrayDirectory(path);
        var searchers = new SearcherManager(dir, new BM25SearcherFactory());
        return new LexicalIndex(dir, null, searchers, LastCommitData(dir));
    }

    public static bool IsLocked(string path) => System.IO.Directory.Exists(path) && IsLocked(FSDirectory.Open(path));

    private static bool IsLocked(Directory dir) => IndexWriter.IsLocked(dir);

    private static IDictionary<string, string>? LastCommitData(Directory dir)
    {
        try { return DirectoryReader.ListCommits(dir).LastOrDefault()?.UserData; }
        catch (IOException) { return null; }
    }

    /// <summary>Applies upserts and deletes, then commits with the change-log sequence they bring the index to.</summary>
    public void Apply(IEnumerable<Paper> upserts, IEnumerable<string> deletes, long seq)
    {
        var writer = _writer ?? throw new InvalidOperationException("the lexical index is open read-only");
        lock (_writeLock)
        {
            foreach (var id in deletes) writer.DeleteDocuments(new Term("id", id));
            foreach (var p in upserts) writer.UpdateDocument(new Term("id", p.Id), ToDocument(p));
            Commit(writer, seq);
        }
    }

    /// <summary>Adds papers to an index being rebuilt (after <see cref="Clear"/>), without committing: the next <see cref="Apply"/> commits them.</summary>
    public void Stage(IEnumerable<Paper> papers)
    {
        var writer = _writer ?? throw new InvalidOperationException("the lexical index is open read-only");
        lock (_writeLock)
            foreach (var p in papers) writer.AddDocument(ToDocument(p));
    }

    /// <summary>
    /// A larger in-memory buffer while a whole corpus is written (fewer, larger segments to merge), back to the
    /// everyday size when disposed.
    /// </summary>
    public IDisposable BulkMode()
    {
        var writer = _writer ?? throw new InvalidOperationException("the lexical index is open read-only");
        writer.Config.RAMBufferSizeMB = BulkRamBufferMB;
        return new Restore(() => writer.Config.RAMBufferSizeMB = RamBufferMB);
    }

    private sealed class Restore(Action undo) : IDisposable { public void Dispose() => undo(); }

    /// <summary>Merges the index down to one segment: worth it once after a full rebuild, when searches then touch one segment.</summary>
    public void Optimise()
    {
        var writer = _writer ?? throw new InvalidOperationException("the lexical index is open read-only");
        lock (_writeLock)
        {
            writer.ForceMerge(1);
            writer.Commit();
            _searchers.MaybeRefreshBlocking();
        }
    }

    /// <summary>
    /// Empties the index before a rebuild from the store, without committing or refreshing: searches keep the last
    /// committed view (its segments stay open) until the rebuild's own commit swaps the new one in, and a crash before
    /// that leaves the old index on disk. <paramref name="inMapOrder"/> says whether the rebuild stages the papers in
    /// topic-map order; its commit records it.
    /// </summary>
    public void Clear(bool inMapOrder)
    {
        var writer = _writer ?? throw new InvalidOperationException("the lexical index is open read-only");
        lock (_writeLock)
        {
            writer.DeleteAll();
            Rebuilding = true;
            _nextInMapOrder = inMapOrder;
        }
    }

    /// <summary>
    /// True from <see cref="Clear"/> until the next commit. Closing the writer meanwhile rolls back (Lucene 4.8 commits
    /// on close), so a shutdown mid-rebuild leaves the last committed index, as a kill does, never a half-built one.
    /// Outside a rebuild it means one failed half-way: the next <see cref="Apply"/> would commit the half it staged,
    /// so the index must be rebuilt instead.
    /// </summary>
    public bool Rebuilding { get; private set; }

    private void Commit(IndexWriter writer, long seq)
    {
        writer.SetCommitData(new Dictionary<string, string>
        {
            [SeqKey] = seq.ToString(CultureInfo.InvariantCulture),
            [AnalyzerKey] = PaperAnalyzer.Version,
            [OrderKey] = _nextInMapOrder ? MapOrder : IdOrder,
        });
        writer.Commit();
        Rebuilding = false;
        AppliedSeq = seq;
        IsCurrent = true;
        InMapOrder = _nextInMapOrder;
        _searchers.MaybeRefreshBlocking();
    }

    public int Count
    {
        get
        {
            var s = _searchers.Acquire();
            try { return s.IndexReader.NumDocs; }
            finally { _searchers.Release(s); }
        }
    }

    // Which documents hold a word pair is all a phrase check needs from it.
    private static readonly FieldType PairsType = new(TextField.TYPE_NOT_STORED) { IndexOptions = IndexOptions.DOCS_ONLY, OmitNorms = true };

    private Document ToDocument(Paper p)
    {
        var title = AnalysedText.Of(_analyzer, p.Title);
        var summary = AnalysedText.Of(_analyzer, p.Abstract);
        var doc = new Document
        {
            new StringField("id", p.Id, Field.Store.YES),
            // One searchable field: each query word is then one posting list, not a max over two. The title goes in
            // twice, which BM25's saturating term frequency turns into a moderate boost; the analyzer's position gap
            // keeps phrases from running from the title into the abstract. Each text is analysed once for all.
            new TextField(TextField_, title.Words()),
            new TextField(TextField_, title.Words()),
            new TextField(TextField_, summary.Words()),
            new Field(PaperAnalyzer.PairsField, title.Pairs(), PairsType),
            new Field(PaperAnalyzer.PairsField, summary.Pairs(), PairsType),
            new BinaryDocValuesField(IdValues, new BytesRef(p.Id)),
            new TextField("authors", string.Join(" ; ", p.Authors), Field.Store.NO),
        };
        if ((p.PublishedAt ?? p.FeedDay) is { } day) doc.Add(new Int32Field("day", DayNumber(day), Field.Store.NO));
        doc.Add(new Int32Field("upvotes", p.TotalUpvotes, Field.Store.NO));
        if (p.Links.Exists(l => l.Kind == PaperLink.Code)) doc.Add(new StringField("code", "1", Field.Store.NO));
        return doc;
    }

    private static int DayNumber(DateOnly d) => d.Year * 10000 + d.Month * 100 + d.Day;

    /// <summary>
    /// Runs a query and returns one page of hits, best first, plus the total and the matched terms (for highlighting).
    /// The words and the words of phrases are ranked by BM25 with MaxScore pruning (<see cref="MaxScoreSearch"/>);
    /// phrases, authors, exclusions and ranges only narrow. A query of authors alone is ranked by Lucene.
    /// </summary>
    public LexicalResult Search(SearchQuery query, SearchFilter filter, int limit, int offset)
    {
        var terms = new HashSet<string>(StringComparer.Ordinal);
        var scored = ScoredTerms(query, terms);
        var searcher = _searchers.Acquire();
        try
        {
            var want = Math.Max(1, offset + limit);
            IReadOnlyList<ScoreDoc> top;
            int total;
            if (scored.Count > 0)
            {
                var constraints = HasConstraints(query, filter) ? ConstraintsOf(query, filter, null).Constraints : null;
                var result = MaxScoreSearch.Search(searcher, Bm25, TextField_, scored, constraints, want);
                (top, total) = (result.Top, result.TotalHits);
            }
            else
            {
                var (lucene, _) = Build(query, filter);
                if (lucene is null) return new LexicalResult(0, [], terms);
                var docs = searcher.Search(lucene, want);
                (top, total) = (docs.ScoreDocs, docs.TotalHits);
            }
            var page = top.Skip(offset).Take(limit).ToList();
            var ids = IdsOf(searcher, page.Select(sd => sd.Doc));
            var hits = page.Select((sd, i) => new LexicalHit(ids[i], sd.Score)).ToList();
            return new LexicalResult(total, hits, terms);
        }
        finally { _searchers.Release(searcher); }
    }

    /// <summary>
    /// Papers per month that use <paramref name="text"/> (its analysed terms as a phrase), or all papers when it is null:
    /// month key (year × 12 + month − 1) → count, by the paper's date. One pass over the matches, the dates read from
    /// the field cache, so a trend over many years costs one query per keyword.
    /// </summary>
    public Dictionary<int, int> MonthlyCounts(string? text)
    {
        Query query;
        if (text is null) query = new MatchAllDocsQuery();
        else
        {
            var terms = _analyzer.Terms(text);
            if (terms.Count == 0) return [];
            if (terms.Count == 1) query = new TermQuery(new Term(TextField_, terms[0]));
            else
            {
                var phrase = new PhraseQuery();
                foreach (var t in terms) phrase.Add(new Term(TextField_, t));
                query = phrase;
            }
        }
        var searcher = _searchers.Acquire();
        try
        {
            var collector = new MonthCollector();
            searcher.Search(query, collector);
            return collector.Counts;
        }
        finally { _searchers.Release(searcher); }
    }

    private sealed class MonthCollector : ICollector
    {
        private FieldCache.Int32s? _days;
        public Dictionary<int, int> Counts { get; } = [];
        public bool AcceptsDocsOutOfOrder => true;
        public void SetScorer(Scorer scorer) { }
        public void SetNextReader(AtomicReaderContext context) =>
            _days = FieldCache.DEFAULT.GetInt32s(context.AtomicReader, "day", FieldCache.NUMERIC_UTILS_INT32_PARSER, false);
        public void Collect(int doc)
        {
            var day = _days!.Get(doc);
            if (day <= 0) return;
            var month = day / 10000 * 12 + day / 100 % 100 - 1;
            Counts[month] = Counts.GetValueOrDefault(month) + 1;
        }
    }

    /// <summary>The analysed terms of the query's words and phrases (at most <see cref="MaxQueryTerms"/>), also added to <paramref name="highlight"/>.</summary>
    private List<string> ScoredTerms(SearchQuery q, HashSet<string> highlight)
    {
        var scored = q.Words.Concat(q.Phrases.Take(8)).SelectMany(w => _analyzer.Terms(w)).Distinct().Take(MaxQueryTerms).ToList();
        highlight.UnionWith(scored);
        return scored;
    }

    /// <summary>Paper ids of hits from doc values: no stored-field decompression per hit.</summary>
    private static List<string> IdsOf(IndexSearcher searcher, IEnumerable<int> docs)
    {
        var leaves = searcher.IndexReader.Leaves;
        var values = new BinaryDocValues?[leaves.Count];
        var ids = new List<string>();
        var bytes = new BytesRef();
        foreach (var doc in docs)
        {
            var leaf = ReaderUtil.SubIndex(doc, leaves);
            var dv = values[leaf] ??= leaves[leaf].AtomicReader.GetBinaryDocValues(IdValues);
            dv!.Get(doc - leaves[leaf].DocBase, bytes);
            ids.Add(bytes.Utf8ToString());
        }
        return ids;
    }

    /// <summary>True when the query narrows results beyond ranking: phrases, authors, exclusions or dates.</summary>
    public static bool HasConstraints(SearchQuery q, SearchFilter f) =>
        q.Phrases.Count > 0 || q.Authors.Count > 0 || q.Excluded.Count > 0 || q.After is not null || q.Before is not null || !f.IsEmpty;

    /// <summary>
    /// Every paper satisfying the query's constraints (ignoring its free words) when there are at most
    /// <paramref name="limit"/>; null when there are more. The candidates come from the constraints' sparsest postings
    /// (every document when only dates and exclusions constrain), so a set far too large is given up on unread: at
    /// once when those postings alone decide (a word, or a two-word phrase's pair) and hold more than the limit, else
    /// when they hold more than four times it.
    /// </summary>
    public List<string>? AllSatisfying(SearchQuery query, SearchFilter filter, int limit)
    {
        var (constraints, _) = ConstraintsOf(query, filter, null);
        var searcher = _searchers.Acquire();
        try
        {
            var checks = new List<(AtomicReaderContext Leaf, ConstraintCheck Check)>();
            long exact = 0, approximate = 0;
            foreach (var leaf in searcher.IndexReader.Leaves)
            {
                if (ConstraintCheck.For(leaf, constraints) is not { } check) continue;
                if (check.LeadIsExact) exact += check.LeadCost; else approximate += check.LeadCost;
                if (exact > limit || exact + approximate > 4L * limit) return null;
                checks.Add((leaf, check));
            }
            var ids = new List<string>();
            var bytes = new BytesRef();
            foreach (var (leaf, check) in checks)
            {
                var values = leaf.AtomicReader.GetBinaryDocValues(IdValues);
                var live = leaf.AtomicReader.LiveDocs;   // postings skip deleted documents; a walk over all of them does not
                for (var doc = check.Approximate(0); doc != DocIdSetIterator.NO_MORE_DOCS; doc = check.Approximate(doc + 1))
                {
                    if (live?.Get(doc) == false || !check.Matches(doc)) continue;
                    if (ids.Count == limit) return null;
                    values.Get(doc, bytes);
                    ids.Add(bytes.Utf8ToString());
                }
            }
            return ids;
        }
        finally { _searchers.Release(searcher); }
    }

    /// <summary>Which of <paramref name="ids"/> satisfy the query's constraints (phrases, authors, exclusions, dates), ignoring its free words.</summary>
    public HashSet<string> Satisfying(SearchQuery query, SearchFilter filter, IReadOnlyCollection<string> ids)
    {
        var satisfying = new HashSet<string>(StringComparer.Ordinal);
        var (constraints, _) = ConstraintsOf(query, filter, null);
        var sorted = ids.Order(StringComparer.Ordinal).ToArray();
        var searcher = _searchers.Acquire();
        try
        {
            foreach (var leaf in searcher.IndexReader.Leaves)
            {
                var reader = leaf.AtomicReader;
                var idTerms = reader.GetTerms("id")?.GetEnumerator();
                if (idTerms is null) continue;
                // Each id to its document (one term seek, in term order: a seek starts from the blocks the one before
                // it loaded, and neighbouring ids share them), then the constraints checked in document order.
                var docs = new List<(int Doc, string Id)>(ids.Count);
                foreach (var id in sorted)
                {
                    if (!idTerms.SeekExact(new BytesRef(id))) continue;
                    var doc = idTerms.Docs(reader.LiveDocs, null, DocsFlags.NONE)?.NextDoc() ?? DocIdSetIterator.NO_MORE_DOCS;
                    if (doc != DocIdSetIterator.NO_MORE_DOCS) docs.Add((doc, id));
                }
                if (docs.Count == 0) continue;
                docs.Sort((a, b) => a.Doc.CompareTo(b.Doc));
                var check = ConstraintCheck.For(leaf, constraints);
                if (check is null) continue;
                foreach (var (doc, id) in docs)
                    if (check.Accepts(doc)) satisfying.Add(id);
            }
            return satisfying;
        }
        finally { _searchers.Release(searcher); }
    }

    /// <summary>The Lucene query a search runs when it is not ranked by MaxScore; null when the query has nothing positive.</summary>
    internal Query? LuceneQuery(SearchQuery q, SearchFilter filter) => Build(q, filter).Query;

    /// <summary>The query's constraints alone as a Lucene query (matching every document when there are none).</summary>
    internal Query ConstraintsQuery(SearchQuery q, SearchFilter filter) => Build(q with { Words = [] }, filter, requirePositive: false).Query!;

    /// <summary>
    /// What a search computes, as one Lucene query: BM25 over the words and the phrases' words, as an OR, filtered by
    /// the constraints (which add nothing to the score); a query with no such words is Lucene's own.
    /// </summary>
    internal Query RankingQuery(SearchQuery q, SearchFilter filter)
    {
        var scored = ScoredTerms(q, new HashSet<string>());
        if (scored.Count == 0) return LuceneQuery(q, filter) ?? new BooleanQuery();   // ranked by Lucene itself
        var or = new BooleanQuery();
        foreach (var t in scored) or.Add(new TermQuery(new Term(TextField_, t)), Occur.SHOULD);
        return HasConstraints(q, filter) ? new FilteredQuery(or, new QueryWrapperFilter(ConstraintsQuery(q, filter))) : or;
    }

    /// <summary>Runs a Lucene query exhaustively with BM25: the reference the pruned searches are checked against.</summary>
    internal List<LexicalHit> RunLucene(Query query, int k)
    {
        var searcher = _searchers.Acquire();
        try
        {
            var top = searcher.Search(query, Math.Max(1, k)).ScoreDocs;
            var ids = IdsOf(searcher, top.Select(sd => sd.Doc));
            return top.Select((sd, i) => new LexicalHit(ids[i], sd.Score)).ToList();
        }
        finally { _searchers.Release(searcher); }
    }

    private (Query? Query, HashSet<string> Terms) Build(SearchQuery q, SearchFilter filter, bool requirePositive = true)
    {
        var terms = new HashSet<string>(StringComparer.Ordinal);
        var root = new BooleanQuery();
        var (constraints, positives) = ConstraintsOf(q, filter, terms);

        var wordTerms = q.Words.SelectMany(w => _analyzer.Terms(w)).Distinct().Take(MaxQueryTerms).ToList();
        if (wordTerms.Count > 0)
        {
            var words = new BooleanQuery();
            foreach (var t in wordTerms)
            {
                terms.Add(t);
                words.Add(new TermQuery(new Term(TextField_, t)), Occur.SHOULD);
            }
            root.Add(words, Occur.MUST);
            positives++;
        }
        if (positives == 0 && requirePositive) return (null, terms);
        if (positives == 0) root.Add(new MatchAllDocsQuery(), Occur.MUST);
        foreach (var c in constraints) root.Add(c.ToQuery(), c is PhraseConstraint { Excluded: true } ? Occur.MUST_NOT : Occur.MUST);
        return (root, terms);
    }

    /// <summary>
    /// Everything a query requires beyond its free words: phrases, authors, exclusions, dates, upvotes, code. Also
    /// counts the positive ones (phrases and authors), which can make a query on their own; phrase words go to
    /// <paramref name="terms"/> for highlighting.
    /// </summary>
    private (List<Constraint> Constraints, int Positives) ConstraintsOf(SearchQuery q, SearchFilter filter, HashSet<string>? terms)
    {
        var constraints = new List<Constraint>();
        foreach (var phrase in q.Phrases.Take(8))
            if (Phrase(TextField_, phrase, terms, excluded: false) is { } c) constraints.Add(c);
        foreach (var author in q.Authors.Take(8))
            if (Phrase("authors", author, null, excluded: false) is { } c) constraints.Add(c);
        var positives = constraints.Count;
        foreach (var ex in q.Excluded.Take(16))
        {
            var isAuthor = ex.StartsWith("author:", StringComparison.OrdinalIgnoreCase);
            if (Phrase(isAuthor ? "authors" : TextField_, isAuthor ? ex[7..].Trim('"') : ex.Trim('"'), null, excluded: true) is { } c) constraints.Add(c);
        }
        // after:/before: exclude their own day, counted on day numbers: DateOnly arithmetic overflows at year 1 and 9999.
        int? from = filter.From is { } f0 ? DayNumber(f0) : q.After is { } a ? DayNumber(a) + 1 : null;
        int? to = filter.To is { } t0 ? DayNumber(t0) : q.Before is { } b ? DayNumber(b) - 1 : null;
        if (from is not null || to is not null) constraints.Add(new RangeConstraint("day", from, to));
        if (filter.MinUpvotes is { } min) constraints.Add(new RangeConstraint("upvotes", min, null));
        if (filter.HasCode) constraints.Add(new PhraseConstraint("code", ["1"], [0], Excluded: false));
        return (constraints, positives);
    }

    /// <summary>The analysed words of <paramref name="text"/> in <paramref name="field"/> at their positions; null when none is left.</summary>
    private PhraseConstraint? Phrase(string field, string text, HashSet<string>? terms, bool excluded)
    {
        var words = new List<string>();
        var positions = new List<int>();
        using var ts = _analyzer.GetTokenStream(field, text);
        var term = ts.AddAttribute<ICharTermAttribute>();
        var pos = ts.AddAttribute<IPositionIncrementAttribute>();
        ts.Reset();
        var position = -1;
        while (ts.IncrementToken() && words.Count < MaxQueryTerms)
        {
            position += pos.PositionIncrement;
            var t = term.ToString();
            terms?.Add(t);
            words.Add(t);
            positions.Add(position);
        }
        ts.End();
        return words.Count == 0 ? null : new PhraseConstraint(field, [.. words], [.. positions], excluded, Paired: field == TextField_);
    }

    public void Dispose()
    {
        _searchers.Dispose();
        if (Rebuilding) _writer?.Rollback();
        else _writer?.Dispose();
        _dir.Dispose();
        _analyzer.Dispose();
    }

    private sealed class BM25SearcherFactory : SearcherFactory
    {
        public override IndexSearcher NewSearcher(IndexReader reader) => new(reader) { Similarity = Bm25 };
    }
}
