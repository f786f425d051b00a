using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Paperboy.Search.Embedding;

/// <summary>Where an <see cref="HttpEmbedder"/> sends its texts.</summary>
/// <param name="BaseUrl">The server, e.g. http://localhost:11434 or https://api.openai.com; texts are posted to
/// {BaseUrl}/v1/embeddings (a BaseUrl that already ends in /v1 is not given a second one).</param>
/// <param name="Model">The model name sent with every request.</param>
/// <param name="ApiKey">Sent as a Bearer token when set.</param>
/// <param name="Dimension">The vector size; null finds it by embedding a probe text on first use, and keeps it.</param>
/// <param name="BatchSize">Texts per request.</param>
/// <param name="Timeout">How long one request may take (default 60 s).</param>
public sealed record HttpEmbedderOptions(
    string BaseUrl, string Model, string? ApiKey = null, int? Dimension = null, int BatchSize = 64, TimeSpan? Timeout = null);

/// <summary>
/// An OpenAI-compatible embeddings endpoint: POST {"model": ..., "input": [texts]} to /v1/embeddings, answered by
/// {"data": [{"embedding": [...], "index": i}, ...]}. Every vector is checked (count, dimension, NaN) and
/// L2-normalised; anything unusable throws <see cref="EmbedderException"/> and nothing of that call is returned.
/// The <see cref="HttpClient"/> is the host's (so it can be a resilient one) and is not disposed here.
/// </summary>
public sealed class HttpEmbedder : IEmbedder
{
    private const string ProbeText = "dimension probe";
    private const int ExcerptLength = 200;
    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly TimeSpan _timeout;
    private readonly string _source;
    private readonly SemaphoreSlim _probeLock = new(1, 1);
    private volatile int _dimension;

    public HttpEmbedderOptions Options { get; }

    public HttpEmbedder(HttpClient http, HttpEmbedderOptions options)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Model)) throw new ArgumentException("the embedding model name is empty", nameof(options));
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), $"BatchSize must be at least 1; it is {options.BatchSize}");
        if (options.Dimension is < 1) throw new ArgumentOutOfRangeException(nameof(options), $"Dimension must be at least 1; it is {options.Dimension}");
        if (options.Timeout is { } t && t <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(options), $"Timeout must be positive; it is {t}");
        _http = http;
        Options = options;
        _endpoint = Endpoint(options.BaseUrl);
        _timeout = options.Timeout ?? TimeSpan.FromSeconds(60);
        _dimension = options.Dimension ?? 0;
        _source = $"embedding endpoint {_endpoint} (model {options.Model})";
    }

    /// <summary>The vector size: from the options, or else found by a probe request the first time it is asked for (which blocks; call <see cref="DiscoverDimensionAsync"/> at start-up to avoid that).</summary>
    public int Dimension => _dimension > 0 ? _dimension : DiscoverDimensionAsync().GetAwaiter().GetResult();

    public string Identity => $"http:{Options.Model}:{Dimension}";

    /// <summary>The vector size, embedding a probe text once when the options did not give it.</summary>
    public async Task<int> DiscoverDimensionAsync(CancellationToken ct = default)
    {
        if (_dimension > 0) return _dimension;
        await _probeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_dimension > 0) return _dimension;
            var raw = await PostAsync([ProbeText], ct).ConfigureAwait(false);
            var length = raw[0].Length;
            if (length == 0) throw new EmbedderException($"{_source} returned an empty vector for a probe text");
            EmbedderText.Checked(raw[0], length, _source);
            _dimension = length;
            return length;
        }
        finally
        {
            _probeLock.Release();
        }
    }

    /// <summary>One unit vector per text, in order; null for an empty text, which is not sent.</summary>
    public async Task<float[]?[]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var result = new float[]?[texts.Count];
        var wanted = Enumerable.Range(0, texts.Count).Where(i => !string.IsNullOrWhiteSpace(texts[i])).ToArray();
        if (wanted.Length == 0) return result;
        var dimension = await DiscoverDimensionAsync(ct).ConfigureAwait(false);
        var vectors = new float[wanted.Length][];
        for (var start = 0; start < wanted.Length; start += Options.BatchSize)
        {
            var batch = wanted.Skip(start).Take(Options.BatchSize).Select(i => texts[i]).ToArray();
            var raw = await PostAsync(batch, ct).ConfigureAwait(false);
            for (var j = 0; j < raw.Length; j++) vectors[start + j] = EmbedderText.Checked(raw[j], dimension, _source);
        }
        for (var k = 0; k < wanted.Length; k++) result[wanted[k]] = vectors[k];
        return result;
    }

    /// <summary>Posts one batch and returns its vectors as they came, ordered by index; throws on anything malformed.</summary>
    private async Task<float[][]> PostAsync(IReadOnlyList<string> texts, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_timeout);
        string body;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint);
            request.Content = new StringContent(JsonSerializer.Serialize(new Dictionary<string, object> { ["model"] = Options.Model, ["input"] = texts }), Encoding.UTF8, "application/json");
            if (!string.IsNullOrEmpty(Options.ApiKey)) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Options.ApiKey);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw new EmbedderException($"{_source} answered {(int)response.StatusCode} {response.ReasonPhrase}: {Excerpt(body)}");
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new EmbedderException($"{_source} did not answer within {_timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s", e);
        }
        catch (HttpRequestException e)
        {
            throw new EmbedderException($"{_source} could not be reached: {e.Message}", e);
        }
        return Parse(body, texts.Count);
    }

    private float[][] Parse(string body, int count)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            throw new EmbedderException($"{_source} answered with malformed JSON ({e.Message}): {Excerpt(body)}", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
                throw new EmbedderException($"{_source} answered without a \"data\" array: {Excerpt(body)}");
            var n = data.GetArrayLength();
            if (n != count) throw new EmbedderException($"{_source} returned {n} embeddings for {count} texts");
            var result = new float[count][];
            var position = 0;
            foreach (var item in data.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("embedding", out var embedding) || embedding.ValueKind != JsonValueKind.Array)
                    throw new EmbedderException($"{_source} returned an item without an \"embedding\" array (item {position})");
                var index = position;
                if (item.TryGetProperty("index", out var indexElement) && !(indexElement.ValueKind == JsonValueKind.Number && indexElement.TryGetInt32(out index)))
                    throw new EmbedderException($"{_source} returned an item whose index is not a whole number (item {position})");
                if (index < 0 || index >= count) throw new EmbedderException($"{_source} returned index {index} for {count} texts");
                if (result[index] is not null) throw new EmbedderException($"{_source} returned index {index} twice");
                result[index] = Numbers(embedding, index);
                position++;
            }
            return result;
        }
    }

    private float[] Numbers(JsonElement embedding, int index)
    {
        var v = new float[embedding.GetArrayLength()];
        var i = 0;
        foreach (var x in embedding.EnumerateArray())
        {
            v[i++] = x.ValueKind switch
            {
                // A number too large for a double is an infinity, caught by EmbedderText.Checked like NaN.
                JsonValueKind.Number => x.TryGetDouble(out var d) ? (float)d : float.PositiveInfinity,
                // Some servers write NaN and infinities as strings; they are caught by EmbedderText.Checked.
                JsonValueKind.String when float.TryParse(x.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var f) => f,
                _ => throw new EmbedderException($"{_source} returned a non-number in embedding {index}: {Excerpt(x.GetRawText())}"),
            };
        }
        return v;
    }

    private static Uri Endpoint(string baseUrl)
    {
        if (!Uri.TryCreate(baseUrl?.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"the embedding endpoint must be an http(s) URL; it is \"{baseUrl}\"", nameof(baseUrl));
        var path = uri.AbsolutePath.TrimEnd('/');
        path += path.EndsWith("/v1", StringComparison.Ordinal) ? "/embeddings" : "/v1/embeddings";
        return new UriBuilder(uri) { Path = path }.Uri;
    }

    /// <summary>The start of a response body on one line, for error messages.</summary>
    private static string Excerpt(string body)
    {
        var flat = string.Join(' ', body.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (flat.Length == 0) return "(empty body)";
        return flat.Length <= ExcerptLength ? flat : flat[..ExcerptLength] + "…";
    }
}
