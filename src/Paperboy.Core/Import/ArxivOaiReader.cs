using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Paperboy.Core.Papers;

namespace Paperboy.Core.Import;

/// <summary>One record of an OAI-PMH page: the paper, or only its id when arXiv reports the record deleted.</summary>
public sealed record OaiRecord(string ArxivId, DateOnly? Datestamp, Paper? Paper)
{
    public bool Deleted => Paper is null;
}

/// <summary>
/// One OAI-PMH answer: its records, the resumption token for the next page (null on the last page, where the
/// token element is empty or absent), the list size when given, or the protocol error (<c>noRecordsMatch</c>,
/// <c>badResumptionToken</c>, …) in place of records.
/// </summary>
public sealed record OaiPage(IReadOnlyList<OaiRecord> Records, string? ResumptionToken, int? CompleteListSize, string? ErrorCode, string? ErrorMessage);

/// <summary>
/// Reads arXiv's OAI-PMH <c>ListRecords</c> answers (OAI-PMH 2.0) in the <c>arXiv</c> metadata format (authors as
/// keyname/forenames, <c>created</c> and <c>updated</c> dates) and the <c>arXivRaw</c> format (an author string
/// and one <c>version</c> element per version, which gives the version number).
/// </summary>
public static class ArxivOaiReader
{
    private static readonly XNamespace Oai = "http://www.openarchives.org/OAI/2.0/";
    private static readonly XNamespace ArxivNs = "http://arxiv.org/OAI/arXiv/";
    private static readonly XNamespace RawNs = "http://arxiv.org/OAI/arXivRaw/";

    public static OaiPage Read(ImportSource source)
    {
        var doc = ImportXml.Load(source);
        var root = doc.Root;
        if (root is null || root.Name != Oai + "OAI-PMH") throw source.Error(1, "not an OAI-PMH answer (no <OAI-PMH> root in the OAI 2.0 namespace)");

        if (root.Element(Oai + "error") is { } error)
            return new OaiPage([], null, null, error.Attribute("code")?.Value ?? "unknown", ImportText.Collapse(error.Value));

        var list = root.Element(Oai + "ListRecords") ?? throw source.Error(1, "no <ListRecords> and no <error> in the answer");
        var records = new List<OaiRecord>();
        foreach (var record in list.Elements(Oai + "record"))
        {
            var line = ((IXmlLineInfo)record).LineNumber;
            var header = record.Element(Oai + "header") ?? throw source.Error(line, "record without <header>");
            var identifier = Text(header, Oai + "identifier");
            // oai:arXiv.org:2310.02861, oai:arXiv.org:hep-th/9901001
            var idText = identifier.StartsWith("oai:arXiv.org:", StringComparison.OrdinalIgnoreCase) ? identifier["oai:arXiv.org:".Length..] : identifier;
            if (!PaperIdentity.TryParseArxivId(idText, out var arxivId, out _))
                throw source.Error(line, $"record identifier '{identifier}' is not an arXiv id");
            var datestamp = Day(source, header.Element(Oai + "datestamp"));
            if (header.Attribute("status")?.Value == "deleted")
            {
                records.Add(new OaiRecord(arxivId, datestamp, null));
                continue;
            }
            var metadata = record.Element(Oai + "metadata")?.Elements().FirstOrDefault()
                ?? throw source.Error(line, $"record {arxivId} has no metadata");
            var paper = metadata.Name == ArxivNs + "arXiv" ? FromArxiv(source, metadata)
                : metadata.Name == RawNs + "arXivRaw" ? FromArxivRaw(source, metadata)
                : throw source.Error(line, $"record {arxivId}: unknown metadata format <{metadata.Name.LocalName}> (expected arXiv or arXivRaw)");
            paper.ArxivId = arxivId;
            paper.AuthorCount = paper.Authors.Count > 0 ? paper.Authors.Count : null;
            PaperValidation.Check(paper, source, line);
            paper.Id = PaperIdentity.IdFor(paper);
            records.Add(new OaiRecord(arxivId, datestamp, paper));
        }

        var token = list.Element(Oai + "resumptionToken");
        var tokenText = token?.Value.Trim();
        int? size = int.TryParse(token?.Attribute("completeListSize")?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
        return new OaiPage(records, string.IsNullOrEmpty(tokenText) ? null : tokenText, size, null, null);
    }

    private static Paper FromArxiv(ImportSource source, XElement m)
    {
        XNamespace ns = ArxivNs;
        var paper = Common(source, m, ns);
        paper.PublishedAt = Day(source, m.Element(ns + "created"));
        paper.UpdatedAt = Day(source, m.Element(ns + "updated"));
        foreach (var a in m.Element(ns + "authors")?.Elements(ns + "author") ?? [])
        {
            var name = ImportText.Collapse($"{Text(a, ns + "forenames")} {Text(a, ns + "keyname")} {Text(a, ns + "suffix")}");
            if (name.Length > 0) paper.Authors.Add(name);
        }
        return paper;
    }

    private static Paper FromArxivRaw(ImportSource source, XElement m)
    {
        XNamespace ns = RawNs;
        var paper = Common(source, m, ns);
        var versions = new List<(int Number, DateOnly? Day)>();
        foreach (var v in m.Elements(ns + "version"))
        {
            var label = v.Attribute("version")?.Value ?? "";
            if (label.Length < 2 || label[0] != 'v' || !int.TryParse(label.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                throw source.Error(((IXmlLineInfo)v).LineNumber, $"version '{label}' is not v1, v2, …");
            versions.Add((number, Day(source, v.Element(ns + "date"))));  // RFC 1123: "Wed, 4 Oct 2023 13:12:56 GMT"
        }
        if (versions.Count > 0)
        {
            var first = versions.MinBy(v => v.Number);
            var last = versions.MaxBy(v => v.Number);
            paper.Version = last.Number;
            paper.PublishedAt = first.Day;
            paper.UpdatedAt = versions.Count > 1 ? last.Day : null;
        }
        // "A. Author, B. Author and C. Author"
        var authors = ImportText.Collapse(Text(m, ns + "authors"));
        foreach (var part in authors.Replace(" and ", ", ", StringComparison.Ordinal).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            paper.Authors.Add(part);
        return paper;
    }

    private static Paper Common(ImportSource source, XElement m, XNamespace ns)
    {
        var paper = new Paper
        {
            Title = ImportText.Collapse(Text(m, ns + "title")),
            Abstract = ImportText.Collapse(Text(m, ns + "abstract")),
            Categories = Text(m, ns + "categories").Split(' ', StringSplitOptions.RemoveEmptyEntries).Distinct().ToList(),
        };
        paper.PrimaryCategory = paper.Categories.FirstOrDefault();
        var doi = Text(m, ns + "doi").Trim();
        if (doi.Length > 0) paper.Links.Add(new PaperLink(PaperLink.Doi, "https://doi.org/" + doi.Split(' ')[0]));
        foreach (var l in CodeLinks.Find(Text(m, ns + "comments")))
            if (!paper.Links.Exists(x => x.Url == l.Url)) paper.Links.Add(l);
        return paper;
    }

    private static string Text(XElement parent, XName name) => parent.Element(name)?.Value ?? "";

    private static DateOnly? Day(ImportSource source, XElement? el)
    {
        if (el is null || el.Value.Trim().Length == 0) return null;
        var s = el.Value.Trim();
        if (DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return d;
        if (DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)) return DateOnly.FromDateTime(t.UtcDateTime);
        throw source.Error(((IXmlLineInfo)el).LineNumber, $"invalid date '{s}' in <{el.Name.LocalName}>");
    }
}
