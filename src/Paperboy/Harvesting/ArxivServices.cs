using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Paperboy.Harvesting;

public static class ArxivServices
{
    /// <summary>
    /// Registers <see cref="ArxivOptions"/> (section <c>Arxiv</c>, checked at first use), the process-wide
    /// <see cref="HostRateGate"/>, the typed <see cref="ArxivClient"/> (User-Agent, Accept, per-attempt timeout,
    /// retries with back-off and jitter, Retry-After, rate limit) and <see cref="PaperSubmission"/> (transient, like
    /// the typed client it holds; it needs the <c>PaperStore</c> that <c>AddPaperboy</c> registers).
    /// </summary>
    public static IServiceCollection AddArxivClient(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ArxivOptions>()
            .Bind(configuration.GetSection(ArxivOptions.Section));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ArxivOptions>, ArxivOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<HostRateGate>();
        services.AddHttpClient<ArxivClient>((sp, http) =>
            {
                var o = sp.GetRequiredService<IOptions<ArxivOptions>>().Value;
                http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", o.UserAgent);
                http.DefaultRequestHeaders.TryAddWithoutValidation("Accept", "application/atom+xml");
                // Each attempt has its own timeout in the handler; the caller's token bounds the whole fetch.
                http.Timeout = System.Threading.Timeout.InfiniteTimeSpan;
                http.MaxResponseContentBufferSize = PoliteHttpHandler.MaxResponseBytes;
            })
            .AddHttpMessageHandler(sp =>
            {
                var o = sp.GetRequiredService<IOptions<ArxivOptions>>().Value;
                return new PoliteHttpHandler(sp.GetRequiredService<HostRateGate>(), o.Policy(), sp.GetRequiredService<TimeProvider>(),
                    sp.GetRequiredService<ILogger<PoliteHttpHandler>>());
            });
        services.AddTransient<PaperSubmission>();
        return services;
    }

    private sealed class ArxivOptionsValidator : IValidateOptions<ArxivOptions>
    {
        public ValidateOptionsResult Validate(string? name, ArxivOptions options) =>
            options.Problem() is { } p ? ValidateOptionsResult.Fail(p) : ValidateOptionsResult.Success;
    }
}
