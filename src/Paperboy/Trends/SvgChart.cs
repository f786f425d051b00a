using System.Globalization;
using System.Net;
using System.Text;

namespace Paperboy.Trends;

/// <summary>One line of a chart: its name and a value per bucket (the chart's x labels).</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<double> Values);

/// <summary>
/// Line charts as server-rendered SVG: no script, no library. Colours come from the stylesheet (classes
/// <c>series-0</c>…<c>series-7</c> on CSS variables), so the charts follow light and dark mode; the content security
/// policy forbids inline styles anyway. Every text is HTML-encoded. The viewBox fixes the aspect ratio, so the page
/// reserves the chart's space before it is drawn (no layout shift).
/// </summary>
public static class SvgChart
{
    public const int Width = 720, Height = 260;
    private const int Left = 48, Right = 12, Top = 12, Bottom = 28;

    /// <param name="percent">Values are fractions shown as percentages on the axis.</param>
    public static string Lines(string title, IReadOnlyList<string> buckets, IReadOnlyList<ChartSeries> series, bool percent = false, string? id = null)
    {
        var sb = new StringBuilder();
        var titleId = id is null ? "" : $" id=\"{Enc(id)}\"";
        sb.Append($"<figure class=\"chart\"{titleId}><svg viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"{Enc(title)}\" class=\"chart-svg\">");
        var max = series.SelectMany(s => s.Values).DefaultIfEmpty(0).Max();
        var top = NiceMax(max);
        var plotW = Width - Left - Right;
        var plotH = Height - Top - Bottom;
        // Grid and y labels.
        for (var i = 0; i <= 4; i++)
        {
            var v = top * i / 4;
            var y = Top + plotH - plotH * i / 4.0;
            sb.Append($"<line class=\"grid\" x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{F(y)}\" y2=\"{F(y)}\"/>");
            sb.Append($"<text class=\"tick\" x=\"{Left - 6}\" y=\"{F(y + 4)}\" text-anchor=\"end\">{Enc(Label(v, percent))}</text>");
        }
        // X labels: at most about eight, evenly spaced.
        var n = buckets.Count;
        double X(int i) => n <= 1 ? Left + plotW / 2.0 : Left + plotW * i / (double)(n - 1);
        var every = Math.Max(1, (int)Math.Ceiling(n / 8.0));
        for (var i = 0; i < n; i += every)
            sb.Append($"<text class=\"tick\" x=\"{F(X(i))}\" y=\"{Height - 8}\" text-anchor=\"middle\">{Enc(buckets[i])}</text>");
        for (var s = 0; s < series.Count; s++)
        {
            var values = series[s].Values;
            var d = new StringBuilder();
            for (var i = 0; i < Math.Min(n, values.Count); i++)
            {
                var y = Top + plotH - (top <= 0 ? 0 : plotH * values[i] / top);
                d.Append(i == 0 ? 'M' : 'L').Append(F(X(i))).Append(',').Append(F(y));
            }
            if (n == 1 && values.Count == 1) d.Append($"h1");
            sb.Append($"<path class=\"series series-{s % 8}\" d=\"{d}\"><title>{Enc(series[s].Name)}</title></path>");
        }
        sb.Append("</svg><figcaption class=\"legend\">");
        for (var s = 0; s < series.Count; s++)
            sb.Append($"<span class=\"key key-{s % 8}\">{Enc(series[s].Name)}</span>");
        sb.Append("</figcaption></figure>");
        return sb.ToString();
    }

    /// <summary>A small line without axes, for lists (a topic's recent weeks).</summary>
    public static string Sparkline(IReadOnlyList<double> values, string label)
    {
        const int w = 120, h = 28;
        var max = values.DefaultIfEmpty(0).Max();
        var d = new StringBuilder();
        for (var i = 0; i < values.Count; i++)
        {
            var x = values.Count <= 1 ? w / 2.0 : w * i / (double)(values.Count - 1);
            var y = h - 2 - (max <= 0 ? 0 : (h - 4) * values[i] / max);
            d.Append(i == 0 ? 'M' : 'L').Append(F(x)).Append(',').Append(F(y));
        }
        return $"<svg class=\"spark\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{Enc(label)}\"><path class=\"series series-0\" d=\"{d}\"/></svg>";
    }

    private static double NiceMax(double max)
    {
        if (max <= 0) return 1;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(max)));
        foreach (var step in new[] { 1, 2, 2.5, 5, 10 })
            if (step * magnitude >= max) return step * magnitude;
        return 10 * magnitude;
    }

    private static string Label(double v, bool percent) => percent
        ? (v * 100).ToString(v * 100 < 10 ? "0.#" : "0", CultureInfo.InvariantCulture) + " %"
        : v.ToString(v < 10 && v != Math.Floor(v) ? "0.#" : "#,0", CultureInfo.InvariantCulture);

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Enc(string s) => WebUtility.HtmlEncode(s);
}
