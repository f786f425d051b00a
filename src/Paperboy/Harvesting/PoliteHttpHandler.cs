using System.Net;
using Microsoft.Extensions.Logging;

namespace Paperboy.Harvesting;

/// <summary>How one outside service is talked to: its name in messages, the rate, timeouts, retries and circuit breaker.</summary>
public sealed record PoliteHttpPolicy(
    string Service, TimeSpan MinInterval, TimeSpan Timeout, int MaxRetries, TimeSpan RetryBaseDelay, TimeSpan MaxRetryAfter,
    int BreakAfter = 5, TimeSpan BreakFor = default);

public enum HttpSourceFailure
{
    /// <summary>No useful answer in time: timeouts, network errors, an open circuit (5xx/429 answers are returned, not thrown).</summary>
    Unavailable,
    /// <summary>The answer is larger than <see cref="PoliteHttpHandler.MaxResponseBytes"/>.</summary>
    TooLarge,
}

/// <summary>Why <see cref="PoliteHttpHandler"/> gave up on a request; the message is fit to show.</summary>
public sealed class HttpSourceException(HttpSourceFailure kind, string message, HttpStatusCode? status = null, Exception? inner = null)
    : Exception(message, inner)
{
    public HttpSourceFailure Kind { get; } = kind;
    public HttpStatusCode? Status { get; } = status;
}

/// <summary>
/// The resilience of every outside HTTP source, in one small handler: each attempt waits for its turn at the
/// <see cref="HostRateGate"/> (per host), has <see cref="PoliteHttpPolicy.Timeout"/> to deliver headers and body,
/// and is retried (at most <see cref="PoliteHttpPolicy.MaxRetries"/> times) on 5xx, 429, a timeout or a network error,
/// after an exponential back-off with jitter. A Retry-After on the answer (arXiv's OAI-PMH answers 503 with one) holds
/// back every request to that host, and the retry waits for it. When the retries are spent: the last 5xx/429 answer is
/// returned; a timeout or network error becomes an <see cref="HttpSourceException"/>. A run of
/// <see cref="PoliteHttpPolicy.BreakAfter"/> requests failed in a row opens the host's circuit for
/// <see cref="PoliteHttpPolicy.BreakFor"/>: requests then fail at once instead of hammering a host that is down.
/// </summary>
public sealed class PoliteHttpHandler(HostRateGate gate, PoliteHttpPolicy policy, TimeProvider clock, ILogger<PoliteHttpHandler> log)
    : DelegatingHandler
{
    /// <summary>The largest answer we read; an OAI-PMH page of a thousand records is a few megabytes.</summary>
    public const int MaxResponseBytes = 64 * 1024 * 1024;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var o = policy;
        var host = request.RequestUri!.Authority;
        if (gate.OpenFor(host) is { } open)
            throw new HttpSourceException(HttpSourceFailure.Unavailable,
                $"{o.Service} failed {o.BreakAfter} times in a row; not asking again for {Seconds(open)}");
        for (var attempt = 0; ; attempt++)
        {
            HttpResponseMessage? response = null;
            HttpSourceException? failure = null;
            TimeSpan? retryAfter = null;
            using (await gate.EnterAsync(host, o.MinInterval, ct))
            {
                using var timeout = new CancellationTokenSource(o.Timeout, clock);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
                try
                {
                    response = await base.SendAsync(request, linked.Token);
                    // Read the body inside the attempt, so a server that stalls mid-body times out too.
                    if (response.Content.Headers.ContentLength > MaxResponseBytes)
                    {
                        response.Dispose();
                        throw new HttpSourceException(HttpSourceFailure.TooLarge,
                            $"{o.Service}'s answer is larger than {MaxResponseBytes / (1024 * 1024)} MiB", response.StatusCode);
                    }
                    await response.Content.LoadIntoBufferAsync(MaxResponseBytes, linked.Token);
                }
                catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
                {
                    failure = new HttpSourceException(HttpSourceFailure.Unavailable,
                        $"{o.Service} did not answer within {Seconds(o.Timeout)} ({Attempts(attempt)})", inner: e);
                }
                catch (HttpRequestException e)
                {
                    failure = new HttpSourceException(HttpSourceFailure.Unavailable,
                        $"{o.Service} could not be reached: {e.Message} ({Attempts(attempt)})", (HttpStatusCode?)e.StatusCode, e);
                }
                if (failure is not null)
                {
                    response?.Dispose();
                    response = null;
                }
                else if (!IsTransient(response!.StatusCode))
                {
                    gate.Succeeded(host);
                    return response;
                }
                else
                {
                    retryAfter = RetryAfter(response);
                    if (retryAfter is { } ra && ra <= o.MaxRetryAfter) gate.Defer(host, ra);
                }
            }

            if (attempt >= o.MaxRetries || retryAfter > o.MaxRetryAfter)
            {
                gate.Failed(host, o.BreakAfter, o.BreakFor);
                if (response is not null) return response;
                throw failure!;
            }
            var backoff = Backoff(o.RetryBaseDelay, attempt);
            log.LogWarning("{Service} attempt {Attempt} for {Uri} failed ({Why}); retrying in {Backoff} ms{After}", o.Service, attempt + 1, request.RequestUri,
                failure?.Message ?? $"HTTP {(int)response!.StatusCode}", (int)backoff.TotalMilliseconds,
                retryAfter is { } wait ? $", not before the {wait.TotalSeconds:0.#} s Retry-After" : "");
            response?.Dispose();
            await Task.Delay(backoff, clock, ct);
        }
    }

    public static bool IsTransient(HttpStatusCode status) => (int)status >= 500 || status == HttpStatusCode.TooManyRequests;

    /// <summary>The back-off before retry number <paramref name="attempt"/>+1: base·2^attempt, ±25% jitter, at most a minute.</summary>
    public static TimeSpan Backoff(TimeSpan baseDelay, int attempt)
    {
        var exp = baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 16));
        var jittered = exp * (0.75 + Random.Shared.NextDouble() * 0.5);
        return TimeSpan.FromMilliseconds(Math.Min(jittered, 60_000));
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var h = response.Headers.RetryAfter;
        if (h?.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (h?.Date is { } date)
        {
            var d = date - clock.GetUtcNow();
            return d < TimeSpan.Zero ? TimeSpan.Zero : d;
        }
        return null;
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds >= 1 ? $"{t.TotalSeconds:0.#} s" : $"{t.TotalMilliseconds:0} ms";

    private static string Attempts(int attempt) => attempt == 0 ? "1 attempt" : $"{attempt + 1} attempts";
}
