#pragma once
// A thin libpq wrapper for the PostgreSQL source: connections, results and
// the one place where SQLSTATEs become StatusCodes. Errors carry the
// operation, the object and PostgreSQL's message with its SQLSTATE:
//   "listing tables of shop: permission denied for table t (SQLSTATE 42501)".

#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "source/source_url.h"

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
//
// Every command waits for the server in short polls rather than inside
// libpq, so that a command blocked on the server (a lock wait, a stalled
// COPY) ends soon after `*cancel` is set: the server is asked to cancel the
// command too, and the call returns Cancelled.
class PgConnection {
 public:
  // Connects with `conninfo` (a postgresql:// URL or key=value string);
  // `database`, when not empty, replaces the database it names. Sets the
  // session up for exporting: UTF8, ISO dates, UTC, exact floats, hex bytea.
  // `cancel`, when given, must outlive the connection.
  static Result<std::unique_ptr<PgConnection>> Connect(const std::string& conninfo,
                                                       const std::string& database,
                                                       const std::atomic<bool>* cancel = nullptr);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs commands that return no rows.
  Status Exec(const std::string& sql, std::string_view context);
  // Runs a query; `params` are text parameters $1, $2, ...
  Result<PgRows> Query(const std::string& sql, std::string_view context,
                       const std::vector<std::string>& params = {});

  // Sends a command whose first result is COPY OUT data; read it with
  // GetCopyData(). Fails with the server's error if the command does.
  Status StartCopyOut(const std::string& sql, std::string_view context);
  // One row of COPY OUT data, like PQgetCopyData: > 0 its length (free with
  // PQfreemem), -1 the end of the data, -2 an error. Waits as every command
  // does; Cancelled when the cancel flag was set.
  Result<int> GetCopyData(char** buffer);
  // After GetCopyData() returned -1 or -2: the COPY's final status.
  Status FinishCopy(std::string_view context);

  // Asks the server to cancel the running command (thread-safe).
  void Cancel();
  // What losing this connection means, put in front of the error of any
  // command that fails because the connection is gone (kAborted).
  void set_loss_meaning(std::string meaning) { loss_meaning_ = std::move(meaning); }
  // False once the connection to the server is lost.
  bool alive() const { return PQstatus(conn_) == CONNECTION_OK; }
  // The server process serving this connection.
  int backend_pid() const { return PQbackendPID(conn_); }

  PGconn* get() { return conn_; }

 private:
  PgConnection(PGconn* conn, const std::atomic<bool>* cancel) : conn_(conn), cancel_flag_(cancel) {}
  // Sends a command (with text parameters: the extended protocol).
  Status Send(const std::string& sql, const std::vector<std::string>& params, std::string_view context);
  // Sends nothing; returns the results of the command already sent, the
  // last one (or the first error).
  Result<PgResultPtr> CollectResults(std::string_view context);
  // Waits until a result can be read without blocking. Cancelled when the
  // cancel flag is set (the server was asked to cancel the command).
  Status AwaitInput(std::string_view context);
  bool Cancelling() const;

  PGconn* conn_;
  const std::atomic<bool>* cancel_flag_;
  PGcancel* cancel_ = nullptr;
  bool cancel_sent_ = false;
  bool broken_ = false;  // a cancel the server did not answer: unusable
  std::string loss_meaning_;
  std::chrono::steady_clock::time_point cancel_sent_at_;
};

// Quotes an identifier the way PostgreSQL does: "a""b".
std::string QuoteIdent(std::string_view name);
// A text oid[] parameter: {1,2,3}.
std::string OidArray(const std::vector<uint32_t>& oids);
// Quotes a string literal: 'it''s'.
std::string QuoteLiteral(std::string_view value);

// Describes where a connection goes, without the password: "host:port/db".
std::string DescribeConnection(const std::string& conninfo, const std::string& database);

// InvalidArgument when a postgresql:// URL has a parameter libpq does not
// know (libpq's own message would quote the URL).
Status CheckUrlParameters(const SourceUrl& url);

}  // namespace dbexport::source::postgres
