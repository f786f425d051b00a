using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.EntityFrameworkCore;
using Paperboy.Core.Papers;

namespace Paperboy.Storage;

/// <summary>The near-duplicate pass after a bulk load.</summary>
public sealed partial class PaperStore
{
    private const int BandsPerPaper = NearDuplicates.TextBands + NearDuplicates.TitleBands;

    /// <summary>Papers whose candidates are compared together (their texts read in a few queries, on both cores).</summary>
    private const int PassBatch = 5_000;

    /// <summary>
    /// The near-duplicate pass of a bulk load (<see cref="ImportBatchAsync"/> with deferRelations), run once it is done.
    /// It looks at every paper changed since <paramref name="since"/> (all of them when null) that has no band keys yet,
    /// in change-log order (the order the loader stored them in), and finds exactly what importing those papers batch
    /// by batch finds (<see cref="RelationFinder"/>): the same bucket members, candidates and relations. But it works
    /// in memory and writes once, because writing 48 band rows with random keys per paper, batch after batch, rewrote
    /// a growing share of the band indexes each time (1M papers: 22 minutes, mostly writes).
    /// <list type="number">
    /// <item>Read the papers and compute their band keys (one slot per paper and band).</item>
    /// <item>Sort the slots by key, then by paper order. A bucket's members are then its stored members (from before
    /// the pass) and a prefix of its group: the first papers in order until <see cref="NearDuplicates.MaxBucket"/>.</item>
    /// <item>A paper's candidates are the members of its buckets that come before it; the
    /// <see cref="NearDuplicates.MaxCandidates"/> sharing the most bands are compared exactly, on both cores.</item>
    /// <item>One transaction writes the new members' band rows in key order and the relations. When the pass adds at
    /// least as many papers as the store had, the band table's paper-id index is dropped first and built again after,
    /// one sort instead of a random insert per row.</item>
    /// </list>
    /// Killed before the commit, nothing is written and the next pass does it all again. Memory: about 24 bytes per
    /// band row (1.1 GB for 1M papers); the papers' shingles wait in a temporary file (<see cref="ShingleFile"/>).
    /// </summary>
    /// <param name="say">Receives a line per phase, with its time.</param>
    /// <returns>How many papers were looked at.</returns>
    public async Task<int> FindRelationsAsync(DateTime? since, Action<string>? say = null, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var watch = Stopwatch.StartNew();
        void Phase(string what) { say?.Invoke($"near-duplicates: {what} in {watch.Elapsed.TotalSeconds:0.0} s"); watch.Restart(); }

        using var file = new ShingleFile();
        var (ids, keys) = await PassPapersAsync(since, file, ct);
        if (ids.Count == 0) return 0;
        var slots = ids.Count * BandsPerPaper;
        Phase($"{ids.Count:N0} papers read, {slots:N0} band keys made");

        var buckets = await Buckets.BuildAsync(factory, keys, slots, ct);
        Phase($"{buckets.Groups:N0} buckets sorted, {buckets.Stored.Count:N0} with stored members");

        var relations = await CompareAsync(ids, buckets, file, ct);
        Phase($"{relations.Count / 2:N0} near-duplicate pairs found");

        await using var db = await factory.CreateDbContextAsync(ct);
        db.Database.SetCommandTimeout(0);   // one statement builds an index over every band row
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var rebuild = 2L * ids.Count >= await db.Papers.LongCountAsync(ct);
        const string index = "\"IX_paper_bands_PaperId\"";
        if (rebuild) await db.Database.ExecuteSqlRawAsync($"DROP INDEX {index}", ct);
        await BulkInsert.For(db).InsertAsync(buckets.NewMembers(ids), skipExisting: true, ct: ct);
        if (rebuild) await db.Database.ExecuteSqlRawAsync($"CREATE INDEX {index} ON \"paper_bands\" (\"PaperId\")", ct);
        await WriteRelationsAsync(db, relations.OrderBy(r => r.A, StringComparer.Ordinal).ThenBy(r => r.B, StringComparer.Ordinal), now, ct);
        await tx.CommitAsync(ct);
        Phase($"band rows and relations written{(rebuild ? ", paper-id index rebuilt" : "")}");
        return ids.Count;
    }

    /// <summary>The papers of the pass, each once, in change-log order, their band keys (paper i's at i × 48) and their shingles (into <paramref name="file"/>).</summary>
    private async Task<(List<string> Ids, long[] Keys)> PassPapersAsync(DateTime? since, ShingleFile file, CancellationToken ct)
    {
        var order = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await using (var db = await factory.CreateDbContextAsync(ct))
            for (long after = 0; ;)
            {
                var page = await db.Changes.AsNoTracking()
                    .Where(c => c.Seq > after && !c.Deleted && !c.CountsOnly && (since == null || c.At >= since))
                    .OrderBy(c => c.Seq).Take(50_000).Select(c => new { c.Seq, c.PaperId }).ToListAsync(ct);
                if (page.Count == 0) break;
                after = page[^1].Seq;
                foreach (var c in page) if (seen.Add(c.PaperId)) order.Add(c.PaperId);
            }
        seen.Clear();
        var ids = new List<string>(order.Count);
        var keys = new long[(long)order.Count * BandsPerPaper];
        foreach (var batch in order.Chunk(PassBatch))
        {
            var texts = new Dictionary<string, (string Title, string Abstract)>(StringComparer.Ordinal);
            var banded = new HashSet<string>(StringComparer.Ordinal);
            await using (var db = await factory.CreateDbContextAsync(ct))
                foreach (var chunk in batch.Chunk(Chunk))
                {
                    banded.UnionWith(await db.Bands.Where(b => chunk.Contains(b.PaperId)).Select(b => b.PaperId).Distinct().ToListAsync(ct));
                    foreach (var t in await db.Papers.AsNoTracking().Where(p => chunk.Contains(p.Id)).Select(p => new { p.Id, p.Title, p.Abstract }).ToListAsync(ct))
                        texts[t.Id] = (t.Title, t.Abstract);
                }
            var kept = batch.Where(id => texts.ContainsKey(id) && !banded.Contains(id)).ToList();
            var made = kept.AsParallel().AsOrdered().WithCancellation(ct)
                .Select(id => NearDuplicates.Shingles.Of(texts[id].Title, texts[id].Abstract)).Select(sh => (Shingles: sh, Keys: NearDuplicates.BandKeys(sh))).ToList();
            for (var i = 0; i < made.Count; i++)
            {
                made[i].Keys.CopyTo(keys, (long)(ids.Count + i) * BandsPerPaper);
                file.Append(made[i].Shingles);
            }
            ids.AddRange(kept);
        }
        file.Flush();
        return (ids, keys);
    }

    /// <summary>
    /// The buckets of the pass: slot s (paper s / 48, band s % 48) sorted by key, then by slot, so each key's slots
    /// form a group in paper order; and for each slot, where its group starts and how many of the group's first slots
    /// belong to its members (all the stored members come before them).
    /// </summary>
    private sealed class Buckets
    {
        /// <summary>Band keys, sorted.</summary>
        public required long[] Keys { get; init; }
        /// <summary>The slot at each sorted position.</summary>
        public required int[] Slots { get; init; }
        /// <summary>By slot: its group's start (low 32 bits) and how many slots from there are members' (high 32 bits).</summary>
        public required long[] Group { get; init; }
        /// <summary>Stored papers that are members of a pass key's bucket, by key; <see cref="StoredIds"/> names them.</summary>
        public required Dictionary<long, List<int>> Stored { get; init; }
        public required List<string> StoredIds { get; init; }
        public int Groups { get; init; }

        public static async Task<Buckets> BuildAsync(IDbContextFactory<PaperboyDb> factory, long[] keys, int count, CancellationToken ct)
        {
            var slots = new int[count];
            for (var i = 0; i < count; i++) slots[i] = i;
            // The keys array becomes the sorted one: the slot order lives on in the slots array.
            Array.Sort(keys, slots, 0, count);
            var starts = new List<int>();
            for (var i = 0; i < count;)
            {
                var end = i + 1;
                while (end < count && keys[end] == keys[i]) end++;
                if (end - i > 1) Array.Sort(slots, i, end - i);
                starts.Add(i);
                i = end;
            }
            // What the store already holds for these keys: few rows after a load into an empty store.
            var stored = new Dictionary<long, List<int>>();
            var storedIds = new List<string>();
            var storedIndex = new Dictionary<string, int>(StringComparer.Ordinal);
            await using (var db = await factory.CreateDbContextAsync(ct))
                foreach (var chunk in starts.Select(s => keys[s]).Chunk(5_000))
                    foreach (var b in await db.Bands.AsNoTracking().Where(b => chunk.Contains(b.Key)).Select(b => new { b.Key, b.PaperId }).ToListAsync(ct))
                    {
                        if (!storedIndex.TryGetValue(b.PaperId, out var s)) storedIndex[b.PaperId] = s = storedIds.Count;
                        if (s == storedIds.Count) storedIds.Add(b.PaperId);
                        (stored.TryGetValue(b.Key, out var list) ? list : stored[b.Key] = []).Add(s);
                    }
            var group = new long[count];
            starts.Add(count);
            for (var g = 0; g < starts.Count - 1; g++)
            {
                int start = starts[g], end = starts[g + 1];
                // Members, as the import's bucket takes them: every stored one, then papers in order while there is room.
                var distinct = stored.TryGetValue(keys[start], out var st) ? st.Count : 0;
                var i = start;
                for (var previous = -1; i < end; i++)
                {
                    var paper = slots[i] / BandsPerPaper;
                    if (paper == previous) continue;                 // a paper with the same key in two bands
                    if (distinct >= NearDuplicates.MaxBucket) break;
                    distinct++;
                    previous = paper;
                }
                var info = (uint)start | ((long)(i - start) << 32);
                for (var j = start; j < end; j++) group[slots[j]] = info;
            }
            return new Buckets { Keys = keys, Slots = slots, Group = group, Stored = stored, StoredIds = storedIds, Groups = starts.Count - 1 };
        }

        /// <summary>
        /// The papers that share buckets with paper <paramref name="p"/> and come before it, with how many bands each
        /// shares (once per band of <paramref name="p"/>, as the import counts them): stored papers as ~index.
        /// </summary>
        public Dictionary<int, int> Shared(int p)
        {
            var shared = new Dictionary<int, int>();
            for (var b = 0; b < BandsPerPaper; b++)
            {
                var info = Group[p * BandsPerPaper + b];
                int start = (int)info, members = (int)(info >> 32);
                if (Stored.TryGetValue(Keys[start], out var st))
                    foreach (var s in st) shared[~s] = shared.GetValueOrDefault(~s) + 1;
                for (int i = start, previous = -1; i < start + members; i++)
                {
                    var q = Slots[i] / BandsPerPaper;
                    if (q == p) break;                               // members after p came after it
                    if (q == previous) continue;
                    previous = q;
                    shared[q] = shared.GetValueOrDefault(q) + 1;
                }
            }
            return shared;
        }

        /// <summary>The band rows the pass adds: each bucket's new members, in key order.</summary>
        public IEnumerable<PaperBand> NewMembers(List<string> ids)
        {
            for (var i = 0; i < Slots.Length;)
            {
                var info = Group[Slots[i]];
                int start = (int)info, members = (int)(info >> 32), end = i + 1;
                while (end < Slots.Length && Keys[end] == Keys[i]) end++;
                for (int j = start, previous = -1; j < start + members; j++)
                {
                    var q = Slots[j] / BandsPerPaper;
                    if (q == previous) continue;
                    previous = q;
                    yield return new PaperBand { Key = Keys[i], PaperId = ids[q] };
                }
                i = end;
            }
        }
    }

    /// <summary>
    /// Each paper's candidates (the most bands shared, then by id) compared exactly with it, batch by batch in order, on
    /// both cores. Shingles come from the pass's file, read once per batch; a stored paper's from its text in the store.
    /// Relations in both directions.
    /// </summary>
    private async Task<List<(string A, string B, NearDuplicates.Match Match)>> CompareAsync(List<string> ids, Buckets buckets, ShingleFile file, CancellationToken ct)
    {
        string Id(int q) => q >= 0 ? ids[q] : buckets.StoredIds[~q];
        var relations = new List<(string, string, NearDuplicates.Match)>();
        var storedCache = new ShingleCache(ShingleCacheBytes);
        for (var first = 0; first < ids.Count; first += PassBatch)
        {
            var batch = Enumerable.Range(first, Math.Min(PassBatch, ids.Count - first)).AsParallel().AsOrdered().WithCancellation(ct)
                .Select(p => (P: p, Others: Candidates(buckets.Shared(p), Id))).Where(c => c.Others.Count > 0).ToList();
            var shingles = batch.SelectMany(c => c.Others.Where(q => q >= 0).Append(c.P)).Distinct().ToList()
                .AsParallel().WithCancellation(ct).Select(q => (q, file.Read(q))).ToDictionary();
            var stored = batch.SelectMany(c => c.Others.Where(q => q < 0)).Distinct().ToList();
            if (stored.Count > 0)
            {
                var byId = stored.ToDictionary(Id, q => q, StringComparer.Ordinal);
                await using var db = await factory.CreateDbContextAsync(ct);
                foreach (var (id, sh) in await StoredShinglesAsync(db, byId.Keys, storedCache, ct)) shingles[byId[id]] = sh;
            }
            foreach (var (p, q, match) in batch.AsParallel().AsOrdered().WithCancellation(ct)
                         .SelectMany(c => c.Others.Where(shingles.ContainsKey).Select(q => (c.P, q, Match: NearDuplicates.Compare(shingles[c.P], shingles[q]))))
                         .Where(m => m.Match is not null).ToList())
            {
                relations.Add((Id(p), Id(q), match!));
                relations.Add((Id(q), Id(p), match!));
            }
        }
        return relations;
    }

    /// <summary>
    /// The <see cref="NearDuplicates.MaxCandidates"/> papers sharing the most bands, ties broken by id as the import
    /// breaks them (only the set matters: each is compared). A count is at most one per band, so a histogram finds the
    /// cut without sorting everything.
    /// </summary>
    private static List<int> Candidates(Dictionary<int, int> shared, Func<int, string> id)
    {
        if (shared.Count <= NearDuplicates.MaxCandidates) return [.. shared.Keys];
        Span<int> histogram = stackalloc int[BandsPerPaper + 1];
        foreach (var count in shared.Values) histogram[count]++;
        int need = NearDuplicates.MaxCandidates, cut = BandsPerPaper;
        while (histogram[cut] < need) need -= histogram[cut--];
        var chosen = new List<int>(NearDuplicates.MaxCandidates);
        var ties = new List<int>();
        foreach (var (q, count) in shared)
            if (count > cut) chosen.Add(q);
            else if (count == cut) ties.Add(q);
        if (ties.Count > need) ties.Sort((a, b) => string.CompareOrdinal(id(a), id(b)));
        chosen.AddRange(ties.Take(need));
        return chosen;
    }

    /// <summary>Shingles of papers in the store, from their texts (read in chunks, shingled on both cores), through <paramref name="cache"/>.</summary>
    private static async Task<Dictionary<string, NearDuplicates.Shingles>> StoredShinglesAsync(PaperboyDb db, IEnumerable<string> ids, ShingleCache cache, CancellationToken ct)
    {
        var found = new Dictionary<string, NearDuplicates.Shingles>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var id in ids)
            if (cache.TryGet(id, out var known)) found[id] = known;
            else missing.Add(id);
        foreach (var chunk in missing.Chunk(Chunk))
        {
            var texts = await db.Papers.AsNoTracking().Where(p => chunk.Contains(p.Id)).Select(p => new { p.Id, p.Title, p.Abstract }).ToListAsync(ct);
            foreach (var (id, sh) in texts.AsParallel().Select(t => (t.Id, NearDuplicates.Shingles.Of(t.Title, t.Abstract))).ToList())
            {
                found[id] = sh;
                cache.Add(id, sh);
            }
        }
        return found;
    }

    /// <summary>
    /// The pass's shingles, one record per paper in pass order, in a temporary file deleted when disposed: the
    /// comparisons read them back rather than reading and shingling the texts again, and they stay out of the process's
    /// memory (1.6 GB for 1M papers, which the page cache holds). Written once, then read from both cores.
    /// </summary>
    private sealed class ShingleFile : IDisposable
    {
        private readonly FileStream _file = new(Path.Combine(Path.GetTempPath(), $"paperboy-shingles-{Guid.NewGuid():N}.bin"),
            FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20, FileOptions.DeleteOnClose);
        private readonly List<long> _offsets = [0];
        private readonly List<int> _textLengths = [];

        public void Append(NearDuplicates.Shingles shingles)
        {
            _file.Write(MemoryMarshal.AsBytes(shingles.Text.AsSpan()));
            _file.Write(MemoryMarshal.AsBytes(shingles.Title.AsSpan()));
            _offsets.Add(_offsets[^1] + 8L * (shingles.Text.Length + shingles.Title.Length));
            _textLengths.Add(shingles.Text.Length);
        }

        public void Flush() => _file.Flush();

        public NearDuplicates.Shingles Read(int paper)
        {
            var start = _offsets[paper];
            var text = new ulong[_textLengths[paper]];
            var title = new ulong[(int)((_offsets[paper + 1] - start) / 8) - text.Length];
            RandomAccess.Read(_file.SafeFileHandle, MemoryMarshal.AsBytes(text.AsSpan()), start);
            RandomAccess.Read(_file.SafeFileHandle, MemoryMarshal.AsBytes(title.AsSpan()), start + 8L * text.Length);
            return new NearDuplicates.Shingles(text, title);
        }

        public void Dispose() => _file.Dispose();
    }
}
