namespace Paperboy.Search.Vectors;

/// <summary>
/// The external label of a vector: either a string (Paperboy's paper ids) or a long. Strings compare ordinally; a
/// string label never equals a numeric one.
/// </summary>
public readonly struct VectorLabel : IEquatable<VectorLabel>
{
    private readonly string? _text;
    private readonly long _number;

    public VectorLabel(string text) { _text = text ?? throw new ArgumentNullException(nameof(text)); _number = 0; }
    public VectorLabel(long number) { _text = null; _number = number; }

    public bool IsString => _text is not null;
    public string? AsString => _text;
    public long AsLong => _text is null ? _number : throw new InvalidOperationException($"Label '{_text}' is a string.");

    public static implicit operator VectorLabel(string text) => new(text);
    public static implicit operator VectorLabel(long number) => new(number);

    public bool Equals(VectorLabel other) =>
        _text is null ? other._text is null && _number == other._number : string.Equals(_text, other._text, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is VectorLabel l && Equals(l);
    public override int GetHashCode() => _text is null ? _number.GetHashCode() : StringComparer.Ordinal.GetHashCode(_text);
    public static bool operator ==(VectorLabel a, VectorLabel b) => a.Equals(b);
    public static bool operator !=(VectorLabel a, VectorLabel b) => !a.Equals(b);
    public override string ToString() => _text ?? _number.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
