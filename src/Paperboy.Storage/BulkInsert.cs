using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Paperboy.Storage;

/// <summary>
/// Writes many new rows of one table in a context's open transaction, past EF's change tracking: at a bulk load's scale
/// tracking costs several times the SQL and holds every row in memory until the transaction ends. The columns and each
/// value's conversion come from the context's model, so a row lands exactly as <c>SaveChanges</c> would have written it
/// (JSON lists, UTC times, the provider's parameter types); the context does not track the rows. This is the one place
/// where the providers differ in how an import writes: SQLite (in-process, a statement costs microseconds) runs a
/// prepared INSERT per row; PostgreSQL streams every row through one binary <c>COPY</c> instead of paying a round trip
/// per row (or per EF batch of a few hundred). <c>COPY</c> fires the table's triggers like an INSERT, so the change
/// log's append lock and NOTIFY behave the same.
/// </summary>
internal abstract class BulkInsert(PaperboyDb db)
{
    protected PaperboyDb Db { get; } = db;

    public static BulkInsert For(PaperboyDb db) => db.Database.IsNpgsql() ? new PostgresCopy(db) : new PreparedInserts(db);

    /// <param name="rows">Enumerated once, as they are written: a lazy sequence keeps memory flat.</param>
    /// <param name="shadow">The value of a row's shadow property (one the entity class does not hold), by name.</param>
    /// <param name="skipExisting">A row whose key is already stored is left out rather than failing the transaction.</param>
    public Task InsertAsync<T>(IEnumerable<T> rows, Func<T, string, object?>? shadow = null, bool skipExisting = false,
        CancellationToken ct = default) where T : class
    {
        var entity = Db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model");
        // A column the database fills in (the change log's Seq) is left to it, as SaveChanges leaves it.
        var columns = entity.GetProperties().Where(p => p.ValueGenerated != ValueGenerated.OnAdd).ToList();
        var readers = columns.Select(p => Reader(p, shadow)).ToArray();
        var values = rows.Select(row =>
        {
            var v = new object?[readers.Length];
            for (var i = 0; i < v.Length; i++) v[i] = readers[i](row);
            return v;
        });
        return WriteAsync(entity.GetTableName()!, columns, values, skipExisting, ct);
    }

    /// <summary>Writes the rows' provider values (null for SQL NULL) into the table, inside the open transaction.</summary>
    protected abstract Task WriteAsync(string table, List<IProperty> columns, IEnumerable<object?[]> rows, bool skipExisting, CancellationToken ct);

    protected DbTransaction Transaction =>
        Db.Database.CurrentTransaction?.GetDbTransaction() ?? throw new InvalidOperationException("a bulk insert runs inside the import's transaction");

    protected static string Quoted(string name) => $"\"{name}\"";

    /// <summary>A property's value as the provider stores it: through the model's value converter, as SaveChanges does.</summary>
    private static Func<T, object?> Reader<T>(IProperty p, Func<T, string, object?>? shadow) where T : class
    {
        var converter = p.GetRelationalTypeMapping().Converter;
        Func<T, object?> get;
        if (p.IsShadowProperty())
        {
            if (shadow is null) throw new InvalidOperationException($"{typeof(T).Name}.{p.Name} is a shadow property: give its value");
            get = row => shadow(row, p.Name);
        }
        else
        {
            var getter = p.GetGetter();
            get = row => getter.GetClrValue(row);
        }
        return converter is null ? get : row => get(row) is { } v ? converter.ConvertToProvider(v) : null;
    }

    /// <summary>Portable SQL (quoted names, @parameters, ON CONFLICT): one prepared statement, run once per row.</summary>
    private sealed class PreparedInserts(PaperboyDb db) : BulkInsert(db)
    {
        protected override Task WriteAsync(string table, List<IProperty> columns, IEnumerable<object?[]> rows, bool skipExisting, CancellationToken ct)
        {
            using var insert = Db.Database.GetDbConnection().CreateCommand();
            insert.Transaction = Transaction;
            insert.CommandText = $"INSERT INTO {Quoted(table)} ({string.Join(", ", columns.Select(c => Quoted(c.GetColumnName())))}) "
                + $"VALUES ({string.Join(", ", columns.Select((_, i) => "@p" + i))}){(skipExisting ? " ON CONFLICT DO NOTHING" : "")}";
            // Parameters made by the model's type mappings: bound exactly as EF binds them.
            var parameters = columns.Select((c, i) => c.GetRelationalTypeMapping().CreateParameter(insert, "@p" + i, null, c.IsNullable)).ToArray();
            insert.Parameters.AddRange(parameters);
            insert.Prepare();
            foreach (var row in rows)
            {
                ct.ThrowIfCancellationRequested();
                for (var i = 0; i < parameters.Length; i++) parameters[i].Value = row[i] ?? DBNull.Value;
                insert.ExecuteNonQuery();   // synchronous: SQLite's async methods only wrap it, at an allocation per row
            }
            return Task.CompletedTask;
        }
    }

    /// <summary>
    /// One binary COPY per table. Rows that may already be stored are copied into a temporary table first and moved with
    /// INSERT … ON CONFLICT DO NOTHING, since COPY itself has no conflict clause.
    /// </summary>
    private sealed class PostgresCopy(PaperboyDb db) : BulkInsert(db)
    {
        protected override async Task WriteAsync(string table, List<IProperty> columns, IEnumerable<object?[]> rows, bool skipExisting, CancellationToken ct)
        {
            var connection = (NpgsqlConnection)Db.Database.GetDbConnection();
            _ = Transaction;   // COPY runs in the session's open transaction; make sure there is one
            var names = string.Join(", ", columns.Select(c => Quoted(c.GetColumnName())));
            var target = skipExisting ? Quoted("bulk_" + table) : Quoted(table);
            // Names come from the model, never from input.
            var stage = $"CREATE TEMPORARY TABLE {target} (LIKE {Quoted(table)}) ON COMMIT DROP";
            var move = $"INSERT INTO {Quoted(table)} ({names}) SELECT {names} FROM {target} ON CONFLICT DO NOTHING; DROP TABLE {target}";
            if (skipExisting) await Db.Database.ExecuteSqlRawAsync(stage, ct);
            // A bulk statement's time grows with the batch (a 200k-paper file is one transaction, 48 band rows a paper):
            // no statement timeout here, as for the load itself; cancellation still stops it.
            var timeout = Db.Database.GetCommandTimeout();
            Db.Database.SetCommandTimeout(0);
            try { await CopyAsync(connection, target, names, columns, rows, skipExisting ? move : null, ct); }
            finally { Db.Database.SetCommandTimeout(timeout); }
        }

        private async Task CopyAsync(NpgsqlConnection connection, string target, string names, List<IProperty> columns, IEnumerable<object?[]> rows, string? move, CancellationToken ct)
        {
            // The types EF gives these columns' parameters, so Npgsql encodes each value as SaveChanges would.
            var types = columns.Select(c => c.GetRelationalTypeMapping().StoreTypeNameBase).ToArray();
            await using (var copy = await connection.BeginBinaryImportAsync($"COPY {target} ({names}) FROM STDIN (FORMAT BINARY)", ct))
            {
                copy.Timeout = TimeSpan.Zero;   // infinite
                foreach (var row in rows)
                {
                    await copy.StartRowAsync(ct);
                    for (var i = 0; i < row.Length; i++)
                        if (row[i] is { } v) await copy.WriteAsync(v, types[i], ct);
                        else await copy.WriteNullAsync(ct);
                }
                await copy.CompleteAsync(ct);
            }
            if (move is not null) await Db.Database.ExecuteSqlRawAsync(move, ct);
        }
    }
}
