#pragma once
// What the integration tests share: the servers scripts/test started, the
// DuckDB reader (tests/tools/duckdb_query.mjs), scratch directories and
// subprocesses. A test that needs a server calls the accessor, which fails
// the test (never skips) when the test command did not provide it.

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace dbexport::testing {

// PostgreSQL 15 superuser URL (DBX_TEST_PG_URL), e.g.
// postgresql://postgres@127.0.0.1:55432/postgres.
std::string PostgresUrl();
// The same server, database `database`.
std::string PostgresUrl(const std::string& database);
// moto_server endpoint (DBX_TEST_S3_ENDPOINT), e.g. http://127.0.0.1:55391.
std::string S3Endpoint();

// Root of the source tree and of the build tree (binaries).
std::string SourceDir();
std::string BinaryDir();

// A fresh empty directory under the test scratch area, removed at exit.
std::string MakeTempDir(const std::string& name);

struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::string> types;  // DuckDB type names, e.g. "DECIMAL(10,2)"
  std::vector<std::vector<std::optional<std::string>>> rows;  // VARCHAR text, nullopt = NULL
};

// Runs statements in one DuckDB session (see duckdb_query.mjs); values come
// back as DuckDB's VARCHAR text. Fails with the statement's error text.
Result<std::vector<QueryResult>> DuckDbQueries(const std::vector<std::string>& sql);
Result<QueryResult> DuckDbQuery(const std::string& sql);

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};
// Runs argv[0] with arguments (no shell), optional stdin, capturing output.
CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& input = "");
// Runs a shell command line through /bin/sh -c.
CommandResult RunShell(const std::string& command_line, const std::string& input = "");

// Puts moto's credentials and region (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_DEFAULT_REGION) into this process's environment, for the dbexport and
// aws commands it starts.
void UseMotoCredentials();
// Removes `bucket` and everything in it from moto (nothing when absent).
void RemoveBucket(const std::string& bucket);
// An empty `bucket` on moto (RemoveBucket, then the aws CLI's `mb`); the
// result of `mb`.
CommandResult RecreateBucket(const std::string& bucket);

// Runs SQL through psql against `url` (ON_ERROR_STOP, unaligned, tuples
// only, fields separated by '|'); returns stdout or the psql error.
Result<std::string> Psql(const std::string& url, const std::string& sql);

// Quotes a string for SQL ('...' with quotes doubled).
std::string SqlQuote(const std::string& s);

}  // namespace dbexport::testing
