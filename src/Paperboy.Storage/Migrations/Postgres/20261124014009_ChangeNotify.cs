using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Paperboy.Storage.Migrations.Postgres
{
    /// <summary>
    /// The change log's statement trigger also sends <c>NOTIFY paperboy_changes</c> (<see cref="ChangeLog.Channel"/>):
    /// PostgreSQL delivers it when the appending transaction commits (never for one that rolls back), once per
    /// transaction however many rows it appended, so every node's index follower wakes as soon as a change is visible.
    /// PostgreSQL only: SQLite has no notifications and its followers poll.
    /// </summary>
    public partial class ChangeNotify : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION paperboy_serialise_change_appends() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_advisory_xact_lock(8097877186001923961); -- ChangeLog.AppendLock, "paperboy"
                    PERFORM pg_notify('paperboy_changes', '');          -- ChangeLog.Channel: delivered on commit
                    RETURN NULL;
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION paperboy_serialise_change_appends() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_advisory_xact_lock(8097877186001923961); -- ChangeLog.AppendLock, "paperboy"
                    RETURN NULL;
                END $$;
                """);
        }
    }
}
