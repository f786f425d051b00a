using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Paperboy.Storage;

namespace Paperboy.Digests;

/// <summary>The digests: outbox, job lock, composition, rendering, sending. Needs mail, subscriptions and data protection.</summary>
public static class DigestSetup
{
    public static IServiceCollection AddDigests(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DigestOptions>().Bind(configuration.GetSection(DigestOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DigestOptions>, Validation>();
        services.TryAddSingleton<VoteStore>();
        services.AddSingleton<DigestOutbox>();
        services.AddSingleton<DigestComposer>();
        services.AddSingleton<DigestMail>();
        services.AddSingleton<DigestSender>();
        services.AddSingleton<DigestRun>();
        return services;
    }

    private sealed class Validation : IValidateOptions<DigestOptions>
    {
        public ValidateOptionsResult Validate(string? name, DigestOptions options) =>
            options.Problem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
    }
}
