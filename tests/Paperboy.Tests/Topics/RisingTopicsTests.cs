using Paperboy.Storage;
using Paperboy.Trends;

namespace Paperboy.Tests.Topics;

/// <summary>
/// Rising topics are counted from papers per topic and day, not from a row per paper (2.5M rows made the front page
/// take seconds). The counts must give what one row per paper gives: this is the straightforward computation, kept
/// here as the reference.
/// </summary>
public sealed class RisingTopicsTests
{
    private static List<RisingTopic> Reference(IReadOnlyList<Topic> all, List<(int Topic, DateOnly Day)> days, DateOnly newest)
    {
        days = days.Where(d => d.Day <= newest).ToList();
        var target = Math.Min(TrendService.RisingMinimum, Math.Max(1, days.Count / 5));
        var window = 28;
        while (window < 36_500 && days.Count(d => d.Day > newest.AddDays(-window)) < target) window *= 2;
        var recentFrom = newest.AddDays(-window + 1);
        var earlierFrom = recentFrom.AddDays(-3 * window);
        var recent = days.Where(d => d.Day >= recentFrom).ToList();
        var earlier = days.Where(d => d.Day >= earlierFrom && d.Day < recentFrom).ToList();
        if (recent.Count == 0) return [];
        var bucket = Math.Max(1, 4 * window / 12);
        return all.Select(t =>
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
    }

    [Theory]
    [InlineData(1, 40, 30)]        // sparse: the window widens
    [InlineData(2, 5000, 400)]     // dense
    [InlineData(3, 3000, 3000)]    // years of papers
    [InlineData(4, 0, 100)]        // nothing placed
    public void Counting_per_topic_and_day_gives_what_a_row_per_paper_gives(int seed, int papers, int spanDays)
    {
        var random = new Random(seed);
        var all = Enumerable.Range(1, 12).Select(i => new Topic { Id = i, Terms = $"t{i}", Size = 1 }).ToList();
        var newest = new DateOnly(2025, 6, 30);
        // Some topics rise late in the span, some papers come after the newest day (and must not count).
        var rows = Enumerable.Range(0, papers).Select(_ =>
        {
            var day = newest.AddDays(-random.Next(spanDays) + (random.Next(20) == 0 ? 3 : 0));
            var topic = day > newest.AddDays(-spanDays / 4) && random.Next(3) == 0 ? 1 + random.Next(3) : 1 + random.Next(12);
            return (topic, day);
        }).ToList();
        var counts = rows.GroupBy(r => r).Select(g => (g.Key.topic, g.Key.day, g.Count())).ToList();

        var expected = Reference(all, rows, newest);
        var actual = TrendService.Rising(all, counts, newest);
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Topic.Id, actual[i].Topic.Id);
            Assert.Equal(expected[i].Recent, actual[i].Recent);
            Assert.Equal(expected[i].RecentShare, actual[i].RecentShare, 12);
            Assert.Equal(expected[i].EarlierShare, actual[i].EarlierShare, 12);
            Assert.Equal(expected[i].Series, actual[i].Series);
            Assert.Equal(expected[i].WindowDays, actual[i].WindowDays);
        }
        if (papers > 1000) Assert.NotEmpty(actual);
    }
}
