using Microsoft.EntityFrameworkCore;
using Paperboy.Storage;

namespace Paperboy.Tests.Storage;

/// <summary>SQLite's plan for a query (<c>EXPLAIN QUERY PLAN</c>): one line per step, such as <c>SEARCH p USING COVERING INDEX …</c>.</summary>
public static class SqlitePlan
{
    public static async Task<List<string>> OfAsync<T>(PaperboyDb db, IQueryable<T> query)
    {
        await using var command = query.CreateDbCommand();
        await db.Database.OpenConnectionAsync();
        command.CommandText = "EXPLAIN QUERY PLAN " + command.CommandText;
        var plan = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) plan.Add(reader.GetString(3));
        return plan;
    }
}
