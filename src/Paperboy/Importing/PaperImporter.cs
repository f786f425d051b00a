using Paperboy.Core.Import;
using Paperboy.Storage;

namespace Paperboy.Importing;

/// <summary>Parses one input completely, then stores it in one transaction: bad input stores nothing.</summary>
public sealed class PaperImporter(PaperStore store, TimeProvider clock)
{
    public async Task<ImportSummary> ImportFileAsync(string path, string format, CancellationToken ct = default)
    {
        ImportSource source;
        try { source = ImportSource.FromFile(path); }
        catch (FileNotFoundException) { throw new ImportException(path, 0, "no such file"); }
        catch (DirectoryNotFoundException) { throw new ImportException(path, 0, "no such file"); }
        catch (UnauthorizedAccessException) { throw new ImportException(path, 0, "permission denied"); }
        return await ImportAsync(source, format, ct);
    }

    public async Task<ImportSummary> ImportAsync(ImportSource source, string format, CancellationToken ct = default)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var papers = ImportFormat.Read(source, format, today);
        return await store.ImportAsync(papers, ct);
    }
}
