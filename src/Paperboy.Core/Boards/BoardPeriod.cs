using System.Globalization;

namespace Paperboy.Core.Boards;

public enum BoardKind { Daily, Weekly, Monthly }

/// <summary>
/// A board's span of days: a day (<c>2023-10-04</c>), an ISO week (<c>2023-W40</c>) or a month (<c>2023-10</c>),
/// with its neighbours for previous/next navigation.
/// </summary>
public sealed record BoardPeriod(BoardKind Kind, DateOnly First, DateOnly Last)
{
    public static BoardPeriod Day(DateOnly d) => new(BoardKind.Daily, d, d);

    public static BoardPeriod Week(DateOnly d)
    {
        var year = ISOWeek.GetYear(d.ToDateTime(TimeOnly.MinValue));
        var week = ISOWeek.GetWeekOfYear(d.ToDateTime(TimeOnly.MinValue));
        var first = DateOnly.FromDateTime(ISOWeek.ToDateTime(year, week, DayOfWeek.Monday));
        return new(BoardKind.Weekly, first, first.AddDays(6));
    }

    public static BoardPeriod Month(DateOnly d)
    {
        var first = new DateOnly(d.Year, d.Month, 1);
        return new(BoardKind.Monthly, first, first.AddMonths(1).AddDays(-1));
    }

    public static BoardPeriod Containing(BoardKind kind, DateOnly d) => kind switch
    {
        BoardKind.Daily => Day(d),
        BoardKind.Weekly => Week(d),
        _ => Month(d),
    };

    /// <summary>The canonical key: <c>2023-10-04</c>, <c>2023-W40</c> or <c>2023-10</c>.</summary>
    public string Key => Kind switch
    {
        BoardKind.Daily => First.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        BoardKind.Weekly => $"{ISOWeek.GetYear(First.ToDateTime(TimeOnly.MinValue))}-W{ISOWeek.GetWeekOfYear(First.ToDateTime(TimeOnly.MinValue)):00}",
        _ => First.ToString("yyyy-MM", CultureInfo.InvariantCulture),
    };

    public string Title => Kind switch
    {
        BoardKind.Daily => First.ToString("dddd, MMMM d, yyyy", CultureInfo.InvariantCulture),
        BoardKind.Weekly => $"Week {ISOWeek.GetWeekOfYear(First.ToDateTime(TimeOnly.MinValue))} of {ISOWeek.GetYear(First.ToDateTime(TimeOnly.MinValue))} ({First:MMM d} – {Last:MMM d})",
        _ => First.ToString("MMMM yyyy", CultureInfo.InvariantCulture),
    };

    public BoardPeriod Previous => Containing(Kind, First.AddDays(-1));
    public BoardPeriod Next => Containing(Kind, Last.AddDays(1));

    public static bool TryParse(BoardKind kind, string? text, out BoardPeriod period)
    {
        period = null!;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 16) return false;
        var inv = CultureInfo.InvariantCulture;
        switch (kind)
        {
            case BoardKind.Daily:
                if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", inv, DateTimeStyles.None, out var d)) return false;
                period = Day(d);
                return true;
            case BoardKind.Monthly:
                if (!DateOnly.TryParseExact(text + "-01", "yyyy-MM-dd", inv, DateTimeStyles.None, out var m)) return false;
                period = Month(m);
                return true;
            default:
                var parts = text.Split("-W");
                if (parts.Length != 2 || parts[0].Length != 4 || parts[1].Length != 2
                    || !int.TryParse(parts[0], NumberStyles.None, inv, out var y) || !int.TryParse(parts[1], NumberStyles.None, inv, out var w)
                    || y < 1 || w < 1 || w > ISOWeek.GetWeeksInYear(y)) return false;
                period = Week(DateOnly.FromDateTime(ISOWeek.ToDateTime(y, w, DayOfWeek.Monday)));
                return true;
        }
    }

    public static string RouteSegment(BoardKind kind) => kind switch { BoardKind.Daily => "date", BoardKind.Weekly => "week", _ => "month" };
}
