using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Paperboy.Core.Papers;

namespace Paperboy.Core.Import;

/// <summary>
/// Reads arXiv's public metadata snapshot (Kaggle's <c>arxiv-metadata-oai-snapshot.json</c>): one JSON object per line
/// with <c>id</c>, <c>title</c>, <c>abstract</c>, <c>authors_parsed</c>, <c>categories</c>, <c>versions</c>, … .
/// A line is parsed on its own, from its UTF-8 bytes, so a 4 GB file can be streamed (see <see cref="FileLines"/>).
/// </summary>
public static class ArxivSnapshotReader
{
    private static readonly JsonSerializerOptions Options = new()
    {
        // The snapshot has grown fields over the years; ones we do not use are no error.
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
        MaxDepth = 16,
    };

    // The weekday is dropped before parsing: a wrong one (hand-edited files) should not make a date invalid.
    private static readonly string[] CreatedFormats = ["d MMM yyyy HH:mm:ss 'GMT'", "d MMM yyyy HH:mm:ss"];

    /// <summary>True when <paramref name="line"/> (a file's first line) is a snapshot record rather than, say, Paperboy's own jsonl.</summary>
    public static bool LooksLike(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 16 });
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
                && (root.TryGetProperty("versions", out _) || root.TryGetProperty("authors_parsed", out _) || root.TryGetProperty("update_date", out _));
        }
        catch (JsonException) { return false; }
    }

    /// <summary>True when the first line of the file at <paramref name="path"/> looks like a snapshot record; reads at most 1 MiB.</summary>
    public static bool IsSnapshotFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var head = new byte[Math.Min(stream.Length, 1 << 20)];
        stream.ReadExactly(head);
        var span = head.AsSpan();
        if (span.StartsWith(Encoding.UTF8.Preamble)) span = span[3..];
        var end = span.IndexOf((byte)'\n');
        return LooksLike(end < 0 ? span : span[..end]);
    }

    /// <summary>Reads a whole (small) snapshot held in memory: the non-streaming path of <see cref="ImportFormat.Read"/>.</summary>
    public static IReadOnlyList<Paper> Read(ImportSource source)
    {
        var papers = new List<Paper>();
        var lines = source.Text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
            if (Parse(Encoding.UTF8.GetBytes(lines[i]), source.Name, i + 1) is { } p) papers.Add(p);
        return papers;
    }

    /// <summary>Maps one line onto a paper; null for a blank line. Throws <see cref="ImportException"/> naming <paramref name="name"/>:<paramref name="line"/>.</summary>
    public static Paper? Parse(ReadOnlySpan<byte> bytes, string name, int line)
    {
        if (bytes.Length > 0 && bytes[^1] == (byte)'\r') bytes = bytes[..^1];
        if (bytes.Trim(" \t"u8).IsEmpty) return null;
        Record? r;
        try { r = JsonSerializer.Deserialize<Record>(bytes, Options); }
        catch (JsonException e) { throw new ImportException(name, line, $"invalid snapshot JSON: {ImportText.Reason(e)}"); }
        catch (InvalidOperationException e) { throw new ImportException(name, line, $"invalid snapshot JSON: {e.Message}"); }
        if (r is null) throw new ImportException(name, line, "expected a JSON object, found null");
        if (string.IsNullOrWhiteSpace(r.Id)) throw new ImportException(name, line, "missing id");
        if (!PaperIdentity.TryParseArxivId(r.Id, out var arxivId, out var idVersion))
            throw new ImportException(name, line, $"id '{r.Id}' is not an arXiv id");

        var paper = new Paper
        {
            ArxivId = arxivId,
            Version = LatestVersion(r.Versions) ?? idVersion,
            Title = ImportText.Collapse(r.Title ?? ""),
            Abstract = ImportText.Collapse(r.Abstract ?? ""),
            Authors = Authors(r),
            PublishedAt = FirstVersionDay(r.Versions, name, line) ?? Day(r.UpdateDate, "update_date", name, line),
            Categories = (r.Categories ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Distinct().ToList(),
        };
        paper.AuthorCount = paper.Authors.Count > 0 ? paper.Authors.Count : null;
        paper.PrimaryCategory = paper.Categories.Count > 0 ? paper.Categories[0] : null;
        // Unversioned, so that a newer version of the paper does not add a second PDF link.
        paper.Links.Add(new PaperLink(PaperLink.Pdf, $"https://arxiv.org/pdf/{arxivId}"));
        foreach (var l in CodeLinks.Find(paper.Abstract + " " + r.Comments))
            if (!paper.Links.Exists(x => x.Url == l.Url)) paper.Links.Add(l);
        PaperValidation.Check(paper, name, line);
        paper.Id = PaperIdentity.IdFor(paper);
        return paper;
    }

    /// <summary>"First Last Suffix" from <c>authors_parsed</c> ([last, first, suffix]); the <c>authors</c> string when that is absent.</summary>
    private static List<string> Authors(Record r)
    {
        var names = new List<string>();
        if (r.AuthorsParsed is { Count: > 0 } parsed)
        {
            foreach (var parts in parsed)
            {
                if (parts is null || parts.Count == 0) continue;
                var last = parts[0] ?? "";
                var first = parts.Count > 1 ? parts[1] ?? "" : "";
                var suffix = parts.Count > 2 ? parts[2] ?? "" : "";
                var full = ImportText.Collapse($"{first} {last} {suffix}");
                if (full.Length > 0) names.Add(full);
            }
            return names;
        }
        foreach (var part in (r.Authors ?? "").Replace(" and ", ",", StringComparison.Ordinal).Split(','))
        {
            var n = ImportText.Collapse(part);
            if (n.Length > 0) names.Add(n);
        }
        return names;
    }

    private static int? LatestVersion(List<VersionEntry?>? versions)
    {
        int? latest = null;
        foreach (var v in versions ?? [])
            if (v?.Version is { Length: > 1 } s && (s[0] is 'v' or 'V') && int.TryParse(s.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > (latest ?? 0))
                latest = n;
        return latest ?? (versions is { Count: > 0 } ? versions.Count : null);
    }

    /// <summary>The day of v1 (the first listed version when none is called v1): when the paper first appeared.</summary>
    private static DateOnly? FirstVersionDay(List<VersionEntry?>? versions, string name, int line)
    {
        if (versions is not { Count: > 0 }) return null;
        var first = versions.Find(v => v?.Version == "v1") ?? versions[0];
        if (first?.Created is not { } created || created.Trim().Length == 0) return null;
        var text = created.Trim();
        var date = text.IndexOf(", ", StringComparison.Ordinal) is var comma and >= 0 ? text[(comma + 2)..] : text;
        if (DateTimeOffset.TryParseExact(date, CreatedFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            || DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out t))
            return DateOnly.FromDateTime(t.UtcDateTime);
        throw new ImportException(name, line, $"invalid date '{text}' in versions");
    }

    private static DateOnly? Day(string? text, string field, string name, int line)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return d;
        throw new ImportException(name, line, $"invalid date '{text.Trim()}' in {field}");
    }

    private sealed class Record
    {
        [JsonPropertyName("id")] public string? Id { get; set; }
        [JsonPropertyName("title")] public string? Title { get; set; }
        [JsonPropertyName("abstract")] public string? Abstract { get; set; }
        [JsonPropertyName("authors")] public string? Authors { get; set; }
        [JsonPropertyName("authors_parsed")] public List<List<string?>?>? AuthorsParsed { get; set; }
        [JsonPropertyName("comments")] public string? Comments { get; set; }
        [JsonPropertyName("categories")] public string? Categories { get; set; }
        [JsonPropertyName("versions")] public List<VersionEntry?>? Versions { get; set; }
        [JsonPropertyName("update_date")] public string? UpdateDate { get; set; }
    }

    private sealed class VersionEntry
    {
        [JsonPropertyName("version")] public string? Version { get; set; }
        [JsonPropertyName("created")] public string? Created { get; set; }
    }
}
