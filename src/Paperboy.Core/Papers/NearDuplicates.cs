using System.IO.Hashing;
using System.Text;

namespace Paperboy.Core.Papers;

/// <summary>
/// Near-duplicate detection: papers that are probably the same work under two ids (a workshop and a conference
/// version, a re-upload) or that look alike enough to be worth a second look ("Phemenological Modelling of a Group of
/// Eclipsing Binary Stars" and "Phemenological Modeling of Eclipsing Binary Stars"). Never merged, only related.
/// <para>
/// Two signals, each a set of shingles: the text (word 3-shingles of title and abstract) and the title (character
/// 4-grams of the normalised title). MinHash signatures of both (128 and 64 permutations) are cut into LSH bands
/// (32 × 4 and 16 × 4 rows); the band keys are stored, so a new paper meets as candidates only the papers that share
/// a band with it, and each candidate is then checked by the exact Jaccard similarity of the shingle sets.
/// Thresholds, tuned on the demo corpus (257 papers, 32,896 pairs): the highest text similarity of two different
/// papers is 0.065 (the Phemenological pair) and the next 0.037; the highest title similarity is 0.741 (the same
/// pair) and the next 0.351. So text ≥ 0.5 (a re-edited abstract) or title ≥ 0.6 flags a pair, with a wide margin.
/// </para>
/// </summary>
public static class NearDuplicates
{
    public const double TextThreshold = 0.5;
    public const double TitleThreshold = 0.6;

    public const int TextPermutations = 128, TextBands = 32;
    public const int TitlePermutations = 64, TitleBands = 16;

    /// <summary>
    /// A band bucket holds at most this many papers: a fuller one is boilerplate shared by a template ("Scaling Study
    /// Number 17 of …", "Erratum to …") and would make every import compare against all of them.
    /// </summary>
    public const int MaxBucket = 32;

    /// <summary>The candidates sharing the most bands that are checked exactly, per paper.</summary>
    public const int MaxCandidates = 20;

    public const string SameText = "same-text";
    public const string SameTitle = "same-title";

    /// <summary>A pair found similar: the kind of similarity and its exact Jaccard value.</summary>
    public sealed record Match(string Kind, double Similarity);

    /// <summary>The LSH band keys of a paper: text bands then title bands, each key mixing in its band number.</summary>
    public static long[] BandKeys(Paper p) => BandKeys(Shingles.Of(p));

    /// <inheritdoc cref="BandKeys(Paper)"/>
    public static long[] BandKeys(Shingles shingles)
    {
        var keys = new List<long>(TextBands + TitleBands);
        Band(keys, Signature(shingles.Text, TextPermutations, seed: 0), TextBands, offset: 0);
        Band(keys, Signature(shingles.Title, TitlePermutations, seed: 1), TitleBands, offset: TextBands);
        return keys.ToArray();
    }

    /// <summary>
    /// A paper's two shingle sets, each as the sorted, distinct 64-bit hashes (XxHash64 of the UTF-8 shingle) that the
    /// MinHash signature is made of, computed once when it is compared with several candidates. Comparing hashes
    /// instead of strings is exact unless two different shingles of the pair share a 64-bit hash (about 1 in 10^14 for
    /// two abstracts), and it costs a merge of two short arrays instead of hashing strings.
    /// </summary>
    public sealed record Shingles(ulong[] Text, ulong[] Title)
    {
        public static Shingles Of(Paper p) => Of(p.Title, p.Abstract);
        public static Shingles Of(string title, string @abstract) => new(TextHashes(title, @abstract), Hashes(TitleShingles(title)));

        /// <summary>Memory held, roughly (for a bounded cache).</summary>
        public int Bytes => 64 + 8 * (Text.Length + Title.Length);
    }

    /// <summary>Whether two papers are near-duplicates, by exact Jaccard of their shingle sets; null when not.</summary>
    public static Match? Compare(Paper a, Paper b) => Compare(Shingles.Of(a), Shingles.Of(b));

    public static Match? Compare(Shingles a, Shingles b)
    {
        var text = Jaccard(a.Text, b.Text);
        var title = Jaccard(a.Title, b.Title);
        if (text >= TextThreshold) return new Match(SameText, Math.Round(text, 3));
        if (title >= TitleThreshold) return new Match(SameTitle, Math.Round(title, 3));
        return null;
    }

    public static HashSet<string> TextShingles(string title, string @abstract)
    {
        var words = PaperIdentity.NormaliseTitle(title + " " + @abstract).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var set = new HashSet<string>(StringComparer.Ordinal);
        if (words.Length < 3) { if (words.Length > 0) set.Add(string.Join(' ', words)); return set; }
        for (var i = 0; i + 3 <= words.Length; i++) set.Add($"{words[i]} {words[i + 1]} {words[i + 2]}");
        return set;
    }

    public static HashSet<string> TitleShingles(string title)
    {
        var s = PaperIdentity.NormaliseTitle(title);
        var set = new HashSet<string>(StringComparer.Ordinal);
        if (s.Length <= 4) { if (s.Length > 0) set.Add(s); return set; }
        for (var i = 0; i + 4 <= s.Length; i++) set.Add(s.Substring(i, 4));
        return set;
    }

    /// <summary>
    /// <c>Hashes(TextShingles(title, abstract))</c> without a string per shingle: the words joined by single spaces are
    /// encoded once, and each three-word shingle's UTF-8 bytes are a slice of that.
    /// </summary>
    public static ulong[] TextHashes(string title, string @abstract)
    {
        var words = PaperIdentity.NormaliseTitle(title + " " + @abstract).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0) return [];
        var bytes = Encoding.UTF8.GetBytes(string.Join(' ', words));
        if (words.Length < 3) return [XxHash64.HashToUInt64(bytes)];
        var starts = new int[words.Length + 1];   // word i's bytes: starts[i] up to starts[i + 1] - 1 (its space)
        for (var i = 0; i < words.Length; i++) starts[i + 1] = starts[i] + Encoding.UTF8.GetByteCount(words[i]) + 1;
        var hashes = new ulong[words.Length - 2];
        for (var i = 0; i < hashes.Length; i++)
            hashes[i] = XxHash64.HashToUInt64(bytes.AsSpan(starts[i], starts[i + 3] - 1 - starts[i]));
        return SortedDistinct(hashes);
    }

    /// <summary>The sorted, distinct XxHash64 values of a set of shingles.</summary>
    public static ulong[] Hashes(IEnumerable<string> shingles)
        => SortedDistinct(shingles.Select(s => XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(s))).ToArray());

    private static ulong[] SortedDistinct(ulong[] hashes)
    {
        Array.Sort(hashes);
        var n = 0;
        for (var i = 0; i < hashes.Length; i++) if (n == 0 || hashes[i] != hashes[n - 1]) hashes[n++] = hashes[i];
        return n == hashes.Length ? hashes : hashes[..n];
    }

    /// <summary>Jaccard similarity of two sorted, distinct arrays (a merge).</summary>
    public static double Jaccard(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        if (a.Length == 0 || b.Length == 0) return 0;
        int i = 0, j = 0, inter = 0;
        while (i < a.Length && j < b.Length)
        {
            if (a[i] == b[j]) { inter++; i++; j++; }
            else if (a[i] < b[j]) i++;
            else j++;
        }
        return (double)inter / (a.Length + b.Length - inter);
    }

    /// <summary>
    /// The MinHash signature: for each permutation i, the least h_i(x) over the shingles, where
    /// h_i(x) = a_i·h(x) + b_i (mod 2^64) from one 64-bit hash h (XxHash64) and fixed odd multipliers a_i.
    /// </summary>
    public static ulong[] Signature(ulong[] shingleHashes, int permutations, int seed)
    {
        var (a, b) = Coefficients(permutations, seed);
        var sig = new ulong[permutations];
        Array.Fill(sig, ulong.MaxValue);
        foreach (var h in shingleHashes)
        {
            for (var i = 0; i < permutations; i++)
            {
                var v = Mix(a[i] * h + b[i]);
                if (v < sig[i]) sig[i] = v;
            }
        }
        return sig;
    }

    private static void Band(List<long> keys, ulong[] sig, int bands, int offset)
    {
        var rows = sig.Length / bands;
        var buffer = new byte[rows * 8 + 4];
        for (var band = 0; band < bands; band++)
        {
            BitConverter.TryWriteBytes(buffer.AsSpan(0, 4), offset + band);
            for (var r = 0; r < rows; r++) BitConverter.TryWriteBytes(buffer.AsSpan(4 + r * 8, 8), sig[band * rows + r]);
            keys.Add((long)XxHash64.HashToUInt64(buffer));
        }
    }

    // SplitMix64's finaliser: a linear map alone keeps too much of h's order for a min to be a fair sample.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static readonly Dictionary<(int, int), (ulong[], ulong[])> CoefficientCache = [];

    private static (ulong[] A, ulong[] B) Coefficients(int n, int seed)
    {
        lock (CoefficientCache)
        {
            if (CoefficientCache.TryGetValue((n, seed), out var c)) return c;
            // Fixed, not random: stored band keys must mean the same thing in every process and version.
            var rng = new Random(7919 + seed);
            var a = new ulong[n];
            var b = new ulong[n];
            for (var i = 0; i < n; i++) { a[i] = (ulong)rng.NextInt64() | 1UL; b[i] = (ulong)rng.NextInt64(); }
            return CoefficientCache[(n, seed)] = (a, b);
        }
    }
}
