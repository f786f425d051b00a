using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Paperboy.Harvesting;

public static class HarvestServices
{
    /// <summary>
    /// Registers <see cref="HarvestOptions"/> (section <c>Harvest</c>, checked at first use), the typed
    /// <see cref="HarvestHttp"/> client (User-Agent, per-host rate shared with the arXiv client, timeouts, retries
    /// with jitter, Retry-After, circuit breaker), the three harvesters and the <see cref="HarvestRunner"/>.
    /// Needs <see cref="ArxivServices.AddArxivClient"/> and the store.
    /// </summary>
    public static IServiceCollection AddHarvesting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HarvestOptions>().Bind(configuration.GetSection(HarvestOptions.Section)).PostConfigure(o => o.ApplyDefaults());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HarvestOptions>, HarvestOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<HostRateGate>();
        services.AddHttpClient<HarvestHttp>((sp, http) =>
            {
                var o = sp.GetRequiredService<IOptions<HarvestOptions>>().Value;
                var ua = o.UserAgent.Length > 0 ? o.UserAgent : sp.GetRequiredService<IOptions<ArxivOptions>>().Value.UserAgent;
                http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", ua);
                http.Timeout = System.Threading.Timeout.InfiniteTimeSpan;
                http.MaxResponseContentBufferSize = PoliteHttpHandler.MaxResponseBytes;
            })
            .AddHttpMessageHandler(sp => new PoliteHttpHandler(sp.GetRequiredService<HostRateGate>(),
                sp.GetRequiredService<IOptions<HarvestOptions>>().Value.Policy("harvest source"), sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<PoliteHttpHandler>>()));
        services.AddTransient<IHarvester, OaiHarvester>();
        services.AddTransient<IHarvester, ArxivApiHarvester>();
        services.AddTransient<IHarvester, HfDailyHarvester>();
        services.AddTransient<HarvestRunner>();
        return services;
    }

    private sealed class HarvestOptionsValidator : IValidateOptions<HarvestOptions>
    {
        public ValidateOptionsResult Validate(string? name, HarvestOptions options) =>
            options.Problem() is { } p ? ValidateOptionsResult.Fail(p) : ValidateOptionsResult.Success;
    }
}
