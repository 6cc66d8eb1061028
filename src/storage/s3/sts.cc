#include "storage/s3/sts.h"

#include <cctype>
#include <mutex>
#include <optional>
#include <pugixml.hpp>

#include "common/ascii.h"
#include "common/time_format.h"
#include "storage/s3/sigv4.h"

namespace dbexport::s3 {
namespace {

// RoleSessionName: 2 to 64 characters of [\w+=,.@-].
constexpr size_t kMaxRoleSessionName = 64;

// "2026-11-24T19:04:46.147412Z" or "2026-11-24T19:04:46Z" (UTC).
Result<std::chrono::system_clock::time_point> ParseExpiration(const std::string& text) {
  std::optional<int64_t> unix_ms = text.size() < 20 ? std::nullopt : ParseIso8601(text);
  if (!unix_ms) return InvalidArgument("'" + text + "' is not an ISO 8601 UTC time");
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(*unix_ms));
}

std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += UriEncode(k) + "=" + UriEncode(v);
  }
  return out;
}

class AssumeRoleProvider final : public CredentialsProvider {
 public:
  AssumeRoleProvider(std::shared_ptr<AwsCaller> sts, AssumeRoleOptions options, TemporaryCredentials first)
      : sts_(std::move(sts)), options_(std::move(options)), current_(std::move(first)) {}

  Result<AwsCredentials> Get() override {
    std::lock_guard<std::mutex> lock(mu_);
    auto now = std::chrono::system_clock::now();
    if (now + options_.refresh_before < current_.expiration) return current_.credentials;
    auto fresh = AssumeRole(*sts_, options_.role_arn, options_.session_name, options_.duration_seconds);
    if (fresh.ok()) {
      current_ = std::move(fresh).value();
      return current_.credentials;
    }
    if (now < current_.expiration) return current_.credentials;
    return fresh.status();
  }

  std::string Describe() const override { return "role " + options_.role_arn; }

 private:
  const std::shared_ptr<AwsCaller> sts_;
  const AssumeRoleOptions options_;
  std::mutex mu_;
  TemporaryCredentials current_;  // guarded by mu_
};

}  // namespace

Status ValidateRoleArn(std::string_view arn) {
  auto fail = [&](const std::string& why) {
    return InvalidArgument("IAM role ARN '" + std::string(arn) + "' " + why);
  };
  // arn:partition:iam::account:role/name
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    size_t colon = arn.find(':', start);
    if (colon == std::string_view::npos) return fail("is not arn:aws:iam::<account>:role/<name>");
    parts.push_back(arn.substr(start, colon - start));
    start = colon + 1;
  }
  std::string_view resource = arn.substr(start);
  if (parts[0] != "arn" || parts[1].empty() || parts[2] != "iam" || !parts[3].empty()) {
    return fail("is not arn:aws:iam::<account>:role/<name>");
  }
  if (parts[4].size() != 12 ||
      !std::all_of(parts[4].begin(), parts[4].end(), IsAsciiDigit)) {
    return fail("has no 12-digit account id");
  }
  if (!resource.starts_with("role/") || resource.size() == 5 || resource.back() == '/') {
    return fail("does not name a role (role/<name>)");
  }
  return Status::OK();
}

std::string RoleSessionName(std::string_view text) {
  std::string name = "dbexport-";
  for (char c : text) {
    bool ok = IsAsciiAlnum(c) || std::string_view("+=,.@_-").find(c) != std::string_view::npos;
    name.push_back(ok ? c : '-');
  }
  if (name.size() > kMaxRoleSessionName) name.resize(kMaxRoleSessionName);
  return name;
}

Result<TemporaryCredentials> AssumeRole(AwsCaller& sts, const std::string& role_arn,
                                        const std::string& session_name, int duration_seconds) {
  std::string body = FormEncode({{"Action", "AssumeRole"},
                                 {"Version", "2011-06-15"},
                                 {"RoleArn", role_arn},
                                 {"RoleSessionName", session_name},
                                 {"DurationSeconds", std::to_string(duration_seconds)}});
  AwsRequest request;
  request.method = "POST";
  request.headers = {{"content-type", "application/x-www-form-urlencoded; charset=utf-8"}};
  request.body = body;
  DBX_ASSIGN_OR_RETURN(HttpResponse response, sts.Call(request, "AssumeRole", role_arn));

  pugi::xml_document doc;
  auto fail = [&](const std::string& why) {
    return Internal("AssumeRole " + role_arn + ": unexpected response: " + why + " (request id " +
                    response.Header("x-amzn-requestid") + ")");
  };
  if (!doc.load_buffer(response.body.data(), response.body.size())) return fail("not XML");
  pugi::xml_node creds = doc.child("AssumeRoleResponse").child("AssumeRoleResult").child("Credentials");
  TemporaryCredentials out;
  out.credentials.access_key_id = creds.child_value("AccessKeyId");
  out.credentials.secret_access_key = creds.child_value("SecretAccessKey");
  out.credentials.session_token = creds.child_value("SessionToken");
  if (out.credentials.access_key_id.empty() || out.credentials.secret_access_key.empty() ||
      out.credentials.session_token.empty()) {
    return fail("no Credentials");
  }
  auto expiration = ParseExpiration(creds.child_value("Expiration"));
  if (!expiration.ok()) return fail("Expiration " + expiration.status().message());
  out.expiration = *expiration;
  return out;
}

Result<std::shared_ptr<CredentialsProvider>> MakeAssumeRoleCredentialsProvider(
    std::shared_ptr<AwsCaller> sts, AssumeRoleOptions options) {
  DBX_RETURN_IF_ERROR(ValidateRoleArn(options.role_arn));
  DBX_ASSIGN_OR_RETURN(TemporaryCredentials first,
                       AssumeRole(*sts, options.role_arn, options.session_name, options.duration_seconds));
  return std::shared_ptr<CredentialsProvider>(
      std::make_shared<AssumeRoleProvider>(std::move(sts), std::move(options), std::move(first)));
}

}  // namespace dbexport::s3
