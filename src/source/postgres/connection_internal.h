#pragma once
// A thin libpq wrapper for the PostgreSQL source: connections, results and
// the one place where SQLSTATEs become StatusCodes. Errors carry the
// operation, the object and PostgreSQL's message with its SQLSTATE:
//   "listing tables of shop: permission denied for table t (SQLSTATE 42501)".

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace dbexport::source::postgres {

// StatusCode for a SQLSTATE (five characters; empty: no server error, i.e.
// the connection was lost). Says whether a retry can help.
StatusCode StatusCodeForSqlState(std::string_view sqlstate);

// Status for a failed command: "<context>: <message> (SQLSTATE xxxxx)".
// `result` may be null (then the connection's message is used).
Status PgErrorStatus(const PGresult* result, const PGconn* conn, std::string_view context);

struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResultPtr = std::unique_ptr<PGresult, PgResultDeleter>;

// Rows of a text-format query result.
class PgRows {
 public:
  explicit PgRows(PgResultPtr result) : result_(std::move(result)) {}
  int size() const { return PQntuples(result_.get()); }
  bool IsNull(int row, int col) const { return PQgetisnull(result_.get(), row, col) != 0; }
  std::string_view Get(int row, int col) const {
    return {PQgetvalue(result_.get(), row, col),
            static_cast<size_t>(PQgetlength(result_.get(), row, col))};
  }
  std::string GetString(int row, int col) const { return std::string(Get(row, col)); }
  int64_t GetInt(int row, int col) const;  // 0 when NULL
  bool GetBool(int row, int col) const { return Get(row, col) == "t"; }

 private:
  PgResultPtr result_;
};

// One libpq connection. Not thread-safe; one user at a time.
class PgConnection {
 public:
  // Connects with `conninfo` (a postgresql:// URL or key=value string);
  // `database`, when not empty, replaces the database it names. Sets the
  // session up for exporting: UTF8, ISO dates, UTC, exact floats, hex bytea.
  static Result<std::unique_ptr<PgConnection>> Connect(const std::string& conninfo,
                                                       const std::string& database);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs commands that return no rows.
  Status Exec(const std::string& sql, std::string_view context);
  // Runs a query; `params` are text parameters $1, $2, ...
  Result<PgRows> Query(const std::string& sql, std::string_view context,
                       const std::vector<std::string>& params = {});

  // Asks the server to cancel the running command (thread-safe).
  void Cancel();

  PGconn* get() { return conn_; }

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  PGconn* conn_;
  PGcancel* cancel_ = nullptr;
};

// Quotes an identifier the way PostgreSQL does: "a""b".
std::string QuoteIdent(std::string_view name);
// Quotes a string literal: 'it''s'.
std::string QuoteLiteral(std::string_view value);

// Describes where a connection goes, without the password: "host:port/db".
std::string DescribeConnection(const std::string& conninfo, const std::string& database);

}  // namespace dbexport::source::postgres
