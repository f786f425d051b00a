using System.Globalization;
using System.Text.Json;
using Paperboy.Core.Papers;

namespace Paperboy.Core.Import;

/// <summary>
/// Reads Hugging Face's <c>/api/daily_papers</c> JSON: a list of
/// <c>{paper: {id, title, summary, authors: [{name}], publishedAt, upvotes}, publishedAt, numComments, submittedBy}</c>,
/// where the outer <c>publishedAt</c> is the day the paper was on the feed.
/// </summary>
public static class HfDailyReader
{
    public static IReadOnlyList<Paper> Read(ImportSource source)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(source.Text, new JsonDocumentOptions { MaxDepth = 64 }); }
        catch (JsonException e) { throw source.Error((int)(e.LineNumber ?? 0) + 1, $"malformed JSON: {ImportText.Reason(e)}"); }
        using var _ = doc;
        if (doc.RootElement.ValueKind != JsonValueKind.Array) throw source.Error(1, "expected a JSON array of daily-paper items");

        var lines = JsonPositions.ArrayElementLines(source.Text);
        var papers = new List<Paper>();
        var index = 0;
        foreach (var item in doc.RootElement.EnumerateArray())
        {
            var line = index < lines.Count ? lines[index] : 1;
            index++;
            try { papers.Add(ReadItem(source, item, line)); }
            catch (InvalidOperationException e) { throw source.Error(line, $"item {index}: {e.Message}"); }
            catch (FormatException e) { throw source.Error(line, $"item {index}: {e.Message}"); }
        }
        return papers;
    }

    private static Paper ReadItem(ImportSource source, JsonElement item, int line)
    {
        if (item.ValueKind != JsonValueKind.Object) throw new InvalidOperationException("expected an object");
        if (!item.TryGetProperty("paper", out var p) || p.ValueKind != JsonValueKind.Object) throw new InvalidOperationException("missing 'paper' object");
        var idText = Str(p, "id");
        var paper = new Paper
        {
            Title = ImportText.Collapse(Str(p, "title") ?? ""),
            Abstract = ImportText.Collapse(Str(p, "summary") ?? ""),
            Upvotes = Int(p, "upvotes") ?? 0,
            CommentCount = Int(item, "numComments") ?? 0,
            PublishedAt = Day(p, "publishedAt"),
            FeedDay = Day(item, "publishedAt"),
            SubmittedBy = Submitter(item),
        };
        if (idText is not null)
        {
            if (!PaperIdentity.TryParseArxivId(idText, out var arxivId, out var version)) throw new InvalidOperationException($"paper.id '{idText}' is not an arXiv id");
            paper.ArxivId = arxivId;
            paper.Version = version;
        }
        if (p.TryGetProperty("authors", out var authors) && authors.ValueKind == JsonValueKind.Array)
        {
            foreach (var a in authors.EnumerateArray())
            {
                var name = a.ValueKind == JsonValueKind.String ? a.GetString() : a.ValueKind == JsonValueKind.Object ? Str(a, "name") : null;
                if (!string.IsNullOrWhiteSpace(name)) paper.Authors.Add(name.Trim());
            }
        }
        paper.AuthorCount = paper.Authors.Count > 0 ? paper.Authors.Count : null;
        foreach (var key in new[] { "githubRepo", "projectPage" })
            if (Str(p, key) is { Length: > 0 } url && Uri.TryCreate(url, UriKind.Absolute, out _))
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
            JsonValueKind.Object => Str(s, "user") ?? Str(s, "name") ?? Str(s, "fullname"),
            _ => null,
        };
    }

    private static string? Str(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Null => null,
            _ => throw new InvalidOperationException($"'{name}' should be a string, found {v.ValueKind}"),
        } : null;

    private static int? Int(JsonElement o, string name)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var n)) throw new InvalidOperationException($"'{name}' should be a whole number, found {v}");
        return n;
    }

    private static DateOnly? Day(JsonElement o, string name)
    {
        var s = Str(o, name);
        if (string.IsNullOrWhiteSpace(s)) return null;
        if (!DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
            throw new FormatException($"'{name}' is not a date: '{s}'");
        return DateOnly.FromDateTime(t.UtcDateTime);
    }

}
