using System.Buffers.Binary;
using System.Text;
using Paperboy.Storage;
using Paperboy.Topics;
using Paperboy.Trends;

namespace Paperboy.Api;

/// <summary>Topics, the map's points and trends as JSON (and the points as a compact binary for the map page).</summary>
public static class TopicEndpoints
{
    public const int MaxPointsPage = 50_000;
    public const string PointsMagic = "PBM1";

    public sealed record TopicJson(int Id, string Label, IReadOnlyList<string> Terms, int Size, float X, float Y, string Url);
    public sealed record TopicCountsJson(IReadOnlyList<string> Periods, IReadOnlyList<double> Papers);
    public sealed record TopicDetailJson(TopicJson Topic, int Total, int Limit, int Offset, IReadOnlyList<PaperJson> Papers, TopicCountsJson Weekly, TopicCountsJson Monthly);
    public sealed record TrendSeriesJson(string Term, IReadOnlyList<double> Share);
    public sealed record TrendsJson(IReadOnlyList<string> Months, IReadOnlyList<TrendSeriesJson> Series);

    public static void MapTopicApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Topics");
        api.MapGet("/topics", async (TopicCatalog catalog, HttpRequest req, CancellationToken ct) =>
            TypedResults.Ok(new { topics = (await catalog.AllAsync(ct)).Select(t => Json(t, req)).ToList() }))
            .WithName("Topics").WithSummary("Every topic, largest first, with its label terms and size");
        api.MapGet("/topics/{id}", TopicAsync).WithName("GetTopic").WithSummary("A topic: its papers ranked as a board, and papers per week and month");
        api.MapGet("/map/points", PointsAsync).WithName("MapPoints")
            .WithSummary("One page of map points as binary: 'PBM1', uint32 count, uint32 total, float32 x[count], float32 y[count], uint16 topic[count] (padded to 4 bytes), then the paper ids as UTF-8, one a line; little-endian. Page on with after=<last id>.");
        api.MapGet("/trends", (string? terms, TrendService trends) =>
        {
            var list = TrendService.ParseTerms(terms);
            if (list.Count == 0) return ApiEndpoints.Problem("terms", $"Give one to {TrendService.MaxTerms} terms separated by commas, for example terms=diffusion,GAN.");
            var table = trends.KeywordShares(list);
            return TypedResults.Ok(new TrendsJson(table.Buckets, table.Series.Select(s => new TrendSeriesJson(s.Name, s.Values)).ToList()));
        }).WithName("KeywordTrends").WithSummary("Each term's share of the papers of each month");
    }

    internal static TopicJson Json(Topic t, HttpRequest req) =>
        new(t.Id, t.Label, t.TermList, t.Size, t.X, t.Y, $"{req.Scheme}://{req.Host}{req.PathBase}/topics/{t.Id}");

    private static async Task<IResult> TopicAsync(string id, TopicCatalog catalog, TopicStore store, TrendService trends, HttpRequest req, CancellationToken ct,
        string? limit = null, string? offset = null)
    {
        if (!int.TryParse(id, out var topicId) || await catalog.FindAsync(topicId, ct) is not { } topic)
            return TypedResults.Problem(title: "Topic not found", detail: $"No topic has the id '{id}'.", statusCode: 404);
        if (!ApiEndpoints.TryInt(limit, 50, 1, 200, out var l)) return ApiEndpoints.Problem("limit", "limit must be a whole number from 1 to 200.");
        if (!ApiEndpoints.TryInt(offset, 0, 0, ApiEndpoints.MaxOffset, out var o)) return ApiEndpoints.Problem("offset", $"offset must be a whole number from 0 to {ApiEndpoints.MaxOffset}.");
        var (papers, total) = await store.PapersAsync(topicId, l, o, ct);
        var weekly = await trends.TopicCountsAsync([topic], weekly: true, ct: ct);
        var monthly = await trends.TopicCountsAsync([topic], weekly: false, ct: ct);
        return TypedResults.Ok(new TopicDetailJson(Json(topic, req), total, l, o, papers.Select(p => PaperJson.From(p, req)).ToList(),
            new TopicCountsJson(weekly.Buckets, weekly.Series[0].Values), new TopicCountsJson(monthly.Buckets, monthly.Series[0].Values)));
    }

    private static async Task<IResult> PointsAsync(TopicStore store, CancellationToken ct, string? after = null, string? limit = null)
    {
        if (!ApiEndpoints.TryInt(limit, MaxPointsPage, 1, MaxPointsPage, out var l)) return ApiEndpoints.Problem("limit", $"limit must be a whole number from 1 to {MaxPointsPage}.");
        if (after is { Length: > 64 }) return ApiEndpoints.Problem("after", "after must be a paper id.");
        var total = await store.PointCountAsync(ct);
        var points = await store.PointsAsync(after ?? "", l, ct);
        return TypedResults.Bytes(Encode(points, total), "application/octet-stream");
    }

    /// <summary>The binary page the map page reads (see the summary of <c>MapPoints</c>).</summary>
    public static byte[] Encode(IReadOnlyList<PaperTopic> points, int total)
    {
        var n = points.Count;
        var ids = Encoding.UTF8.GetBytes(string.Join('\n', points.Select(p => p.PaperId)));
        var topicBytes = (n * 2 + 3) / 4 * 4;
        var buffer = new byte[12 + n * 8 + topicBytes + ids.Length];
        Encoding.ASCII.GetBytes(PointsMagic).CopyTo(buffer, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(4), (uint)n);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(8), (uint)total);
        for (var i = 0; i < n; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(12 + i * 4), points[i].X);
            BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(12 + n * 4 + i * 4), points[i].Y);
            BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(12 + n * 8 + i * 2), (ushort)points[i].TopicId);
        }
        ids.CopyTo(buffer, 12 + n * 8 + topicBytes);
        return buffer;
    }
}
