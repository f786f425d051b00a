using Paperboy.Importing;
using Paperboy.Storage;

namespace Paperboy.Hosting;

/// <summary>The five Hugging Face seed pages shipped with Paperboy, imported on the first start so a fresh install has papers.</summary>
public static class DemoCorpus
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "demo");

    public static IReadOnlyList<string> Files =>
        Directory.Exists(Folder) ? Directory.GetFiles(Folder, "*.txt").Order(StringComparer.Ordinal).ToList() : [];

    public static async Task SeedIfEmptyAsync(PaperStore store, PaperImporter importer, ILogger logger, CancellationToken ct)
    {
        if (await store.CountAsync(ct) > 0) return;
        foreach (var file in Files)
        {
            var summary = await importer.ImportFileAsync(file, Core.Import.ImportFormat.HfPage, ct);
            logger.LogInformation("Demo corpus: {File}: {Added} added, {Merged} merged", Path.GetFileName(file), summary.Added, summary.Merged);
        }
    }
}
