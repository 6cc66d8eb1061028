// StartExportTask parameter checks. Each check names the parameter, the
// value and what is wrong; the error code follows reference.md section 1.
// Whether the bucket exists, the role can be assumed and the key is usable is
// only known after calling S3, STS and KMS: that is the task's pre-flight,
// whose failure ends the task FAILED with the user guide's FailureCause.

#include <algorithm>
#include <cctype>
#include <vector>

#include "common/ascii.h"
#include "common/printable.h"
#include "export/export.h"
#include "export/naming.h"
#include "service/query_internal.h"
#include "storage/object_store.h"

namespace dbexport::service {
namespace {

// S3 bucket names: 3..63 characters (S3 naming rules).
constexpr size_t kMinBucketName = 3;
constexpr size_t kMaxBucketName = 63;
// S3 object keys are at most 1024 bytes; leave room for the export's own path.
constexpr size_t kMaxS3Prefix = 512;
// IAM role names are at most 64 characters.
constexpr size_t kMaxRoleName = 64;

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t pos = s.find(sep, start);
    parts.push_back(s.substr(start, pos == std::string::npos ? std::string::npos : pos - start));
    if (pos == std::string::npos) return parts;
    start = pos + 1;
  }
}

bool AllOf(const std::string& s, bool (*pred)(unsigned char)) {
  return std::all_of(s.begin(), s.end(), [pred](char c) { return pred(static_cast<unsigned char>(c)); });
}
bool IsDigit(unsigned char c) { return IsAsciiDigit(static_cast<char>(c)); }
bool IsHex(unsigned char c) { return IsHexDigit(static_cast<char>(c)); }
bool IsPartition(const std::string& p) { return p == "aws" || p == "aws-cn" || p == "aws-us-gov"; }

// Why `name` is not a valid bucket name, or "" when it is.
std::string BucketNameProblem(const std::string& name) {
  if (name.size() < kMinBucketName || name.size() > kMaxBucketName) return "it must be 3 to 63 characters long";
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || IsAsciiDigit(c) || c == '.' ||
          c == '-')) {
      return "it may contain only lowercase letters, digits, dots and hyphens";
    }
  }
  if (!IsAsciiAlnum(name.front()) || !IsAsciiAlnum(name.back())) {
    return "it must begin and end with a letter or a digit";
  }
  if (name.find("..") != std::string::npos) return "it must not contain two adjacent dots";
  std::vector<std::string> octets = Split(name, '.');
  if (octets.size() == 4 && std::all_of(octets.begin(), octets.end(), [](const std::string& o) {
        return !o.empty() && o.size() <= 3 && AllOf(o, IsDigit);
      })) {
    return "it must not be formatted as an IP address";
  }
  return "";
}

bool IsKeyId(const std::string& id) {
  // 1234abcd-12ab-34cd-56ef-1234567890ab, or a multi-Region key mrk-<32 hex>.
  if (id.rfind("mrk-", 0) == 0) return id.size() == 36 && AllOf(id.substr(4), IsHex);
  std::vector<std::string> groups = Split(id, '-');
  const size_t sizes[] = {8, 4, 4, 4, 12};
  if (groups.size() != 5) return false;
  for (size_t i = 0; i < 5; ++i) {
    if (groups[i].size() != sizes[i] || !AllOf(groups[i], IsHex)) return false;
  }
  return true;
}

bool IsAliasName(const std::string& alias) {
  if (alias.rfind("alias/", 0) != 0 || alias.size() <= 6 || alias.size() > 256) return false;
  return std::all_of(alias.begin() + 6, alias.end(), [](char c) {
    return IsAsciiAlnum(c) || c == '/' || c == '_' || c == '-';
  });
}

std::optional<CheckFailure> CheckSourceArn(const ServiceConfig& config, exporter::ExportSpec* spec) {
  const std::string& arn = spec->source_arn;
  std::vector<std::string> parts = Split(arn, ':');
  if (parts.size() != 7 || parts[0] != "arn" || !IsPartition(parts[1]) || parts[2] != "rds") {
    return CheckFailure{api_error::kInvalidParameterValue,
                        "The parameter SourceArn is not a valid DB cluster ARN: '" + arn +
                            "'. Expected arn:aws:rds:<region>:<account-id>:cluster:<cluster-name>."};
  }
  if (parts[5] != "cluster") {
    return CheckFailure{api_error::kInvalidParameterValue,
                        "The parameter SourceArn names a " + parts[5] +
                            ", but this service exports live DB clusters only: use "
                            "arn:aws:rds:<region>:<account-id>:cluster:<cluster-name>."};
  }
  if (parts[3] != config.region || parts[4] != config.account_id || config.FindCluster(parts[6]) == nullptr) {
    return CheckFailure{api_error::kDbClusterNotFound, "DBCluster " + parts[6] + " not found."};
  }
  spec->source_cluster = parts[6];
  return std::nullopt;
}

std::optional<CheckFailure> CheckRole(const ServiceConfig& config, const std::string& role) {
  // arn:aws:iam::<account>:role/<optional path/><name>
  std::vector<std::string> parts = Split(role, ':');
  bool ok = parts.size() == 6 && parts[0] == "arn" && IsPartition(parts[1]) && parts[2] == "iam" && parts[3].empty() &&
            parts[4].size() == 12 && AllOf(parts[4], IsDigit) && parts[5].rfind("role/", 0) == 0;
  if (ok) {
    std::string name = parts[5].substr(parts[5].rfind('/') + 1);
    ok = !name.empty() && name.size() <= kMaxRoleName &&
         std::all_of(parts[5].begin() + 5, parts[5].end(), [](char c) {
           return IsAsciiAlnum(c) || std::string_view("+=,.@_-/").find(c) != std::string_view::npos;
         });
  }
  if (!ok) {
    return CheckFailure{api_error::kIamRoleNotFound,
                        "The IAM role " + role +
                            " can't be found: IamRoleArn must be an IAM role ARN, "
                            "arn:aws:iam::<account-id>:role/<role-name>."};
  }
  if (parts[4] != config.account_id) {
    return CheckFailure{api_error::kIamRoleMissingPermissions,
                        "The IAM role " + role + " belongs to account " + parts[4] +
                            "; export tasks of account " + config.account_id +
                            " can only assume roles of their own account."};
  }
  return std::nullopt;
}

std::optional<CheckFailure> CheckKmsKey(const ServiceConfig& config, const std::string& key) {
  bool ok = IsKeyId(key) || IsAliasName(key);
  std::vector<std::string> parts = Split(key, ':');
  if (!ok && parts.size() == 6 && parts[0] == "arn" && IsPartition(parts[1]) && parts[2] == "kms" &&
      parts[4].size() == 12 && AllOf(parts[4], IsDigit)) {
    ok = (parts[5].rfind("key/", 0) == 0 && IsKeyId(parts[5].substr(4))) || IsAliasName(parts[5]);
    if (ok && parts[3] != config.region) {
      return CheckFailure{api_error::kKmsKeyNotAccessible,
                          "The KMS key " + key + " is in region " + parts[3] + ", but export tasks here run in " +
                              config.region + " and can only use keys of that region."};
    }
  }
  if (!ok) {
    return CheckFailure{api_error::kKmsKeyNotAccessible,
                        "The KMS key " + key +
                            " isn't accessible: KmsKeyId must be a key ID, key ARN, alias name (alias/...) or "
                            "alias ARN."};
  }
  return std::nullopt;
}

}  // namespace

std::optional<CheckFailure> CheckStartRequest(const ServiceConfig& config, StartRequest* request) {
  exporter::ExportSpec& spec = request->spec;
  const std::string& bucket = spec.destination.s3_bucket;
  const std::string& prefix = spec.destination.s3_prefix;
  if (!exporter::IsValidRdsIdentifier(spec.task_id, exporter::kMaxTaskIdentifierLength)) {
    return CheckFailure{api_error::kInvalidParameterValue, std::string(exporter::kInvalidTaskIdentifierMessage)};
  }
  if (auto failure = CheckSourceArn(config, &spec)) return failure;
  if (std::string problem = BucketNameProblem(bucket); !problem.empty()) {
    return CheckFailure{api_error::kInvalidS3Bucket, "The S3 bucket name " + bucket + " isn't valid: " + problem + "."};
  }
  if (prefix.find(':') != std::string::npos) {
    return CheckFailure{api_error::kInvalidParameterValue,
                        "The S3 prefix " + Printable(prefix) + " isn't valid: S3 prefixes containing ':' are not supported."};
  }
  if (Status s = CheckRootPrefix(prefix); !s.ok()) {
    return CheckFailure{api_error::kInvalidParameterValue,
                        "The S3 prefix " + Printable(prefix) +
                            " isn't valid: it must be '/'-separated names, none of them empty, '.' or '..', and "
                            "hold no control characters."};
  }
  if (prefix.size() > kMaxS3Prefix) {
    return CheckFailure{api_error::kInvalidParameterValue,
                        "The S3 prefix is " + std::to_string(prefix.size()) + " bytes long; at most " +
                            std::to_string(kMaxS3Prefix) + " are allowed."};
  }
  if (auto failure = CheckRole(config, spec.store.iam_role_arn)) return failure;
  if (auto failure = CheckKmsKey(config, spec.store.kms_key_id)) return failure;
  if (Status s = exporter::ValidateExportOnly(spec.export_only); !s.ok()) {
    return CheckFailure{api_error::kInvalidExportOnly, "The ExportOnly parameter isn't valid: " + s.message()};
  }
  return std::nullopt;
}

}  // namespace dbexport::service
