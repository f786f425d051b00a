using Paperboy.Digests;
using Paperboy.Subscriptions;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;
using Paperboy.Accounts;
using Paperboy.Api;
using Paperboy.Importing;
using Paperboy.Indexing;
using Paperboy.Storage;

namespace Paperboy.Hosting;

/// <summary>Builds the ASP.NET Core host: pages, JSON API, health, OpenAPI. Used by <c>paperboy serve</c> and by the tests.</summary>
public static class WebApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // Pages and static files belong to this assembly wherever it is hosted (the CLI, or a test runner).
            ApplicationName = typeof(WebApp).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        builder.Configuration.AddEnvironmentVariables("PAPERBOY_");
        configure?.Invoke(builder);
        ConfigureServices(builder);
        var app = builder.Build();
        ConfigurePipeline(app);
        return app;
    }

    public static void ConfigureServices(WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddPaperboy(builder.Configuration);
        services.AddCommunity(builder.Configuration);
        services.AddSubscriptions();
        services.AddSingleton<Subscriptions.ConfirmationMailer>();
        services.AddHostedService(sp => sp.GetRequiredService<Subscriptions.ConfirmationMailer>());
        services.AddDigests(builder.Configuration);
        services.AddHostedService<DigestScheduler>();   // does nothing when Digests:Enabled is false
        services.AddHostedService<Harvesting.HarvestScheduler>();   // does nothing when Harvest:Schedule is empty
        services.AddScoped<Paperboy.Pages.ViewerVotes>();
        services.AddSingleton<Paperboy.Pages.BoardViews>();
        services.AddSingleton<Paperboy.Topics.TopicCatalog>().AddScoped<Paperboy.Topics.CardTopics>();
        services.AddSingleton<Paperboy.Trends.TrendService>();
        services.AddSingleton<CommentStore>().AddSingleton<CollectionStore>();
        services.AddHttpContextAccessor();
        services.AddSingleton<ChangeSignal>();
        services.AddSingleton<ChangeListener>();       // PostgreSQL only: LISTEN for commits on any node
        services.AddHostedService(sp => sp.GetRequiredService<ChangeListener>());
        services.AddHostedService<IndexFollower>();
        services.AddHostedService<EnrichmentCatchUp>();   // papers enriched under older rules, once the indexes are ready
        services.AddRazorPages();
        services.AddProblemDetails(o => o.CustomizeProblemDetails = Describe);
        // A body or parameter the API cannot bind is thrown rather than answered with a bare 400, so that the exception
        // handler's problem says what was wrong (Describe).
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddOpenApi();
        services.AddHealthChecks();
        services.AddPaperboyDataProtection(builder.Configuration);
        services.Configure<RouteOptions>(o => o.LowercaseUrls = true);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 1024 * 1024;
            // Long query strings reach the application, which answers them with a clear 400 instead of Kestrel's bare 414.
            k.Limits.MaxRequestLineSize = 64 * 1024;
            k.Limits.MaxRequestHeadersTotalSize = 96 * 1024;
            // Slowloris: a client that dribbles its headers or its body is cut off, so it cannot hold a connection open.
            k.Limits.RequestHeadersTimeout = builder.Configuration.GetValue("RequestHeadersTimeout", TimeSpan.FromSeconds(10));
            k.Limits.MinRequestBodyDataRate = new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(5));
        });
    }

    public static void ConfigurePipeline(WebApplication app)
    {
        // The API and health answer errors with problem+json; pages with a friendly HTML page.
        app.UseWhen(IsApi, api =>
        {
            api.UseExceptionHandler(new ExceptionHandlerOptions { StatusCodeSelector = StatusFor });
            api.UseStatusCodePages();
        });
        app.UseWhen(c => !IsApi(c), pages =>
        {
            pages.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandlingPath = "/error/500", StatusCodeSelector = StatusFor });
            pages.UseStatusCodePagesWithReExecute("/error/{0}");
        });
        app.Use(async (context, next) =>
        {
            var h = context.Response.Headers;
            h.XContentTypeOptions = "nosniff";
            h.XFrameOptions = "DENY";
            h["Referrer-Policy"] = "same-origin";
            h.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'";
            await next();
        });
        app.Use(RefuseOversizedBody);
        app.UseStaticFiles();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseAntiforgery();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapPaperboyApi();
        app.MapCommunityApi();
        app.MapCommentApi();
        app.MapCollectionApi();
        app.MapRecommendationApi();
        app.MapTopicApi();
        Feeds.FeedEndpoints.MapFeeds(app);
        app.MapRazorPages();
    }

    /// <summary>
    /// A body over the server's limit is a 413 before anything else reads it: otherwise the first reader decides what
    /// its failure looks like (the antiforgery check of a form page answers a 400). A declared length is checked at
    /// once; a form sent without one (chunked) is read here, where the limit stops it (the form is kept for the page).
    /// </summary>
    private static async Task RefuseOversizedBody(HttpContext context, RequestDelegate next)
    {
        // Not again when the error page re-runs the request to describe this very refusal.
        if (context.Features.Get<IExceptionHandlerFeature>() is null)
        {
            var max = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
            if (context.Request.ContentLength is { } length && length > max)
                throw new BadHttpRequestException($"The request body is {length:N0} bytes; at most {max:N0} are accepted.", StatusCodes.Status413PayloadTooLarge);
            if (context.Request.ContentLength is null && context.Request.HasFormContentType)
            {
                try { await context.Request.ReadFormAsync(context.RequestAborted); }
                catch (Exception e) when (e is InvalidDataException or IOException && e is not BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
                {
                    // A malformed form is the page's to refuse, as it would be with a declared length. (BadHttpRequestException
                    // is an IOException: the 413 must not be caught here.)
                }
            }
        }
        await next(context);
    }

    /// <summary>
    /// A store outage says so, with Retry-After. A request the server refused (a body that is not the JSON asked for, too
    /// deep, too large, …) says why: the framework's own message, plus the JSON reader's, which names the position. Any
    /// other exception stays a bare 500.
    /// </summary>
    private static void Describe(ProblemDetailsContext context)
    {
        // A store that cannot answer now (locked, unreachable) is a 503 (StatusFor) that says so and when to come back.
        if (context.Exception is { } e && StorageSetup.IsUnavailable(e))
        {
            context.ProblemDetails.Title = "Store unavailable";
            context.ProblemDetails.Detail = "The database is not answering (locked or unreachable); please try again shortly.";
            context.HttpContext.Response.Headers.RetryAfter = "5";
            return;
        }
        if (context.Exception is not BadHttpRequestException bad || context.ProblemDetails.Detail is not null) return;
        context.ProblemDetails.Detail = bad.InnerException is System.Text.Json.JsonException json ? $"{bad.Message} {json.Message}" : bad.Message;
    }

    private static bool IsApi(HttpContext c) =>
        c.Request.Path.StartsWithSegments("/api") || c.Request.Path.StartsWithSegments("/healthz") || c.Request.Path.StartsWithSegments("/metrics") || c.Request.Path.StartsWithSegments("/openapi");

    private static int StatusFor(Exception e) => e switch
    {
        BadHttpRequestException b => b.StatusCode,
        OperationCanceledException => StatusCodes.Status499ClientClosedRequest,
        _ when StorageSetup.IsUnavailable(e) => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>Prepares the store before the first request: migrations, then the demo corpus on an empty store.</summary>
    public static async Task InitialiseAsync(IServiceProvider services, CancellationToken ct = default)
    {
        var options = services.GetRequiredService<IOptions<PaperboyOptions>>().Value;
        var store = services.GetRequiredService<PaperStore>();
        await store.MigrateAsync(ct);
        if (options.SeedDemo)
            await DemoCorpus.SeedIfEmptyAsync(store, services.GetRequiredService<PaperImporter>(),
                services.GetRequiredService<ILoggerFactory>().CreateLogger("Paperboy.Demo"), ct);
    }
}
