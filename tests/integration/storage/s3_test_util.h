#pragma once
// Shared by the S3 integration tests: clients and stores pointed at the
// moto_server of the test command, bucket setup, the aws CLI, and the
// fault-injecting proxy (tests/tools/fault_proxy.py).

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "storage/s3/s3_client.h"
#include "storage/s3/s3_store.h"
#include "support/test_env.h"

namespace dbexport::s3::testing {

inline constexpr char kRegion[] = "us-east-1";

// moto accepts any key pair; these are the ones its docs use.
std::shared_ptr<CredentialsProvider> TestCredentials();

// Fast retries so that fault tests take little time.
RetryPolicy FastRetry(int max_attempts = 4);

// A store on `bucket` at `endpoint` (default: moto), 5 MiB parts.
S3StoreOptions StoreOptions(const std::string& bucket, const std::string& endpoint = "");

// A plain client (no SSE) at `endpoint` (default: moto) in `region`.
std::shared_ptr<S3Client> MakeClient(const std::string& endpoint = "", const std::string& region = kRegion);

// Creates `bucket` in `region` if needed and removes every object and open
// multipart upload in it.
Status ResetBucket(const std::string& bucket, const std::string& region = kRegion);

// `n` pseudo-random (incompressible) bytes, the same for the same seed.
std::string Bytes(size_t n, uint32_t seed);

// Writes `data` to `key` through OpenWrite, 1 MiB at a time; aborts the
// stream on a failed write.
Status WriteAll(ObjectStore& store, const std::string& key, const std::string& data);

// Expects no object and no open multipart upload in `bucket` (asked of moto
// directly).
void ExpectBucketEmpty(const std::string& bucket);

// Expects exactly one object in `bucket`, `key` holding `data`, and no open
// multipart upload.
void ExpectOnlyObject(const std::string& bucket, const std::string& key, const std::string& data);

// In a fault proxy log: the requests a fault rule hit with `action`, and
// those with `method` whose query contains `query_part`.
int CountFaults(const nlohmann::json& log, const std::string& action);
int CountRequests(const nlohmann::json& log, const std::string& method, const std::string& query_part);

// Runs `aws <args> --endpoint-url <moto>` with moto's test credentials.
dbexport::testing::CommandResult AwsCli(const std::string& args);

// The fault proxy in front of moto, running while this object lives.
class FaultProxy {
 public:
  FaultProxy();
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  const std::string& endpoint() const { return endpoint_; }
  // Replaces the fault rules (fault_proxy.py documents the fields).
  void SetRules(const nlohmann::json& rules);
  nlohmann::json Log();
  void ClearLog();
  // Holds every request from now on, unanswered, as a stopped server
  // would; Resume() forwards them in order (fault_proxy.py, "Pause").
  void Pause();
  void Resume();
  // Whether paused, and how many requests are held.
  bool Paused();
  int Held();
  // Waits until the proxy is not paused and has forwarded every held
  // request; false after `timeout_ms`.
  bool WaitUntilDrained(int timeout_ms);

 private:
  int pid_ = -1;
  std::string endpoint_;
};

}  // namespace dbexport::s3::testing
