using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Tokenizers;

namespace Paperboy.Search.Embedding;

/// <summary>Where an <see cref="OnnxEmbedder"/> finds its model and how it feeds it.</summary>
/// <param name="ModelPath">The sentence-transformers model exported to ONNX (e.g. model.onnx from an optimum export).</param>
/// <param name="VocabPath">The BERT WordPiece vocabulary (vocab.txt) of the model's tokenizer.</param>
/// <param name="MaxTokens">Longest input sequence, [CLS] and [SEP] included; longer texts are cut.</param>
/// <param name="BatchSize">Texts per call of the model.</param>
/// <param name="LowerCase">Lower-case (and strip accents) before WordPiece, as uncased models need; null reads
/// do_lower_case from tokenizer_config.json next to the vocabulary, and is true when there is none.</param>
public sealed record OnnxEmbedderOptions(string ModelPath, string VocabPath, int MaxTokens = 256, int BatchSize = 32, bool? LowerCase = null);

/// <summary>
/// A sentence-transformers model the user supplies, run locally with ONNX Runtime. Inputs are input_ids,
/// attention_mask and, when the model has it, token_type_ids (int64, [batch, seq]); the output is either the
/// token states [batch, seq, hidden] (last_hidden_state or token_embeddings), which are mean-pooled over the
/// attention mask, or an already pooled [batch, hidden] (sentence_embedding). Vectors are L2-normalised.
/// Safe to use from several threads at once.
/// </summary>
public sealed class OnnxEmbedder : IEmbedder, IDisposable
{
    private readonly InferenceSession _session;
    private readonly BertTokenizer _tokenizer;
    private readonly object _tokenizerLock = new();
    private readonly string _output;
    private readonly bool _pooledOutput;
    private readonly bool _hasTokenTypes;
    private readonly string _source;

    public OnnxEmbedderOptions Options { get; }
    public int Dimension { get; }
    public string Identity { get; }

    public OnnxEmbedder(OnnxEmbedderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxTokens < 3) throw new ArgumentOutOfRangeException(nameof(options), $"MaxTokens must be at least 3 ([CLS], one token, [SEP]); it is {options.MaxTokens}");
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), $"BatchSize must be at least 1; it is {options.BatchSize}");
        var modelPath = Path.GetFullPath(options.ModelPath);
        var vocabPath = Path.GetFullPath(options.VocabPath);
        if (!File.Exists(modelPath)) throw new FileNotFoundException($"ONNX model file not found: {modelPath}", modelPath);
        if (!File.Exists(vocabPath)) throw new FileNotFoundException($"tokenizer vocabulary (vocab.txt) not found: {vocabPath}", vocabPath);
        Options = options;
        var modelName = Path.GetFileName(modelPath);
        _source = $"ONNX model {modelName}";

        var lowerCase = options.LowerCase ?? LowerCaseFromConfig(vocabPath);
        try
        {
            _tokenizer = BertTokenizer.Create(vocabPath, new BertOptions { LowerCaseBeforeTokenization = lowerCase });
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new EmbedderException($"cannot read the tokenizer vocabulary {vocabPath}: {e.Message}", e);
        }

        try
        {
            using var sessionOptions = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
            _session = new InferenceSession(modelPath, sessionOptions);
        }
        catch (Exception e) when (e is OnnxRuntimeException or InvalidOperationException or ArgumentException)
        {
            throw new EmbedderException($"cannot load the ONNX model {modelPath}: {e.Message}", e);
        }
        try
        {
            (_output, _pooledOutput, _hasTokenTypes, var dimension) = Inspect(_session, modelPath);
            Dimension = dimension > 0 ? dimension : ProbeDimension();
        }
        catch
        {
            _session.Dispose();
            throw;
        }
        Identity = $"onnx:{modelName}:{Dimension}:{FileHash(modelPath)}";
    }

    /// <summary>
    /// One unit vector per text, in order; null for a text with nothing in it to embed (empty or only spaces).
    /// Throws <see cref="EmbedderException"/>, returning nothing, when the model gives a vector that is unusable.
    /// </summary>
    public Task<float[]?[]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0) return Task.FromResult(Array.Empty<float[]?>());
        return Task.Run(() => Embed(texts, ct), ct);
    }

    private float[]?[] Embed(IReadOnlyList<string> texts, CancellationToken ct)
    {
        var result = new float[]?[texts.Count];
        var tokens = new int[]?[texts.Count];
        for (var i = 0; i < texts.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            tokens[i] = string.IsNullOrWhiteSpace(texts[i]) ? null : Tokenize(texts[i]);
        }
        // Batches of similar length waste the least on padding; pooling ignores padding, so the order changes nothing.
        var order = Enumerable.Range(0, texts.Count).Where(i => tokens[i] is not null).OrderBy(i => tokens[i]!.Length).ToArray();
        for (var start = 0; start < order.Length; start += Options.BatchSize)
        {
            ct.ThrowIfCancellationRequested();
            var batch = order.AsSpan(start, Math.Min(Options.BatchSize, order.Length - start)).ToArray();
            var vectors = RunBatch(batch.Select(i => tokens[i]!).ToArray());
            for (var j = 0; j < batch.Length; j++) result[batch[j]] = vectors[j];
        }
        return result;
    }

    /// <summary>[CLS] WordPiece ids [SEP], cut to <see cref="OnnxEmbedderOptions.MaxTokens"/>.</summary>
    private int[] Tokenize(string text)
    {
        IReadOnlyList<int> ids;
        lock (_tokenizerLock)
            ids = _tokenizer.EncodeToIds(text, Options.MaxTokens - 2, addSpecialTokens: false, out _, out _);
        var n = Math.Min(ids.Count, Options.MaxTokens - 2);
        var result = new int[n + 2];
        result[0] = _tokenizer.ClassificationTokenId;
        for (var i = 0; i < n; i++) result[i + 1] = ids[i];
        result[n + 1] = _tokenizer.SeparatorTokenId;
        return result;
    }

    private float[][] RunBatch(int[][] sequences)
    {
        var batch = sequences.Length;
        var seq = sequences.Max(s => s.Length);
        var ids = new long[batch * seq];
        var mask = new long[batch * seq];
        var pad = _tokenizer.PaddingTokenId;
        for (var b = 0; b < batch; b++)
            for (var t = 0; t < seq; t++)
            {
                var real = t < sequences[b].Length;
                ids[b * seq + t] = real ? sequences[b][t] : pad;
                mask[b * seq + t] = real ? 1 : 0;
            }
        long[] shape = [batch, seq];
        var names = new List<string> { "input_ids", "attention_mask" };
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = _hasTokenTypes ? OrtValue.CreateTensorValueFromMemory(new long[batch * seq], shape) : null;
        var values = new List<OrtValue> { idsValue, maskValue };
        if (typesValue is not null) { names.Add("token_type_ids"); values.Add(typesValue); }

        IDisposableReadOnlyCollection<OrtValue> outputs;
        try
        {
            using var runOptions = new RunOptions();
            outputs = _session.Run(runOptions, names, values, [_output]);
        }
        catch (OnnxRuntimeException e)
        {
            throw new EmbedderException($"{_source} failed on a batch of {batch} texts of up to {seq} tokens: {e.Message}", e);
        }
        using (outputs)
        {
            var output = outputs[0];
            var info = output.GetTensorTypeAndShape();
            if (info.ElementDataType != TensorElementType.Float)
                throw new EmbedderException($"{_source} output {_output} has element type {info.ElementDataType}; expected float");
            var data = output.GetTensorDataAsSpan<float>();
            var dims = info.Shape;
            var result = new float[batch][];
            if (_pooledOutput)
            {
                if (dims.Length != 2 || dims[0] != batch || dims[1] != Dimension)
                    throw new EmbedderException($"{_source} output {_output} has shape [{string.Join(", ", dims)}]; expected [{batch}, {Dimension}]");
                for (var b = 0; b < batch; b++)
                    result[b] = EmbedderText.Checked(data.Slice(b * Dimension, Dimension).ToArray(), Dimension, _source);
                return result;
            }
            if (dims.Length != 3 || dims[0] != batch || dims[1] != seq || dims[2] != Dimension)
                throw new EmbedderException($"{_source} output {_output} has shape [{string.Join(", ", dims)}]; expected [{batch}, {seq}, {Dimension}]");
            for (var b = 0; b < batch; b++)
            {
                // Mean of the token states over the attention mask: padding never counts.
                var sum = new double[Dimension];
                var count = sequences[b].Length;
                for (var t = 0; t < count; t++)
                {
                    var row = data.Slice((b * seq + t) * Dimension, Dimension);
                    for (var d = 0; d < Dimension; d++) sum[d] += row[d];
                }
                var mean = new float[Dimension];
                for (var d = 0; d < Dimension; d++) mean[d] = (float)(sum[d] / count);
                result[b] = EmbedderText.Checked(mean, Dimension, _source);
            }
            return result;
        }
    }

    /// <summary>The output to use, whether it is already pooled, whether token_type_ids is wanted, and the hidden size (0 when the model leaves it open).</summary>
    private static (string Output, bool Pooled, bool TokenTypes, int Dimension) Inspect(InferenceSession session, string modelPath)
    {
        var inputs = session.InputMetadata;
        foreach (var required in new[] { "input_ids", "attention_mask" })
            if (!inputs.ContainsKey(required))
                throw new EmbedderException($"the ONNX model {modelPath} has no input {required} (its inputs: {string.Join(", ", inputs.Keys)})");
        foreach (var (name, meta) in inputs)
        {
            if (name is not ("input_ids" or "attention_mask" or "token_type_ids"))
                throw new EmbedderException($"the ONNX model {modelPath} wants an input {name} that a sentence-transformers model does not have (its inputs: {string.Join(", ", inputs.Keys)})");
            if (meta.ElementType != typeof(long) || meta.Dimensions.Length != 2)
                throw new EmbedderException($"the ONNX model {modelPath} input {name} is {meta.ElementType.Name}[{string.Join(", ", meta.Dimensions)}]; expected int64 [batch, seq]");
        }

        var outputs = session.OutputMetadata;
        string? chosen = null;
        foreach (var name in new[] { "sentence_embedding", "last_hidden_state", "token_embeddings" })
            if (outputs.ContainsKey(name)) { chosen = name; break; }
        chosen ??= outputs.FirstOrDefault(o => o.Value.Dimensions.Length == 3).Key
                   ?? outputs.FirstOrDefault(o => o.Value.Dimensions.Length == 2).Key;
        string Describe() => string.Join(", ", outputs.Select(o => $"{o.Key} [{string.Join(", ", o.Value.Dimensions)}]"));
        if (chosen is null)
            throw new EmbedderException($"the ONNX model {modelPath} has no output of shape [batch, seq, hidden] or [batch, hidden] (its outputs: {Describe()})");
        var meta0 = outputs[chosen];
        var rank = meta0.Dimensions.Length;
        if (rank is not (2 or 3))
            throw new EmbedderException($"the ONNX model {modelPath} output {chosen} has rank {rank}; expected [batch, seq, hidden] or [batch, hidden] (its outputs: {Describe()})");
        if (meta0.ElementType != typeof(float))
            throw new EmbedderException($"the ONNX model {modelPath} output {chosen} is {meta0.ElementType.Name}; expected float32");
        return (chosen, rank == 2, inputs.ContainsKey("token_type_ids"), Math.Max(0, meta0.Dimensions[^1]));
    }

    /// <summary>Runs one short text when the model does not state its hidden size.</summary>
    private int ProbeDimension()
    {
        var sequence = new[] { _tokenizer.ClassificationTokenId, _tokenizer.SeparatorTokenId };
        long[] shape = [1, 2];
        var names = new List<string> { "input_ids", "attention_mask" };
        var values = new List<OrtValue>
        {
            OrtValue.CreateTensorValueFromMemory(sequence.Select(i => (long)i).ToArray(), shape),
            OrtValue.CreateTensorValueFromMemory(new long[] { 1, 1 }, shape),
        };
        if (_hasTokenTypes) { names.Add("token_type_ids"); values.Add(OrtValue.CreateTensorValueFromMemory(new long[2], shape)); }
        try
        {
            using var runOptions = new RunOptions();
            using var outputs = _session.Run(runOptions, names, values, [_output]);
            var dims = outputs[0].GetTensorTypeAndShape().Shape;
            var expectedRank = _pooledOutput ? 2 : 3;
            if (dims.Length != expectedRank || dims[^1] < 1)
                throw new EmbedderException($"{_source} output {_output} has shape [{string.Join(", ", dims)}] for one text of 2 tokens; expected {(_pooledOutput ? "[1, hidden]" : "[1, 2, hidden]")}");
            return checked((int)dims[^1]);
        }
        catch (OnnxRuntimeException e)
        {
            throw new EmbedderException($"{_source} failed on a probe text: {e.Message}", e);
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    /// <summary>do_lower_case from the tokenizer_config.json beside the vocabulary; true (uncased) when absent.</summary>
    private static bool LowerCaseFromConfig(string vocabPath)
    {
        var config = Path.Combine(Path.GetDirectoryName(vocabPath) ?? ".", "tokenizer_config.json");
        if (!File.Exists(config)) return true;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(config));
            return !(doc.RootElement.ValueKind == JsonValueKind.Object
                     && doc.RootElement.TryGetProperty("do_lower_case", out var v)
                     && v.ValueKind == JsonValueKind.False);
        }
        catch (JsonException e)
        {
            throw new EmbedderException($"cannot read the tokenizer config {config}: {e.Message}", e);
        }
    }

    private static string FileHash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream))[..12];
    }

    public void Dispose() => _session.Dispose();
}
