using System.Text;
using System.Text.Json;

namespace Paperboy.Core.Import;

/// <summary>Finds the line on which each element of a top-level JSON array starts, so errors can name it.</summary>
internal static class JsonPositions
{
    public static List<int> ArrayElementLines(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 });
        var lines = new List<int>();
        var line = 1;
        long counted = 0;
        try
        {
            while (reader.Read())
            {
                if (reader.CurrentDepth == 1 && reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray
                    or JsonTokenType.String or JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null)
                {
                    for (; counted < reader.TokenStartIndex; counted++) if (bytes[counted] == (byte)'\n') line++;
                    lines.Add(line);
                }
            }
        }
        catch (JsonException) { /* reported by the parser proper */ }
        return lines;
    }
}
