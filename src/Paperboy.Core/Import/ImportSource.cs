using System.Text;

namespace Paperboy.Core.Import;

/// <summary>
/// One input to import: its name (for error messages) and its text, decoded as strict UTF-8.
/// Empty, binary and mis-encoded inputs are refused here, once, for every format.
/// </summary>
public sealed class ImportSource
{
    public const int MaxBytes = 512 * 1024 * 1024;

    public string Name { get; }
    public string Text { get; }

    private ImportSource(string name, string text) { Name = name; Text = text; }

    public static ImportSource FromFile(string path) => FromBytes(path, File.ReadAllBytes(path));

    public static ImportSource FromText(string name, string text) => FromBytes(name, Encoding.UTF8.GetBytes(text));

    public static ImportSource FromBytes(string name, byte[] bytes)
    {
        if (bytes.Length > MaxBytes) throw new ImportException(name, 1, $"file is larger than {MaxBytes / (1024 * 1024)} MiB");
        var nul = Array.IndexOf(bytes, (byte)0);
        if (nul >= 0) throw new ImportException(name, LineAt(bytes, nul), $"binary data (NUL byte at offset {nul}); expected a text file");
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        string text;
        try { text = strict.GetString(bytes); }
        catch (DecoderFallbackException e)
        {
            var offset = e.Index >= 0 ? e.Index : FirstInvalidUtf8(bytes);
            throw new ImportException(name, LineAt(bytes, offset), $"invalid UTF-8 (byte 0x{bytes[offset]:X2} at offset {offset})");
        }
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        if (string.IsNullOrWhiteSpace(text)) throw new ImportException(name, 1, "empty file");
        return new ImportSource(name, text);
    }

    /// <summary>The 1-based line that holds a character offset of <see cref="Text"/>.</summary>
    public int LineOfChar(int charOffset)
    {
        var line = 1;
        for (var i = 0; i < charOffset && i < Text.Length; i++) if (Text[i] == '\n') line++;
        return line;
    }

    public ImportException Error(int line, string reason, int? column = null) => new(Name, line, reason, column);

    private static int LineAt(byte[] bytes, int offset)
    {
        var line = 1;
        for (var i = 0; i < offset && i < bytes.Length; i++) if (bytes[i] == (byte)'\n') line++;
        return line;
    }

    private static int FirstInvalidUtf8(byte[] bytes)
    {
        var decoder = new UTF8Encoding(false, true).GetDecoder();
        var chars = new char[2];
        for (var i = 0; i < bytes.Length; i++)
        {
            try { decoder.GetChars(bytes, i, 1, chars, 0, flush: false); }
            catch (DecoderFallbackException) { return i; }
        }
        return 0;
    }
}
