#include "storage/s3/kms.h"

#include <nlohmann/json.hpp>

namespace dbexport::s3 {

std::string KmsKeyRegion(std::string_view key_id, std::string_view default_region) {
  // arn:aws:kms:us-west-2:111122223333:key/...
  if (!key_id.starts_with("arn:")) return std::string(default_region);
  size_t p = 0;
  for (int i = 0; i < 3; ++i) {
    p = key_id.find(':', p);
    if (p == std::string_view::npos) return std::string(default_region);
    ++p;
  }
  size_t end = key_id.find(':', p);
  if (end == std::string_view::npos || end == p) return std::string(default_region);
  return std::string(key_id.substr(p, end - p));
}

Result<KmsKeyMetadata> DescribeKey(AwsCaller& kms, const std::string& key_id) {
  std::string body = nlohmann::json{{"KeyId", key_id}}.dump();
  AwsRequest request;
  request.method = "POST";
  request.headers = {{"content-type", "application/x-amz-json-1.1"},
                     {"x-amz-target", "TrentService.DescribeKey"}};
  request.body = body;
  DBX_ASSIGN_OR_RETURN(HttpResponse response, kms.Call(request, "KMS DescribeKey", "key " + key_id));

  nlohmann::json json = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("KeyMetadata") || !json["KeyMetadata"].is_object()) {
    return Internal("KMS DescribeKey key " + key_id + ": unexpected response: no KeyMetadata (request id " +
                    response.Header("x-amzn-requestid") + ")");
  }
  const nlohmann::json& m = json["KeyMetadata"];
  auto text = [&](const char* name) {
    auto it = m.find(name);
    return it != m.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  KmsKeyMetadata key;
  key.key_id = text("KeyId");
  key.arn = text("Arn");
  key.enabled = m.contains("Enabled") && m["Enabled"].is_boolean() && m["Enabled"].get<bool>();
  key.key_state = text("KeyState");
  key.key_usage = text("KeyUsage");
  // CreateKey's default; some KMS emulators leave the field out.
  if (key.key_usage.empty()) key.key_usage = "ENCRYPT_DECRYPT";
  key.key_spec = text("KeySpec");
  if (key.key_spec.empty()) key.key_spec = text("CustomerMasterKeySpec");  // older name
  return key;
}

Status CheckKeyForServerSideEncryption(const KmsKeyMetadata& key) {
  std::string name = "KMS key " + (key.arn.empty() ? key.key_id : key.arn);
  if (!key.enabled) {
    return FailedPrecondition(name + " is not enabled (state " + key.key_state + ")");
  }
  if (key.key_usage != "ENCRYPT_DECRYPT") {
    return FailedPrecondition(name + " has usage " + key.key_usage + ", not ENCRYPT_DECRYPT");
  }
  if (key.key_spec != "SYMMETRIC_DEFAULT") {
    return FailedPrecondition(name + " has spec " + key.key_spec + ", not SYMMETRIC_DEFAULT");
  }
  return Status::OK();
}

}  // namespace dbexport::s3
