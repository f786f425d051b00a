using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;

namespace Paperboy.Search.Vectors;

/// <summary>
/// The one-file format shared by <see cref="VectorIndex"/> and <see cref="FlatVectorIndex"/>:
/// a 64-byte header, the body sections (little-endian), then an 8-byte XxHash64 of everything before it.
/// <code>
///  0  magic "PBVECIDX"         8  version u16, kind u8, metric u8, quantization u8, 3 reserved
/// 16  dims, M, efConstruction, efSearch (i32)
/// 32  count, deleted, entry point, max level (i32)
/// 48  total file length (i64)  56  reserved (8)
/// </code>
/// </summary>
internal static class IndexFile
{
    public static ReadOnlySpan<byte> Magic => "PBVECIDX"u8;
    public const ushort FormatVersion = 1;
    public const int HeaderSize = 64;
    public const int TrailerSize = 8;
    public const byte KindHnsw = 1;
    public const byte KindFlat = 2;

    public struct Header
    {
        public byte Kind, Metric, Quantization;
        public int Dimensions, M, EfConstruction, EfSearch, Count, Deleted, EntryPoint, MaxLevel;
        public long TotalLength;

        public readonly void Write(Span<byte> b)
        {
            b[..HeaderSize].Clear();
            Magic.CopyTo(b);
            BinaryPrimitives.WriteUInt16LittleEndian(b[8..], FormatVersion);
            b[10] = Kind; b[11] = Metric; b[12] = Quantization;
            BinaryPrimitives.WriteInt32LittleEndian(b[16..], Dimensions);
            BinaryPrimitives.WriteInt32LittleEndian(b[20..], M);
            BinaryPrimitives.WriteInt32LittleEndian(b[24..], EfConstruction);
            BinaryPrimitives.WriteInt32LittleEndian(b[28..], EfSearch);
            BinaryPrimitives.WriteInt32LittleEndian(b[32..], Count);
            BinaryPrimitives.WriteInt32LittleEndian(b[36..], Deleted);
            BinaryPrimitives.WriteInt32LittleEndian(b[40..], EntryPoint);
            BinaryPrimitives.WriteInt32LittleEndian(b[44..], MaxLevel);
            BinaryPrimitives.WriteInt64LittleEndian(b[48..], TotalLength);
        }

        public static Header Read(ReadOnlySpan<byte> b, string path)
        {
            if (!b[..8].SequenceEqual(Magic)) throw new VectorIndexCorruptException("Not a Paperboy vector index (bad magic).", path);
            ushort version = BinaryPrimitives.ReadUInt16LittleEndian(b[8..]);
            if (version != FormatVersion) throw new VectorIndexCorruptException($"Unsupported vector index format version {version} (expected {FormatVersion}).", path);
            return new Header
            {
                Kind = b[10], Metric = b[11], Quantization = b[12],
                Dimensions = BinaryPrimitives.ReadInt32LittleEndian(b[16..]),
                M = BinaryPrimitives.ReadInt32LittleEndian(b[20..]),
                EfConstruction = BinaryPrimitives.ReadInt32LittleEndian(b[24..]),
                EfSearch = BinaryPrimitives.ReadInt32LittleEndian(b[28..]),
                Count = BinaryPrimitives.ReadInt32LittleEndian(b[32..]),
                Deleted = BinaryPrimitives.ReadInt32LittleEndian(b[36..]),
                EntryPoint = BinaryPrimitives.ReadInt32LittleEndian(b[40..]),
                MaxLevel = BinaryPrimitives.ReadInt32LittleEndian(b[44..]),
                TotalLength = BinaryPrimitives.ReadInt64LittleEndian(b[48..]),
            };
        }
    }

    public static long LabelsSize(ReadOnlySpan<VectorLabel> labels)
    {
        long size = 0;
        foreach (var l in labels) size += l.IsString ? 1 + 4 + Encoding.UTF8.GetByteCount(l.AsString!) : 1 + 8;
        return size;
    }

    /// <summary>Writes to a temp file beside <paramref name="path"/>, fsyncs it, then renames it over the target.</summary>
    public static void SaveAtomically(string path, long totalLength, Action<Writer> body)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, "." + Path.GetFileName(full) + ".tmp-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                var w = new Writer(fs);
                body(w);
                w.FinishWithChecksum();
                if (fs.Length != totalLength)
                    throw new InvalidOperationException($"Vector index writer produced {fs.Length} bytes, expected {totalLength}.");
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    public sealed class Writer
    {
        private readonly Stream _stream;
        private readonly XxHash64 _hash = new();
        private readonly byte[] _scratch = new byte[16];

        public Writer(Stream stream) => _stream = stream;

        public void Bytes(ReadOnlySpan<byte> data)
        {
            _hash.Append(data);
            _stream.Write(data);
        }

        public void Ints(ReadOnlySpan<int> data)
        {
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Big-endian hosts are not supported.");
            const int chunk = 1 << 20;
            for (int i = 0; i < data.Length; i += chunk)
                Bytes(MemoryMarshal.AsBytes(data.Slice(i, Math.Min(chunk, data.Length - i))));
        }

        public void Floats(ReadOnlySpan<float> data) => Ints(MemoryMarshal.Cast<float, int>(data));

        public void Int32(int v) { BinaryPrimitives.WriteInt32LittleEndian(_scratch, v); Bytes(_scratch.AsSpan(0, 4)); }
        public void Int64(long v) { BinaryPrimitives.WriteInt64LittleEndian(_scratch, v); Bytes(_scratch.AsSpan(0, 8)); }

        public void Labels(ReadOnlySpan<VectorLabel> labels)
        {
            foreach (var l in labels)
            {
                if (l.IsString)
                {
                    var bytes = Encoding.UTF8.GetBytes(l.AsString!);
                    Bytes([1]);
                    Int32(bytes.Length);
                    Bytes(bytes);
                }
                else
                {
                    Bytes([0]);
                    Int64(l.AsLong);
                }
            }
        }

        public void FinishWithChecksum()
        {
            BinaryPrimitives.WriteUInt64LittleEndian(_scratch, _hash.GetCurrentHashAsUInt64());
            _stream.Write(_scratch.AsSpan(0, 8));
        }
    }

    /// <summary>
    /// Sequential, bounds-checked reads of one file with a running checksum. Sizes come from the header, so every
    /// allocation is first checked against the bytes actually left in the file.
    /// </summary>
    public sealed class Reader : IDisposable
    {
        private readonly FileStream _stream;
        private readonly XxHash64 _hash = new();
        private readonly byte[] _scratch = new byte[HeaderSize];
        private static readonly UTF8Encoding StrictUtf8 = new(false, true);
        public string Path { get; }
        public long Length { get; }
        public long Position { get; private set; }
        public long Remaining => Length - TrailerSize - Position;

        public Reader(string path)
        {
            Path = path;
            _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            Length = _stream.Length;
        }

        public VectorIndexCorruptException Corrupt(string message, Exception? inner = null) => new(message, Path, inner);

        public Header ReadHeader(byte expectedKind)
        {
            if (Length < HeaderSize + TrailerSize) throw Corrupt($"File is truncated ({Length} bytes; a vector index has at least {HeaderSize + TrailerSize}).");
            Bytes(_scratch.AsSpan(0, HeaderSize));
            var h = Header.Read(_scratch, Path);
            if (h.TotalLength != Length)
                throw Corrupt(h.TotalLength > Length
                    ? $"File is truncated: header says {h.TotalLength} bytes, file has {Length}."
                    : $"File has {Length - h.TotalLength} unexpected trailing bytes.");
            if (h.Kind != expectedKind) throw Corrupt($"File holds an index of kind {h.Kind}, expected {expectedKind}.");
            if (h.Dimensions <= 0 || h.Count < 0 || h.Deleted < 0 || h.Deleted > h.Count) throw Corrupt("Header has impossible counts.");
            if (!Enum.IsDefined((VectorMetric)h.Metric)) throw Corrupt($"Unknown metric {h.Metric}.");
            if (!Enum.IsDefined((VectorQuantization)h.Quantization)) throw Corrupt($"Unknown quantization {h.Quantization}.");
            return h;
        }

        public void Need(long bytes, string what)
        {
            if (bytes < 0 || bytes > Remaining) throw Corrupt($"Section '{what}' needs {bytes} bytes but only {Remaining} remain.");
        }

        public void Bytes(Span<byte> dst)
        {
            _stream.ReadExactly(dst);
            _hash.Append(dst);
            Position += dst.Length;
        }

        public void Ints(Span<int> dst, string what)
        {
            Need((long)dst.Length * 4, what);
            const int chunk = 1 << 20;
            for (int i = 0; i < dst.Length; i += chunk)
                Bytes(MemoryMarshal.AsBytes(dst.Slice(i, Math.Min(chunk, dst.Length - i))));
        }

        public void Floats(Span<float> dst, string what) => Ints(MemoryMarshal.Cast<float, int>(dst), what);

        public int Int32(string what) { Need(4, what); Bytes(_scratch.AsSpan(0, 4)); return BinaryPrimitives.ReadInt32LittleEndian(_scratch); }
        public long Int64(string what) { Need(8, what); Bytes(_scratch.AsSpan(0, 8)); return BinaryPrimitives.ReadInt64LittleEndian(_scratch); }

        public VectorLabel[] Labels(int count, int capacity)
        {
            var labels = new VectorLabel[Math.Max(capacity, count)];
            for (int i = 0; i < count; i++)
            {
                Need(1, "labels");
                Bytes(_scratch.AsSpan(0, 1));
                byte kind = _scratch[0];
                if (kind == 0) labels[i] = Int64("labels");
                else if (kind == 1)
                {
                    int len = Int32("labels");
                    Need(len, "labels");
                    var bytes = new byte[len];
                    Bytes(bytes);
                    try { labels[i] = StrictUtf8.GetString(bytes); }
                    catch (DecoderFallbackException e) { throw Corrupt("A string label is not valid UTF-8.", e); }
                }
                else throw Corrupt($"Unknown label kind {kind}.");
            }
            return labels;
        }

        /// <summary>Reads the trailer and compares it with the checksum of everything read.</summary>
        public void VerifyChecksum()
        {
            if (Remaining != 0) throw Corrupt($"{Remaining} unread bytes before the checksum.");
            ulong actual = _hash.GetCurrentHashAsUInt64();
            _stream.ReadExactly(_scratch.AsSpan(0, 8));
            ulong stored = BinaryPrimitives.ReadUInt64LittleEndian(_scratch);
            if (actual != stored) throw Corrupt($"Checksum mismatch (stored {stored:x16}, computed {actual:x16}): the file is damaged.");
        }

        public void Dispose() => _stream.Dispose();
    }

    /// <summary>Runs a load, turning any failure to parse into <see cref="VectorIndexCorruptException"/>.</summary>
    public static T Load<T>(string path, Func<Reader, T> load)
    {
        Reader reader;
        try { reader = new Reader(path); }
        catch (FileNotFoundException) { throw; }
        using (reader)
        {
            try { return load(reader); }
            catch (VectorIndexCorruptException) { throw; }
            catch (Exception e) when (e is EndOfStreamException or ArgumentException or IndexOutOfRangeException
                                          or OverflowException or InvalidOperationException or OutOfMemoryException)
            {
                throw reader.Corrupt($"Vector index could not be read: {e.Message}", e);
            }
        }
    }
}
