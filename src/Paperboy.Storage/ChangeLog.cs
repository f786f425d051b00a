using Microsoft.EntityFrameworkCore;

namespace Paperboy.Storage;

/// <summary>
/// Keeps the change log safe to follow by sequence number on PostgreSQL.
/// <para>
/// A follower reads <c>Seq &gt; cursor</c> and moves its cursor to the last row it saw, so a row must never become
/// visible after a row with a higher <c>Seq</c>. SQLite guarantees that for free: one writer at a time. On PostgreSQL two
/// transactions take identity values in the order they insert but commit in any order (A takes 10, B takes 11, B commits,
/// a follower reads 11, then A commits 10 and it is never seen). So appenders are serialised by a transaction-level
/// advisory lock held from before the sequence value is drawn until commit: values then become visible in commit order.
/// Rolled-back appends leave gaps, which a follower skips harmlessly; it never misses a committed row.
/// </para>
/// <para>
/// Why an advisory lock rather than <c>LOCK TABLE changes</c>: it blocks nothing but other appenders (readers, the
/// follower, vacuum and any future DDL are untouched), it is released by commit or rollback on its own, and it can be taken
/// before any row lock. Each store calls <see cref="SerialiseAppendsAsync"/> first thing in its transaction, so every
/// appender takes this lock before any row lock and two appenders cannot deadlock. The PostgreSQL migration also installs
/// a statement trigger on <c>changes</c> that takes the same lock, so an append that forgot (raw SQL, a bulk loader) is
/// still ordered correctly. The price is that writes which touch the change log run one at a time, as they do on SQLite.
/// </para>
/// </summary>
public static class ChangeLog
{
    /// <summary>The advisory lock's key: "paperboy" in ASCII. The trigger in the PostgreSQL migration uses the same number.</summary>
    public const long AppendLock = 0x7061706572626F79;

    /// <summary>
    /// The notification channel the same trigger signals on (<c>pg_notify</c>, delivered when the appending transaction
    /// commits): every node LISTENs on it to follow the log at once instead of at its next poll.
    /// </summary>
    public const string Channel = "paperboy_changes";

    /// <summary>Call first thing inside a transaction that will append to the change log. A no-op on SQLite.</summary>
    public static async Task SerialiseAppendsAsync(PaperboyDb db, CancellationToken ct)
    {
        if (!db.Database.IsNpgsql()) return;
        if (db.Database.CurrentTransaction is null)
            throw new InvalidOperationException("The change-log lock must be taken inside the transaction that appends.");
        await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_xact_lock({AppendLock})", ct);
    }
}
