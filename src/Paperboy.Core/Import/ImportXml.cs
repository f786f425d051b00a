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
            // The position goes into the error's own fields; XmlException repeats it at the end of its message.
            var reason = PositionSuffix().Replace(e.Message, "");
            throw source.Error(Math.Max(1, e.LineNumber), $"malformed XML: {reason}", e.LinePosition > 0 ? e.LinePosition : null);
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\s*Line \d+, position \d+\.\s*$")]
    private static partial System.Text.RegularExpressions.Regex PositionSuffix();
}
