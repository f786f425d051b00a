using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Paperboy.Harvesting;

namespace Paperboy.Tests.Harvesting;

/// <summary>
/// The services as the app composes them (<see cref="ArxivServices.AddArxivClient"/> over an <c>Arxiv</c> section),
/// pointed at a replay server, with small intervals and delays so the tests stay fast.
/// </summary>
public static class ArxivTestServices
{
    public static ServiceProvider Build(string apiUrl, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? extra = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Arxiv:ApiBaseUrl"] = apiUrl,
            ["Arxiv:MinInterval"] = "00:00:00",
            ["Arxiv:Timeout"] = "00:00:05",
            ["Arxiv:MaxRetries"] = "3",
            ["Arxiv:RetryBaseDelay"] = "00:00:00.010",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) values["Arxiv:" + k] = v;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection().AddLogging(l => l.ClearProviders());
        extra?.Invoke(services);
        services.AddArxivClient(configuration);
        return services.BuildServiceProvider();
    }

    public static ArxivClient Client(this IServiceProvider sp) => sp.GetRequiredService<ArxivClient>();
}
