using System.Net.Http.Json;
using System.Text.Json;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Semantic;

/// <summary>The RRF weights are settings: with the semantic weight at zero, hybrid ranks exactly as lexical.</summary>
public sealed class FusionWeightTests
{
    [Fact]
    public async Task A_zero_semantic_weight_makes_hybrid_rank_like_lexical()
    {
        await using var host = await TestHost.StartAsync(true, "--Search:SemanticWeight=0");
        foreach (var q in new[] { "graph anomaly detection", "diffusion models sampling", "quantile regression ensembles" })
        {
            async Task<List<string>> Ids(string mode) =>
                (await host.Client.GetFromJsonAsync<JsonElement>($"/api/search?q={Uri.EscapeDataString(q)}&mode={mode}&limit=10"))
                .GetProperty("results").EnumerateArray().Select(r => r.GetProperty("id").GetString()!).ToList();
            Assert.Equal(await Ids("lexical"), await Ids("hybrid"));
        }
    }
}
