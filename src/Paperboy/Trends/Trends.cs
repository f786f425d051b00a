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
public sealed class TrendService(TopicStore topics, IndexHolder indexes)
{
    public const int MaxTerms = 6;

    /// <summary>Papers per topic per period (<paramref name="weekly"/> or monthly) for the given topics, over the periods that have papers.</summary>
    public async Task<TrendTable> TopicCountsAsync(IReadOnlyList<Topic> which, bool weekly, DateOnly? from = null, CancellationToken ct = default)
    {
        var days = await topics.TopicDaysAsync(from, which.Count == 1 ? which[0].Id : null, ct);
        if (days.Count == 0) return new TrendTable([], which.Select(t => new ChartSeries(t.Label, [])).ToList());
        var first = days.Min(d => d.Day);
        var last = days.Max(d => d.Day);
        var keys = new List<int>();
        for (var k = Key(first, weekly); k <= Key(last, weekly); k++) keys.Add(k);
        var index = keys.Select((k, i) => (k, i)).ToDictionary(x => x.k, x => x.i);
        var series = which.Select(t => new ChartSeries(t.Label, new double[keys.Count])).ToList();
        var slot = which.Select((t, i) => (t.Id, i)).ToDictionary(x => x.Id, x => x.i);
        foreach (var (topic, day) in days)
            if (slot.TryGetValue(topic, out var s)) ((double[])series[s].Values)[index[Key(day, weekly)]]++;
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
    /// <see cref="RisingMinimum"/> papers (or a fifth of them), so a quiet or sparse corpus still has a trend. Kept a minute.
    /// </summary>
    public async Task<List<RisingTopic>> RisingAsync(IReadOnlyList<Topic> all, DateOnly newest, int limit, CancellationToken ct = default)
    {
        if (_rising is { } c && c.Newest == newest && c.Topics == all && DateTime.UtcNow - c.At < TimeSpan.FromMinutes(1)) return c.List.Take(limit).ToList();
        var days = await topics.TopicDaysAsync(null, null, ct);
        days.RemoveAll(d => d.Day > newest);
        var target = Math.Min(RisingMinimum, Math.Max(1, days.Count / 5));
        var window = 28;
        while (window < 36_500 && days.Count(d => d.Day > newest.AddDays(-window)) < target) window *= 2;
        var recentFrom = newest.AddDays(-window + 1);
        var earlierFrom = recentFrom.AddDays(-3 * window);
        var recent = days.Where(d => d.Day >= recentFrom).ToList();
        var earlier = days.Where(d => d.Day >= earlierFrom && d.Day < recentFrom).ToList();
        if (recent.Count == 0) return [];
        var bucket = Math.Max(1, 4 * window / 12);
        var list = all.Select(t =>
            {
                var r = recent.Count(d => d.Topic == t.Id);
                var e = earlier.Count(d => d.Topic == t.Id);
                var series = new double[12];
                foreach (var d in days)
                    if (d.Topic == t.Id && d.Day >= earlierFrom) series[Math.Min(11, (d.Day.DayNumber - earlierFrom.DayNumber) / bucket)]++;
                return new RisingTopic(t, r, r / (double)recent.Count, earlier.Count == 0 ? 0 : e / (double)earlier.Count, series, window);
            })
            .Where(x => x.Recent >= 2)
            .OrderByDescending(x => x.Growth).ThenByDescending(x => x.Recent).ThenBy(x => x.Topic.Id)
            .ToList();
        _rising = (DateTime.UtcNow, newest, all, list);
        return list.Take(limit).ToList();
    }

    public const int RisingMinimum = 50;
    private (DateTime At, DateOnly Newest, IReadOnlyList<Topic> Topics, List<RisingTopic> List)? _rising;

    private static int Key(DateOnly day, bool weekly) => weekly ? (day.DayNumber - (int)ISOWeek.ToDateTime(1, 1, DayOfWeek.Monday).Date.Subtract(DateTime.MinValue).TotalDays) / 7 : day.Year * 12 + day.Month - 1;

    private static string LabelOf(int key, bool weekly)
    {
        if (!weekly) return $"{key / 12:0000}-{key % 12 + 1:00}";
        var monday = DateOnly.FromDateTime(ISOWeek.ToDateTime(1, 1, DayOfWeek.Monday)).AddDays(key * 7);
        return $"{ISOWeek.GetYear(monday.ToDateTime(TimeOnly.MinValue)):0000}-W{ISOWeek.GetWeekOfYear(monday.ToDateTime(TimeOnly.MinValue)):00}";
    }
}
