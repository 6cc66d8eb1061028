#pragma once
// A thin libmariadb wrapper for the MySQL/MariaDB source: the source URL,
// connections set up for exporting, and the one place where MySQL error
// numbers become StatusCodes. Errors carry the operation, the object and
// the server's message with its error number:
//   "listing tables of shop: Access denied ... (MySQL error 1142)".

#include <mysql.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "source/source_url.h"

namespace dbexport::source::mysql {

// mysql://user[:password]@host[:port][/database] (mariadb:// too).
struct MySqlUrl {
  std::string user;
  std::string password;  // percent-decoded; from MYSQL_PWD when the URL has none
  std::string host = "127.0.0.1";
  unsigned port = 3306;
  std::string database;  // empty: every database but the system ones

  // "host:port" (never the password), for messages.
  std::string Describe() const { return host + ":" + std::to_string(port); }
};

// Parses the URL. InvalidArgument says what is wrong without echoing the
// password.
Result<MySqlUrl> ParseMySqlUrl(const std::string& url, const char* env_password);

// StatusCode for a MySQL/MariaDB client or server error number: says
// whether a retry can help.
StatusCode StatusCodeForMySqlError(unsigned err);

// The rows of a query, as text (nullopt: NULL).
using MySqlRow = std::vector<std::optional<std::string>>;

// One connection. Not thread-safe.
class MySqlConnection {
 public:
  // Connects and sets the session up for exporting: utf8mb4, time zone UTC
  // (TIMESTAMP values come out in UTC), no implicit conversions of zero
  // dates into errors.
  static Result<std::unique_ptr<MySqlConnection>> Connect(const MySqlUrl& url);
  ~MySqlConnection();
  MySqlConnection(const MySqlConnection&) = delete;
  MySqlConnection& operator=(const MySqlConnection&) = delete;

  Status Exec(const std::string& sql, std::string_view context);
  Result<std::vector<MySqlRow>> Query(const std::string& sql, std::string_view context);
  // Starts a streaming SELECT (mysql_use_result): rows are read one at a
  // time with FetchRow, and the whole result must be read (or the
  // connection closed) before the next command.
  Result<MYSQL_RES*> StreamQuery(const std::string& sql, std::string_view context);
  // The error of the last call, as a Status.
  Status LastError(std::string_view context) const;

  unsigned long thread_id() { return mysql_thread_id(mysql_); }
  MYSQL* get() { return mysql_; }

 private:
  explicit MySqlConnection(MYSQL* mysql) : mysql_(mysql) {}
  MYSQL* mysql_;
};

// Quotes an identifier: `a``b`.
std::string QuoteIdent(std::string_view name);
// Quotes a string literal for a utf8mb4 session: 'it\'s'.
std::string QuoteLiteral(std::string_view value);

}  // namespace dbexport::source::mysql
