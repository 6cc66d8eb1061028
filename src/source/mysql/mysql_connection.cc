#include "source/mysql/mysql_connection_internal.h"

#include <mysqld_error.h>
#include <errmsg.h>

#include <cctype>
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

std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      return std::nullopt;
    }
    out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
    i += 2;
  }
  return out;
}

}  // namespace

Result<MySqlUrl> ParseMySqlUrl(const std::string& url, const char* env_password) {
  const std::string usage = " (expected mysql://user[:password]@host[:port][/database])";
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return InvalidArgument("source URL has no scheme" + usage);
  std::string_view rest = std::string_view(url).substr(scheme + 3);
  MySqlUrl out;
  size_t at = rest.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    size_t colon = userinfo.find(':');
    auto user = PercentDecode(userinfo.substr(0, colon));
    if (!user) return InvalidArgument("source URL: bad percent-escape in the user name" + usage);
    out.user = *user;
    if (colon != std::string_view::npos) {
      auto password = PercentDecode(userinfo.substr(colon + 1));
      // Never echo the password, not even the bad escape.
      if (!password) return InvalidArgument("source URL: bad percent-escape in the password" + usage);
      out.password = *password;
    }
  }
  if (out.password.empty() && env_password != nullptr) out.password = env_password;
  size_t slash = rest.find('/');
  std::string_view hostport = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    auto database = PercentDecode(rest.substr(slash + 1));
    if (!database || database->find('/') != std::string::npos || database->find('?') != std::string::npos) {
      return InvalidArgument("source URL: the database name is not valid" + usage);
    }
    out.database = *database;
  }
  if (hostport.empty()) return InvalidArgument("source URL has no host" + usage);
  size_t colon = hostport.rfind(':');
  if (colon != std::string_view::npos && hostport.find(']') == std::string_view::npos) {
    std::string_view port = hostport.substr(colon + 1);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return InvalidArgument("source URL: port '" + std::string(port) + "' is not a number from 1 to 65535" + usage);
    }
    out.port = value;
    hostport = hostport.substr(0, colon);
  }
  out.host = std::string(hostport);
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
