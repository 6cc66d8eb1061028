#include "source/postgres/connection_internal.h"

#include <poll.h>

#include <algorithm>
#include <charconv>
#include <string>


namespace dbexport::source::postgres {
namespace {

// Session settings that make the text forms the source produces (casts to
// text of dates, intervals, floats, bytea) independent of the server's and
// the role's defaults.
constexpr char kSessionSetup[] =
    "SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'; SET TimeZone = 'UTC'; "
    "SET extra_float_digits = 1; SET bytea_output = 'hex'; "
    "SET standard_conforming_strings = on; SET statement_timeout = 0; SET idle_in_transaction_session_timeout = 0";

// How often a waiting command looks at its cancel flag.
constexpr int kPollMillis = 200;
// After asking the server to cancel, how long to wait for it to stop before
// giving the connection up (a server or network that no longer answers).
constexpr auto kCancelGrace = std::chrono::seconds(5);

// Defaults a URL may override: a dead server or network is noticed within
// about a minute instead of the kernel's two hours.
constexpr const char* kConnectDefaults[][2] = {
    {"connect_timeout", "30"}, {"keepalives", "1"},         {"keepalives_idle", "30"},
    {"keepalives_interval", "10"}, {"keepalives_count", "3"},
};

void IgnoreNotice(void*, const char*) {}

std::string TrimmedMessage(const char* text) {
  std::string msg = text ? text : "";
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  // libpq prefixes server errors with "ERROR:  "; the code says it already.
  for (std::string_view prefix : {"ERROR:  ", "FATAL:  "}) {
    if (msg.rfind(prefix, 0) == 0) msg.erase(0, prefix.size());
  }
  return msg;
}

}  // namespace

StatusCode StatusCodeForSqlState(std::string_view s) {
  if (s.size() != 5) return StatusCode::kUnavailable;  // no server error: connection lost
  auto cls = s.substr(0, 2);
  if (s == "42501") return StatusCode::kPermissionDenied;    // insufficient_privilege
  if (s == "57014") return StatusCode::kCancelled;           // query_canceled
  if (s == "40001" || s == "40P01") return StatusCode::kAborted;  // serialization, deadlock
  if (s == "25P02") return StatusCode::kAborted;             // in_failed_sql_transaction
  if (s == "3D000" || s == "3F000" || s == "42P01" || s == "42703" || s == "42704" ||
      s == "42883") {
    return StatusCode::kNotFound;  // database, schema, table, column, object, function
  }
  if (s == "53300") return StatusCode::kUnavailable;         // too_many_connections
  if (s == "55P03") return StatusCode::kUnavailable;         // lock_not_available
  if (s == "0A000") return StatusCode::kUnimplemented;       // feature_not_supported
  if (s == "22023" || s == "25001" || s == "25006" || s == "55000") {
    // invalid snapshot id, active/read-only transaction, prerequisite state
    return StatusCode::kFailedPrecondition;
  }
  if (cls == "08" || cls == "57") return StatusCode::kUnavailable;  // connection, shutdown
  if (cls == "28") return StatusCode::kUnauthenticated;       // invalid authorization
  if (cls == "53" || cls == "54") return StatusCode::kResourceExhausted;  // resources, limits
  if (cls == "22") return StatusCode::kOutOfRange;            // data exception
  if (cls == "42") return StatusCode::kInvalidArgument;       // syntax error or access rule
  if (cls == "58") return StatusCode::kIoError;               // system error
  if (cls == "XX") return StatusCode::kInternal;
  if (cls == "40") return StatusCode::kAborted;               // transaction rollback
  return StatusCode::kUnknown;
}

Status PgErrorStatus(const PGresult* result, const PGconn* conn, std::string_view context) {
  const char* sqlstate = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = TrimmedMessage(result && *PQresultErrorMessage(result)
                                           ? PQresultErrorMessage(result)
                                           : (conn ? PQerrorMessage(conn) : "no connection"));
  if (message.empty()) message = "connection lost";
  std::string text(context);
  text += ": ";
  text += message;
  if (sqlstate != nullptr) {
    text += " (SQLSTATE ";
    text += sqlstate;
    text += ")";
  }
  return Status(StatusCodeForSqlState(sqlstate ? sqlstate : ""), std::move(text));
}

int64_t PgRows::GetInt(int row, int col) const {
  std::string_view v = Get(row, col);
  int64_t out = 0;
  std::from_chars(v.data(), v.data() + v.size(), out);
  return out;
}

Result<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& conninfo,
                                                            const std::string& database,
                                                            const std::atomic<bool>* cancel) {
  // Keywords are applied in order: the URL (dbname, expanded) overrides the
  // defaults before it; client_encoding after it is always UTF8.
  std::vector<const char*> keys, values;
  for (const auto& [key, value] : kConnectDefaults) {
    keys.push_back(key);
    values.push_back(value);
  }
  for (const auto& [key, value] : {std::pair<const char*, const char*>{"dbname", conninfo.c_str()},
                                   {"client_encoding", "UTF8"}, {"fallback_application_name", "dbexport"}}) {
    keys.push_back(key);
    values.push_back(value);
  }
  if (!database.empty()) {
    keys.push_back("dbname");  // later keywords override the expanded URL
    values.push_back(database.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* raw = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
  std::unique_ptr<PgConnection> conn(new PgConnection(raw, cancel));
  std::string context = "connecting to PostgreSQL at " + DescribeConnection(conninfo, database);
  if (raw == nullptr) return Unavailable(context + ": out of memory");
  if (PQstatus(raw) != CONNECTION_OK) {
    std::string message = TrimmedMessage(PQerrorMessage(raw));
    // libpq reports connection errors without a result; classify by text.
    if (message.find("password authentication failed") != std::string::npos ||
        message.find("no password supplied") != std::string::npos) {
      return Unauthenticated(context + ": " + message);
    }
    if (message.find("does not exist") != std::string::npos &&
        message.find("database") != std::string::npos) {
      return NotFound(context + ": " + message);
    }
    if (message.find("permission denied") != std::string::npos) {
      return PermissionDenied(context + ": " + message);
    }
    return Unavailable(context + ": " + message);
  }
  PQsetNoticeProcessor(raw, IgnoreNotice, nullptr);
  conn->cancel_ = PQgetCancel(raw);
  DBX_RETURN_IF_ERROR(conn->Exec(kSessionSetup, context));
  return conn;
}

PgConnection::~PgConnection() {
  if (cancel_ != nullptr) PQfreeCancel(cancel_);
  if (conn_ != nullptr) PQfinish(conn_);
}

bool PgConnection::Cancelling() const {
  return cancel_flag_ != nullptr && cancel_flag_->load(std::memory_order_relaxed);
}

Status PgConnection::AwaitInput(std::string_view context) {
  for (;;) {
    if (PQconsumeInput(conn_) == 0) return Status::OK();  // lost: PQgetResult reports it
    if (!PQisBusy(conn_)) return Status::OK();
    if (Cancelling()) {
      if (!cancel_sent_) {
        Cancel();
        cancel_sent_ = true;
        cancel_sent_at_ = std::chrono::steady_clock::now();
      } else if (std::chrono::steady_clock::now() - cancel_sent_at_ > kCancelGrace) {
        return Cancelled(std::string(context) + ": cancelled (the server did not stop the command within " +
                         std::to_string(kCancelGrace.count()) + " s; the connection is dropped)");
      }
    }
    pollfd fd{PQsocket(conn_), POLLIN, 0};
    if (fd.fd < 0) return Status::OK();
    poll(&fd, 1, kPollMillis);
  }
}

Result<PgResultPtr> PgConnection::CollectResults(std::string_view context) {
  PgResultPtr last;
  Status error;
  for (;;) {
    Status waited = AwaitInput(context);
    if (!waited.ok()) {
      broken_ = true;  // mid-command: unusable
      return waited;
    }
    PgResultPtr result(PQgetResult(conn_));
    if (!result) break;
    ExecStatusType st = PQresultStatus(result.get());
    if (st == PGRES_COPY_OUT) return result;  // the caller reads the data
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && error.ok()) {
      error = PgErrorStatus(result.get(), conn_, context);
    }
    last = std::move(result);
  }
  if (!error.ok()) {
    // A command the cancel flag stopped reports Cancelled, whatever the
    // server called it.
    if (cancel_sent_) return Cancelled(std::string(context) + ": cancelled");
    if (!loss_meaning_.empty() && !alive()) {
      return Aborted(std::string(context) + ": " + loss_meaning_ + " (" + error.message() + ")");
    }
    return error;
  }
  if (!last) return PgErrorStatus(nullptr, conn_, context);
  return last;
}

Status PgConnection::Send(const std::string& sql, const std::vector<std::string>& params,
                          std::string_view context) {
  if (broken_) {
    return Unavailable(std::string(context) + ": the connection was given up after a cancel that the server "
                                              "did not answer");
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  int sent = params.empty() ? PQsendQuery(conn_, sql.c_str())
                            : PQsendQueryParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                                values.data(), nullptr, nullptr, /*resultFormat=*/0);
  if (sent == 0) return PgErrorStatus(nullptr, conn_, context);
  return Status::OK();
}

Status PgConnection::Exec(const std::string& sql, std::string_view context) {
  DBX_RETURN_IF_ERROR(Send(sql, {}, context));
  return CollectResults(context).status();
}

Result<PgRows> PgConnection::Query(const std::string& sql, std::string_view context,
                                   const std::vector<std::string>& params) {
  DBX_RETURN_IF_ERROR(Send(sql, params, context));
  DBX_ASSIGN_OR_RETURN(PgResultPtr result, CollectResults(context));
  if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
    return Internal(std::string(context) + ": the query returned no rows result");
  }
  return PgRows(std::move(result));
}

Status PgConnection::StartCopyOut(const std::string& sql, std::string_view context) {
  DBX_RETURN_IF_ERROR(Send(sql, {}, context));
  DBX_ASSIGN_OR_RETURN(PgResultPtr result, CollectResults(context));
  if (PQresultStatus(result.get()) != PGRES_COPY_OUT) {
    return Internal(std::string(context) + ": the command did not start COPY OUT");
  }
  return Status::OK();
}

Result<int> PgConnection::GetCopyData(char** buffer) {
  for (;;) {
    int n = PQgetCopyData(conn_, buffer, /*async=*/1);
    if (n != 0) return n;
    // No complete row buffered: wait for more, watching the cancel flag.
    if (Cancelling()) {
      Cancel();
      return Cancelled("cancelled");
    }
    pollfd fd{PQsocket(conn_), POLLIN, 0};
    if (fd.fd < 0) return -2;
    poll(&fd, 1, kPollMillis);
    if (PQconsumeInput(conn_) == 0) return -2;
  }
}

Status PgConnection::FinishCopy(std::string_view context) {
  Status status;
  for (;;) {
    Status waited = AwaitInput(context);
    if (!waited.ok()) return waited;
    PgResultPtr result(PQgetResult(conn_));
    if (!result) break;
    ExecStatusType st = PQresultStatus(result.get());
    if (st != PGRES_COMMAND_OK && status.ok()) status = PgErrorStatus(result.get(), conn_, context);
  }
  if (!status.ok() && cancel_sent_) return Cancelled(std::string(context) + ": cancelled");
  return status;
}

void PgConnection::Cancel() {
  if (cancel_ == nullptr) return;
  char err[256];
  PQcancel(cancel_, err, sizeof err);  // best effort: the reader reports Cancelled anyway
}

std::string QuoteIdent(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string OidArray(const std::vector<uint32_t>& oids) {
  std::string out = "{";
  for (size_t i = 0; i < oids.size(); ++i) {
    if (i > 0) out += ",";
    out += std::to_string(oids[i]);
  }
  return out + "}";
}

std::string QuoteLiteral(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

std::string DescribeConnection(const std::string& conninfo, const std::string& database) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  if (err != nullptr) PQfreemem(err);
  std::string host, port, dbname;
  if (opts != nullptr) {
    for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
      if (o->val == nullptr) continue;
      std::string_view k = o->keyword;
      if (k == "host" || (k == "hostaddr" && host.empty())) host = o->val;
      if (k == "port") port = o->val;
      if (k == "dbname") dbname = o->val;
    }
    PQconninfoFree(opts);
  }
  if (!database.empty()) dbname = database;
  std::string out = host.empty() ? "localhost" : host;
  if (!port.empty()) out += ":" + port;
  out += "/" + dbname;
  return out;
}

Status CheckUrlParameters(const SourceUrl& url) {
  if (url.params.empty()) return Status::OK();
  PQconninfoOption* defaults = PQconndefaults();
  if (defaults == nullptr) return Unavailable("checking the source URL: out of memory");
  Status status;
  for (const auto& [name, value] : url.params) {
    bool known = false;
    for (PQconninfoOption* o = defaults; o->keyword != nullptr && !known; ++o) known = name == o->keyword;
    if (!known) {
      // Named only when it reads as a keyword: a malformed URL can put a
      // password where a parameter name should be.
      const bool keyword = !name.empty() && name.size() <= 32 &&
                           std::all_of(name.begin(), name.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
      status = InvalidArgument("source URL: " + (keyword ? "the parameter '" + name + "'" : std::string("a parameter")) +
                               " is not a libpq connection parameter (see the libpq documentation, section "
                               "\"Parameter Key Words\")");
      break;
    }
  }
  PQconninfoFree(defaults);
  return status;
}

}  // namespace dbexport::source::postgres
