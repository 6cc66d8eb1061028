#pragma once
// Helpers for the PostgreSQL source tests: databases made from SQL, the
// server's own answers as text, and chunks read back as rendered text.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "source/source.h"

namespace dbexport::source::testing {

using Row = std::vector<std::optional<std::string>>;

// Drops and creates database `name`, then runs `setup_sql` in it.
void RecreateDatabase(const std::string& name, const std::string& setup_sql);
// Runs SQL in database `db` (psql, stops at the first error).
void RunSql(const std::string& db, const std::string& sql);
// Text-format rows of a query, with the session settings the source uses.
std::vector<Row> QueryRows(const std::string& db, const std::string& sql);

// Opens the source on database `db` and takes a snapshot.
struct Opened {
  std::unique_ptr<Source> source;
  std::unique_ptr<Snapshot> snapshot;
  std::string database;  // the one database of the snapshot
};
Opened OpenSnapshot(const std::string& db, const SourceOptions& options = {},
                    const std::string& user = "");

// The listed table `name` in schema public; fails the test when missing.
TableInfo FindTable(const std::vector<TableInfo>& tables, const std::string& name);

// Reads a chunk to the end. Each value is rendered as text comparable with
// the expectations the tests compute in SQL: integers (DECIMALs scaled) in
// decimal, floats shortest round-trip, booleans t/f, bytea \x-hex, UUID as
// 32 hex digits, strings as they are, LISTs as elements joined by ',' with
// NULL elements as "NULL".
struct ChunkRows {
  std::vector<Row> rows;
  int batches = 0;
  std::vector<std::string> warnings;
};
ChunkRows ReadChunk(Snapshot* snapshot, const TableInfo& table, const Chunk& chunk,
                    const parquet::Schema& schema);
parquet::Schema SchemaOf(const TableInfo& table);

}  // namespace dbexport::source::testing
