using System.Net.Http.Json;
using System.Text.Json;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Semantic;

/// <summary>Searches beyond <c>Search:MaxConcurrent</c> wait their turn: none is lost, none is answered differently.</summary>
public sealed class SearchSlotTests
{
    [Fact]
    public async Task Many_searches_through_one_slot_all_get_the_answer_they_get_alone()
    {
        await using var host = await TestHost.StartAsync(true, "--Search:MaxConcurrent=1");
        string[] queries = ["graph anomaly detection", "diffusion models sampling", "quantile regression ensembles", "eclipsing binary stars"];
        async Task<List<string>> Ids(string q, string mode) =>
            (await host.Client.GetFromJsonAsync<JsonElement>($"/api/search?q={Uri.EscapeDataString(q)}&mode={mode}&limit=10"))
            .GetProperty("results").EnumerateArray().Select(r => r.GetProperty("id").GetString()!).ToList();

        var alone = new Dictionary<(string, string), List<string>>();
        foreach (var q in queries) foreach (var mode in new[] { "hybrid", "lexical", "semantic" }) alone[(q, mode)] = await Ids(q, mode);
        Assert.All(alone, kv => Assert.NotEmpty(kv.Value));

        var together = alone.Keys.SelectMany(k => Enumerable.Repeat(k, 8)).Select(async k => (k, await Ids(k.Item1, k.Item2))).ToList();
        foreach (var (key, ids) in await Task.WhenAll(together)) Assert.Equal(alone[key], ids);
    }
}
