using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Paperboy.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class EnrichmentVersion : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "EnrichmentVersion",
                table: "papers",
                type: "INTEGER",
                nullable: false,
                defaultValue: 1);

            // New rows are enriched by the version the default names; the rows already here were enriched by no known
            // version (or not at all), so they are marked 0 for EnrichmentBackfill to bring up to date.
            migrationBuilder.Sql("UPDATE papers SET \"EnrichmentVersion\" = 0;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // SQLite's own DROP COLUMN (3.35+), not EF's table rebuild: the rebuild follows the previous migration's model,
            // which (migrations made in parallel) may lack columns an earlier-dated migration added, and would drop them.
            migrationBuilder.Sql("ALTER TABLE papers DROP COLUMN \"EnrichmentVersion\";");
        }
    }
}
