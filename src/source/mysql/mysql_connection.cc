#include "source/mysql/mysql_connection_internal.h"

#include <mysqld_error.h>
#include <errmsg.h>

#include <charconv>

namespace dbexport::source::mysql {
namespace {

// utf8mb4 for every text; times in UTC, so that TIMESTAMP (stored in UTC)
// is read as stored and DATETIME (no zone) as written; zero dates read as
// they are (the reader turns them into NULL and counts them).
constexpr char kSessionSetup[] =
    "SET NAMES utf8mb4, time_zone = '+00:00', "
    "sql_mode = REPLACE(REPLACE(@@sql_mode, 'NO_ZERO_DATE', ''), 'NO_ZERO_IN_DATE', '')";
constexpr unsigned kConnectTimeoutSeconds = 30;

}  // namespace

Result<MySqlUrl> ParseMySqlUrl(const std::string& url, const char* env_password) {
  DBX_ASSIGN_OR_RETURN(SourceUrl parsed, ParseSourceUrl(url));
  MySqlUrl out;
  out.user = parsed.user;
  out.password = parsed.password;
  if (!parsed.has_password && env_password != nullptr) out.password = env_password;
  out.host = parsed.hosts.front().first;
  if (out.host.size() > 2 && out.host.front() == '[') out.host = out.host.substr(1, out.host.size() - 2);
  if (parsed.hosts.front().second != 0) out.port = static_cast<unsigned>(parsed.hosts.front().second);
  out.database = parsed.database;
  return out;
}

StatusCode StatusCodeForMySqlError(unsigned err) {
  switch (err) {
    case ER_ACCESS_DENIED_ERROR:
    case ER_DBACCESS_DENIED_ERROR:
      return StatusCode::kUnauthenticated;
    case ER_TABLEACCESS_DENIED_ERROR:
    case ER_COLUMNACCESS_DENIED_ERROR:
    case ER_SPECIFIC_ACCESS_DENIED_ERROR:
    case ER_PROCACCESS_DENIED_ERROR:
      return StatusCode::kPermissionDenied;
    case ER_BAD_DB_ERROR:
    case ER_NO_SUCH_TABLE:
    case ER_BAD_FIELD_ERROR:
      return StatusCode::kNotFound;
    case ER_LOCK_WAIT_TIMEOUT:
    case ER_LOCK_DEADLOCK:
    case ER_CON_COUNT_ERROR:
    case ER_TOO_MANY_USER_CONNECTIONS:
      return StatusCode::kUnavailable;
    case ER_QUERY_INTERRUPTED:
      return StatusCode::kCancelled;
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_UNKNOWN_HOST:
      return StatusCode::kUnavailable;
    case ER_PARSE_ERROR:
    case ER_SYNTAX_ERROR:
      return StatusCode::kInvalidArgument;
    default:
      return err >= 2000 && err < 3000 ? StatusCode::kUnavailable : StatusCode::kUnknown;
  }
}

Status MySqlConnection::LastError(std::string_view context) const {
  unsigned err = mysql_errno(mysql_);
  return Status(StatusCodeForMySqlError(err), std::string(context) + ": " + mysql_error(mysql_) +
                                                  " (MySQL error " + std::to_string(err) + ")");
}

Result<std::unique_ptr<MySqlConnection>> MySqlConnection::Connect(const MySqlUrl& url) {
  MYSQL* raw = mysql_init(nullptr);
  if (raw == nullptr) return ResourceExhausted("connecting to MySQL: out of memory");
  std::unique_ptr<MySqlConnection> conn(new MySqlConnection(raw));
  unsigned timeout = kConnectTimeoutSeconds;
  mysql_optionsv(raw, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_optionsv(raw, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  unsigned protocol = MYSQL_PROTOCOL_TCP;
  mysql_optionsv(raw, MYSQL_OPT_PROTOCOL, &protocol);
  const std::string context = "connecting to MySQL at " + url.Describe() +
                              (url.database.empty() ? "" : "/" + url.database);
  if (mysql_real_connect(raw, url.host.c_str(), url.user.c_str(), url.password.c_str(),
                         url.database.empty() ? nullptr : url.database.c_str(), url.port, nullptr, 0) == nullptr) {
    return conn->LastError(context);
  }
  DBX_RETURN_IF_ERROR(conn->Exec(kSessionSetup, context));
  return conn;
}

MySqlConnection::~MySqlConnection() { mysql_close(mysql_); }

Status MySqlConnection::Exec(const std::string& sql, std::string_view context) {
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) return LastError(context);
  // Discard any result (SHOW ..., SELECT used for its effect).
  do {
    if (MYSQL_RES* r = mysql_store_result(mysql_)) mysql_free_result(r);
  } while (mysql_next_result(mysql_) == 0);
  if (mysql_errno(mysql_) != 0) return LastError(context);
  return Status::OK();
}

Result<std::vector<MySqlRow>> MySqlConnection::Query(const std::string& sql, std::string_view context) {
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) return LastError(context);
  MYSQL_RES* result = mysql_store_result(mysql_);
  if (result == nullptr) {
    if (mysql_errno(mysql_) != 0) return LastError(context);
    return std::vector<MySqlRow>{};
  }
  std::vector<MySqlRow> rows;
  unsigned n = mysql_num_fields(result);
  while (MYSQL_ROW row = mysql_fetch_row(result)) {
    unsigned long* lengths = mysql_fetch_lengths(result);
    MySqlRow out(n);
    for (unsigned i = 0; i < n; ++i) {
      if (row[i] != nullptr) out[i] = std::string(row[i], lengths[i]);
    }
    rows.push_back(std::move(out));
  }
  mysql_free_result(result);
  return rows;
}

Result<MYSQL_RES*> MySqlConnection::StreamQuery(const std::string& sql, std::string_view context) {
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) return LastError(context);
  MYSQL_RES* result = mysql_use_result(mysql_);
  if (result == nullptr) return LastError(context);
  return result;
}

std::string QuoteIdent(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

std::string QuoteLiteral(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace dbexport::source::mysql
