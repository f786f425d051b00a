using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Paperboy.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Harvesting : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Datasets",
                table: "papers",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Headline",
                table: "papers",
                type: "character varying(2000)",
                maxLength: 2000,
                nullable: true,
                collation: "C");

            migrationBuilder.AddColumn<DateOnly>(
                name: "UpdatedAt",
                table: "papers",
                type: "date",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "harvest_states",
                columns: table => new
                {
                    Source = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false, collation: "C"),
                    Watermark = table.Column<DateOnly>(type: "date", nullable: true),
                    RunFrom = table.Column<DateOnly>(type: "date", nullable: true),
                    RunUntil = table.Column<DateOnly>(type: "date", nullable: true),
                    Cursor = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true, collation: "C"),
                    RunNewest = table.Column<DateOnly>(type: "date", nullable: true),
                    LastRunAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    LastSuccessAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    LastError = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true, collation: "C"),
                    Pages = table.Column<int>(type: "integer", nullable: false),
                    Read = table.Column<int>(type: "integer", nullable: false),
                    Added = table.Column<int>(type: "integer", nullable: false),
                    Merged = table.Column<int>(type: "integer", nullable: false),
                    Unchanged = table.Column<int>(type: "integer", nullable: false),
                    Deleted = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_harvest_states", x => x.Source);
                });

            migrationBuilder.CreateTable(
                name: "paper_bands",
                columns: table => new
                {
                    Key = table.Column<long>(type: "bigint", nullable: false),
                    PaperId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false, collation: "C")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_paper_bands", x => new { x.Key, x.PaperId });
                });

            migrationBuilder.CreateTable(
                name: "paper_relations",
                columns: table => new
                {
                    PaperId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false, collation: "C"),
                    OtherId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false, collation: "C"),
                    Kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false, collation: "C"),
                    Similarity = table.Column<double>(type: "double precision", nullable: false),
                    At = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_paper_relations", x => new { x.PaperId, x.OtherId });
                });

            migrationBuilder.CreateIndex(
                name: "IX_paper_bands_PaperId",
                table: "paper_bands",
                column: "PaperId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "harvest_states");

            migrationBuilder.DropTable(
                name: "paper_bands");

            migrationBuilder.DropTable(
                name: "paper_relations");

            migrationBuilder.DropColumn(
                name: "Datasets",
                table: "papers");

            migrationBuilder.DropColumn(
                name: "Headline",
                table: "papers");

            migrationBuilder.DropColumn(
                name: "UpdatedAt",
                table: "papers");
        }
    }
}
