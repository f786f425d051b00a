namespace Paperboy.Core.Import;

/// <summary>The formats Paperboy reads, and detection of the format of an input from its first bytes.</summary>
public static class ImportFormat
{
    public const string Auto = "auto";
    public const string HfPage = "hf-page";
    public const string ArxivAtom = "arxiv-atom";
    public const string HfDaily = "hf-daily";
    public const string Jsonl = "jsonl";
    /// <summary>arXiv's metadata snapshot; the CLI streams it in batches (<c>SnapshotLoader</c>) instead of reading it whole.</summary>
    public const string ArxivSnapshot = "arxiv-snapshot";

    public static readonly string[] All = [Auto, HfPage, ArxivAtom, HfDaily, Jsonl, ArxivSnapshot];

    public static string Detect(ImportSource source)
    {
        var text = source.Text.AsSpan().TrimStart();
        if (text.StartsWith("[")) return HfDaily;
        if (text.StartsWith("{"))
        {
            var end = text.IndexOf('\n');
            return ArxivSnapshotReader.LooksLike(System.Text.Encoding.UTF8.GetBytes((end < 0 ? text : text[..end]).ToString())) ? ArxivSnapshot : Jsonl;
        }
        // XML only when it says so: a text page may well start with a title such as "<projektor>: …".
        if (text.StartsWith("<?xml") || text.StartsWith("<feed") || text.StartsWith("<OAI-PMH") || text.StartsWith("<!--"))
        {
            var head = source.Text.Length > 4096 ? source.Text[..4096] : source.Text;
            if (head.Contains("<feed", StringComparison.Ordinal)) return ArxivAtom;
            throw source.Error(1, "XML input that is not an Atom feed; use --format to name its format");
        }
        return HfPage;
    }

    /// <summary>Reads all papers of one source in the given (or detected) format; throws <see cref="ImportException"/> on bad input.</summary>
    public static IReadOnlyList<Papers.Paper> Read(ImportSource source, string format, DateOnly today)
    {
        if (format == Auto) format = Detect(source);
        return format switch
        {
            HfPage => HfPageReader.Read(source, today),
            ArxivAtom => ArxivAtomReader.Read(source),
            HfDaily => HfDailyReader.Read(source),
            Jsonl => JsonlFormat.Read(source),
            ArxivSnapshot => ArxivSnapshotReader.Read(source),
            _ => throw source.Error(1, $"unknown format '{format}' (known: {string.Join(", ", All)})"),
        };
    }
}
