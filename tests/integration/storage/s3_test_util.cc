#include "integration/storage/s3_test_util.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <random>

#include <gtest/gtest.h>

#include "storage/s3/aws_call.h"
#include "storage/s3/http_client.h"
#include "storage/s3/sigv4.h"

namespace dbexport::s3::testing {
namespace {

std::string Moto(const std::string& endpoint) {
  return endpoint.empty() ? dbexport::testing::S3Endpoint() : endpoint;
}

}  // namespace

std::shared_ptr<CredentialsProvider> TestCredentials() {
  return MakeStaticCredentialsProvider({"testing", "testing", ""}, "test");
}

RetryPolicy FastRetry(int max_attempts) {
  RetryPolicy retry;
  retry.max_attempts = max_attempts;
  retry.base_delay = std::chrono::milliseconds(5);
  retry.max_delay = std::chrono::milliseconds(50);
  return retry;
}

S3StoreOptions StoreOptions(const std::string& bucket, const std::string& endpoint) {
  S3StoreOptions o;
  o.bucket = bucket;
  o.region = kRegion;
  o.endpoint_url = Moto(endpoint);
  o.credentials = TestCredentials();
  o.part_size = 5 * kMiB;
  o.retry = FastRetry();
  o.env = [](std::string_view) { return std::nullopt; };
  return o;
}

std::shared_ptr<S3Client> MakeClient(const std::string& endpoint, const std::string& region) {
  auto parsed = ParseEndpointUrl(Moto(endpoint));
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  auto caller = std::make_shared<AwsCaller>(std::make_shared<HttpClient>(), TestCredentials(), *parsed, region,
                                            "s3", FastRetry());
  return std::make_shared<S3Client>(std::move(caller), "");
}

Status ResetBucket(const std::string& bucket, const std::string& region) {
  auto client = MakeClient("", region);
  Status created = client->CreateBucket(bucket, region);
  if (!created.ok() && created.code() != StatusCode::kAlreadyExists) return created;
  DBX_ASSIGN_OR_RETURN(auto uploads, client->ListMultipartUploads(bucket, ""));
  for (const auto& u : uploads) DBX_RETURN_IF_ERROR(client->AbortMultipartUpload(bucket, u.key, u.upload_id));
  DBX_ASSIGN_OR_RETURN(auto objects, client->ListObjects(bucket, ""));
  for (const auto& o : objects) DBX_RETURN_IF_ERROR(client->DeleteObject(bucket, o.key));
  return Status::OK();
}

std::string Bytes(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  std::mt19937 rng(seed);
  for (size_t i = 0; i < n; i += 4) {
    uint32_t v = rng();
    std::memcpy(&s[i], &v, std::min<size_t>(4, n - i));
  }
  return s;
}

Status WriteAll(ObjectStore& store, const std::string& key, const std::string& data) {
  DBX_ASSIGN_OR_RETURN(auto out, store.OpenWrite(key));
  for (size_t pos = 0; pos < data.size(); pos += kMiB) {
    Status s = out->Write(reinterpret_cast<const uint8_t*>(data.data() + pos), std::min<size_t>(kMiB, data.size() - pos));
    if (!s.ok()) {
      out->Abort().IgnoreError();
      return s;
    }
  }
  return out->Close();
}

void ExpectBucketEmpty(const std::string& bucket) {
  auto client = MakeClient();
  auto objects = client->ListObjects(bucket, "");
  ASSERT_TRUE(objects.ok()) << objects.status();
  EXPECT_TRUE(objects->empty()) << objects->size() << " objects, first " << objects->front().key;
  auto uploads = client->ListMultipartUploads(bucket, "");
  ASSERT_TRUE(uploads.ok()) << uploads.status();
  EXPECT_TRUE(uploads->empty()) << uploads->size() << " multipart uploads left";
}

void ExpectOnlyObject(const std::string& bucket, const std::string& key, const std::string& data) {
  auto client = MakeClient();
  auto objects = client->ListObjects(bucket, "");
  ASSERT_TRUE(objects.ok()) << objects.status();
  ASSERT_EQ(objects->size(), 1u);
  EXPECT_EQ(objects->front().key, key);
  auto back = client->GetObject(bucket, key);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(Sha256Hex(*back), Sha256Hex(data));
  auto uploads = client->ListMultipartUploads(bucket, "");
  ASSERT_TRUE(uploads.ok()) << uploads.status();
  EXPECT_TRUE(uploads->empty()) << uploads->size() << " multipart uploads left open";
}

int CountFaults(const nlohmann::json& log, const std::string& action) {
  int n = 0;
  for (const auto& e : log) n += e["fault"] == action;
  return n;
}

int CountRequests(const nlohmann::json& log, const std::string& method, const std::string& query_part) {
  int n = 0;
  for (const auto& e : log) {
    n += e["method"] == method && e["query"].get<std::string>().find(query_part) != std::string::npos;
  }
  return n;
}

dbexport::testing::CommandResult AwsCli(const std::string& args) {
  return dbexport::testing::RunShell(
      "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 "
      "AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null aws " +
      args + " --endpoint-url " + dbexport::testing::S3Endpoint());
}

FaultProxy::FaultProxy() {
  int out[2];
  if (pipe(out) != 0) {
    ADD_FAILURE() << "pipe failed";
    return;
  }
  std::string script = dbexport::testing::SourceDir() + "/tests/tools/fault_proxy.py";
  std::string upstream = dbexport::testing::S3Endpoint();
  pid_ = fork();
  if (pid_ == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    execlp("python3", "python3", script.c_str(), "--upstream", upstream.c_str(), "--port", "0",
           static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  FILE* f = fdopen(out[0], "r");
  char line[128] = {0};
  if (f == nullptr || fgets(line, sizeof(line), f) == nullptr) {
    ADD_FAILURE() << "fault proxy did not start (" << script << ")";
    if (f) fclose(f);
    return;
  }
  fclose(f);
  int port = 0;
  if (sscanf(line, "PORT %d", &port) != 1) {
    ADD_FAILURE() << "fault proxy said: " << line;
    return;
  }
  endpoint_ = "http://127.0.0.1:" + std::to_string(port);
}

FaultProxy::~FaultProxy() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
}

void FaultProxy::SetRules(const nlohmann::json& rules) {
  HttpClient http;
  std::string body = rules.dump();
  HttpResponse r = http.Send({"PUT", endpoint_ + "/__fault/rules", {{"content-type", "application/json"}}, body});
  ASSERT_EQ(r.status, 200) << r.transport_error;
}

nlohmann::json FaultProxy::Log() {
  HttpClient http;
  HttpResponse r = http.Send({"GET", endpoint_ + "/__fault/log", {}, {}});
  EXPECT_EQ(r.status, 200) << r.transport_error;
  return nlohmann::json::parse(r.body, nullptr, false);
}

void FaultProxy::Pause() {
  HttpClient http;
  HttpResponse r = http.Send({"PUT", endpoint_ + "/__fault/pause", {}, {}});
  ASSERT_EQ(r.status, 200) << r.transport_error;
}

void FaultProxy::Resume() {
  HttpClient http;
  HttpResponse r = http.Send({"DELETE", endpoint_ + "/__fault/pause", {}, {}});
  ASSERT_EQ(r.status, 200) << r.transport_error;
}

namespace {

nlohmann::json PauseState(const std::string& endpoint) {
  HttpClient http;
  HttpResponse r = http.Send({"GET", endpoint + "/__fault/pause", {}, {}});
  EXPECT_EQ(r.status, 200) << r.transport_error;
  return nlohmann::json::parse(r.body, nullptr, false);
}

}  // namespace

bool FaultProxy::Paused() { return PauseState(endpoint_).value("paused", false); }

int FaultProxy::Held() { return PauseState(endpoint_).value("held", -1); }

bool FaultProxy::WaitUntilDrained(int timeout_ms) {
  for (int waited = 0; waited <= timeout_ms; waited += 50) {
    nlohmann::json state = PauseState(endpoint_);
    if (!state.value("paused", true) && state.value("held", -1) == 0) return true;
    usleep(50 * 1000);
  }
  return false;
}

void FaultProxy::ClearLog() {
  HttpClient http;
  HttpResponse r = http.Send({"DELETE", endpoint_ + "/__fault/log", {}, {}});
  EXPECT_EQ(r.status, 200) << r.transport_error;
}

}  // namespace dbexport::s3::testing
