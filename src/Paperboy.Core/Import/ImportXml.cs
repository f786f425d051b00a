using System.Xml;
using System.Xml.Linq;

namespace Paperboy.Core.Import;

/// <summary>XML inputs (Atom, OAI-PMH) are loaded one way: no DTDs, no external entities, line numbers kept for errors.</summary>
internal static class ImportXml
{
    public static XDocument Load(ImportSource source)
    {
        try
        {
            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };
            using var reader = XmlReader.Create(new StringReader(source.Text), settings);
            return XDocument.Load(reader, LoadOptions.SetLineInfo);
        }
        catch (XmlException e)
        {
            throw source.Error(Math.Max(1, e.LineNumber), $"malformed XML: {e.Message}");
        }
    }
}
