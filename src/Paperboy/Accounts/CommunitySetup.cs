using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.RateLimiting;
using Paperboy.Mail;
using Paperboy.Storage;

namespace Paperboy.Accounts;

/// <summary>
/// Members: ASP.NET Core Identity on our store (confirmed email required, lockout), cookie or API-token
/// authentication, the policies every mutation checks, and the rate limits on sign-in, sign-up, submit, comment and vote.
/// </summary>
public static class CommunitySetup
{
    public const string MemberPolicy = "member";
    public const string AdminPolicy = "admin";
    public const string AdminRole = "admin";

    /// <summary>Rate-limit policies; limits are per client address (and per member where signed in), per node.</summary>
    public static class Limits
    {
        public const string SignIn = "sign-in";
        public const string SignUp = "sign-up";
        public const string Submit = "submit";
        public const string Comment = "comment";
        public const string Vote = "vote";
        public const string Collection = "collection";
        public const string Subscribe = "subscribe";
    }

    public static IServiceCollection AddCommunity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddPaperboyMail(configuration);
        services.AddScoped(sp => sp.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<PaperboyDb>>().CreateDbContext());
        services.AddSingleton<VoteStore>();
        services.AddSingleton<ApiTokenStore>();
        services.AddSingleton<IAccountMail, MailedAccountMail>();
        services.AddIdentity<PaperboyUser, IdentityRole>(IdentityRules)
            .AddEntityFrameworkStores<PaperboyDb>()
            .AddClaimsPrincipalFactory<MemberClaims>()
            .AddDefaultTokenProviders();
        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/account/signin";
            o.LogoutPath = "/account/signout";
            o.AccessDeniedPath = "/error/403";
            o.Cookie.Name = "paperboy.auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.SlidingExpiration = true;
            o.ExpireTimeSpan = TimeSpan.FromDays(30);
            // The API answers 401/403; only pages are sent to the sign-in form.
            o.Events.OnRedirectToLogin = c => Deny(c, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = c => Deny(c, StatusCodes.Status403Forbidden);
        });
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, ApiTokenAuthentication>(ApiTokenAuthentication.Scheme, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(MemberPolicy, p => p.AddAuthenticationSchemes(IdentityConstants.ApplicationScheme, ApiTokenAuthentication.Scheme).RequireAuthenticatedUser())
            .AddPolicy(AdminPolicy, p => p.AddAuthenticationSchemes(IdentityConstants.ApplicationScheme, ApiTokenAuthentication.Scheme).RequireRole(AdminRole));
        services.AddAntiforgery(o =>
        {
            o.HeaderName = "X-CSRF-TOKEN";
            o.Cookie.Name = "paperboy.csrf";
            o.Cookie.SameSite = SameSiteMode.Strict;
        });
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (context, ct) =>
            {
                var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(60);
                context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await Results.Problem(title: "Too many requests", detail: $"Slow down; try again in {(int)Math.Ceiling(retry.TotalSeconds)} s.", statusCode: 429)
                    .ExecuteAsync(context.HttpContext);
            };
            Window(o, Limits.SignIn, 10, TimeSpan.FromMinutes(1));
            Window(o, Limits.SignUp, 5, TimeSpan.FromMinutes(10));
            Window(o, Limits.Submit, 10, TimeSpan.FromMinutes(10));
            Window(o, Limits.Comment, 20, TimeSpan.FromMinutes(10));
            Window(o, Limits.Vote, 120, TimeSpan.FromMinutes(1));
            Window(o, Limits.Collection, 60, TimeSpan.FromMinutes(10));
            Window(o, Limits.Subscribe, 5, TimeSpan.FromMinutes(10));
        });
        return services;
    }

    // Only writes are limited: a page that carries a limited form can still be viewed freely.
    /// <summary>The account rules, shared by the web host and the CLI's <c>admin create</c>.</summary>
    public static void IdentityRules(IdentityOptions o)
    {
        o.SignIn.RequireConfirmedEmail = true;
        o.User.RequireUniqueEmail = true;
        o.Password.RequiredLength = 10;
        o.Password.RequireNonAlphanumeric = false;
        o.Password.RequireUppercase = false;
        o.Password.RequireDigit = false;
        o.Password.RequireLowercase = false;   // length, not composition (NIST SP 800-63B)
        o.Lockout.MaxFailedAccessAttempts = 5;
        o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
    }

    /// <summary>Users and roles without the web host (for the CLI).</summary>
    public static IServiceCollection AddAccountsCore(this IServiceCollection services)
    {
        services.AddScoped(sp => sp.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<PaperboyDb>>().CreateDbContext());
        services.AddIdentityCore<PaperboyUser>(IdentityRules).AddRoles<IdentityRole>().AddEntityFrameworkStores<PaperboyDb>();
        return services;
    }

    private static void Window(RateLimiterOptions o, string name, int permits, TimeSpan window) =>
        o.AddPolicy(name, context => HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)
            ? RateLimitPartition.GetNoLimiter("reads")
            : RateLimitPartition.GetFixedWindowLimiter(
                $"{name}:{context.User.Identity?.Name ?? context.Connection.RemoteIpAddress?.ToString() ?? "unknown"}",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = window, QueueLimit = 0 }));

    private static Task Deny(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> c, int status)
    {
        if (c.Request.Path.StartsWithSegments("/api")) { c.Response.StatusCode = status; return Task.CompletedTask; }
        c.Response.Redirect(c.RedirectUri);
        return Task.CompletedTask;
    }

    /// <summary>
    /// An endpoint filter for cookie-authenticated API writes: they must carry the antiforgery token (header
    /// <c>X-CSRF-TOKEN</c>). Token-authenticated calls carry no ambient credentials and are exempt.
    /// </summary>
    public static RouteHandlerBuilder RequireAntiforgeryForCookies(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (http.User.Identity?.AuthenticationType != ApiTokenAuthentication.Scheme)
            {
                try { await http.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(http); }
                catch (AntiforgeryValidationException)
                {
                    return Results.Problem(title: "Missing or invalid antiforgery token",
                        detail: "Send the X-CSRF-TOKEN header (from the page) with cookie-authenticated requests, or use an API token.", statusCode: 400);
                }
            }
            return await next(context);
        });
}
