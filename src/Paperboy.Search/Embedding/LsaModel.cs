using System.Numerics.Tensors;
using System.Security.Cryptography;
using System.Text;
using Paperboy.Search.Lexical;

namespace Paperboy.Search.Embedding;

/// <summary>
/// Latent semantic analysis trained on our own corpus, the default embedder: tf-idf over the terms of
/// <see cref="PaperAnalyzer"/>, then a randomized truncated SVD (Halko, Martinsson &amp; Tropp) to at most 256
/// dimensions. A text is embedded by folding its tf-idf vector into the term space: x·V_k, L2-normalised.
/// Papers that share no words but share co-occurring vocabulary ("outlier" and "anomaly") land close together.
/// </summary>
public sealed class LsaModel : IEmbedder
{
    private const string Magic = "PBLSA1";
    private readonly Dictionary<string, int> _terms;
    private readonly string[] _termList;
    private readonly float[] _idf;
    private readonly float[] _projection; // terms × Dimension, row-major
    private readonly PaperAnalyzer _analyzer = new();

    public int Dimension { get; }
    public int TrainedOn { get; }
    public string Identity { get; }
    public int VocabularySize => _termList.Length;

    private LsaModel(string[] terms, float[] idf, float[] projection, int dimension, int trainedOn)
    {
        _termList = terms;
        _terms = new Dictionary<string, int>(terms.Length, StringComparer.Ordinal);
        for (var i = 0; i < terms.Length; i++) _terms[terms[i]] = i;
        _idf = idf;
        _projection = projection;
        Dimension = dimension;
        TrainedOn = trainedOn;
        Identity = $"lsa:{dimension}:{Fingerprint()}";
    }

    public sealed record Settings(int Dimensions = 256, int MaxVocabulary = 60_000, int Oversample = 12, int PowerIterations = 3, int Seed = 20231004);

    /// <summary>Trains on a corpus of texts (callers pass a sample of at most ~100k for very large stores).</summary>
    public static LsaModel Train(IReadOnlyList<string> texts, Settings? settings = null)
    {
        using var corpus = new TrainingCorpus();
        foreach (var text in texts) corpus.Add(text);
        return corpus.Train(settings);
    }

    /// <summary>
    /// The texts a model is trained on, added one at a time and kept only as term ids and counts: a training sample of
    /// 100,000 abstracts is about 80 MB this way, where the texts themselves (and a dictionary of terms per text) would
    /// be several times that. Callers stream the sample from the store into it.
    /// </summary>
    public sealed class TrainingCorpus : IDisposable
    {
        private readonly PaperAnalyzer _analyzer = new();
        private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
        private readonly List<string> _names = [];
        private readonly List<int> _df = [];
        private readonly List<(int[] Terms, int[] Counts)> _docs = [];

        public int Count => _docs.Count;

        public void Add(string text)
        {
            // Terms in the order they first occur, as a dictionary of counts would enumerate them.
            var order = new List<int>();
            var counts = new Dictionary<int, int>();
            foreach (var t in _analyzer.Terms(text))
            {
                if (!_ids.TryGetValue(t, out var id)) { _ids[t] = id = _names.Count; _names.Add(t); _df.Add(0); }
                if (counts.TryGetValue(id, out var c)) counts[id] = c + 1;
                else { counts[id] = 1; order.Add(id); }
            }
            foreach (var id in order) _df[id]++;
            _docs.Add((order.ToArray(), order.Select(id => counts[id]).ToArray()));
        }

        public LsaModel Train(Settings? settings = null) => LsaModel.Train(this, settings ?? new Settings());

        internal IReadOnlyList<(int[] Terms, int[] Counts)> Docs => _docs;
        internal IReadOnlyList<string> Names => _names;
        internal IReadOnlyList<int> DocumentFrequency => _df;

        public void Dispose() => _analyzer.Dispose();
    }

    private static LsaModel Train(TrainingCorpus corpus, Settings settings)
    {
        var docs = corpus.Docs;
        var df = new Dictionary<string, int>(corpus.Names.Count, StringComparer.Ordinal);
        for (var i = 0; i < corpus.Names.Count; i++) df[corpus.Names[i]] = corpus.DocumentFrequency[i];
        var n = docs.Count;
        var minDf = n >= 1000 ? 3 : n >= 50 ? 2 : 1;
        // Terms in more than half the documents say little about any of them; on a tiny or uniform corpus keep them
        // all rather than nothing.
        var maxDf = n >= 100 ? n / 2 : n;
        var terms = Vocabulary(df, minDf, maxDf, settings.MaxVocabulary);
        if (terms.Length < 2) terms = Vocabulary(df, 1, n, settings.MaxVocabulary);
        var v = terms.Length;
        if (n < 2 || v < 2) throw new InvalidOperationException($"too little text to train LSA ({n} documents, {v} terms)");
        var termIndex = new Dictionary<string, int>(v, StringComparer.Ordinal);
        for (var i = 0; i < v; i++) termIndex[terms[i]] = i;
        var idf = terms.Select(t => (float)(Math.Log((1.0 + n) / (1.0 + df[t])) + 1.0)).ToArray();

        // The tf-idf matrix X (n × v) in compressed rows, each row unit length.
        var rowStart = new int[n + 1];
        var cols = new List<int>();
        var vals = new List<float>();
        // Corpus term id → vocabulary column (-1: not in the vocabulary).
        var column = new int[corpus.Names.Count];
        for (var i = 0; i < column.Length; i++) column[i] = termIndex.TryGetValue(corpus.Names[i], out var col) ? col : -1;
        for (var r = 0; r < n; r++)
        {
            rowStart[r] = cols.Count;
            var row = Weigh(docs[r].Terms.Zip(docs[r].Counts, (t, tf) => (column[t], tf)), idf);
            foreach (var (col, w) in row) { cols.Add(col); vals.Add(w); }
        }
        rowStart[n] = cols.Count;
        var x = new Sparse(n, v, rowStart, cols.ToArray(), vals.ToArray());

        // A latent space as large as the corpus is no reduction at all (it is plain tf-idf again): small corpora get
        // about one dimension per four documents, large ones the configured number.
        var dims = Math.Min(settings.Dimensions, Math.Max(8, n / 4));
        var l = Math.Min(dims + settings.Oversample, Math.Min(n, v));
        var rng = new Random(settings.Seed);
        var omega = new float[v * l];
        for (var i = 0; i < omega.Length; i++) omega[i] = (float)Gaussian(rng);

        var y = x.Times(omega, l);                       // n × l
        DenseMath.Orthonormalise(y, n, l);
        for (var it = 0; it < settings.PowerIterations; it++)
        {
            var z = x.TransposeTimes(y, l);              // v × l
            DenseMath.Orthonormalise(z, v, l);
            y = x.Times(z, l);
            DenseMath.Orthonormalise(y, n, l);
        }
        var bt = x.TransposeTimes(y, l);                 // Bᵀ = Xᵀ Q, v × l
        var btCols = DenseMath.Transpose(bt, v, l);      // l columns of length v
        var c = new double[l * l];
        for (var i = 0; i < l; i++)
            for (var j = i; j < l; j++)
                c[i * l + j] = c[j * l + i] = TensorPrimitives.Dot(btCols.AsSpan(i * v, v), btCols.AsSpan(j * v, v));
        var (values, vectors) = DenseMath.SymmetricEigen(c, l);

        var k = 0;
        while (k < Math.Min(dims, l) && values[k] > 1e-8 * Math.Max(1e-30, values[0])) k++;
        // V_k = Bᵀ W_k Σ_k⁻¹, stored terms × k.
        var projection = new float[v * k];
        for (var t = 0; t < v; t++)
        {
            var btRow = bt.AsSpan(t * l, l);
            for (var j = 0; j < k; j++)
            {
                double s = 0;
                for (var i = 0; i < l; i++) s += btRow[i] * vectors[i * l + j];
                projection[t * k + j] = (float)(s / Math.Sqrt(values[j]));
            }
        }
        return new LsaModel(terms, idf, projection, k, n);
    }

    // A query is one short text: embed it on the calling thread. Only indexing batches are worth spreading over cores.
    public Task<float[]?[]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken ct = default) =>
        Task.FromResult(texts.Count < 16
            ? texts.Select(Embed).ToArray()
            : texts.AsParallel().AsOrdered().WithCancellation(ct).Select(Embed).ToArray());

    /// <summary>The unit vector of one text, or null when none of its words are in the vocabulary.</summary>
    private static string[] Vocabulary(Dictionary<string, int> df, int minDf, int maxDf, int max) =>
        df.Where(kv => kv.Value >= minDf && kv.Value <= maxDf)
            .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Take(max).Select(kv => kv.Key).OrderBy(t => t, StringComparer.Ordinal).ToArray();

    public float[]? Embed(string text)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var t in _analyzer.Terms(text)) counts[t] = counts.GetValueOrDefault(t) + 1;
        var row = Weigh(counts.Select(kv => (_terms.TryGetValue(kv.Key, out var i) ? i : -1, kv.Value)), _idf);
        if (row.Count == 0) return null;
        var result = new float[Dimension];
        foreach (var (term, w) in row)
            TensorPrimitives.MultiplyAdd(_projection.AsSpan(term * Dimension, Dimension), w, result, result);
        var norm = TensorPrimitives.Norm(result);
        if (!(norm > 1e-12f) || float.IsNaN(norm)) return null;
        TensorPrimitives.Divide(result, norm, result);
        return result;
    }

    /// <param name="counts">Each term of a text as its vocabulary column (-1: not in the vocabulary) and its count.</param>
    private static List<(int Term, float Weight)> Weigh(IEnumerable<(int Column, int Count)> counts, float[] idf)
    {
        var row = new List<(int, float)>();
        double norm = 0;
        foreach (var (i, tf) in counts)
        {
            if (i < 0) continue;
            var w = (float)((1 + Math.Log(tf)) * idf[i]);
            row.Add((i, w));
            norm += w * w;
        }
        if (norm > 0)
        {
            var inv = (float)(1 / Math.Sqrt(norm));
            for (var j = 0; j < row.Count; j++) row[j] = (row[j].Item1, row[j].Item2 * inv);
        }
        row.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return row;
    }

    private static double Gaussian(Random rng)
    {
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private string Fingerprint()
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var t in _termList) h.AppendData(Encoding.UTF8.GetBytes(t + "\n"));
        h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_idf.AsSpan()));
        h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_projection.AsSpan()));
        return Convert.ToHexStringLower(h.GetHashAndReset())[..12];
    }

    public void Save(string path)
    {
        var tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        using (var w = new BinaryWriter(fs, Encoding.UTF8))
        {
            w.Write(Magic);
            w.Write(Dimension);
            w.Write(TrainedOn);
            w.Write(_termList.Length);
            foreach (var t in _termList) w.Write(t);
            foreach (var f in _idf) w.Write(f);
            w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_projection.AsSpan()));
            w.Write(Identity);
            w.Flush();
            fs.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Loads a saved model; a damaged file gives null (the caller retrains), never a crash.</summary>
    public static LsaModel? Load(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            if (r.ReadString() != Magic) return null;
            var dim = r.ReadInt32();
            var trainedOn = r.ReadInt32();
            var count = r.ReadInt32();
            if (dim is < 1 or > 4096 || count is < 1 or > 10_000_000) return null;
            var terms = new string[count];
            for (var i = 0; i < count; i++) terms[i] = r.ReadString();
            var idf = new float[count];
            for (var i = 0; i < count; i++) idf[i] = r.ReadSingle();
            var projection = new float[(long)count * dim];
            var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(projection.AsSpan());
            if (r.Read(bytes) != bytes.Length) return null;
            var identity = r.ReadString();
            var model = new LsaModel(terms, idf, projection, dim, trainedOn);
            return model.Identity == identity ? model : null;
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or FormatException or ArgumentException or OverflowException)
        {
            return null;
        }
    }

    /// <summary>A compressed-row sparse matrix with the two products randomized SVD needs.</summary>
    private sealed record Sparse(int Rows, int Cols, int[] RowStart, int[] ColIndex, float[] Values)
    {
        /// <summary>X · D, with D dense Cols × width (row-major); returns Rows × width.</summary>
        public float[] Times(float[] d, int width)
        {
            var result = new float[(long)Rows * width];
            Parallel.For(0, Rows, r =>
            {
                var target = result.AsSpan(r * width, width);
                for (var k = RowStart[r]; k < RowStart[r + 1]; k++)
                    TensorPrimitives.MultiplyAdd(d.AsSpan(ColIndex[k] * width, width), Values[k], target, target);
            });
            return result;
        }

        /// <summary>Xᵀ · D, with D dense Rows × width; returns Cols × width.</summary>
        public float[] TransposeTimes(float[] d, int width)
        {
            var result = new float[(long)Cols * width];
            for (var r = 0; r < Rows; r++)
            {
                var source = d.AsSpan(r * width, width);
                for (var k = RowStart[r]; k < RowStart[r + 1]; k++)
                {
                    var target = result.AsSpan(ColIndex[k] * width, width);
                    TensorPrimitives.MultiplyAdd(source, Values[k], target, target);
                }
            }
            return result;
        }
    }
}
