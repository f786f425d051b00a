using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Paperboy.Tests.Support;

/// <summary>
/// Collects what the application logs, formatted, for tests that pin down how often something happened (a rebuild)
/// without a counter in the code. Register it with <c>services.AddSingleton&lt;ILoggerProvider&gt;(lines)</c>.
/// </summary>
public sealed class LogLines : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Starting(string prefix) => _lines.Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(_lines);

    public void Dispose() { }

    private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(formatter(state, exception));
    }
}
