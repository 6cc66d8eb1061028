// Upload checksums against moto: every PutObject and UploadPart carries
// x-amz-checksum-sha256 (signed: it is in each request's SignedHeaders, as
// the fault proxy logs them), and the objects keep the checksum S3 records
// for them: a PutObject's the SHA-256 of the object, a multipart upload's
// the composite of its parts' SHA-256s. moto 5.2.1 stores a checksum
// without comparing it with the body (docs/s3.md, "Upload checksums").

#include <gtest/gtest.h>

#include "integration/storage/s3_test_util.h"
#include "storage/s3/s3_client.h"
#include "storage/s3/s3_store.h"

namespace dbexport::s3 {
namespace {

using testing::AwsCli;
using testing::Bytes;
using testing::ResetBucket;
using testing::StoreOptions;

constexpr size_t kMiB = 1 << 20;

std::string Unhex(const std::string& hex) {
  std::string raw;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) raw.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return raw;
}

// ChecksumSHA256 as head-object --checksum-mode ENABLED returns it.
std::string StoredChecksum(const std::string& bucket, const std::string& key) {
  auto head = AwsCli("s3api head-object --checksum-mode ENABLED --bucket " + bucket + " --key " + key);
  EXPECT_EQ(head.exit_code, 0) << head.err;
  auto json = nlohmann::json::parse(head.out, nullptr, false);
  return json.contains("ChecksumSHA256") ? json["ChecksumSHA256"].get<std::string>() : "(none: " + head.out + ")";
}

std::unique_ptr<ObjectStore> OpenAt(const std::string& bucket, const std::string& endpoint = "") {
  auto store = OpenS3Store(StoreOptions(bucket, endpoint));
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(store).value() : nullptr;
}

TEST(S3Checksum, DigestBodyIsHexAndBase64OfTheSha256) {
  BodyDigest d = DigestBody("hello\n");
  EXPECT_EQ(d.hex, "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
  EXPECT_EQ(d.base64, "WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=");
  EXPECT_EQ(DigestBody("").hex, std::string(kEmptyPayloadSha256));
}

TEST(S3Checksum, PutObjectStoresTheBodysSha256) {
  const std::string bucket = "s3test-checksum-put";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  auto store = OpenAt(bucket);
  ASSERT_NE(store, nullptr);
  std::string data = Bytes(3 * kMiB, 21);
  ASSERT_TRUE(testing::WriteAll(*store, "small.bin", data).ok());
  EXPECT_EQ(StoredChecksum(bucket, "small.bin"), DigestBody(data).base64);
  ASSERT_TRUE(store->Put("manifest.json", "{\"a\": 1}").ok());
  EXPECT_EQ(StoredChecksum(bucket, "manifest.json"), DigestBody("{\"a\": 1}").base64);
}

TEST(S3Checksum, MultipartUploadStoresTheCompositeOfItsParts) {
  const std::string bucket = "s3test-checksum-multipart";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  testing::FaultProxy proxy;
  auto store = OpenAt(bucket, proxy.endpoint());  // 5 MiB parts
  ASSERT_NE(store, nullptr);
  std::string data = Bytes(12 * kMiB + 5, 22);  // 3 parts: 5, 5 and 2 MiB
  proxy.ClearLog();
  ASSERT_TRUE(testing::WriteAll(*store, "big.bin", data).ok());

  std::string digests;
  for (size_t at = 0; at < data.size(); at += 5 * kMiB) digests += Unhex(DigestBody(data.substr(at, 5 * kMiB)).hex);
  // SHA-256 of the parts' digests; S3 appends "-<parts>", moto's
  // HeadObject leaves it out.
  const std::string composite = DigestBody(digests).base64;
  const std::string stored = StoredChecksum(bucket, "big.bin");
  EXPECT_TRUE(stored == composite + "-3" || stored == composite) << stored << " vs " << composite;

  // Each part was sent with its checksum, signed.
  int parts = 0;
  for (const auto& request : proxy.Log()) {
    const std::string query = request.value("query", "");
    const std::string auth = request.value("authorization", "");
    if (request.value("method", "") == "PUT" && query.find("partNumber=") != std::string::npos) {
      ++parts;
      EXPECT_NE(auth.find("x-amz-checksum-sha256"), std::string::npos) << auth;
    }
    if (request.value("method", "") == "POST" && query.find("uploads") != std::string::npos) {
      EXPECT_NE(auth.find("x-amz-checksum-algorithm"), std::string::npos) << auth;
    }
  }
  EXPECT_EQ(parts, 3);
}

}  // namespace
}  // namespace dbexport::s3
