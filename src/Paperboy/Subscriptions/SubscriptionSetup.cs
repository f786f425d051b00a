using Paperboy.Storage;

namespace Paperboy.Subscriptions;

/// <summary>Trending papers by mail: subscriptions with double opt-in and signed links. Needs mail and data protection (registered by the web host).</summary>
public static class SubscriptionSetup
{
    public static IServiceCollection AddSubscriptions(this IServiceCollection services)
    {
        services.AddSingleton<SubscriptionStore>();
        services.AddSingleton<SubscriptionTokens>();
        services.AddSingleton<SubscriptionLinks>();
        services.AddSingleton<SubscriptionMail>();
        return services;
    }
}
