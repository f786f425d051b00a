using Paperboy.Search.Embedding;

namespace Paperboy.Hosting;

/// <summary>
/// Which embedder makes the paper vectors (<c>Embedder</c> section): <c>lsa</c> (default, trained on our own corpus),
/// <c>onnx</c> (a sentence-transformers model you supply) or <c>http</c> (an OpenAI-compatible /v1/embeddings server).
/// Changing it rebuilds the semantic index.
/// </summary>
public sealed class EmbedderOptions
{
    public const string Section = "Embedder";

    public string Kind { get; set; } = "lsa";
    public OnnxSettings Onnx { get; set; } = new();
    public HttpSettings Http { get; set; } = new();

    public sealed class OnnxSettings
    {
        public string? ModelPath { get; set; }
        public string? VocabPath { get; set; }
        public int MaxTokens { get; set; } = 256;
        public int BatchSize { get; set; } = 32;
        public bool? LowerCase { get; set; }
    }

    public sealed class HttpSettings
    {
        public string? BaseUrl { get; set; }
        public string? Model { get; set; }
        public string? ApiKey { get; set; }
        public int? Dimension { get; set; }
        public int BatchSize { get; set; } = 64;
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);
    }
}

public static class EmbedderSetup
{
    public const string HttpClientName = "embedder";

    /// <summary>The configured embedder, or null for LSA (which the indexer trains). Bad settings fail at start-up, naming the setting.</summary>
    public static IEmbedder? Create(EmbedderOptions options, IHttpClientFactory http)
    {
        switch (options.Kind.ToLowerInvariant())
        {
            case "lsa":
                return null;
            case "onnx":
                var onnx = options.Onnx;
                if (string.IsNullOrWhiteSpace(onnx.ModelPath) || string.IsNullOrWhiteSpace(onnx.VocabPath))
                    throw new InvalidOperationException("Embedder:Kind is onnx: set Embedder:Onnx:ModelPath and Embedder:Onnx:VocabPath");
                return new OnnxEmbedder(new OnnxEmbedderOptions(onnx.ModelPath, onnx.VocabPath, onnx.MaxTokens, onnx.BatchSize, onnx.LowerCase));
            case "http":
                var h = options.Http;
                if (string.IsNullOrWhiteSpace(h.BaseUrl) || string.IsNullOrWhiteSpace(h.Model))
                    throw new InvalidOperationException("Embedder:Kind is http: set Embedder:Http:BaseUrl and Embedder:Http:Model");
                return new HttpEmbedder(http.CreateClient(HttpClientName), new HttpEmbedderOptions(h.BaseUrl, h.Model, h.ApiKey, h.Dimension, h.BatchSize, h.Timeout));
            default:
                throw new InvalidOperationException($"Embedder:Kind '{options.Kind}' is not one of lsa, onnx, http");
        }
    }
}
