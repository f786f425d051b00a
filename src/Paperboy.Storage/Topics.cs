namespace Paperboy.Storage;

/// <summary>A topic: a cluster of paper vectors, labelled by its most distinctive terms.</summary>
public sealed class Topic
{
    public int Id { get; set; }
    /// <summary>The label terms, most distinctive first, separated by ", ".</summary>
    public string Terms { get; set; } = "";
    /// <summary>The unit centroid in the embedder's space, as little-endian float32s (new papers join the nearest).</summary>
    public byte[] Centroid { get; set; } = [];
    public int Size { get; set; }
    /// <summary>Where the topic's label sits on the map ([0, 1] × [0, 1]).</summary>
    public float X { get; set; }
    public float Y { get; set; }

    public IReadOnlyList<string> TermList => Terms.Split(", ", StringSplitOptions.RemoveEmptyEntries);
    public string Label => string.Join(" · ", TermList.Take(3));
}

/// <summary>A paper's topic and its place on the map.</summary>
public sealed class PaperTopic
{
    public string PaperId { get; set; } = "";
    public int TopicId { get; set; }
    public float X { get; set; }
    public float Y { get; set; }
}

/// <summary>
/// The one row saying what the stored topic map was computed from: the embedder (its vectors' space) and the corpus
/// size, and how far along the change log new papers have been assigned since.
/// </summary>
public sealed class TopicMapState
{
    public int Id { get; set; } = 1;
    public string Embedder { get; set; } = "";
    public int ComputedOn { get; set; }
    public long AppliedSeq { get; set; }
    public DateTime ComputedAt { get; set; }
}
