using Paperboy.Core.Import;
using Paperboy.Core.Papers;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Import;

/// <summary>The five bundled Hugging Face seed pages, read with a fixed "today".</summary>
internal static class Seeds
{
    public static readonly DateOnly Today = new(2026, 11, 23);

    public static string Page(string prefix) =>
        TestData.SeedPages.Single(p => Path.GetFileName(p).StartsWith(prefix + "_", StringComparison.Ordinal));

    public static IReadOnlyList<Paper> Read(string prefix, DateOnly? today = null) =>
        HfPageReader.Read(ImportSource.FromFile(Page(prefix)), today ?? Today);

    public static Paper ByTitle(this IEnumerable<Paper> papers, string title) => papers.Single(p => p.Title == title);

    /// <summary>A small hf-page text with the banner header of the real pages.</summary>
    public static string PageText(string pageDate, params string[] entries) =>
        "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\nbyAK and the research community\n\n"
        + pageDate + "\n\n" + string.Join("\n\n", entries) + "\n";

    public static string Entry(string title, string abstractText, int authors, string date) =>
        $"{title}\n\n{abstractText}\n\n  • {authors} authors\n·\n{date}";
}
