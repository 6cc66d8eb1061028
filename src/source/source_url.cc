#include "source/source_url.h"

#include <charconv>

#include "common/ascii.h"

namespace dbexport::source {
namespace {

constexpr std::string_view kEncodeHint =
    " (percent-encode '@', ':', '/', '?', '#' and '%' in the user name and password: %40, %3A, %2F, %3F, "
    "%23, %25)";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes; InvalidArgument naming `what` on a bad one.
Result<std::string> Decode(std::string_view s, std::string_view what) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) {
      return InvalidArgument("source URL: a percent-escape in " + std::string(what) +
                             " is cut short (write '%' itself as %25)");
    }
    int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
    if (hi < 0 || lo < 0) {
      return InvalidArgument("source URL: a percent-escape in " + std::string(what) +
                             " is not '%' and two hex digits (write '%' itself as %25)");
    }
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

// The URL split as written, nothing decoded.
struct RawUrl {
  std::string_view scheme, userinfo, hosts, path, query;
  bool has_userinfo = false;
};

Result<RawUrl> Split(std::string_view url) {
  for (char c : url) {
    if (IsAsciiControl(c)) return InvalidArgument("source URL: it contains a control character");
  }
  RawUrl raw;
  size_t colon = url.find("://");
  raw.scheme = colon == std::string_view::npos ? std::string_view() : url.substr(0, colon);
  if (raw.scheme != "postgresql" && raw.scheme != "postgres" && raw.scheme != "mysql" && raw.scheme != "mariadb") {
    return InvalidArgument(
        "source URL: it must begin with postgresql://, postgres://, mysql:// or mariadb://");
  }
  std::string_view rest = url.substr(colon + 3);
  if (rest.find('#') != std::string_view::npos) {
    return InvalidArgument("source URL: it contains a '#'" + std::string(kEncodeHint));
  }
  size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view tail = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  size_t at = authority.rfind('@');
  if (at == std::string_view::npos && tail.find('@') != std::string_view::npos) {
    return InvalidArgument("source URL: an '@' comes after the host" + std::string(kEncodeHint));
  }
  if (at != std::string_view::npos) {
    raw.has_userinfo = true;
    raw.userinfo = authority.substr(0, at);
    raw.hosts = authority.substr(at + 1);
  } else {
    raw.hosts = authority;
  }
  size_t q = tail.find('?');
  raw.path = tail.substr(0, q);
  if (q != std::string_view::npos) raw.query = tail.substr(q + 1);
  return raw;
}

Result<std::pair<std::string, int>> ParseHost(std::string_view text) {
  std::string_view host = text, port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return InvalidArgument("source URL: an IPv6 host has no closing ']'");
    }
    host = text.substr(0, close + 1);
    std::string_view after = text.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return InvalidArgument("source URL: an IPv6 host is followed by something other than ':port'");
      port = after.substr(1);
    }
  } else if (size_t c = text.rfind(':'); c != std::string_view::npos) {
    host = text.substr(0, c);
    port = text.substr(c + 1);
  }
  if (host.find(':') != std::string_view::npos && host.front() != '[') {
    return InvalidArgument("source URL: a host holds a ':'" + std::string(kEncodeHint));
  }
  DBX_ASSIGN_OR_RETURN(std::string decoded, Decode(host, "a host"));
  int value = 0;
  if (!port.empty() || text.size() > host.size()) {
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535) {
      return InvalidArgument("source URL: the port is not a number from 1 to 65535" + std::string(kEncodeHint));
    }
  }
  return std::pair<std::string, int>{decoded, value};
}

}  // namespace

Result<SourceUrl> ParseSourceUrl(std::string_view url) {
  DBX_ASSIGN_OR_RETURN(RawUrl raw, Split(url));
  SourceUrl out;
  out.scheme = std::string(raw.scheme);
  const bool postgres = out.IsPostgres();
  if (raw.has_userinfo) {
    size_t colon = raw.userinfo.find(':');
    DBX_ASSIGN_OR_RETURN(out.user, Decode(raw.userinfo.substr(0, colon), "the user name"));
    if (colon != std::string_view::npos) {
      std::string_view password = raw.userinfo.substr(colon + 1);
      DBX_ASSIGN_OR_RETURN(out.password, Decode(password, "the password"));
      out.has_password = true;
      out.secrets = {out.password, std::string(password)};
    }
  }
  if (!raw.hosts.empty()) {
    size_t start = 0;
    while (true) {
      size_t comma = raw.hosts.find(',', start);
      DBX_ASSIGN_OR_RETURN(auto host, ParseHost(raw.hosts.substr(start, comma - start)));
      if (host.first.empty()) return InvalidArgument("source URL: a host in the list is empty");
      out.hosts.push_back(std::move(host));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  }
  if (!postgres && out.hosts.size() > 1) {
    return InvalidArgument("source URL: a mysql:// or mariadb:// URL names one host");
  }
  if (!postgres && out.hosts.empty()) return InvalidArgument("source URL: it names no host");
  if (!raw.path.empty()) {
    DBX_ASSIGN_OR_RETURN(out.database, Decode(raw.path.substr(1), "the database name"));
    if (!postgres && out.database.find('/') != std::string::npos) {
      return InvalidArgument("source URL: the database name holds a '/'");
    }
  }
  if (!raw.query.empty()) {
    if (!postgres) return InvalidArgument("source URL: a mysql:// or mariadb:// URL takes no ?parameters");
    size_t start = 0;
    while (start <= raw.query.size()) {
      size_t amp = raw.query.find('&', start);
      std::string_view pair = raw.query.substr(start, amp - start);
      size_t eq = pair.find('=');
      if (eq == std::string_view::npos || eq == 0) {
        return InvalidArgument("source URL: a parameter is not name=value");
      }
      DBX_ASSIGN_OR_RETURN(std::string name, Decode(pair.substr(0, eq), "a parameter name"));
      std::string_view raw_value = pair.substr(eq + 1);
      const bool secret = name == "password" || name == "sslpassword";
      DBX_ASSIGN_OR_RETURN(std::string value, Decode(raw_value, secret ? "the password" : "a parameter value"));
      if (secret) {
        out.secrets.push_back(value);
        out.secrets.emplace_back(raw_value);
      }
      out.params.emplace_back(std::move(name), std::move(value));
      if (amp == std::string_view::npos) break;
      start = amp + 1;
    }
  }
  return out;
}

std::string RedactedSourceUrl(std::string_view url) {
  if (!ParseSourceUrl(url).ok()) return "";
  RawUrl raw = *Split(url);
  std::string out = std::string(raw.scheme) + "://";
  if (raw.has_userinfo) {
    std::string_view user = raw.userinfo.substr(0, raw.userinfo.find(':'));
    if (!user.empty()) out += std::string(user) + "@";
  }
  out += raw.hosts;
  out += raw.path;
  return out;
}

std::string WithPassword(std::string_view url, std::string_view password) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  RawUrl raw = *Split(url);
  std::string encoded;
  for (char c : password) {
    const auto b = static_cast<unsigned char>(c);
    if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      encoded += c;
    } else {
      encoded += '%';
      encoded += kHex[b >> 4];
      encoded += kHex[b & 0xF];
    }
  }
  std::string_view user = raw.userinfo.substr(0, raw.userinfo.find(':'));
  std::string out = std::string(raw.scheme) + "://" + std::string(user) + ":" + encoded + "@";
  out += raw.hosts;
  out += raw.path;
  if (!raw.query.empty()) out += "?" + std::string(raw.query);
  return out;
}

}  // namespace dbexport::source
