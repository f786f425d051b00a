namespace Paperboy.Storage;

/// <summary>
/// Where one harvest source stands (table <c>harvest_states</c>), so a restart resumes where it stopped. Written in
/// the same transaction as each page of papers it fetched, so the store never holds a page without its progress
/// nor progress without its page.
/// </summary>
public sealed class HarvestState
{
    /// <summary>The source and its slice: <c>oai:cs</c> (one OAI set), <c>arxiv:cat:cs.LG</c> (one API query), <c>hf</c>.</summary>
    public string Source { get; set; } = "";
    /// <summary>Everything up to and including this day has been harvested (the next run starts here).</summary>
    public DateOnly? Watermark { get; set; }
    /// <summary>The run in progress: its first and last day, and where it is (an OAI resumption token, an API offset).</summary>
    public DateOnly? RunFrom { get; set; }
    public DateOnly? RunUntil { get; set; }
    public string? Cursor { get; set; }
    /// <summary>The newest day seen by the run in progress (the arXiv API walks newest first; this becomes the watermark).</summary>
    public DateOnly? RunNewest { get; set; }
    public DateTime? LastRunAt { get; set; }
    public DateTime? LastSuccessAt { get; set; }
    public string? LastError { get; set; }
    /// <summary>What the last (or current) run did.</summary>
    public int Pages { get; set; }
    public int Read { get; set; }
    public int Added { get; set; }
    public int Merged { get; set; }
    public int Unchanged { get; set; }
    public int Deleted { get; set; }

    public HarvestState Clone() => (HarvestState)MemberwiseClone();

    /// <summary>Adds one page's outcome to the run's counts (in the page's own transaction, so a crash loses none).</summary>
    public void Count(Core.Import.ImportSummary page, int deleted)
    {
        Pages++;
        Read += page.Read;
        Added += page.Added;
        Merged += page.Merged;
        Unchanged += page.Unchanged;
        Deleted += deleted;
    }
}

/// <summary>
/// Two papers that are related without being one: <see cref="Core.Papers.NearDuplicates"/> found them alike
/// ("possibly the same work"). Stored once per direction so either side lists the other with one lookup.
/// </summary>
public sealed class PaperRelation
{
    public string PaperId { get; set; } = "";
    public string OtherId { get; set; } = "";
    public string Kind { get; set; } = "";
    public double Similarity { get; set; }
    public DateTime At { get; set; }
}

/// <summary>One LSH band key of a paper's MinHash signatures; papers sharing a key are near-duplicate candidates.</summary>
public sealed class PaperBand
{
    public long Key { get; set; }
    public string PaperId { get; set; } = "";
}
