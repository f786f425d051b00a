using Lucene.Net.Store;

namespace Paperboy.Search.Lexical;

/// <summary>
/// An index directory on disk whose files are read whole into managed arrays when a searcher opens them. Lucene.Net's
/// memory-mapped input reads every posting byte through J2N's <c>ByteBuffer</c> (a bounds check and a position
/// object per byte, a byte-by-byte copy for a block) and registers every clone in a weak table; on a hybrid search
/// that was about an eighth of the server's CPU (perf, 200k papers). Here a byte is an array index, a block is one
/// copy, a clone is a field copy, and no unmanaged memory outlives a reader: the garbage collector frees the arrays.
/// The cost is memory: the index's size on the heap (77 MB at 200,000 papers, 868 MB at 2.5M), which a
/// memory-mapped index takes from the page cache anyway once searches have touched it. Writes, and the reads of
/// merges and one-off reads, go through the plain buffered file input, so a merge never holds its inputs in memory.
/// </summary>
public sealed class ArrayDirectory(string path) : NIOFSDirectory(path)
{
    public override IndexInput OpenInput(string name, IOContext context) =>
        Streamed(context) ? base.OpenInput(name, context) : ArrayInput.Load(Path.Combine(Directory.FullName, name));

    public override IndexInputSlicer CreateSlicer(string name, IOContext context) =>
        Streamed(context) ? base.CreateSlicer(name, context) : new Slicer(ArrayInput.Load(Path.Combine(Directory.FullName, name)));

    private static bool Streamed(IOContext context) => context.Context == IOContext.UsageContext.MERGE || context.ReadOnce;

    private sealed class Slicer(ArrayInput whole) : IndexInputSlicer
    {
        public override IndexInput OpenSlice(string sliceDescription, long offset, long length) => whole.Slice(sliceDescription, offset, length);
        public override IndexInput OpenFullSlice() => (IndexInput)whole.Clone();
        protected override void Dispose(bool disposing) { }
    }
}

/// <summary>
/// A file (or a slice of one) held in memory. Chunks of 2^30 bytes let a file pass the 2 GB limit of one array; the
/// current chunk is cached with its readable window, so the common read is one comparison and one index.
/// </summary>
internal sealed class ArrayInput : IndexInput
{
    private readonly int _chunkBits;
    private readonly byte[][] _chunks;
    private readonly long _start;       // the slice's first byte, in the file
    private readonly long _length;
    private byte[] _buf = [];           // the chunk being read
    private long _bufBase;              // the slice position of _buf[0]
    private int _pos;                   // next index in _buf
    private int _end;                   // readable up to here in _buf (chunk end or slice end)

    private ArrayInput(string description, byte[][] chunks, int chunkBits, long start, long length) : base(description)
    {
        _chunks = chunks;
        _chunkBits = chunkBits;
        _start = start;
        _length = length;
        Seek(0);
    }

    /// <param name="chunkBits">log2 of the chunk size: 30 in use, small in tests so that reads cross chunks.</param>
    public static ArrayInput Load(string file, int chunkBits = 30)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
        var length = stream.Length;
        var chunks = new byte[(int)((length >> chunkBits) + 1)][];
        for (var i = 0; i < chunks.Length; i++)
        {
            var size = (int)Math.Min(1L << chunkBits, length - ((long)i << chunkBits));
            chunks[i] = GC.AllocateUninitializedArray<byte>(size);
            stream.ReadExactly(chunks[i]);
        }
        return new ArrayInput($"ArrayInput(path=\"{file}\")", chunks, chunkBits, 0, length);
    }

    public ArrayInput Slice(string description, long offset, long length)
    {
        if (offset < 0 || length < 0 || offset + length > _length)
            throw new ArgumentException($"slice {description} out of bounds: offset={offset}, length={length}, of {_length} in {this}");
        return new ArrayInput($"{this} [slice={description}]", _chunks, _chunkBits, _start + offset, length);
    }

    public override long Length => _length;

    public override long Position => _bufBase + _pos;

    public override void Seek(long pos)
    {
        if (pos < 0 || pos > _length) throw new EndOfStreamException($"seek to {pos} past the end ({_length}) of {this}");
        var at = _start + pos;
        _buf = _chunks[(int)(at >> _chunkBits)];
        var inChunk = (int)(at & ((1L << _chunkBits) - 1));
        _bufBase = pos - inChunk;
        _pos = inChunk;
        _end = (int)Math.Min(_buf.Length, _length - _bufBase);
    }

    /// <summary>Moves to the next chunk when the current one is read to its end; false at the end of the slice.</summary>
    private bool NextChunk()
    {
        var pos = Position;
        if (pos >= _length) return false;
        Seek(pos);
        return _pos < _end;
    }

    public override byte ReadByte()
    {
        if (_pos < _end || NextChunk()) return _buf[_pos++];
        throw new EndOfStreamException($"read past the end of {this}");
    }

    public override void ReadBytes(byte[] b, int offset, int len)
    {
        while (len > 0)
        {
            if (_pos >= _end && !NextChunk()) throw new EndOfStreamException($"read past the end of {this}");
            var n = Math.Min(len, _end - _pos);
            Buffer.BlockCopy(_buf, _pos, b, offset, n);
            _pos += n;
            offset += n;
            len -= n;
        }
    }

    // Lucene reads most integers as variable-length: decode from the array directly when the longest form fits.
    public override int ReadVInt32()
    {
        if (_end - _pos < 5) return base.ReadVInt32();
        var buf = _buf;
        int b = buf[_pos++];
        if (b < 0x80) return b;
        var i = b & 0x7F;
        b = buf[_pos++]; i |= (b & 0x7F) << 7; if (b < 0x80) return i;
        b = buf[_pos++]; i |= (b & 0x7F) << 14; if (b < 0x80) return i;
        b = buf[_pos++]; i |= (b & 0x7F) << 21; if (b < 0x80) return i;
        b = buf[_pos++];
        if ((b & 0xF0) != 0) throw new IOException($"invalid variable-length integer in {this}");
        return i | (b << 28);
    }

    public override long ReadVInt64()
    {
        if (_end - _pos < 9) return base.ReadVInt64();
        var buf = _buf;
        long result = 0;
        for (var shift = 0; shift < 63; shift += 7)
        {
            long b = buf[_pos++];
            result |= (b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
        throw new IOException($"invalid variable-length long in {this}");
    }

    // Lucene's fixed-width integers are big-endian.
    public override int ReadInt32()
    {
        if (_end - _pos < 4) return base.ReadInt32();
        var v = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(_buf.AsSpan(_pos, 4));
        _pos += 4;
        return v;
    }

    public override long ReadInt64()
    {
        if (_end - _pos < 8) return base.ReadInt64();
        var v = System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(_buf.AsSpan(_pos, 8));
        _pos += 8;
        return v;
    }

    public override short ReadInt16()
    {
        if (_end - _pos < 2) return base.ReadInt16();
        var v = System.Buffers.Binary.BinaryPrimitives.ReadInt16BigEndian(_buf.AsSpan(_pos, 2));
        _pos += 2;
        return v;
    }

    // A clone reads the same arrays from its own position; MemberwiseClone copies the cursor too.
    public override object Clone() => MemberwiseClone();

    protected override void Dispose(bool disposing) { }
}
