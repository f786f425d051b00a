using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Paperboy.Harvesting;

/// <summary>
/// The resilience of the arXiv client, in one small handler: each attempt waits for its turn at the
/// <see cref="ArxivRateGate"/>, has <see cref="ArxivOptions.Timeout"/> to deliver headers and body, and is retried
/// (at most <see cref="ArxivOptions.MaxRetries"/> times) on 5xx, 429, a timeout or a network error, after an
/// exponential back-off with jitter. A Retry-After on the answer holds back every request of the process.
/// When the retries are spent: the last 5xx/429 answer is returned; a timeout or network error becomes an
/// <see cref="ArxivException"/> of kind <see cref="ArxivErrorKind.Unavailable"/>.
/// </summary>
public sealed class ArxivResilienceHandler(ArxivRateGate gate, IOptions<ArxivOptions> options, TimeProvider clock, ILogger<ArxivResilienceHandler> log)
    : DelegatingHandler
{
    /// <summary>The largest answer we read; one entry of arXiv metadata is a few kilobytes.</summary>
    public const int MaxResponseBytes = 16 * 1024 * 1024;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var o = options.Value;
        for (var attempt = 0; ; attempt++)
        {
            HttpResponseMessage? response = null;
            Exception? failure = null;
            TimeSpan? retryAfter = null;
            using (await gate.EnterAsync(ct))
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
                        throw new ArxivException(ArxivErrorKind.BadResponse,
                            $"arXiv's answer is larger than {MaxResponseBytes / (1024 * 1024)} MiB", response.StatusCode);
                    }
                    await response.Content.LoadIntoBufferAsync(MaxResponseBytes, linked.Token);
                }
                catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
                {
                    failure = new ArxivException(ArxivErrorKind.Unavailable,
                        $"arXiv did not answer within {Seconds(o.Timeout)} ({Attempts(attempt)})", inner: e);
                }
                catch (HttpRequestException e)
                {
                    failure = new ArxivException(ArxivErrorKind.Unavailable,
                        $"arXiv could not be reached: {e.Message} ({Attempts(attempt)})", (HttpStatusCode?)e.StatusCode, e);
                }
                if (failure is not null)
                {
                    response?.Dispose();
                    response = null;
                }
                else if (!IsTransient(response!.StatusCode)) return response;
                else
                {
                    retryAfter = RetryAfter(response);
                    if (retryAfter is { } ra && ra <= o.MaxRetryAfter) gate.Defer(ra);
                }
            }

            if (attempt >= o.MaxRetries || retryAfter > o.MaxRetryAfter)
            {
                if (response is not null) return response;
                throw failure!;
            }
            var backoff = Backoff(o.RetryBaseDelay, attempt);
            log.LogWarning("arXiv attempt {Attempt} for {Uri} failed ({Why}); retrying in {Backoff} ms{After}", attempt + 1, request.RequestUri,
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
