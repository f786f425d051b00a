using System.Net;

namespace Paperboy.Harvesting;

public enum ArxivErrorKind
{
    /// <summary>The text is not an arXiv id or arxiv.org URL; nothing was sent.</summary>
    BadId,
    /// <summary>arXiv knows no such paper (empty feed, error entry or 404).</summary>
    NotFound,
    /// <summary>arXiv did not answer usefully in time: 5xx or 429 after the retries, timeouts, network errors.</summary>
    Unavailable,
    /// <summary>arXiv answered something we cannot read (not an Atom feed, bad entry, another paper).</summary>
    BadResponse,
}

/// <summary>Why a paper could not be fetched from arXiv; <see cref="Exception.Message"/> is fit to show to the member.</summary>
public sealed class ArxivException(ArxivErrorKind kind, string message, HttpStatusCode? status = null, Exception? inner = null)
    : Exception(message, inner)
{
    public ArxivErrorKind Kind { get; } = kind;

    /// <summary>The HTTP status of the last answer, when there was one.</summary>
    public HttpStatusCode? Status { get; } = status;
}
