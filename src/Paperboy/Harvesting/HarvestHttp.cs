using System.Net;
using Paperboy.Core.Import;

namespace Paperboy.Harvesting;

/// <summary>Why a harvest could not go on: the source is unavailable or answered something we cannot use.</summary>
public sealed class HarvestException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The HTTP client of the OAI-PMH and Hugging Face harvesters (a typed <see cref="HttpClient"/> behind a
/// <see cref="PoliteHttpHandler"/>: per-host rate, timeouts, retries with jitter, Retry-After, circuit breaker, and
/// the configured User-Agent; see <see cref="HarvestServices"/>). Answers come back as <see cref="ImportSource"/>s
/// for the readers; anything else becomes a <see cref="HarvestException"/>.
/// </summary>
public sealed class HarvestHttp(HttpClient http)
{
    /// <summary>The body of a 200 answer (and of the 4xx answers an OAI-PMH server may wrap its errors in).</summary>
    public async Task<ImportSource> GetAsync(string url, string what, CancellationToken ct, bool acceptClientErrors = false)
    {
        HttpResponseMessage response;
        try { response = await http.GetAsync(url, ct); }
        catch (HttpSourceException e) { throw new HarvestException(e.Message, e); }
        catch (HttpRequestException e) { throw new HarvestException($"{what} could not be reached: {e.Message}", e); }
        using (response)
        {
            var status = (int)response.StatusCode;
            var ok = response.IsSuccessStatusCode || acceptClientErrors && status is >= 400 and < 500 && status != (int)HttpStatusCode.TooManyRequests;
            if (!ok) throw new HarvestException($"{what} answered HTTP {status} {response.ReasonPhrase} for {url}");
            var body = await response.Content.ReadAsByteArrayAsync(ct);
            try { return ImportSource.FromBytes($"{what} {url}", body); }
            catch (ImportException e) { throw new HarvestException($"{what}'s answer could not be read: {e.Message}", e); }
        }
    }
}
