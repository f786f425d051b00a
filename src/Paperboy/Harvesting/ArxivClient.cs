using System.Net;
using Microsoft.Extensions.Options;
using Paperboy.Core.Import;
using Paperboy.Core.Papers;

namespace Paperboy.Harvesting;

/// <summary>
/// Fetches one paper's metadata from the arXiv API (a typed <see cref="HttpClient"/>; see
/// <see cref="ArxivServices.AddArxivClient"/> for its timeouts, retries, rate limit and User-Agent).
/// </summary>
public sealed class ArxivClient(HttpClient http, IOptions<ArxivOptions> options)
{
    /// <summary>
    /// The paper behind an arXiv id (<c>2310.02861</c>, <c>2310.02861v2</c>, <c>arXiv:hep-th/9901001</c>) or an
    /// arxiv.org abs/pdf/html URL, in its latest version. Throws <see cref="ArxivException"/>; a bad id is refused
    /// before anything is sent.
    /// </summary>
    public async Task<Paper> FetchAsync(string idOrUrl, CancellationToken ct = default)
    {
        if (!PaperIdentity.TryParseArxivId(idOrUrl, out var id, out _))
            throw new ArxivException(ArxivErrorKind.BadId,
                $"'{Shorten(idOrUrl)}' is not an arXiv id or arxiv.org link; expected something like 2310.02861, hep-th/9901001 or https://arxiv.org/abs/2310.02861");

        var url = $"{options.Value.ApiBaseUrl}?id_list={Uri.EscapeDataString(id)}&max_results=1";
        var (papers, status) = await GetFeedAsync(url, id, ct);
        if (papers.Count == 0)
            throw new ArxivException(ArxivErrorKind.NotFound, $"arXiv has no paper {id}", status);
        return papers.FirstOrDefault(p => p.ArxivId == id)
            ?? throw new ArxivException(ArxivErrorKind.BadResponse, $"arXiv answered {papers[0].ArxivId} when asked for {id}", status);
    }

    /// <summary>
    /// One page of an arXiv API search (<c>cat:cs.LG</c>, <c>all:diffusion</c>), newest submissions first:
    /// <paramref name="max"/> papers from offset <paramref name="start"/>; an empty list past the end.
    /// </summary>
    public async Task<IReadOnlyList<Paper>> SearchNewestAsync(string query, int start, int max, CancellationToken ct = default)
    {
        var url = $"{options.Value.ApiBaseUrl}?search_query={Uri.EscapeDataString(query)}&sortBy=submittedDate&sortOrder=descending&start={start}&max_results={max}";
        var (papers, _) = await GetFeedAsync(url, $"'{query}' from {start}", ct);
        return papers;
    }

    private async Task<(IReadOnlyList<Paper> Papers, HttpStatusCode Status)> GetFeedAsync(string url, string what, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync(url, ct);
        }
        catch (HttpSourceException e)
        {
            throw new ArxivException(e.Kind == HttpSourceFailure.TooLarge ? ArxivErrorKind.BadResponse : ArxivErrorKind.Unavailable, e.Message, e.Status, e);
        }
        catch (HttpRequestException e)
        {
            throw new ArxivException(ArxivErrorKind.Unavailable, $"arXiv could not be reached: {e.Message}", (HttpStatusCode?)e.StatusCode, e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new ArxivException(ArxivErrorKind.Unavailable, "arXiv did not answer in time", inner: e);
        }

        using (response)
        {
            var status = response.StatusCode;
            if (status == HttpStatusCode.NotFound)
                throw new ArxivException(ArxivErrorKind.NotFound, $"arXiv has no paper {what} (HTTP 404)", status);
            if (PoliteHttpHandler.IsTransient(status))
                throw new ArxivException(ArxivErrorKind.Unavailable,
                    $"arXiv is unavailable (HTTP {(int)status} {response.ReasonPhrase}); try again later", status);

            byte[] body;
            try { body = await response.Content.ReadAsByteArrayAsync(ct); }
            catch (HttpRequestException e) { throw new ArxivException(ArxivErrorKind.Unavailable, $"arXiv's answer broke off: {e.Message}", status, e); }

            IReadOnlyList<Paper> papers;
            try
            {
                papers = ArxivAtomReader.Read(ImportSource.FromBytes($"arXiv API answer for {what}", body));
            }
            catch (ImportException e) when (e.Reason.StartsWith("the arXiv API returned an error", StringComparison.Ordinal))
            {
                // arXiv answers a feed with one error entry for ids it rejects.
                throw new ArxivException(ArxivErrorKind.NotFound, $"arXiv has no paper {what}: {Shorten(e.Reason["the arXiv API returned an error: ".Length..])}", status, e);
            }
            catch (ImportException e)
            {
                throw new ArxivException(ArxivErrorKind.BadResponse,
                    $"arXiv's answer for {what} could not be read (HTTP {(int)status}) at {e.Position}: {Shorten(e.Reason)}; asked for {url}", status, e);
            }
            if (!response.IsSuccessStatusCode)
                throw new ArxivException(ArxivErrorKind.BadResponse, $"arXiv refused the request for {what} (HTTP {(int)status} {response.ReasonPhrase})", status);
            return (papers, status);
        }
    }

    private static string Shorten(string? s)
    {
        s = (s ?? "").Trim().ReplaceLineEndings(" ");
        return s.Length <= 200 ? s : s[..200] + "…";
    }
}
