using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Paperboy.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class BulkLoad : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "bulk_checkpoints",
                columns: table => new
                {
                    Path = table.Column<string>(type: "TEXT", maxLength: 4096, nullable: false),
                    HeadHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    TailHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Offset = table.Column<long>(type: "INTEGER", nullable: false),
                    Line = table.Column<int>(type: "INTEGER", nullable: false),
                    Records = table.Column<long>(type: "INTEGER", nullable: false),
                    Running = table.Column<bool>(type: "INTEGER", nullable: false),
                    StartedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_bulk_checkpoints", x => x.Path);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "bulk_checkpoints");
        }
    }
}
