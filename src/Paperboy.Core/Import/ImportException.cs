namespace Paperboy.Core.Import;

/// <summary>Bad input: names the input, the position in it and the reason. Nothing from that input is stored.</summary>
public sealed class ImportException(string source, int line, string reason)
    : Exception($"{source}:{line}: {reason}")
{
    public string InputName { get; } = source;
    public int Line { get; } = line;
    public string Reason { get; } = reason;
}
