using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Paperboy.Core.Papers;

namespace Paperboy.Core.Import;

/// <summary>Paperboy's own interchange format: one paper per line as JSON. <c>export</c> writes it and <c>import</c> reads it back exactly.</summary>
public static class JsonlFormat
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        // "authors": null or a link without "url" is bad input, not a paper with null inside.
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        MaxDepth = 16,
    };

    public static string Write(Paper paper) => JsonSerializer.Serialize(paper, Options);

    public static IReadOnlyList<Paper> Read(ImportSource source)
    {
        var papers = new List<Paper>();
        var lines = source.Text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var text = lines[i].TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(text)) continue;
            Paper? paper;
            try { paper = JsonSerializer.Deserialize<Paper>(text, Options); }
            catch (JsonException e) { throw source.Error(i + 1, $"invalid paper JSON: {ImportText.Reason(e)}"); }
            if (paper is null) throw source.Error(i + 1, "expected a JSON object, found null");
            if (!string.IsNullOrEmpty(paper.ArxivId))
            {
                if (!PaperIdentity.TryParseArxivId(paper.ArxivId, out var id, out var v)) throw source.Error(i + 1, $"arxivId '{paper.ArxivId}' is not an arXiv id");
                paper.ArxivId = id;
                paper.Version ??= v;
            }
            else paper.ArxivId = null;
            PaperValidation.Check(paper, source, i + 1);
            paper.Id = PaperIdentity.IdFor(paper);
            papers.Add(paper);
        }
        return papers;
    }

    public static void WriteAll(IEnumerable<Paper> papers, TextWriter writer)
    {
        foreach (var p in papers) { writer.Write(Write(p)); writer.Write('\n'); }
    }
}
