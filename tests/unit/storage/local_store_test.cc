#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "storage/object_store.h"
#include "support/test_env.h"

namespace dbexport {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> FilesUnder(const std::string& root) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) out.push_back(fs::relative(e.path(), root).generic_string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Status WriteString(OutputStream* out, const std::string& s) {
  return out->Write(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

bool WriteAndDie(ObjectStore* store, const std::string& key);

// The store with named temporary files (the fallback where a filesystem
// has no O_TMPFILE), whose leftovers these tests look at.
std::unique_ptr<ObjectStore> Open(const std::string& root) {
  auto store = OpenLocalStore(root, {.unnamed_temp_files = false});
  EXPECT_TRUE(store.ok()) << store.status();
  return std::move(store).value();
}

TEST(LocalStore, ObjectAppearsOnlyOnClose) {
  std::string root = testing::MakeTempDir("local-store");
  auto store = Open(root);
  auto out = store->OpenWrite("t/db/s.x/0/part-00000.gz.parquet");
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(WriteString(out->get(), "PAR1 data").ok());
  EXPECT_FALSE(fs::exists(root + "/t/db/s.x/0/part-00000.gz.parquet"));
  EXPECT_TRUE(store->List("").value().empty());  // the temp file is not listed
  auto files = FilesUnder(root);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_TRUE(files[0].starts_with("t/db/s.x/0/.part-00000.gz.parquet.tmp-")) << files[0];
  EXPECT_EQ((*out)->Tell(), 9);
  ASSERT_TRUE((*out)->Close().ok());
  EXPECT_EQ(FilesUnder(root), std::vector<std::string>{"t/db/s.x/0/part-00000.gz.parquet"});
  EXPECT_EQ(ReadFile(root + "/t/db/s.x/0/part-00000.gz.parquet"), "PAR1 data");
}

std::unique_ptr<ObjectStore> OpenUnnamed(const std::string& root) {
  auto store = OpenLocalStore(root);
  EXPECT_TRUE(store.ok()) << store.status();
  return std::move(store).value();
}

TEST(LocalStore, UnnamedWriterIsInvisibleUntilClose) {
  std::string root = testing::MakeTempDir("local-store");
  auto store = OpenUnnamed(root);
  auto out = store->OpenWrite("t/db/s.x/0/part-00000.gz.parquet");
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(WriteString(out->get(), std::string(3 << 20, 'x')).ok());
  EXPECT_TRUE(FilesUnder(root).empty());  // not even a temporary name
  ASSERT_TRUE((*out)->Close().ok());
  EXPECT_EQ(FilesUnder(root), std::vector<std::string>{"t/db/s.x/0/part-00000.gz.parquet"});
  EXPECT_EQ(fs::file_size(root + "/t/db/s.x/0/part-00000.gz.parquet"), 3u << 20);
}

TEST(LocalStore, UnnamedWriterReplacesAnExistingObject) {
  std::string root = testing::MakeTempDir("local-store");
  auto store = OpenUnnamed(root);
  ASSERT_TRUE(store->Put("a/m.json", "old").ok());
  ASSERT_TRUE(store->Put("a/m.json", "new contents").ok());
  EXPECT_EQ(*store->Get("a/m.json"), "new contents");
  EXPECT_EQ(FilesUnder(root), std::vector<std::string>{"a/m.json"});
}

TEST(LocalStore, UnnamedWriterOfADeadProcessLeavesNothing) {
  std::string root = testing::MakeTempDir("local-store");
  auto store = OpenUnnamed(root);
  ASSERT_TRUE(WriteAndDie(store.get(), "t1/db/s.a/0/part-00000.gz.parquet"));
  EXPECT_TRUE(FilesUnder(root).empty());
  EXPECT_EQ(store->AbortIncompleteWrites("").value(), 0);
}

TEST(LocalStore, AbortAndDestructionLeaveNothing) {
  std::string root = testing::MakeTempDir("local-store");
  auto store = Open(root);
  {
    auto out = store->OpenWrite("a/b.parquet").value();
    ASSERT_TRUE(WriteString(out.get(), std::string(3 << 20, 'x')).ok());
    ASSERT_TRUE(out->Abort().ok());
    EXPECT_TRUE(out->Abort().ok());  // idempotent
  }
  {
    auto out = store->OpenWrite("a/c.parquet").value();
    ASSERT_TRUE(WriteString(out.get(), "partial").ok());
  }  // destroyed without Close
  EXPECT_TRUE(FilesUnder(root).empty());
}

// What a process killed mid-write leaves: a child opens `key`, writes to it
// and _exit()s without Close or Abort (no destructor runs). Returns false if
// the child failed.
bool WriteAndDie(ObjectStore* store, const std::string& key) {
  pid_t pid = ::fork();
  if (pid == 0) {
    auto out = store->OpenWrite(key);
    if (!out.ok()) ::_exit(1);
    Status s = WriteString(out->get(), std::string(3 << 20, 'p'));  // past the write buffer
    ::_exit(s.ok() ? 0 : 2);
  }
  int status = 0;
  return pid > 0 && ::waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST(LocalStore, AbortIncompleteWritesRemovesWhatADeadWriterLeft) {
  std::string root = testing::MakeTempDir("local-store");
  auto store = Open(root);
  ASSERT_TRUE(store->Put("t1/export_info_t1.json", "{}").ok());
  ASSERT_TRUE(WriteAndDie(store.get(), "t1/db/s.a/0/part-00000.gz.parquet"));
  ASSERT_TRUE(WriteAndDie(store.get(), "t1/db/s.a/1/part-00000.gz.parquet"));
  ASSERT_TRUE(WriteAndDie(store.get(), "t10/db/s.a/0/part-00000.gz.parquet"));
  auto files = FilesUnder(root);
  ASSERT_EQ(files.size(), 4u);
  EXPECT_TRUE(files[0].starts_with("t1/db/s.a/0/.part-00000.gz.parquet.tmp-")) << files[0];
  EXPECT_TRUE(files[1].starts_with("t1/db/s.a/1/.part-00000.gz.parquet.tmp-")) << files[1];
  EXPECT_EQ(fs::file_size(root + "/" + files[0]), 3u << 20);
  EXPECT_EQ(store->List("t1/").value().size(), 1u);  // the temp files are not objects

  Result<int> discarded = store->AbortIncompleteWrites("t1/");
  ASSERT_TRUE(discarded.ok()) << discarded.status();
  EXPECT_EQ(*discarded, 2);
  files = FilesUnder(root);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0], "t1/export_info_t1.json");  // closed objects stay
  EXPECT_TRUE(files[1].starts_with("t10/db/s.a/0/.part-00000.gz.parquet.tmp-")) << files[1];  // another prefix
  EXPECT_EQ(*store->Get("t1/export_info_t1.json"), "{}");
  EXPECT_EQ(store->AbortIncompleteWrites("t1/").value(), 0);  // nothing left: idempotent
}

TEST(LocalStore, AbortIncompleteWritesMatchesThePrefixAsListDoes) {
  std::string root = testing::MakeTempDir("local-store");
  auto store = Open(root);
  ASSERT_TRUE(WriteAndDie(store.get(), "a/part-1.parquet"));
  ASSERT_TRUE(WriteAndDie(store.get(), "a/part-2.parquet"));
  ASSERT_TRUE(WriteAndDie(store.get(), "b/part-1.parquet"));
  ASSERT_TRUE(WriteAndDie(store.get(), "top.json"));
  // Files that only look alike are not the store's: not 12 hex digits, or no name.
  std::ofstream(root + "/a/.notes.tmp-keep") << "mine";
  std::ofstream(root + "/a/..tmp-0123456789ab") << "mine";
  // A string prefix selects by the key the temp file would have become.
  EXPECT_EQ(store->AbortIncompleteWrites("a/part-2").value(), 1);
  EXPECT_EQ(store->AbortIncompleteWrites("a/part").value(), 1);
  EXPECT_EQ(store->AbortIncompleteWrites("b/nothing").value(), 0);
  EXPECT_EQ(store->AbortIncompleteWrites("").value(), 2);  // the whole root
  EXPECT_EQ(FilesUnder(root), (std::vector<std::string>{"a/..tmp-0123456789ab", "a/.notes.tmp-keep"}));
  EXPECT_EQ(store->AbortIncompleteWrites("missing/dir/").value(), 0);
}

TEST(LocalStore, AbortIncompleteWritesLeavesOpenStreamsOfOtherPrefixesAlone) {
  std::string root = testing::MakeTempDir("local-store");
  auto store = Open(root);
  auto out = store->OpenWrite("live/x.parquet").value();
  ASSERT_TRUE(WriteString(out.get(), "still writing").ok());
  ASSERT_TRUE(WriteAndDie(store.get(), "dead/x.parquet"));
  EXPECT_EQ(store->AbortIncompleteWrites("dead/").value(), 1);
  ASSERT_TRUE(out->Close().ok());
  EXPECT_EQ(FilesUnder(root), std::vector<std::string>{"live/x.parquet"});
}

TEST(LocalStore, AbortIncompleteWritesRejectsPrefixesLeavingTheRoot) {
  std::string root = testing::MakeTempDir("local-store");
  auto store = Open(root + "/inner");
  ASSERT_TRUE(WriteAndDie(store.get(), "x.parquet"));
  Result<int> up = store->AbortIncompleteWrites("../");
  EXPECT_EQ(up.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(up.status().message(), "local store: key prefix '../' is not valid: it has a '..' segment");
  Result<int> absolute = store->AbortIncompleteWrites("/tmp/");
  EXPECT_EQ(absolute.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(absolute.status().message(),
            "local store: key prefix '/tmp/' is not valid: it has an empty segment ('//', or '/' at an end)");
  EXPECT_EQ(store->AbortIncompleteWrites("a//").status().message(),
            "local store: key prefix 'a//' is not valid: it has an empty segment ('//', or '/' at an end)");
  EXPECT_EQ(FilesUnder(root).size(), 1u);  // nothing removed
}

TEST(LocalStore, LargeAndSmallWritesKeepTheirOrder) {
  std::string root = testing::MakeTempDir("local-store");
  auto store = Open(root);
  std::mt19937 rng(7);
  std::string expected;
  auto out = store->OpenWrite("big.bin").value();
  for (int i = 0; i < 200; ++i) {
    size_t n = i % 10 == 0 ? (rng() % (3 << 20)) : (rng() % 5000);
    std::string piece(n, static_cast<char>('a' + i % 26));
    expected += piece;
    ASSERT_TRUE(WriteString(out.get(), piece).ok());
  }
  EXPECT_EQ(out->Tell(), static_cast<int64_t>(expected.size()));
  ASSERT_TRUE(out->Close().ok());
  EXPECT_EQ(ReadFile(root + "/big.bin"), expected);
}

TEST(LocalStore, CallsAfterCloseFail) {
  std::string root = testing::MakeTempDir("local-store");
  auto store = Open(root);
  auto out = store->OpenWrite("x.json").value();
  ASSERT_TRUE(out->Close().ok());
  Status s = WriteString(out.get(), "late");
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "local store: write to " + root + "/x.json after Close/Abort");
  EXPECT_EQ(out->Close().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(out->Abort().ok());  // nothing to discard: the object stays
  EXPECT_TRUE(fs::exists(root + "/x.json"));
}

TEST(LocalStore, PutGetListDelete) {
  std::string root = testing::MakeTempDir("local-store");
  auto store = Open(root);
  ASSERT_TRUE(store->Put("t1/export_info_t1.json", "{}").ok());
  ASSERT_TRUE(store->Put("t1/db/s.a/0/p.parquet", "abc").ok());
  ASSERT_TRUE(store->Put("t10/x.json", "zz").ok());
  EXPECT_EQ(*store->Get("t1/db/s.a/0/p.parquet"), "abc");
  auto listed = store->List("t1/").value();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].key, "t1/db/s.a/0/p.parquet");
  EXPECT_EQ(listed[0].size, 3);
  EXPECT_EQ(listed[1].key, "t1/export_info_t1.json");
  EXPECT_EQ(store->List("t1").value().size(), 3u);  // a plain string prefix, as on S3
  EXPECT_TRUE(store->List("nothing/here/").value().empty());
  ASSERT_TRUE(store->Delete("t10/x.json").ok());
  EXPECT_TRUE(store->Delete("t10/x.json").ok());  // missing: fine, as on S3
  Result<std::string> gone = store->Get("t10/x.json");
  EXPECT_EQ(gone.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(gone.status().message(), "local store: opening " + root + "/t10/x.json: No such file or directory");
  EXPECT_EQ(store->Describe(), root);
}

TEST(LocalStore, RejectsKeysLeavingTheRoot) {
  std::string root = testing::MakeTempDir("local-store");
  auto store = Open(root);
  EXPECT_EQ(store->OpenWrite("../escape").status().message(),
            "local store: object key '../escape' is not valid: it has a '..' segment");
  EXPECT_EQ(store->Put("/etc/x", "").message(),
            "local store: object key '/etc/x' is not valid: it has an empty segment ('//', or '/' at an end)");
  EXPECT_EQ(store->Get("a//b").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->Put("a/./b", "").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->Put("a/b\n", "").message(), "local store: object key 'a/b\\x0a' is not valid: it holds a control character");
  EXPECT_EQ(store->Delete("").message(), "local store: object key is empty");
  EXPECT_TRUE(FilesUnder(root).empty());
}

TEST(ObjectKey, SegmentsAreNeverEmptyDotsOrControlCharacters) {
  EXPECT_TRUE(CheckObjectKey("task/db/public.t/0/part-00000.parquet").ok());
  EXPECT_TRUE(CheckObjectKey("...").ok());
  EXPECT_TRUE(CheckObjectKey("Grüße/東京").ok());
  for (const char* bad : {"", "/a", "a/", "a//b", ".", "..", "a/../b", "a/./b", "a\tb", "a\x7f"}) {
    EXPECT_EQ(CheckObjectKey(bad).code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(CheckKeyPrefix("").ok());
  EXPECT_TRUE(CheckKeyPrefix("task/db/sch").ok());
  EXPECT_TRUE(CheckKeyPrefix("task/").ok());
  for (const char* bad : {"../", "/x", "a//", "a/./b/", "a\rb/"}) {
    EXPECT_EQ(CheckKeyPrefix(bad).code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(CheckRootPrefix("").ok());
  EXPECT_TRUE(CheckRootPrefix("/").ok());
  EXPECT_TRUE(CheckRootPrefix("/exports/daily/").ok());
  for (const char* bad : {"../victim-bucket/svc", "a/../b", "a//b", "./x", "x/..", "a\rb"}) {
    EXPECT_EQ(CheckRootPrefix(bad).code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ObjectKey, DestinationPrefixesCannotLeaveTheBucket) {
  for (const char* url : {"s3://exp-bucket/../victim-bucket/x", "s3://b/a/./c", "s3://b/a//c", "s3://b/x/.."}) {
    Result<StoreLocation> location = ParseStoreUrl(url);
    EXPECT_EQ(location.status().code(), StatusCode::kInvalidArgument) << url;
  }
  EXPECT_EQ(ParseStoreUrl("s3://exp-bucket/../victim-bucket/x").status().message(),
            "s3://exp-bucket: the key prefix '../victim-bucket/x' is not valid: it has a '..' segment (an S3 "
            "prefix is '/'-separated names, none of them '.', '..' or empty)");
}

TEST(LocalStore, RootThatIsAFileFails) {
  std::string root = testing::MakeTempDir("local-store");
  std::ofstream(root + "/file") << "x";
  auto store = OpenLocalStore(root + "/file");
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store.status().message(), "local store: creating directory " + root + "/file: Not a directory");
  auto nested = OpenLocalStore(root + "/file/sub");
  EXPECT_EQ(nested.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(nested.status().message(), "local store: creating directory " + root + "/file/sub: Not a directory");
}

TEST(LocalStore, OpenStoreForUrlRoutesByScheme) {
  std::string root = testing::MakeTempDir("local-store");
  auto by_path = OpenStoreForUrl(root + "/plain", {});
  ASSERT_TRUE(by_path.ok()) << by_path.status();
  EXPECT_EQ((*by_path)->Describe(), root + "/plain");
  auto by_file_url = OpenStoreForUrl("file://" + root + "/url", {});
  ASSERT_TRUE(by_file_url.ok()) << by_file_url.status();
  EXPECT_EQ((*by_file_url)->Describe(), root + "/url");
  EXPECT_EQ(OpenStoreForUrl("", {}).status().message(), "destination URL is empty");
  EXPECT_EQ(OpenStoreForUrl("http://example.com/x", {}).status().message(),
            "destination URL 'http://example.com/x' has an unsupported scheme: expected a directory, file:///dir or "
            "s3://bucket[/prefix]");
  EXPECT_EQ(OpenStoreForUrl("s3://", {}).status().message(),
            "destination URL 's3://' names no bucket: expected s3://bucket[/prefix]");
  EXPECT_EQ(OpenStoreForUrl("file://relative", {}).status().code(), StatusCode::kInvalidArgument);
}

TEST(LocalStore, ParseStoreUrlNamesADirectoryOrAnS3Location) {
  Result<StoreLocation> s3 = ParseStoreUrl("s3://lake/exports/daily/");
  ASSERT_TRUE(s3.ok()) << s3.status();
  EXPECT_TRUE(s3->is_s3());
  EXPECT_EQ(s3->s3_bucket, "lake");
  EXPECT_EQ(s3->s3_prefix, "exports/daily");
  EXPECT_EQ(s3->directory, "");
  EXPECT_EQ(ParseStoreUrl("s3://lake")->s3_prefix, "");
  Result<StoreLocation> dir = ParseStoreUrl("./out");
  ASSERT_TRUE(dir.ok()) << dir.status();
  EXPECT_FALSE(dir->is_s3());
  EXPECT_EQ(dir->directory, "./out");
  EXPECT_EQ(ParseStoreUrl("file:///data/out")->directory, "/data/out");
  EXPECT_EQ(ParseStoreUrl("s3:///x").status(),
            InvalidArgument("destination URL 's3:///x' names no bucket: expected s3://bucket[/prefix]"));
  EXPECT_EQ(OpenStore(StoreLocation{}, {}).status(),
            InvalidArgument("no destination: neither a directory nor an S3 bucket"));
}

}  // namespace
}  // namespace dbexport
