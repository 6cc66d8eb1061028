#include "storage/s3/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

#include "common/ascii.h"
#include "common/time_format.h"

namespace dbexport::s3 {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

// Trims both ends and collapses runs of spaces into one (the SigV4 header
// value rule; it applies inside quotes too).
std::string TrimAll(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

// `name` is lowercase.
void RemoveHeader(SigV4Request* request, std::string_view name) {
  auto& headers = request->headers;
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [&](const auto& h) { return AsciiLower(h.first) == name; }),
                headers.end());
}

void SetHeader(SigV4Request* request, std::string_view name, std::string value) {
  RemoveHeader(request, name);
  request->headers.emplace_back(std::string(name), std::move(value));
}

bool IsHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), IsHexDigit);
}

}  // namespace

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kDigits[b >> 4];
    out[2 * i + 1] = kDigits[b & 0xf];
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string UriEncode(std::string_view s, bool encode_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() + s.size() / 4);
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (IsAsciiAlnum(static_cast<char>(c)) || c == '-' || c == '.' || c == '_' || c == '~' ||
        (c == '/' && !encode_slash)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 0xf]);
    }
  }
  return out;
}

Result<std::string> UriDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) {
      return InvalidArgument("decoding URI component '" + std::string(s) + "': truncated %-escape");
    }
    std::string_view hex = s.substr(i + 1, 2);
    if (!IsHex(hex)) {
      return InvalidArgument("decoding URI component '" + std::string(s) + "': bad %-escape");
    }
    auto nibble = [](char c) { return IsAsciiDigit(c) ? c - '0' : (AsciiLower(c) - 'a' + 10); };
    out.push_back(static_cast<char>(nibble(hex[0]) * 16 + nibble(hex[1])));
    i += 2;
  }
  return out;
}

std::string CanonicalRequest(const SigV4Request& request,
                             const std::vector<std::string>& signed_headers) {
  std::string out;
  out.reserve(512);
  out += request.method;
  out += '\n';
  out += request.path.empty() ? "/" : UriEncode(request.path, /*encode_slash=*/false);
  out += '\n';

  std::vector<std::pair<std::string, std::string>> query;
  query.reserve(request.query.size());
  for (const auto& [k, v] : request.query) query.emplace_back(UriEncode(k), UriEncode(v));
  std::sort(query.begin(), query.end());
  for (size_t i = 0; i < query.size(); ++i) {
    if (i > 0) out += '&';
    out += query[i].first;
    out += '=';
    out += query[i].second;
  }
  out += '\n';

  for (const std::string& name : signed_headers) {
    out += name;
    out += ':';
    bool first = true;
    for (const auto& [k, v] : request.headers) {
      if (AsciiLower(k) != name) continue;
      if (!first) out += ',';
      out += TrimAll(v);
      first = false;
    }
    out += '\n';
  }
  out += '\n';
  for (size_t i = 0; i < signed_headers.size(); ++i) {
    if (i > 0) out += ';';
    out += signed_headers[i];
  }
  out += '\n';
  out += request.payload_sha256_hex;
  return out;
}

std::string CredentialScope(std::string_view date, std::string_view region,
                            std::string_view service) {
  std::string out;
  out.append(date).append("/").append(region).append("/").append(service).append("/aws4_request");
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request_hash) {
  std::string out(kAlgorithm);
  out.append("\n").append(amz_date).append("\n").append(scope).append("\n");
  out.append(canonical_request_hash);
  return out;
}

std::string Signature(std::string_view secret_access_key, std::string_view date,
                      std::string_view region, std::string_view service,
                      std::string_view string_to_sign) {
  std::string key = HmacSha256("AWS4" + std::string(secret_access_key), date);
  key = HmacSha256(key, region);
  key = HmacSha256(key, service);
  key = HmacSha256(key, "aws4_request");
  return HexEncode(HmacSha256(key, string_to_sign));
}

Status SignRequest(SigV4Request* request, const AwsCredentials& credentials,
                   std::string_view region, std::string_view service,
                   std::string_view amz_date) {
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return InvalidArgument("signing " + request->method + " " + request->path +
                           ": no AWS credentials (access key id and secret access key)");
  }
  if (request->payload_sha256_hex.empty()) {
    return InvalidArgument("signing " + request->method + " " + request->path +
                           ": payload SHA-256 not set");
  }
  if (amz_date.size() != 16) {
    return InvalidArgument("signing " + request->method + " " + request->path +
                           ": x-amz-date '" + std::string(amz_date) +
                           "' is not YYYYMMDDTHHMMSSZ");
  }
  bool has_host = std::any_of(request->headers.begin(), request->headers.end(),
                              [](const auto& h) { return AsciiLower(h.first) == "host"; });
  if (!has_host) {
    return InvalidArgument("signing " + request->method + " " + request->path +
                           ": no host header");
  }
  RemoveHeader(request, "authorization");
  SetHeader(request, "x-amz-date", std::string(amz_date));
  if (service == "s3") SetHeader(request, "x-amz-content-sha256", request->payload_sha256_hex);
  if (!credentials.session_token.empty()) {
    SetHeader(request, "x-amz-security-token", credentials.session_token);
  }

  std::vector<std::string> signed_headers;
  for (const auto& h : request->headers) signed_headers.push_back(AsciiLower(h.first));
  std::sort(signed_headers.begin(), signed_headers.end());
  signed_headers.erase(std::unique(signed_headers.begin(), signed_headers.end()),
                       signed_headers.end());

  std::string date(amz_date.substr(0, 8));
  std::string scope = CredentialScope(date, region, service);
  std::string to_sign =
      StringToSign(amz_date, scope, Sha256Hex(CanonicalRequest(*request, signed_headers)));
  std::string signature = Signature(credentials.secret_access_key, date, region, service, to_sign);

  std::string auth(kAlgorithm);
  auth += " Credential=" + credentials.access_key_id + "/" + scope + ", SignedHeaders=";
  for (size_t i = 0; i < signed_headers.size(); ++i) {
    if (i > 0) auth += ';';
    auth += signed_headers[i];
  }
  auth += ", Signature=" + signature;
  request->headers.emplace_back("Authorization", std::move(auth));
  return Status::OK();
}

std::string AmzDateNow() { return FormatAmzDate(static_cast<int64_t>(std::time(nullptr)) * 1000); }

std::string FormatAmzDate(int64_t unix_ms) {
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::optional<int64_t> ParseAmzDate(const std::string& text) {
  int y, mo, d, h, mi, s, n = 0;
  if (text.size() != 16 || std::sscanf(text.c_str(), "%4d%2d%2dT%2d%2d%2dZ%n", &y, &mo, &d, &h, &mi, &s, &n) != 6 ||
      n != 16) {
    return std::nullopt;
  }
  return UtcFieldsToUnixMs(y, mo, d, h, mi, s);
}

Result<SigV4Authorization> ParseAuthorization(std::string_view header_value) {
  auto fail = [&](const std::string& why) {
    return Unauthenticated("parsing Authorization header: " + why);
  };
  std::string_view v = header_value;
  if (v.substr(0, kAlgorithm.size()) != kAlgorithm) {
    return fail("algorithm is not AWS4-HMAC-SHA256");
  }
  v.remove_prefix(kAlgorithm.size());

  SigV4Authorization auth;
  bool have_credential = false, have_signed = false, have_signature = false;
  while (!v.empty()) {
    size_t comma = v.find(',');
    std::string_view field = v.substr(0, comma);
    v = comma == std::string_view::npos ? std::string_view() : v.substr(comma + 1);
    while (!field.empty() && field.front() == ' ') field.remove_prefix(1);
    while (!field.empty() && field.back() == ' ') field.remove_suffix(1);
    if (field.empty()) continue;
    size_t eq = field.find('=');
    if (eq == std::string_view::npos) return fail("a field has no '='");
    std::string_view name = field.substr(0, eq);
    std::string_view value = field.substr(eq + 1);
    if (name == "Credential") {
      // AKID/date/region/service/aws4_request; the key id has no '/'.
      std::vector<std::string> parts;
      size_t start = 0;
      while (true) {
        size_t slash = value.find('/', start);
        parts.emplace_back(value.substr(start, slash - start));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
      }
      if (parts.size() != 5 || parts[4] != "aws4_request" || parts[1].size() != 8 ||
          parts[0].empty() || parts[2].empty() || parts[3].empty()) {
        return fail("Credential is not <key id>/<YYYYMMDD>/<region>/<service>/aws4_request");
      }
      auth.access_key_id = parts[0];
      auth.date = parts[1];
      auth.region = parts[2];
      auth.service = parts[3];
      have_credential = true;
    } else if (name == "SignedHeaders") {
      size_t start = 0;
      while (start <= value.size()) {
        size_t semi = value.find(';', start);
        std::string_view h = value.substr(start, semi - start);
        if (h.empty()) return fail("SignedHeaders has an empty name");
        auth.signed_headers.push_back(AsciiLower(h));
        if (semi == std::string_view::npos) break;
        start = semi + 1;
      }
      have_signed = true;
    } else if (name == "Signature") {
      if (value.size() != 64 || !IsHex(value)) return fail("Signature is not 64 hex digits");
      auth.signature = AsciiLower(value);
      have_signature = true;
    } else {
      return fail("a field is not Credential, SignedHeaders or Signature");
    }
  }
  if (!have_credential) return fail("no Credential");
  if (!have_signed) return fail("no SignedHeaders");
  if (!have_signature) return fail("no Signature");
  return auth;
}

bool SignaturesEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace dbexport::s3
