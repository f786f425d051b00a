namespace Paperboy.Core.Import;

/// <summary>
/// Bad input: names the input, the position in it (line, and column when the parser knows it) and the reason.
/// Nothing from that input is stored.
/// </summary>
public sealed class ImportException(string source, int line, string reason, int? column = null)
    : Exception(column is { } c ? $"{source}:{line}:{c}: {reason}" : $"{source}:{line}: {reason}")
{
    public string InputName { get; } = source;
    public int Line { get; } = line;
    /// <summary>The 1-based column (character) on <see cref="Line"/>, when known (XML and JSON parse errors).</summary>
    public int? Column { get; } = column;
    public string Reason { get; } = reason;

    /// <summary>"line 57, column 3" (or "line 57"): the position, for messages that name the input their own way.</summary>
    public string Position => Column is { } c ? $"line {Line}, column {c}" : $"line {Line}";
}
