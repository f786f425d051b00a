using Lucene.Net.Analysis.Core;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Store;
using Lucene.Net.Util;
using Paperboy.Search.Lexical;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Search;

/// <summary>
/// The in-memory index input must read exactly what Lucene wrote: every integer form, byte runs, seeks, clones and
/// slices, also where a value straddles two chunks (tiny chunks here; 1 GiB in use).
/// </summary>
public sealed class ArrayDirectoryTests
{
    private enum Kind { Byte, Bytes, Int16, Int32, Int64, VInt32, VInt64, String }

    private static List<(Kind Kind, object Value)> Values(int seed, int count)
    {
        var random = new Random(seed);
        var values = new List<(Kind, object)>();
        for (var i = 0; i < count; i++)
        {
            var kind = (Kind)random.Next(8);
            object value = kind switch
            {
                Kind.Byte => (byte)random.Next(256),
                Kind.Bytes => Enumerable.Range(0, random.Next(0, 40)).Select(_ => (byte)random.Next(256)).ToArray(),
                Kind.Int16 => (short)random.Next(short.MinValue, short.MaxValue + 1),
                Kind.Int32 => random.Next(int.MinValue, int.MaxValue),
                Kind.Int64 => random.NextInt64(long.MinValue, long.MaxValue),
                // Variable-length integers of every width, including negative ints (five bytes).
                Kind.VInt32 => random.Next(5) switch { 0 => random.Next(128), 1 => random.Next(1 << 14), 2 => random.Next(1 << 21), 3 => random.Next(), _ => -random.Next(1, int.MaxValue) },
                Kind.VInt64 => random.NextInt64(0, 1L << random.Next(1, 63)),
                _ => new string('é', random.Next(0, 5)) + random.Next(),
            };
            values.Add((kind, value));
        }
        return values;
    }

    private static void Write(IndexOutput output, (Kind Kind, object Value) v)
    {
        switch (v.Kind)
        {
            case Kind.Byte: output.WriteByte((byte)v.Value); break;
            case Kind.Bytes: var b = (byte[])v.Value; output.WriteBytes(b, 0, b.Length); break;
            case Kind.Int16: output.WriteInt16((short)v.Value); break;
            case Kind.Int32: output.WriteInt32((int)v.Value); break;
            case Kind.Int64: output.WriteInt64((long)v.Value); break;
            case Kind.VInt32: output.WriteVInt32((int)v.Value); break;
            case Kind.VInt64: output.WriteVInt64((long)v.Value); break;
            default: output.WriteString((string)v.Value); break;
        }
    }

    private static void AssertReads(IndexInput input, (Kind Kind, object Value) v)
    {
        switch (v.Kind)
        {
            case Kind.Byte: Assert.Equal((byte)v.Value, input.ReadByte()); break;
            case Kind.Bytes:
                var expected = (byte[])v.Value;
                var actual = new byte[expected.Length];
                input.ReadBytes(actual, 0, actual.Length);
                Assert.Equal(expected, actual);
                break;
            case Kind.Int16: Assert.Equal((short)v.Value, input.ReadInt16()); break;
            case Kind.Int32: Assert.Equal((int)v.Value, input.ReadInt32()); break;
            case Kind.Int64: Assert.Equal((long)v.Value, input.ReadInt64()); break;
            case Kind.VInt32: Assert.Equal((int)v.Value, input.ReadVInt32()); break;
            case Kind.VInt64: Assert.Equal((long)v.Value, input.ReadVInt64()); break;
            default: Assert.Equal((string)v.Value, input.ReadString()); break;
        }
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(30)]
    public void Reads_back_every_value_Lucene_wrote_across_chunk_boundaries(int chunkBits)
    {
        using var tmp = new TempDir();
        var values = Values(chunkBits, 3000);
        var offsets = new List<long>();
        using (var dir = FSDirectory.Open(tmp.Path))
        using (var output = dir.CreateOutput("values", IOContext.DEFAULT))
            foreach (var v in values) { offsets.Add(output.Position); Write(output, v); }

        using var input = ArrayInput.Load(Path.Combine(tmp.Path, "values"), chunkBits);
        foreach (var v in values) AssertReads(input, v);
        Assert.Equal(input.Length, input.Position);
        Assert.Throws<EndOfStreamException>(() => input.ReadByte());

        // Random seeks, a clone that keeps its own position, and a slice that starts mid-file.
        var random = new Random(1);
        for (var i = 0; i < 500; i++)
        {
            var at = random.Next(values.Count);
            input.Seek(offsets[at]);
            var clone = (IndexInput)input.Clone();
            AssertReads(input, values[at]);
            AssertReads(clone, values[at]);
        }
        var from = values.Count / 3;
        var slice = input.Slice("middle", offsets[from], input.Length - offsets[from]);
        Assert.Equal(0, slice.Position);
        foreach (var v in values.Skip(from)) AssertReads(slice, v);
        Assert.Throws<EndOfStreamException>(() => slice.ReadByte());
        Assert.Throws<EndOfStreamException>(() => slice.Seek(slice.Length + 1));
    }

    [Fact]
    public void A_slice_ends_where_it_says_even_inside_a_chunk()
    {
        using var tmp = new TempDir();
        File.WriteAllBytes(Path.Combine(tmp.Path, "bytes"), Enumerable.Range(0, 100).Select(i => (byte)i).ToArray());
        using var input = ArrayInput.Load(Path.Combine(tmp.Path, "bytes"), chunkBits: 4);
        var slice = input.Slice("s", 10, 20);
        var read = new byte[20];
        slice.ReadBytes(read, 0, 20);
        Assert.Equal(Enumerable.Range(10, 20).Select(i => (byte)i), read);
        Assert.Throws<EndOfStreamException>(() => slice.ReadByte());
        Assert.Throws<ArgumentException>(() => input.Slice("too long", 90, 11));
    }

    [Fact]
    public void An_index_searched_from_arrays_answers_as_from_disk()
    {
        using var tmp = new TempDir();
        var random = new Random(3);
        using (var writer = new IndexWriter(FSDirectory.Open(tmp.Path), new IndexWriterConfig(LuceneVersion.LUCENE_48, new WhitespaceAnalyzer(LuceneVersion.LUCENE_48))
               { UseCompoundFile = true, MaxBufferedDocs = 500 }))   // several segments, compound files read through slices
        {
            for (var d = 0; d < 3000; d++)
                writer.AddDocument(new Document
                {
                    new StringField("id", d.ToString(), Field.Store.YES),
                    new TextField("text", string.Join(' ', Enumerable.Range(0, random.Next(3, 80)).Select(_ => "w" + (int)Math.Pow(random.Next(1, 400), 1.3))), Field.Store.NO),
                });
            writer.DeleteDocuments(new Term("id", "7"));
        }
        using var fromDisk = DirectoryReader.Open(FSDirectory.Open(tmp.Path));
        using var fromArrays = DirectoryReader.Open(new ArrayDirectory(tmp.Path));
        Assert.True(fromArrays.Leaves.Count > 1);
        foreach (var leaf in fromArrays.Leaves) leaf.AtomicReader.CheckIntegrity();
        var phrase = new PhraseQuery { new Term("text", "w1"), new Term("text", "w2") };
        foreach (var query in new Query[] { Words("w1"), Words("w1", "w50"), Words("w3", "w9", "w200"), phrase })
        {
            var a = new IndexSearcher(fromDisk).Search(query, 50);
            var b = new IndexSearcher(fromArrays).Search(query, 50);
            Assert.Equal(a.TotalHits, b.TotalHits);
            Assert.Equal(a.ScoreDocs.Select(s => (s.Doc, s.Score)), b.ScoreDocs.Select(s => (s.Doc, s.Score)));
        }
    }

    private static BooleanQuery Words(params string[] words)
    {
        var q = new BooleanQuery();
        foreach (var w in words) q.Add(new TermQuery(new Term("text", w)), Occur.SHOULD);
        return q;
    }
}
