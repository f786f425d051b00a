using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Paperboy.Pages;

/// <summary>The friendly page behind a 404 or any other error status on a page (the API answers with problem+json instead).</summary>
[Microsoft.AspNetCore.Mvc.IgnoreAntiforgeryToken]   // it re-renders failed requests, forged POSTs included
public sealed class ErrorModel : PageModel
{
    public string Heading { get; private set; } = "";
    public string Message { get; private set; } = "";

    // No parameters: binding would read the (possibly forged) form of the request being re-rendered.
    public void OnPost() => OnGet(int.TryParse(RouteData.Values["code"]?.ToString(), out var code) ? code : 500);

    public void OnGet(int code)
    {
        // An exception re-executes /error/500 with the status it chose already set (413 for a body too large, 503 for a
        // store outage): say that one.
        if (Response.StatusCode >= 400) code = Response.StatusCode;
        if (HttpContext.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>() is { } failure
            && Paperboy.Storage.StorageSetup.IsUnavailable(failure.Error))
            Response.Headers.RetryAfter = "5";
        (Heading, Message) = code switch
        {
            404 => ("Not found", "There is no page or paper at this address."),
            403 => ("Not allowed", "Your account may not open this page."),
            401 => ("Sign in first", "This page is for members: sign in to see it."),
            400 => ("Bad request", "Something in that address was not understood."),
            413 => ("Too large", "That request was larger than Paperboy accepts (at most 1 MiB)."),
            429 => ("Slow down", "Too many requests; please try again in a moment."),
            503 => ("Unavailable", "Paperboy is starting or its store is unavailable; please try again shortly."),
            _ => ("Something went wrong", "The error has been logged."),
        };
    }
}
