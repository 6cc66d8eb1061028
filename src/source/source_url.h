#pragma once
// Source URLs: scheme://[user[:password]@]host[:port][,host[:port]...][/database][?name=value&...]
// for postgresql://, postgres://, mysql:// and mariadb://. One parser for
// both engines, strict enough that a URL it accepts is one the engine's
// client library parses too, and careful never to quote any part of the URL
// in its errors: a malformed URL can put a password anywhere (an unescaped
// '/' in it moves the rest into the "host" and "database").

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace dbexport::source {

struct SourceUrl {
  std::string scheme;  // as written: postgresql, postgres, mysql or mariadb
  std::string user;    // percent-decoded; empty when absent
  std::string password;  // percent-decoded
  bool has_password = false;
  // Each host as written (an IPv6 address keeps its brackets) with its port
  // (0: the engine's default). PostgreSQL allows several, MySQL one.
  std::vector<std::pair<std::string, int>> hosts;
  std::string database;  // percent-decoded; empty when absent
  std::vector<std::pair<std::string, std::string>> params;  // percent-decoded
  // Every secret the URL carries, decoded and as written (the password, and
  // the values of password and sslpassword parameters), for RegisterSecret.
  std::vector<std::string> secrets;

  bool IsPostgres() const { return scheme == "postgresql" || scheme == "postgres"; }
};

// Parses `url`. InvalidArgument names the part that is wrong ("the port",
// "a percent-escape in the password") and never quotes the URL.
Result<SourceUrl> ParseSourceUrl(std::string_view url);

// scheme://user@host:port/database: the URL without its password and
// without its parameters, for SourceArn defaults and messages. "" when the
// URL does not parse.
std::string RedactedSourceUrl(std::string_view url);

// `url` with `password` set in its user info (percent-encoded), replacing
// any there. `url` must parse and have a user name.
std::string WithPassword(std::string_view url, std::string_view password);

}  // namespace dbexport::source
