namespace Paperboy.Indexing;

/// <summary>
/// "The change log has grown": pulsed by <see cref="ChangeListener"/> when PostgreSQL notifies a commit, awaited by
/// <see cref="IndexFollower"/> between polls. Take <see cref="Next"/> before catching up, so that a pulse arriving during
/// the catch-up is not lost.
/// </summary>
public sealed class ChangeSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next <see cref="Pulse"/>.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Pulse() => Interlocked.Exchange(ref _next, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
