// The S3 store against moto_server: objects written through ObjectStore are
// read back with our client and with the aws CLI.

#include <fstream>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "integration/storage/s3_test_util.h"
#include "storage/s3/sigv4.h"

namespace dbexport::s3 {
namespace {

using testing::AwsCli;
using testing::Bytes;
using testing::MakeClient;
using testing::ResetBucket;
using testing::StoreOptions;

std::unique_ptr<ObjectStore> Open(const S3StoreOptions& o) {
  auto store = OpenS3Store(o);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(store).value() : nullptr;
}

// Writes `data` through OpenWrite in uneven slices.
Status WriteAll(ObjectStore& store, const std::string& key, const std::string& data) {
  DBX_ASSIGN_OR_RETURN(auto out, store.OpenWrite(key));
  size_t pos = 0, slice = 1;
  while (pos < data.size()) {
    size_t n = std::min(slice, data.size() - pos);
    DBX_RETURN_IF_ERROR(out->Write(reinterpret_cast<const uint8_t*>(data.data() + pos), n));
    pos += n;
    slice = slice * 3 + 7 > 3 * kMiB ? 1 : slice * 3 + 7;
  }
  if (out->Tell() != static_cast<int64_t>(data.size())) return Internal("Tell mismatch");
  return out->Close();
}

// VmHWM (peak resident set) after resetting it, in bytes.
int64_t ResetPeakRss() {
  std::ofstream("/proc/self/clear_refs") << "5";
  return 0;
}
int64_t PeakRss() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  }
  return -1;
}
int64_t CurrentRss() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  }
  return -1;
}

TEST(S3Store, PutGetListDelete) {
  const std::string bucket = "s3test-basic";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  S3StoreOptions o = StoreOptions(bucket);
  o.prefix = "/exports/run1/";
  auto store = Open(o);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Describe(), "s3://s3test-basic/exports/run1");

  ASSERT_TRUE(store->Put("a.json", "{\"a\":1}").ok());
  ASSERT_TRUE(store->Put("db/s.t/1/part 1.gz.parquet", "x").ok());
  ASSERT_TRUE(store->Put("db/s.t/2/part+2=ü.gz.parquet", Bytes(1000, 1)).ok());

  auto got = store->Get("a.json");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "{\"a\":1}");
  auto odd = store->Get("db/s.t/2/part+2=ü.gz.parquet");
  ASSERT_TRUE(odd.ok()) << odd.status();
  EXPECT_EQ(*odd, Bytes(1000, 1));

  auto all = store->List("");
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].key, "a.json");
  EXPECT_EQ((*all)[0].size, 7);
  EXPECT_EQ((*all)[1].key, "db/s.t/1/part 1.gz.parquet");
  EXPECT_EQ((*all)[2].key, "db/s.t/2/part+2=ü.gz.parquet");
  EXPECT_EQ((*all)[2].size, 1000);
  auto sub = store->List("db/s.t/1/");
  ASSERT_TRUE(sub.ok());
  ASSERT_EQ(sub->size(), 1u);

  // The aws CLI sees the same objects.
  auto ls = AwsCli("s3 ls --recursive s3://s3test-basic/exports/");
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_NE(ls.out.find("exports/run1/a.json"), std::string::npos) << ls.out;
  EXPECT_NE(ls.out.find("exports/run1/db/s.t/1/part 1.gz.parquet"), std::string::npos) << ls.out;

  ASSERT_TRUE(store->Delete("a.json").ok());
  auto gone = store->Get("a.json");
  EXPECT_EQ(gone.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(gone.status().message().rfind("GetObject s3://s3test-basic/exports/run1/a.json: HTTP 404 NoSuchKey: ", 0),
            0u)
      << gone.status();
  EXPECT_EQ(store->Put("/abs", "x"),
            InvalidArgument("s3://s3test-basic/exports/run1: object key '/abs' is not valid: it has an empty segment "
                            "('//', or '/' at an end)"));
}

TEST(S3Store, ListPaginatesPastOneThousandKeys) {
  const std::string bucket = "s3test-pages";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  auto store = Open(StoreOptions(bucket));
  ASSERT_NE(store, nullptr);
  constexpr int kObjects = 1005;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kObjects; i += 4) {
        char key[32];
        snprintf(key, sizeof(key), "k/%05d", i);
        if (!store->Put(key, "v").ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);
  auto all = store->List("k/");
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), static_cast<size_t>(kObjects));
  EXPECT_EQ(all->front().key, "k/00000");
  EXPECT_EQ(all->back().key, "k/01004");
}

TEST(S3Store, SmallStreamIsOnePutObject) {
  const std::string bucket = "s3test-small";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  auto store = Open(StoreOptions(bucket));
  ASSERT_NE(store, nullptr);
  std::string data = Bytes(3 * kMiB, 7);
  ASSERT_TRUE(WriteAll(*store, "small.bin", data).ok());
  auto head = MakeClient()->HeadObject(bucket, "small.bin");
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->size, static_cast<int64_t>(data.size()));
  EXPECT_EQ(head->etag.find('-'), std::string::npos) << head->etag;  // not multipart
  EXPECT_EQ(*store->Get("small.bin"), data);

  // An empty stream is an empty object.
  ASSERT_TRUE(WriteAll(*store, "empty.bin", "").ok());
  EXPECT_EQ(*store->Get("empty.bin"), "");
}

TEST(S3Store, MultipartUploadOfManyParts) {
  const std::string bucket = "s3test-multipart";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  auto store = Open(StoreOptions(bucket));  // 5 MiB parts
  ASSERT_NE(store, nullptr);
  std::string data = Bytes(23 * kMiB + 12345, 9);  // 5 parts, the last short
  Status written = WriteAll(*store, "big.bin", data);
  ASSERT_TRUE(written.ok()) << written;

  auto back = store->Get("big.bin");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->size(), data.size());
  EXPECT_EQ(Sha256Hex(*back), Sha256Hex(data));

  auto head = AwsCli("s3api head-object --bucket s3test-multipart --key big.bin");
  ASSERT_EQ(head.exit_code, 0) << head.err;
  auto json = nlohmann::json::parse(head.out);
  EXPECT_EQ(json["ContentLength"].get<int64_t>(), static_cast<int64_t>(data.size()));
  EXPECT_NE(json["ETag"].get<std::string>().find("-5\""), std::string::npos) << json["ETag"];

  auto uploads = MakeClient()->ListMultipartUploads(bucket, "");
  ASSERT_TRUE(uploads.ok());
  EXPECT_TRUE(uploads->empty());
}

TEST(S3Store, MultipartMemoryIsBoundedByPartsInFlight) {
  const std::string bucket = "s3test-memory";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  S3StoreOptions o = StoreOptions(bucket);
  o.parts_in_flight = 2;
  auto store = Open(o);
  ASSERT_NE(store, nullptr);
  // 80 MiB streamed from one reused 1 MiB chunk: only the part buffers
  // ((parts_in_flight + 1) x 5 MiB) should grow the resident set.
  std::string chunk = Bytes(kMiB, 3);
  auto out = store->OpenWrite("stream.bin");
  ASSERT_TRUE(out.ok());
  int64_t base = CurrentRss();
  ResetPeakRss();
  for (int i = 0; i < 80; ++i) {
    ASSERT_TRUE((*out)->Write(reinterpret_cast<const uint8_t*>(chunk.data()), chunk.size()).ok());
  }
  ASSERT_TRUE((*out)->Close().ok());
  int64_t growth = PeakRss() - base;
  RecordProperty("peak_rss_growth_mib", std::to_string(growth / kMiB));
  EXPECT_LT(growth, 3 * 5 * kMiB + 12 * kMiB) << "peak RSS grew by " << growth / kMiB << " MiB";
  auto head = MakeClient()->HeadObject(bucket, "stream.bin");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->size, 80 * kMiB);
  EXPECT_NE(head->etag.find("-16\""), std::string::npos) << head->etag;
}

TEST(S3Store, AbortLeavesNoObjectAndNoUpload) {
  const std::string bucket = "s3test-abort";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  auto store = Open(StoreOptions(bucket));
  ASSERT_NE(store, nullptr);
  std::string data = Bytes(12 * kMiB, 5);  // two parts started
  {
    auto out = store->OpenWrite("aborted.bin");
    ASSERT_TRUE(out.ok());
    ASSERT_TRUE((*out)->Write(reinterpret_cast<const uint8_t*>(data.data()), data.size()).ok());
    auto uploads = MakeClient()->ListMultipartUploads(bucket, "");
    ASSERT_TRUE(uploads.ok());
    EXPECT_EQ(uploads->size(), 1u);  // in progress
    ASSERT_TRUE((*out)->Abort().ok());
    EXPECT_TRUE((*out)->Abort().ok());  // idempotent
    EXPECT_EQ((*out)->Close(), FailedPrecondition("closing s3://s3test-abort/aborted.bin: stream already closed"));
  }
  {
    auto out = store->OpenWrite("dropped.bin");  // destroyed without Close()
    ASSERT_TRUE(out.ok());
    ASSERT_TRUE((*out)->Write(reinterpret_cast<const uint8_t*>(data.data()), data.size()).ok());
  }
  auto objects = store->List("");
  ASSERT_TRUE(objects.ok());
  EXPECT_TRUE(objects->empty());
  auto uploads = MakeClient()->ListMultipartUploads(bucket, "");
  ASSERT_TRUE(uploads.ok());
  EXPECT_TRUE(uploads->empty());
}

// What a process killed mid-export leaves: uploads created, parts uploaded,
// never completed nor aborted.
std::string CreateDeadUpload(const std::string& bucket, const std::string& key) {
  auto client = MakeClient();
  auto upload_id = client->CreateMultipartUpload(bucket, key);
  EXPECT_TRUE(upload_id.ok()) << upload_id.status();
  if (!upload_id.ok()) return "";
  EXPECT_TRUE(client->UploadPart(bucket, key, *upload_id, 1, Bytes(5 * kMiB, 9)).ok());
  return *upload_id;
}

std::vector<std::string> OpenUploadKeys(const std::string& bucket, const std::string& prefix) {
  auto uploads = MakeClient()->ListMultipartUploads(bucket, prefix);
  EXPECT_TRUE(uploads.ok()) << uploads.status();
  std::vector<std::string> keys;
  if (uploads.ok()) {
    for (const auto& u : *uploads) keys.push_back(u.key);
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

TEST(S3Store, AbortIncompleteWritesAbortsTheUploadsADeadWriterLeft) {
  const std::string bucket = "s3test-abort-incomplete";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  S3StoreOptions o = StoreOptions(bucket);
  o.prefix = "exports";
  auto store = Open(o);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Put("t1/export_info_t1.json", "{}").ok());
  ASSERT_TRUE(WriteAll(*store, "t1/db/s.a/0/done.parquet", Bytes(11 * kMiB, 3)).ok());
  CreateDeadUpload(bucket, "exports/t1/db/s.a/1/part-00000.gz.parquet");
  CreateDeadUpload(bucket, "exports/t1/db/s.a/1/part-00000.gz.parquet");  // a second upload of one key
  CreateDeadUpload(bucket, "exports/t1/db/s.b/0/part-00000.gz.parquet");
  CreateDeadUpload(bucket, "exports/t10/db/s.a/0/part-00000.gz.parquet");
  CreateDeadUpload(bucket, "elsewhere/t1/x.parquet");
  ASSERT_EQ(OpenUploadKeys(bucket, "").size(), 5u);

  Result<int> aborted = store->AbortIncompleteWrites("t1/");
  ASSERT_TRUE(aborted.ok()) << aborted.status();
  EXPECT_EQ(*aborted, 3);
  EXPECT_EQ(OpenUploadKeys(bucket, ""), (std::vector<std::string>{"elsewhere/t1/x.parquet",
                                                                  "exports/t10/db/s.a/0/part-00000.gz.parquet"}));
  auto cli = AwsCli("s3api list-multipart-uploads --bucket " + bucket + " --prefix exports/t1/ --output json");
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  auto listed = cli.out.empty() ? nlohmann::json::object() : nlohmann::json::parse(cli.out);
  EXPECT_FALSE(listed.contains("Uploads")) << cli.out;
  // Closed objects stay, whole.
  auto objects = store->List("t1/");
  ASSERT_TRUE(objects.ok());
  ASSERT_EQ(objects->size(), 2u);
  EXPECT_EQ((*objects)[0].key, "t1/db/s.a/0/done.parquet");
  EXPECT_EQ((*objects)[0].size, 11 * kMiB);
  EXPECT_EQ((*objects)[1].key, "t1/export_info_t1.json");
  EXPECT_EQ(store->AbortIncompleteWrites("t1/").value(), 0);

  // An empty prefix is the store's whole prefix, never the rest of the bucket.
  EXPECT_EQ(store->AbortIncompleteWrites("").value(), 1);
  EXPECT_EQ(OpenUploadKeys(bucket, ""), std::vector<std::string>{"elsewhere/t1/x.parquet"});
}

TEST(S3Store, AbortIncompleteWritesReportsARefusal) {
  const std::string bucket = "s3test-abort-incomplete-denied";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  CreateDeadUpload(bucket, "p/t1/a.parquet");
  testing::FaultProxy proxy;
  S3StoreOptions o = StoreOptions(bucket, proxy.endpoint());
  o.prefix = "p";
  auto store = Open(o);
  ASSERT_NE(store, nullptr);

  proxy.SetRules(nlohmann::json::array({{{"method", "GET"}, {"query", "uploads"}, {"action", "status"},
                                         {"status", 403}, {"code", "AccessDenied"}, {"message", "Access Denied"}}}));
  EXPECT_EQ(store->AbortIncompleteWrites("t1/").status(),
            PermissionDenied("aborting the incomplete multipart uploads under s3://" + bucket +
                             "/p/t1/: ListMultipartUploads s3://" + bucket +
                             "/p/t1/: HTTP 403 AccessDenied: Access Denied (request id FAULTPROXY0001)"));

  proxy.SetRules(nlohmann::json::array({{{"method", "DELETE"}, {"query", "uploadId"}, {"action", "status"},
                                         {"status", 403}, {"code", "AccessDenied"}, {"message", "Access Denied"}}}));
  EXPECT_EQ(store->AbortIncompleteWrites("t1/").status(),
            PermissionDenied("aborting the incomplete multipart uploads under s3://" + bucket +
                             "/p/t1/: AbortMultipartUpload s3://" + bucket +
                             "/p/t1/a.parquet: HTTP 403 AccessDenied: Access Denied (request id FAULTPROXY0001)"));
  EXPECT_EQ(OpenUploadKeys(bucket, ""), std::vector<std::string>{"p/t1/a.parquet"});

  proxy.SetRules(nlohmann::json::array());
  EXPECT_EQ(store->AbortIncompleteWrites("t1/").value(), 1);
  EXPECT_TRUE(OpenUploadKeys(bucket, "").empty());
}

TEST(S3Store, ConcurrentWritersShareOneStore) {
  const std::string bucket = "s3test-concurrent";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  auto store = Open(StoreOptions(bucket));
  ASSERT_NE(store, nullptr);
  std::vector<std::string> payloads;
  for (int i = 0; i < 4; ++i) payloads.push_back(Bytes((11 + i) * kMiB + i, 100 + i));
  std::vector<Status> results(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] { results[i] = WriteAll(*store, "w/" + std::to_string(i), payloads[i]); });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(results[i].ok()) << results[i];
    auto back = store->Get("w/" + std::to_string(i));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(Sha256Hex(*back), Sha256Hex(payloads[i]));
  }
}

TEST(S3Store, ServerSideEncryptionWithKmsKey) {
  const std::string bucket = "s3test-sse";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  auto key = AwsCli("kms create-key --description s3test-sse --query KeyMetadata.Arn --output text");
  ASSERT_EQ(key.exit_code, 0) << key.err;
  std::string key_arn = key.out.substr(0, key.out.find_last_not_of("\r\n ") + 1);

  S3StoreOptions o = StoreOptions(bucket);
  o.kms_key_id = key_arn;
  auto store = Open(o);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Put("small.json", "{}").ok());
  ASSERT_TRUE(WriteAll(*store, "big.bin", Bytes(11 * kMiB, 2)).ok());

  for (const char* k : {"small.json", "big.bin"}) {
    SCOPED_TRACE(k);
    auto head = AwsCli(std::string("s3api head-object --bucket s3test-sse --key ") + k);
    ASSERT_EQ(head.exit_code, 0) << head.err;
    auto json = nlohmann::json::parse(head.out);
    EXPECT_EQ(json["ServerSideEncryption"], "aws:kms");
    EXPECT_EQ(json["SSEKMSKeyId"], key_arn);
  }
}

TEST(S3Store, OpenRejectsBadOptions) {
  S3StoreOptions o = StoreOptions("s3test-x");
  o.part_size = kMiB;
  EXPECT_EQ(OpenS3Store(o).status(),
            InvalidArgument("S3 store: part size 1048576 is outside S3's limits [5242880, 5368709120]"));
  o = StoreOptions("s3test-x");
  o.endpoint_url = "ftp://host";
  EXPECT_EQ(OpenS3Store(o).status(), InvalidArgument("endpoint URL 'ftp://host' must start with http:// or https://"));
  o = StoreOptions("");
  EXPECT_EQ(OpenS3Store(o).status(), InvalidArgument("S3 store: no bucket given"));
}

}  // namespace
}  // namespace dbexport::s3
