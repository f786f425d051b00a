namespace Paperboy.Core.Import;

/// <summary>
/// Reads a file line by line from a byte offset, in bounded memory, and knows the byte offset after each line, so a
/// bulk load can record exactly where it stopped and start there again. Lines are handed out as UTF-8 bytes.
/// </summary>
public sealed class FileLines : IDisposable
{
    public const int MaxLineBytes = 8 * 1024 * 1024;

    private readonly Stream _stream;
    private readonly string _name;
    private byte[] _buffer = new byte[1 << 20];
    private int _start, _end;
    private long _bufferOffset;     // file offset of _buffer[0]
    private bool _eof;

    /// <summary>The byte offset just after the last line read.</summary>
    public long Offset => _bufferOffset + _start;
    /// <summary>The 1-based number of the last line read (0 before the first).</summary>
    public int Line { get; private set; }
    public long Length { get; }

    /// <param name="name">The input's name for errors.</param>
    /// <param name="offset">Where to start: 0, or the offset after a line read earlier.</param>
    /// <param name="line">The number of the line that ends at <paramref name="offset"/> (0 at the start).</param>
    public FileLines(string path, string name, long offset = 0, int line = 0)
    {
        _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1, FileOptions.SequentialScan);
        _name = name;
        Length = _stream.Length;
        _stream.Position = offset;
        _bufferOffset = offset;
        Line = line;
    }

    /// <summary>The next line without its line break, or false at the end of the file.</summary>
    public bool TryRead(out ReadOnlySpan<byte> line)
    {
        while (true)
        {
            var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                line = _buffer.AsSpan(_start, newline);
                _start += newline + 1;
                Line++;
                return true;
            }
            if (_eof)
            {
                line = _buffer.AsSpan(_start, _end - _start);
                if (line.IsEmpty) return false;
                _start = _end;
                Line++;
                return true;
            }
            Fill();
        }
    }

    private void Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _bufferOffset += _start;
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            if (_buffer.Length >= MaxLineBytes) throw new ImportException(_name, Line + 1, $"line longer than {MaxLineBytes / (1024 * 1024)} MiB");
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
        var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0) _eof = true;
        _end += read;
    }

    public void Dispose() => _stream.Dispose();
}
