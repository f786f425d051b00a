using System.Globalization;
using Paperboy.Core.Boards;
using Paperboy.Storage;

namespace Paperboy.Digests;

/// <summary>
/// The span of days a digest covers: one UTC day for daily subscriptions, one ISO week (Monday to Sunday) for weekly
/// ones. Its <see cref="Key"/> (<c>daily:2026-11-23</c>, <c>weekly:2026-W47</c>) names it in the outbox.
/// </summary>
public sealed record DigestPeriod(SubscriptionFrequency Frequency, BoardPeriod Days)
{
    public string Key => $"{(Frequency == SubscriptionFrequency.Daily ? "daily" : "weekly")}:{Days.Key}";

    /// <summary>The first instant after the period (UTC midnight after its last day).</summary>
    public DateTimeOffset End => new(Days.Last.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    public string Title => Frequency == SubscriptionFrequency.Daily
        ? Days.First.ToString("dddd, MMMM d, yyyy", CultureInfo.InvariantCulture)
        : $"week {ISOWeek.GetWeekOfYear(Days.First.ToDateTime(TimeOnly.MinValue))} of {ISOWeek.GetYear(Days.First.ToDateTime(TimeOnly.MinValue))} ({Days.First.ToString("MMM d", CultureInfo.InvariantCulture)} – {Days.Last.ToString("MMM d", CultureInfo.InvariantCulture)})";

    /// <summary>The period that holds <paramref name="day"/>.</summary>
    public static DigestPeriod Containing(SubscriptionFrequency frequency, DateOnly day) =>
        new(frequency, frequency == SubscriptionFrequency.Daily ? BoardPeriod.Day(day) : BoardPeriod.Week(day));

    /// <summary>The last whole period before <paramref name="at"/>: yesterday (UTC), or last week.</summary>
    public static DigestPeriod Before(SubscriptionFrequency frequency, DateTimeOffset at) =>
        Containing(frequency, DateOnly.FromDateTime(at.UtcDateTime).AddDays(frequency == SubscriptionFrequency.Daily ? -1 : -7));
}
