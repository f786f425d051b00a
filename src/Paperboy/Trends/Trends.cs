using System.Globalization;
using Paperboy.Indexing;
using Paperboy.Storage;

namespace Paperboy.Trends;

/// <summary>Counts per time bucket: the bucket labels and, per series, a value for each.</summary>
public sealed record TrendTable(IReadOnlyList<string> Buckets, IReadOnlyList<ChartSeries> Series);

/// <summary>A topic that gained share lately: its share of a recent window of <paramref name="WindowDays"/> against the three before; its counts over the whole span in twelve steps.</summary>
public sealed record RisingTopic(Topic Topic, int Recent, double RecentShare, double EarlierShare, IReadOnlyList<double> Series, int WindowDays)
{
    public double Growth => (RecentShare + 0.005) / (EarlierShare + 0.005);
}

/// <summary>
/// Trends over time: papers per topic per week or month (from the stored topic map and the papers' board days),
/// keyword shares per month (from the lexical index: papers using the term / all papers of the month), and the topics
/// rising fastest. Weeks are ISO weeks (labelled YYYY-Www), months YYYY-MM.
/// </summary>
public sealed class TrendService(TopicStore topics, PaperStore papers, IndexHolder indexes)
{
    public const int MaxTerms = 6;

    /// <summary>Papers per topic per period (<paramref name="weekly"/> or monthly) for the given topics, over the periods that have papers.</summary>
    public async Task<TrendTable> TopicCountsAsync(IReadOnlyList<Topic> which, bool weekly, DateOnly? from = null, CancellationToken ct = default)
    {
        var days = (await CountsAsync(ct)).Where(d => (from is null || d.Day >= from) && (which.Count != 1 || d.Topic == which[0].Id)).ToList();
        if (days.Count == 0) return new TrendTable([], which.Select(t => new ChartSeries(t.Label, [])).ToList());
        var first = days.Min(d => d.Day);
        var last = days.Max(d => d.Day);
        var keys = new List<int>();
        for (var k = Key(first, weekly); k <= Key(last, weekly); k++) keys.Add(k);
        var index = keys.Select((k, i) => (k, i)).ToDictionary(x => x.k, x => x.i);
        var series = which.Select(t => new ChartSeries(t.Label, new double[keys.Count])).ToList();
        var slot = which.Select((t, i) => (t.Id, i)).ToDictionary(x => x.Id, x => x.i);
        foreach (var (topic, day, papers) in days)
            if (slot.TryGetValue(topic, out var s)) ((double[])series[s].Values)[index[Key(day, weekly)]] += papers;
        return new TrendTable(keys.Select(k => LabelOf(k, weekly)).ToList(), series);
    }

    /// <summary>Each term's share of the papers of each month, over the months that have papers.</summary>
    public TrendTable KeywordShares(IReadOnlyList<string> terms)
    {
        var lexical = indexes.Lexical;
        var totals = lexical.MonthlyCounts(null);
        if (totals.Count == 0) return new TrendTable([], terms.Select(t => new ChartSeries(t, [])).ToList());
        var keys = Enumerable.Range(totals.Keys.Min(), totals.Keys.Max() - totals.Keys.Min() + 1).ToList();
        var series = terms.Select(term =>
        {
            var counts = lexical.MonthlyCounts(term);
            return new ChartSeries(term, keys.Select(k => totals.GetValueOrDefault(k) is var n && n > 0 ? counts.GetValueOrDefault(k) / (double)n : 0).ToList());
        }).ToList();
        return new TrendTable(keys.Select(k => LabelOf(k, weekly: false)).ToList(), series);
    }

    /// <summary>Splits the explorer's input ("diffusion, GAN") into at most <see cref="MaxTerms"/> distinct terms.</summary>
    public static List<string> ParseTerms(string? input) =>
        (input ?? "").Split([',', ';', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(t => t.Length is > 0 and <= 100).Distinct(StringComparer.OrdinalIgnoreCase).Take(MaxTerms).ToList();

    /// <summary>
    /// The topics whose share of papers grew most: a recent window against the three times longer one before it. The
    /// recent window is the last 4 weeks to the newest board day, widened (doubling) until it holds at least
    /// <see cref="RisingMinimum"/> papers (or a fifth of them), so a quiet or sparse corpus still has a trend.
    /// The counts are shared with the charts (<see cref="CountsAsync"/>); the ranking is kept a minute and made again
    /// by one caller in the background while the others are served the previous one (a recount after a change takes
    /// seconds at 2.5M papers); only the very first callers wait, all for the same count.
    /// </summary>
    public async Task<List<RisingTopic>> RisingAsync(IReadOnlyList<Topic> all, DateOnly newest, int limit, CancellationToken ct = default)
    {
        var ids = all.Select(t => t.Id).ToArray();
        Task<List<RisingTopic>> task;
        lock (_risingLock)
        {
            var c = _rising;
            var same = c is not null && c.Value.Newest == newest && c.Value.TopicIds.AsSpan().SequenceEqual(ids) && !c.Value.List.IsFaulted && !c.Value.List.IsCanceled;
            if (same && DateTime.UtcNow - c!.Value.At < RisingKeptFor) task = c.Value.List;
            else
            {
                var fresh = ComputeRisingAsync(all, newest);
                _rising = (DateTime.UtcNow, newest, ids, fresh);
                // An expired count for the same topics and day is still served while the new one is made.
                task = same && c!.Value.List.IsCompletedSuccessfully ? c.Value.List : fresh;
            }
        }
        return (await task.WaitAsync(ct)).Take(limit).ToList();
    }

    private async Task<List<RisingTopic>> ComputeRisingAsync(IReadOnlyList<Topic> all, DateOnly newest)
    {
        await Task.Yield();   // the caller's lock is released before the counts are awaited
        return Rising(all, await CountsAsync(CancellationToken.None), newest);
    }

    /// <summary>
    /// Papers per topic and board day, for every topic. Reading them takes seconds at 2.5M papers (every placed paper's
    /// topic and day), so one read serves every caller while the store and the map are as they were: the change log's
    /// last sequence and the map's state, both read first. The first caller after a change reads again; callers
    /// meanwhile wait for that same read.
    /// </summary>
    private async Task<List<(int Topic, DateOnly Day, int Papers)>> CountsAsync(CancellationToken ct)
    {
        var state = await topics.StateAsync(ct);
        var key = (await papers.LastChangeSeqAsync(ct), state?.AppliedSeq ?? 0, state?.ComputedAt ?? default);
        Task<List<(int Topic, DateOnly Day, int Papers)>> task;
        lock (_countsLock)
        {
            if (_counts is { } c && c.Key == key && !c.Read.IsFaulted && !c.Read.IsCanceled) task = c.Read;
            else _counts = (key, task = ReadCountsAsync());
        }
        return await task.WaitAsync(ct);
    }

    private async Task<List<(int Topic, DateOnly Day, int Papers)>> ReadCountsAsync()
    {
        await Task.Yield();   // the caller's lock is released before the store is read
        return await topics.TopicDayCountsAsync(ct: CancellationToken.None);
    }

    private readonly System.Threading.Lock _countsLock = new();
    private ((long Seq, long MapSeq, DateTime MapAt) Key, Task<List<(int Topic, DateOnly Day, int Papers)>> Read)? _counts;

    /// <summary>The rising topics from papers counted per topic and board day.</summary>
    internal static List<RisingTopic> Rising(IReadOnlyList<Topic> all, IReadOnlyList<(int Topic, DateOnly Day, int Papers)> counts, DateOnly newest)
    {
        var placed = counts.Where(c => c.Day <= newest).ToList();
        var total = placed.Sum(c => c.Papers);
        var target = Math.Min(RisingMinimum, Math.Max(1, total / 5));
        var window = 28;
        while (window < 36_500 && placed.Where(c => c.Day > newest.AddDays(-window)).Sum(c => c.Papers) < target) window *= 2;
        var recentFrom = newest.AddDays(-window + 1);
        var earlierFrom = recentFrom.AddDays(-3 * window);
        var bucket = Math.Max(1, 4 * window / 12);
        var recentTotal = 0;
        var earlierTotal = 0;
        var perTopic = new Dictionary<int, (int Recent, int Earlier, double[] Series)>();
        foreach (var (topic, day, papers) in placed)
        {
            if (day < earlierFrom) continue;
            if (!perTopic.TryGetValue(topic, out var t)) t = (0, 0, new double[12]);
            if (day >= recentFrom) { t.Recent += papers; recentTotal += papers; }
            else { t.Earlier += papers; earlierTotal += papers; }
            t.Series[Math.Min(11, (day.DayNumber - earlierFrom.DayNumber) / bucket)] += papers;
            perTopic[topic] = t;
        }
        if (recentTotal == 0) return [];
        return all.Select(t =>
            {
                var (r, e, series) = perTopic.GetValueOrDefault(t.Id, (0, 0, new double[12]));
                return new RisingTopic(t, r, r / (double)recentTotal, earlierTotal == 0 ? 0 : e / (double)earlierTotal, series, window);
            })
            .Where(x => x.Recent >= 2)
            .OrderByDescending(x => x.Growth).ThenByDescending(x => x.Recent).ThenBy(x => x.Topic.Id)
            .ToList();
    }

    public const int RisingMinimum = 50;
    private static readonly TimeSpan RisingKeptFor = TimeSpan.FromMinutes(1);
    private readonly System.Threading.Lock _risingLock = new();
    private (DateTime At, DateOnly Newest, int[] TopicIds, Task<List<RisingTopic>> List)? _rising;

    private static int Key(DateOnly day, bool weekly) => weekly ? (day.DayNumber - (int)ISOWeek.ToDateTime(1, 1, DayOfWeek.Monday).Date.Subtract(DateTime.MinValue).TotalDays) / 7 : day.Year * 12 + day.Month - 1;

    private static string LabelOf(int key, bool weekly)
    {
        if (!weekly) return $"{key / 12:0000}-{key % 12 + 1:00}";
        var monday = DateOnly.FromDateTime(ISOWeek.ToDateTime(1, 1, DayOfWeek.Monday)).AddDays(key * 7);
        return $"{ISOWeek.GetYear(monday.ToDateTime(TimeOnly.MinValue)):0000}-W{ISOWeek.GetWeekOfYear(monday.ToDateTime(TimeOnly.MinValue)):00}";
    }
}
