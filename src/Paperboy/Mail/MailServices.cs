using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Paperboy.Mail;

public static class MailServices
{
    /// <summary>
    /// Binds <see cref="SmtpOptions"/> to the <c>Smtp</c> section of <paramref name="configuration"/> (checked at start-up)
    /// and registers <see cref="IMailSender"/> (<see cref="MailKitSender"/>) and <see cref="MailComposer"/> as singletons.
    /// An <see cref="IMailSender"/> registered before this call (a test's) is kept.
    /// </summary>
    public static IServiceCollection AddPaperboyMail(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SmtpOptions>()
            .Bind(configuration.GetSection(SmtpOptions.Section))
            .Validate(o => !string.IsNullOrWhiteSpace(o.Host), "Smtp:Host is empty.")
            .Validate(o => o.Port is > 0 and < 65536, "Smtp:Port must be between 1 and 65535.")
            .Validate(o => Enum.IsDefined(o.Security), "Smtp:Security must be None, StartTls, SslOnConnect or Auto.")
            .Validate(o => IsAddress(o.From), "Smtp:From is not a mail address (expected e.g. 'Paperboy <paperboy@example.org>').")
            .ValidateOnStart();
        services.TryAddSingleton<IMailSender, MailKitSender>();
        services.TryAddSingleton<MailComposer>();
        return services;
    }

    private static bool IsAddress(string? from)
    {
        if (from is null) return false;
        try { MailComposer.ParseFrom(from); return true; }
        catch (InvalidOperationException) { return false; }
    }
}
