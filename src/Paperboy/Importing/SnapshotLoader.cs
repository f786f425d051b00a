using System.Security.Cryptography;
using Paperboy.Core.Import;
using Paperboy.Core.Papers;
using Paperboy.Storage;

namespace Paperboy.Importing;

/// <summary>How a bulk load went: what the store did, and where it started when it resumed an interrupted load.</summary>
public sealed record SnapshotLoad(ImportSummary Summary, int Batches, int? ResumedAfterLine);

/// <summary>
/// Streams an arXiv metadata snapshot (millions of lines, gigabytes) into the store: line by line, in batches of
/// <see cref="DefaultBatchSize"/> papers, each batch one transaction that also records a checkpoint (byte offset and
/// line), so a load stopped by Ctrl-C, a crash or a bad line resumes at the last committed batch. It never touches
/// the indexes: the indexer sees one large backlog afterwards and rebuilds once (<see cref="Indexing.Indexer"/>).
/// Nor does it look for near-duplicates batch by batch: one pass over what it stored does, after the last batch
/// (<see cref="PaperStore.FindRelationsAsync"/>), while a running server already builds its indexes.
/// </summary>
public sealed class SnapshotLoader(PaperStore store, TimeProvider clock)
{
    /// <summary>Measured on 200k lines (docs/benchmarks.md): 10,000 is as fast as 20,000 and keeps a batch's memory small.</summary>
    public const int DefaultBatchSize = 10_000;
    private const int HeadBytes = 1 << 20;
    private const int TailBytes = 64 * 1024;

    /// <param name="say">Receives one-line notices (that the load resumes, or starts over).</param>
    /// <param name="progress">After each committed batch: the bytes of the file done, and the records read.</param>
    public async Task<SnapshotLoad> LoadAsync(string path, int batchSize, Action<string> say, Action<long, long> progress, CancellationToken ct = default)
    {
        var name = path;
        if (!File.Exists(path)) throw new ImportException(name, 0, "no such file");
        var full = Path.GetFullPath(path);

        long offset = 0, records = 0;
        var line = 0;
        int? resumedAfter = null;
        var started = clock.GetUtcNow().UtcDateTime;
        if (await store.BulkCheckpointAsync(full, ct) is { } saved)
        {
            if (saved.Offset <= new FileInfo(full).Length && Head(full, saved.Offset) == saved.HeadHash && Tail(full, saved.Offset) == saved.TailHash)
            {
                (offset, line, records, started) = (saved.Offset, saved.Line, saved.Records, saved.StartedAt);
                resumedAfter = line;
                say($"{name}: resuming an interrupted load after line {line:N0} ({records:N0} records already loaded)");
            }
            else say($"{name}: not the file of the interrupted load (it changed before line {saved.Line:N0}); starting from the beginning");
        }

        var summary = ImportSummary.Empty;
        var batches = 0;
        var batch = new List<Paper>(batchSize);
        var batchFirstLine = line + 1;
        using var lines = new FileLines(full, name, offset, line);
        try
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                var more = lines.TryRead(out var bytes);
                if (more)
                {
                    Paper? paper;
                    try { paper = ArxivSnapshotReader.Parse(bytes, name, lines.Line); }
                    catch (ImportException e) { throw Refused(e, batchFirstLine, records); }
                    if (paper is not null) batch.Add(paper);
                    if (batch.Count < batchSize) continue;
                }
                if (!more && records == 0 && batch.Count == 0 && resumedAfter is null) throw new ImportException(name, 1, "empty file");
                records += batch.Count;
                var checkpoint = new BulkCheckpoint
                {
                    Path = full, HeadHash = Head(full, lines.Offset), TailHash = Tail(full, lines.Offset), Offset = lines.Offset, Line = lines.Line,
                    // The last batch stops the load (the indexes may start) but keeps the checkpoint for the relation pass.
                    Records = records, Running = more, StartedAt = started, UpdatedAt = clock.GetUtcNow().UtcDateTime,
                };
                summary = summary.Plus(await store.ImportBatchAsync(batch, checkpoint, last: false, ct, deferRelations: true));
                if (batch.Count > 0) batches++;
                progress(lines.Offset, records);
                if (!more) break;
                batch = new List<Paper>(batchSize);
                batchFirstLine = lines.Line + 1;
            }
            // Near-duplicates: one pass over the papers the load stored, after it (see PaperStore.FindRelationsAsync).
            // Killed here, the same command resumes at the end of the file and does this pass again.
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var looked = await store.FindRelationsAsync(started, say, ct);
            say($"{name}: near-duplicates: {looked:N0} papers compared in {watch.Elapsed.TotalSeconds:0.0} s");
            await store.ImportBatchAsync([], new BulkCheckpoint { Path = full }, last: true, ct);
            return new SnapshotLoad(summary, batches, resumedAfter);
        }
        catch (Exception e) when (e is ImportException or OperationCanceledException)
        {
            await store.StopBulkLoadAsync(full);
            throw;
        }
    }

    /// <summary>The reader's error, saying what stays: earlier batches are committed and a fixed file resumes after them.</summary>
    private static ImportException Refused(ImportException e, int batchFirstLine, long committed)
    {
        var stays = committed == 0
            ? "nothing was stored"
            : $"lines {batchFirstLine:N0} to {e.Line:N0} were not stored; the {committed:N0} records before line {batchFirstLine:N0} were, and importing the fixed file again resumes there";
        return new ImportException(e.InputName, e.Line, $"{e.Reason} ({stays})");
    }

    /// <summary>Both hashes cover only bytes before the offset, so a line fixed after it does not change them.</summary>
    private static string Head(string path, long offset) => Hash(path, 0, (int)Math.Min(offset, HeadBytes));

    private static string Tail(string path, long offset) => Hash(path, Math.Max(0, offset - TailBytes), (int)Math.Min(offset, TailBytes));

    private static string Hash(string path, long from, int count)
    {
        using var handle = File.OpenHandle(path);
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = RandomAccess.Read(handle, buffer.AsSpan(read), from + read);
            if (n == 0) break;
            read += n;
        }
        return Convert.ToHexStringLower(SHA256.HashData(buffer.AsSpan(0, read)));
    }
}
