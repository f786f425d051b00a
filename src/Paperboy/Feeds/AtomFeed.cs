using System.Globalization;
using System.Text;
using System.Xml;

namespace Paperboy.Feeds;

/// <summary>An Atom entry: a paper, with a plain-text summary.</summary>
public sealed record AtomEntry(string Id, string Title, string Link, DateTimeOffset Updated, string Summary);

/// <summary>
/// Atom 1.0 (RFC 4287) written with <see cref="XmlWriter"/>, which does all the escaping. Characters XML cannot carry
/// at all (control characters from imported abstracts, lone surrogates) are dropped rather than failing the feed.
/// </summary>
public static class AtomFeed
{
    public const string ContentType = "application/atom+xml; charset=utf-8";
    private const string Ns = "http://www.w3.org/2005/Atom";

    public static byte[] Write(string id, string title, string? subtitle, string selfLink, string alternateLink, string author,
        DateTimeOffset updated, IEnumerable<AtomEntry> entries)
    {
        using var buffer = new MemoryStream();
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true };
        using (var w = XmlWriter.Create(buffer, settings))
        {
            w.WriteStartDocument();
            w.WriteStartElement("feed", Ns);
            w.WriteElementString("id", Ns, Clean(id));
            w.WriteElementString("title", Ns, Clean(title));
            if (!string.IsNullOrWhiteSpace(subtitle)) w.WriteElementString("subtitle", Ns, Clean(subtitle));
            w.WriteElementString("updated", Ns, Time(updated));
            Link(w, "self", selfLink, "application/atom+xml");
            Link(w, "alternate", alternateLink, "text/html");
            w.WriteStartElement("author", Ns);
            w.WriteElementString("name", Ns, Clean(author));
            w.WriteEndElement();
            w.WriteElementString("generator", Ns, "Paperboy");
            foreach (var e in entries)
            {
                w.WriteStartElement("entry", Ns);
                w.WriteElementString("id", Ns, Clean(e.Id));
                w.WriteElementString("title", Ns, Clean(e.Title));
                Link(w, "alternate", e.Link, "text/html");
                w.WriteElementString("updated", Ns, Time(e.Updated));
                w.WriteStartElement("summary", Ns);
                w.WriteAttributeString("type", "text");
                w.WriteString(Clean(e.Summary));
                w.WriteEndElement();
                w.WriteEndElement();
            }
            w.WriteEndElement();
            w.WriteEndDocument();
        }
        return buffer.ToArray();
    }

    private static void Link(XmlWriter w, string rel, string href, string type)
    {
        w.WriteStartElement("link", Ns);
        w.WriteAttributeString("rel", rel);
        w.WriteAttributeString("type", type);
        w.WriteAttributeString("href", Clean(href));
        w.WriteEndElement();
    }

    private static string Time(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The text without the characters XML 1.0 forbids.</summary>
    public static string Clean(string text)
    {
        var ok = true;
        for (var i = 0; i < text.Length && ok; i++)
            ok = XmlConvert.IsXmlChar(text[i]) || (i + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[i + 1], text[i]) && ++i > 0);
        if (ok) return text;
        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (XmlConvert.IsXmlChar(text[i])) sb.Append(text[i]);
            else if (i + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[i + 1], text[i])) { sb.Append(text, i, 2); i++; }
        }
        return sb.ToString();
    }
}
