using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Paperboy.Core.Papers;

namespace Paperboy.Core.Import;

/// <summary>Reads an arXiv API response (Atom 1.0 with the <c>arxiv:</c> and <c>opensearch:</c> namespaces).</summary>
public static class ArxivAtomReader
{
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";
    private static readonly XNamespace Arxiv = "http://arxiv.org/schemas/atom";

    public static IReadOnlyList<Paper> Read(ImportSource source)
    {
        var doc = ImportXml.Load(source);
        var feed = doc.Root;
        if (feed is null || feed.Name != Atom + "feed") throw source.Error(1, "not an Atom feed (no <feed> root in the Atom namespace)");

        var papers = new List<Paper>();
        foreach (var entry in feed.Elements(Atom + "entry"))
        {
            var line = ((IXmlLineInfo)entry).LineNumber;
            var idText = Text(entry, Atom + "id");
            if (idText.Contains("api/errors", StringComparison.Ordinal))
                throw source.Error(line, $"the arXiv API returned an error: {Text(entry, Atom + "summary")}");
            if (!PaperIdentity.TryParseArxivId(idText, out var arxivId, out var version))
                throw source.Error(line, $"entry id '{idText}' is not an arXiv id");

            var paper = new Paper
            {
                ArxivId = arxivId,
                Version = version,
                Title = ImportText.Collapse(Text(entry, Atom + "title")),
                Abstract = ImportText.Collapse(Text(entry, Atom + "summary")),
                Authors = entry.Elements(Atom + "author").Select(a => ImportText.Collapse(Text(a, Atom + "name"))).Where(n => n.Length > 0).ToList(),
                PublishedAt = Day(source, entry, Atom + "published"),
                PrimaryCategory = entry.Element(Arxiv + "primary_category")?.Attribute("term")?.Value,
                Categories = entry.Elements(Atom + "category").Select(c => c.Attribute("term")?.Value ?? "").Where(t => t.Length > 0).Distinct().ToList(),
            };
            paper.AuthorCount = paper.Authors.Count > 0 ? paper.Authors.Count : null;
            if (paper.PrimaryCategory is not null && !paper.Categories.Contains(paper.PrimaryCategory)) paper.Categories.Insert(0, paper.PrimaryCategory);
            foreach (var link in entry.Elements(Atom + "link"))
            {
                if (link.Attribute("title")?.Value == "pdf" && link.Attribute("href")?.Value is { } pdf)
                    paper.Links.Add(new PaperLink(PaperLink.Pdf, pdf));
            }
            foreach (var l in CodeLinks.Find(paper.Abstract + " " + Text(entry, Arxiv + "comment")))
                if (!paper.Links.Exists(x => x.Url == l.Url)) paper.Links.Add(l);
            PaperValidation.Check(paper, source, line);
            paper.Id = PaperIdentity.IdFor(paper);
            papers.Add(paper);
        }
        return papers;
    }

    private static string Text(XElement parent, XName name) => parent.Element(name)?.Value ?? "";


    private static DateOnly? Day(ImportSource source, XElement entry, XName name)
    {
        var el = entry.Element(name);
        if (el is null || el.Value.Trim().Length == 0) return null;
        if (!DateTimeOffset.TryParse(el.Value.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
            throw source.Error(((IXmlLineInfo)el).LineNumber, $"invalid date '{el.Value.Trim()}' in <{name.LocalName}>");
        return DateOnly.FromDateTime(t.UtcDateTime);
    }
}
