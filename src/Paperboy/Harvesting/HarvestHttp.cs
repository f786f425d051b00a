using System.Net;
using Paperboy.Core.Import;

namespace Paperboy.Harvesting;

/// <summary>Why a harvest could not go on: the source is unavailable or answered something we cannot use.</summary>
public sealed class HarvestException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The HTTP client of the OAI-PMH and Hugging Face harvesters (a typed <see cref="HttpClient"/> behind a
/// <see cref="PoliteHttpHandler"/>: per-host rate, timeouts, retries with jitter, Retry-After, circuit breaker, and
/// the configured User-Agent; see <see cref="HarvestServices"/>). An answer is read by the caller's reader here, so
/// every failure (no answer, an HTTP error, a page that does not parse) becomes one <see cref="HarvestException"/>
/// that names the page's URL and, for a page that does not parse, the line and column where it broke.
/// </summary>
public sealed class HarvestHttp(HttpClient http)
{
    /// <summary>
    /// Fetches <paramref name="url"/> and reads it with <paramref name="read"/>. Only a 200 answer is read (and the 4xx
    /// answers an OAI-PMH server may wrap its errors in, with <paramref name="acceptClientErrors"/>).
    /// </summary>
    public async Task<T> ReadAsync<T>(string url, string what, Func<ImportSource, T> read, CancellationToken ct, bool acceptClientErrors = false)
    {
        HttpResponseMessage response;
        try { response = await http.GetAsync(url, ct); }
        catch (HttpSourceException e) { throw new HarvestException($"{e.Message}; asked for {url}", e); }
        catch (HttpRequestException e) { throw new HarvestException($"{what} could not be reached: {e.Message}; asked for {url}", e); }
        using (response)
        {
            var status = (int)response.StatusCode;
            var ok = response.IsSuccessStatusCode || acceptClientErrors && status is >= 400 and < 500 && status != (int)HttpStatusCode.TooManyRequests;
            if (!ok) throw new HarvestException($"{what} answered HTTP {status} {response.ReasonPhrase} for {url}");
            // The handler has buffered the whole body within its timeout: this read does not wait on the network.
            var body = await response.Content.ReadAsByteArrayAsync(ct);
            try { return read(ImportSource.FromBytes($"{what} {url}", body)); }
            catch (ImportException e)
            {
                throw new HarvestException($"{what}'s page {url} is malformed at {e.Position}: {e.Reason}; nothing of it was stored, and the next run asks for it again", e);
            }
        }
    }
}
