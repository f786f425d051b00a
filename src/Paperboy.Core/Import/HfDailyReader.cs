using System.Globalization;
using System.Text.Json;
using Paperboy.Core.Papers;

namespace Paperboy.Core.Import;

/// <summary>A daily-papers item left out of a harvest: its 1-based index in the day's list, its line, and why.</summary>
public sealed record SkippedItem(int Index, int Line, string Reason)
{
    public override string ToString() => $"item {Index} (line {Line}): {Reason}; skipped";
}

/// <summary>
/// Reads Hugging Face's <c>/api/daily_papers</c> JSON: a list of
/// <c>{paper: {id, title, summary, authors: [{name}], publishedAt, upvotes}, publishedAt, numComments, submittedBy}</c>,
/// where the outer <c>publishedAt</c> is the day the paper was on the feed. Fields we do not read are ignored (the API
/// grows new ones). A missing <c>upvotes</c> or <c>numComments</c> reads as 0, which merging turns into "unchanged"
/// (merges keep the highest count), so an answer that leaves a count out never lowers the one we have.
/// A field of the wrong type is an error naming the item and its line: the day's answer is not one we understand.
/// </summary>
public static class HfDailyReader
{
    /// <summary>A file of daily papers: every item must have a paper id and a title, or nothing is imported.</summary>
    public static IReadOnlyList<Paper> Read(ImportSource source) => Read(source, skipped: null);

    /// <summary>
    /// A day of the live feed: an item without a paper id or title (the API has served such half-built items) is left
    /// out and described in <paramref name="skipped"/>, and the rest are read; any other problem is an error.
    /// </summary>
    public static IReadOnlyList<Paper> Read(ImportSource source, List<SkippedItem>? skipped)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(source.Text, new JsonDocumentOptions { MaxDepth = 64 }); }
        catch (JsonException e)
        {
            throw source.Error((int)(e.LineNumber ?? 0) + 1, $"malformed JSON: {ImportText.Reason(e)}", (int?)e.BytePositionInLine + 1);
        }
        using var _ = doc;
        if (doc.RootElement.ValueKind != JsonValueKind.Array) throw source.Error(1, "expected a JSON array of daily-paper items");

        var lines = JsonPositions.ArrayElementLines(source.Text);
        var papers = new List<Paper>();
        var index = 0;
        foreach (var item in doc.RootElement.EnumerateArray())
        {
            var line = index < lines.Count ? lines[index] : 1;
            index++;
            try
            {
                if (Incomplete(item) is { } missing)
                {
                    if (skipped is null) throw new InvalidOperationException(missing);
                    skipped.Add(new SkippedItem(index, line, missing));
                    continue;
                }
                papers.Add(ReadItem(source, item, line));
            }
            catch (InvalidOperationException e) { throw source.Error(line, $"item {index}: {e.Message}"); }
            catch (FormatException e) { throw source.Error(line, $"item {index}: {e.Message}"); }
        }
        return papers;
    }

    /// <summary>Why an item cannot become a paper at all (no paper id or no title), or null.</summary>
    private static string? Incomplete(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object) throw new InvalidOperationException($"expected an object, found {Kind(item)}");
        if (!item.TryGetProperty("paper", out var p) || p.ValueKind == JsonValueKind.Null) return "no 'paper' object";
        if (p.ValueKind != JsonValueKind.Object) throw new InvalidOperationException($"'paper' should be an object, found {Kind(p)}");
        if (string.IsNullOrWhiteSpace(Str(p, "paper.id"))) return "no paper.id";
        if (string.IsNullOrWhiteSpace(Str(p, "paper.title"))) return "no paper.title";
        return null;
    }

    private static Paper ReadItem(ImportSource source, JsonElement item, int line)
    {
        var p = item.GetProperty("paper");
        var idText = Str(p, "paper.id")!;
        var paper = new Paper
        {
            Title = ImportText.Collapse(Str(p, "paper.title") ?? ""),
            Abstract = ImportText.Collapse(Str(p, "paper.summary") ?? ""),
            Upvotes = Int(p, "paper.upvotes") ?? 0,
            CommentCount = Int(item, "numComments") ?? 0,
            PublishedAt = Day(p, "paper.publishedAt"),
            FeedDay = Day(item, "publishedAt"),
            SubmittedBy = Submitter(item),
        };
        if (!PaperIdentity.TryParseArxivId(idText, out var arxivId, out var version)) throw new InvalidOperationException($"paper.id '{idText}' is not an arXiv id");
        paper.ArxivId = arxivId;
        paper.Version = version;
        if (p.TryGetProperty("authors", out var authors) && authors.ValueKind == JsonValueKind.Array)
        {
            foreach (var a in authors.EnumerateArray())
            {
                var name = a.ValueKind == JsonValueKind.String ? a.GetString() : a.ValueKind == JsonValueKind.Object ? Str(a, "paper.authors[].name") : null;
                if (!string.IsNullOrWhiteSpace(name)) paper.Authors.Add(name.Trim());
            }
        }
        paper.AuthorCount = paper.Authors.Count > 0 ? paper.Authors.Count : null;
        foreach (var key in new[] { "githubRepo", "projectPage" })
            if (Str(p, "paper." + key) is { Length: > 0 } url && Uri.TryCreate(url, UriKind.Absolute, out _))
                paper.Links.Add(new PaperLink(key == "githubRepo" ? PaperLink.Code : PaperLink.Project, url));
        foreach (var l in CodeLinks.Find(paper.Abstract))
            if (!paper.Links.Exists(x => x.Url == l.Url)) paper.Links.Add(l);
        PaperValidation.Check(paper, source, line);
        paper.Id = PaperIdentity.IdFor(paper);
        return paper;
    }

    private static string? Submitter(JsonElement item)
    {
        if (!item.TryGetProperty("submittedBy", out var s)) return null;
        return s.ValueKind switch
        {
            JsonValueKind.String => s.GetString(),
            JsonValueKind.Object => Str(s, "submittedBy.user") ?? Str(s, "submittedBy.name") ?? Str(s, "submittedBy.fullname"),
            _ => null,
        };
    }

    // Each reader names the field by its path in the item (paper.upvotes), so an error says exactly which one is wrong.
    private static string? Str(JsonElement o, string path) =>
        o.TryGetProperty(Field(path), out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Null => null,
            _ => throw new InvalidOperationException($"{path} should be a string, found {Kind(v)}"),
        } : null;

    private static int? Int(JsonElement o, string path)
    {
        if (!o.TryGetProperty(Field(path), out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var n)) throw new InvalidOperationException($"{path} should be a whole number, found {Kind(v)}");
        return n;
    }

    private static DateOnly? Day(JsonElement o, string path)
    {
        var s = Str(o, path);
        if (string.IsNullOrWhiteSpace(s)) return null;
        if (!DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
            throw new FormatException($"{path} is not a date: '{s}'");
        return DateOnly.FromDateTime(t.UtcDateTime);
    }

    private static string Field(string path) => path[(path.LastIndexOf('.') + 1)..];

    /// <summary>A value as an error shows it: its JSON kind and, shortened, its text (<c>the string "12"</c>).</summary>
    private static string Kind(JsonElement v)
    {
        var text = v.GetRawText();
        if (text.Length > 40) text = text[..40] + "…";
        return v.ValueKind switch
        {
            JsonValueKind.String => $"the string {text}",
            JsonValueKind.Number => $"the number {text}",
            JsonValueKind.True or JsonValueKind.False => $"the boolean {text}",
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            _ => text,
        };
    }
}
