using System.Text.Json;

namespace Paperboy.Core.Import;

/// <summary>Small text helpers every reader shares.</summary>
internal static class ImportText
{
    /// <summary>Runs of white space (line wraps in Atom titles and summaries) folded to one space, trimmed.</summary>
    public static string Collapse(string s) => string.Join(' ', s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>A JSON error's reason without System.Text.Json's path and position suffix (the caller names the line).</summary>
    public static string Reason(JsonException e)
    {
        var i = e.Message.IndexOf(" Path:", StringComparison.Ordinal);
        return i > 0 ? e.Message[..i] : e.Message;
    }
}
