using System.Xml;
using System.Xml.Linq;

namespace Paperboy.Core.Import;

/// <summary>XML inputs (Atom, OAI-PMH) are loaded one way: no DTDs, no external entities, line numbers kept for errors.</summary>
internal static partial class ImportXml
{
    [System.Text.RegularExpressions.GeneratedRegex("\r(?!\n)")]
    private static partial System.Text.RegularExpressions.Regex LoneCr();

    public static XDocument Load(ImportSource source)
    {
        try
        {
            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };
            // XML counts a lone CR as a line break, Paperboy's positions count LFs: the CR becomes a space (which XML
            // would normalise to white space anyway, and every field is trimmed), so errors name the file's own line.
            using var reader = XmlReader.Create(new StringReader(LoneCr().Replace(source.Text, " ")), settings);
            return XDocument.Load(reader, LoadOptions.SetLineInfo);
        }
        catch (XmlException e)
        {
            throw source.Error(Math.Max(1, e.LineNumber), $"malformed XML: {e.Message}");
        }
    }
}
