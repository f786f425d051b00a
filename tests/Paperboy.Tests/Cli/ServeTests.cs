using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Cli;

/// <summary><c>paperboy serve</c> on real Kestrel over an empty data directory: it seeds the demo corpus and answers.</summary>
public sealed class ServeTests
{
    [Fact]
    public async Task Serve_on_an_empty_data_dir_is_healthy_within_60_s_and_serves_the_demo_boards()
    {
        var clock = Stopwatch.StartNew();
        await using var server = await ServerProcess.StartAsync(TimeSpan.FromSeconds(60));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"healthy after {clock.Elapsed}");

        var health = JsonDocument.Parse(await server.Client.GetStringAsync("healthz")).RootElement;
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal(257, health.GetProperty("papers").GetInt32());

        var board = await server.Client.GetAsync("api/boards/daily?date=2023-10-04");
        Assert.Equal(HttpStatusCode.OK, board.StatusCode);
        Assert.Contains("Rayleigh Quotient Graph Neural Networks for Graph-level Anomaly Detection", await board.Content.ReadAsStringAsync());

        var page = await server.Client.GetAsync("");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.False(page.Headers.Contains("Server"), "Kestrel should not announce itself");

        var problem = await server.Client.GetAsync("api/search?q=graph&limit=-1");
        Assert.Equal(HttpStatusCode.BadRequest, problem.StatusCode);
        Assert.Equal("application/problem+json", problem.Content.Headers.ContentType?.MediaType);

        Assert.True(File.Exists(Path.Combine(server.DataDir, "paperboy.db")), "the store was not created in --data");
    }
}
