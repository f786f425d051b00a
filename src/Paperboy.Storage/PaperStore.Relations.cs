using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Paperboy.Core.Papers;

namespace Paperboy.Storage;

/// <summary>Near-duplicates in the store: the per-import pass (<c>RelationFinder</c>) and the pass after a bulk load.</summary>
public sealed partial class PaperStore
{
    /// <summary>Memory for the shingles of stored candidates (an eighth of it for one import's batch).</summary>
    private const long ShingleCacheBytes = 256L << 20;

    /// <summary>
    /// Shingles of papers by id, up to a memory budget: when full it is emptied and fills again with the papers the
    /// next batches meet (those are what the full buckets keep returning).
    /// </summary>
    private sealed class ShingleCache(long budget)
    {
        private readonly Dictionary<string, NearDuplicates.Shingles> _byId = new(StringComparer.Ordinal);
        private long _bytes;

        public bool TryGet(string id, out NearDuplicates.Shingles shingles) => _byId.TryGetValue(id, out shingles!);

        public void Add(string id, NearDuplicates.Shingles shingles)
        {
            var cost = shingles.Bytes + 2 * id.Length + 48;   // the arrays, the id string, the dictionary entry
            if (_bytes + cost > budget) { _byId.Clear(); _bytes = 0; }
            if (_byId.TryAdd(id, shingles)) _bytes += cost;
        }
    }

    /// <summary>
    /// Keeps the near-duplicate bands and relations in step with the papers of one import (see
    /// <see cref="NearDuplicates"/>): a paper added, or whose text changed, gets its band keys stored and is compared
    /// exactly with every paper that shares a band with it, in the store or earlier in the same batch.
    /// <paramref name="deferred"/> (a bulk load): papers are left without bands, for <see cref="FindRelationsAsync"/> to
    /// take in the same order once the load is done; a paper whose text changed loses its old bands so it is taken too.
    /// </summary>
    private sealed class RelationFinder(PaperboyDb db, DateTime now, bool deferred = false)
    {
        private readonly ShingleCache _shingles = new(ShingleCacheBytes / 8);
        // What this batch adds: band keys → new members, and relations. Written at the end with prepared statements
        // (SaveAsync): a paper has 48 band rows, and tracking them as entities made a large import several times slower.
        private readonly Dictionary<long, List<string>> _pending = [];
        private readonly Dictionary<(string, string), NearDuplicates.Match> _relations = [];
        // The stored members of the buckets of the batch's band keys, read once for the whole batch.
        private readonly Dictionary<long, List<string>> _stored = [];
        // Shingles and band keys computed once per paper object (the prefetch needs them too), on both cores.
        private readonly Dictionary<Paper, (string Title, string Abstract, NearDuplicates.Shingles Shingles, long[] Keys)> _keys = new(ReferenceEqualityComparer.Instance);
        // Candidate pairs found in the store rather than in the batch: read in a few queries and compared on both cores
        // when the batch is saved (reading them one by one was most of a bulk load's time), with this paper's shingles.
        private readonly List<(string Id, NearDuplicates.Shingles Mine, string Other)> _unchecked = [];

        /// <summary>Reads the stored buckets of every band key of the batch in a few queries, not one per paper.</summary>
        public async Task PrefetchAsync(IEnumerable<Paper> batch, CancellationToken ct)
        {
            if (deferred) return;
            foreach (var (p, sh) in batch.AsParallel().AsOrdered().Select(p => (p, NearDuplicates.Shingles.Of(p))).ToList())
                _keys[p] = (p.Title, p.Abstract, sh, NearDuplicates.BandKeys(sh));
            var keys = _keys.Values.SelectMany(k => k.Keys).Distinct().ToList();
            foreach (var k in keys) _stored[k] = [];
            foreach (var chunk in keys.Chunk(5_000))
                foreach (var b in await db.Bands.AsNoTracking().Where(b => chunk.Contains(b.Key)).Select(b => new { b.Key, b.PaperId }).ToListAsync(ct))
                    _stored[b.Key].Add(b.PaperId);
        }

        public async Task IndexAsync(Paper paper, Dictionary<string, Paper> known, bool isNew, CancellationToken ct)
        {
            if (!isNew) await db.Bands.Where(b => b.PaperId == paper.Id).ExecuteDeleteAsync(ct);
            if (deferred) return;
            var (mine, keys) = _keys.TryGetValue(paper, out var cached) && (cached.Title, cached.Abstract) == (paper.Title, paper.Abstract)
                ? (cached.Shingles, cached.Keys) : (NearDuplicates.Shingles.Of(paper), (long[]?)null);
            keys ??= NearDuplicates.BandKeys(mine);
            // A merged paper's new text may have keys the prefetch did not see. Buckets are bounded
            // (NearDuplicates.MaxBucket), so this reads at most bands × bucket rows.
            var missing = keys.Where(k => !_stored.ContainsKey(k)).ToList();
            foreach (var k in missing) _stored[k] = [];
            if (missing.Count > 0)
                foreach (var b in await db.Bands.AsNoTracking().Where(b => missing.Contains(b.Key)).Select(b => new { b.Key, b.PaperId }).ToListAsync(ct))
                    _stored[b.Key].Add(b.PaperId);
            var members = keys.Distinct().ToDictionary(k => k, k => _stored[k].Where(id => id != paper.Id || isNew).ToList());
            var shared = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var k in keys)
            {
                var bucket = members.GetValueOrDefault(k) ?? [];
                if (_pending.TryGetValue(k, out var pending)) bucket.AddRange(pending);
                else _pending[k] = pending = [];
                foreach (var id in bucket.Distinct())
                    if (id != paper.Id) shared[id] = shared.GetValueOrDefault(id) + 1;
                if (bucket.Count < NearDuplicates.MaxBucket && !bucket.Contains(paper.Id)) pending.Add(paper.Id);
            }
            if (shared.Count == 0) return;
            // The candidates sharing the most bands have the highest estimated similarity: check those exactly.
            foreach (var id in shared.OrderByDescending(x => x.Value).ThenBy(x => x.Key, StringComparer.Ordinal).Take(NearDuplicates.MaxCandidates).Select(x => x.Key))
            {
                if (!known.TryGetValue(id, out var other)) { _unchecked.Add((paper.Id, mine, id)); continue; }
                var theirs = _keys.TryGetValue(other, out var k) && (k.Title, k.Abstract) == (other.Title, other.Abstract) ? k.Shingles : NearDuplicates.Shingles.Of(other);
                if (NearDuplicates.Compare(mine, theirs) is { } match) Relate(paper.Id, other.Id, match);
            }
        }

        private void Relate(string a, string b, NearDuplicates.Match match)
        {
            _relations[(a, b)] = match;
            _relations[(b, a)] = match;
        }

        /// <summary>Compares the candidates from the store: read in chunks, each paper's shingles made once, on both cores.</summary>
        private async Task CheckStoredCandidatesAsync(CancellationToken ct)
        {
            if (_unchecked.Count == 0) return;
            var shingles = await StoredShinglesAsync(db, _unchecked.Select(u => u.Other).Distinct(), _shingles, ct);
            var matches = _unchecked.AsParallel().AsOrdered()
                .Select(u => shingles.TryGetValue(u.Other, out var theirs) ? (u.Id, u.Other, Match: NearDuplicates.Compare(u.Mine, theirs)) : (u.Id, u.Other, Match: null))
                .ToList();
            foreach (var (a, b, match) in matches) if (match is not null) Relate(a, b, match);
            _unchecked.Clear();
        }

        /// <summary>Drops a paper's bands and relations (it is deleted, or re-keyed and indexed again under its new id).</summary>
        public async Task ForgetAsync(string id, CancellationToken ct)
        {
            await db.Bands.Where(b => b.PaperId == id).ExecuteDeleteAsync(ct);
            await db.Relations.Where(r => r.PaperId == id || r.OtherId == id).ExecuteDeleteAsync(ct);
            foreach (var ids in _pending.Values) ids.Remove(id);
            _unchecked.RemoveAll(u => u.Id == id || u.Other == id);
            foreach (var pair in _relations.Keys.Where(p => p.Item1 == id || p.Item2 == id).ToList()) _relations.Remove(pair);
        }

        /// <summary>Writes the batch's bands and relations, inside the import's transaction.</summary>
        public async Task SaveAsync(CancellationToken ct)
        {
            await CheckStoredCandidatesAsync(ct);
            if (_pending.Count == 0 && _relations.Count == 0) return;
            // 48 rows a paper, in key order (they land next to each other in the key index): the provider's bulk path
            // (COPY on PostgreSQL), not a round trip each.
            await BulkInsert.For(db).InsertAsync(_pending.OrderBy(p => p.Key).SelectMany(b => b.Value.Select(id => new PaperBand { Key = b.Key, PaperId = id })),
                skipExisting: true, ct: ct);
            await WriteRelationsAsync(db, _relations.Select(r => (r.Key.Item1, r.Key.Item2, r.Value)), now, ct);
        }
    }

    /// <summary>Stores relations (both directions given), inside the open transaction; a stored pair gets the new kind and similarity.</summary>
    private static async Task WriteRelationsAsync(PaperboyDb db, IEnumerable<(string A, string B, NearDuplicates.Match Match)> relations, DateTime now, CancellationToken ct)
    {
        await using var rel = db.Database.GetDbConnection().CreateCommand();
        rel.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        rel.CommandText = "INSERT INTO paper_relations (\"PaperId\", \"OtherId\", \"Kind\", \"Similarity\", \"At\") VALUES (@a, @b, @kind, @sim, @at) "
            + "ON CONFLICT (\"PaperId\", \"OtherId\") DO UPDATE SET \"Kind\" = excluded.\"Kind\", \"Similarity\" = excluded.\"Similarity\"";
        var a = rel.CreateParameter(); a.ParameterName = "@a"; rel.Parameters.Add(a);
        var b = rel.CreateParameter(); b.ParameterName = "@b"; rel.Parameters.Add(b);
        var kind = rel.CreateParameter(); kind.ParameterName = "@kind"; rel.Parameters.Add(kind);
        var sim = rel.CreateParameter(); sim.ParameterName = "@sim"; rel.Parameters.Add(sim);
        var at = rel.CreateParameter(); at.ParameterName = "@at"; at.Value = now; rel.Parameters.Add(at);
        foreach (var (pa, pb, m) in relations)
        {
            a.Value = pa; b.Value = pb; kind.Value = m.Kind; sim.Value = m.Similarity;
            await rel.ExecuteNonQueryAsync(ct);
        }
    }
}
