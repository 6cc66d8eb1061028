// One suite for every ObjectStore implementation (a local directory, S3 on
// moto): what a writer makes visible and when, listing, deleting, and what a
// failed write leaves (through the shared fault-injecting store).

#include <gtest/gtest.h>

#include <filesystem>

#include "integration/storage/s3_test_util.h"
#include "support/fault_store.h"

namespace dbexport {
namespace {

struct LocalStoreFactory {
  static std::unique_ptr<ObjectStore> Make(const std::string& name) {
    auto store = OpenLocalStore(testing::MakeTempDir("conformance-" + name));
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(store).value() : nullptr;
  }
};

struct S3StoreFactory {
  static std::unique_ptr<ObjectStore> Make(const std::string& name) {
    std::string bucket = "conformance-" + name;
    for (char& c : bucket) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_TRUE(s3::testing::ResetBucket(bucket).ok());
    auto store = s3::OpenS3Store(s3::testing::StoreOptions(bucket));
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(store).value() : nullptr;
  }
};

Status WriteString(OutputStream* out, const std::string& s) {
  return out->Write(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

template <typename Factory>
class ObjectStoreConformance : public ::testing::Test {
 protected:
  std::unique_ptr<ObjectStore> Make() {
    return Factory::Make(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  static std::vector<std::string> Keys(ObjectStore* store, const std::string& prefix) {
    auto listed = store->List(prefix);
    EXPECT_TRUE(listed.ok()) << listed.status();
    std::vector<std::string> keys;
    if (listed.ok()) {
      for (const ObjectInfo& o : *listed) keys.push_back(o.key);
    }
    return keys;
  }
};

using Factories = ::testing::Types<LocalStoreFactory, S3StoreFactory>;
TYPED_TEST_SUITE(ObjectStoreConformance, Factories);

TYPED_TEST(ObjectStoreConformance, AWriteIsVisibleOnlyAfterClose) {
  auto store = this->Make();
  ASSERT_NE(store, nullptr);
  auto out = store->OpenWrite("t/db/s.x/0/part-0.parquet");
  ASSERT_TRUE(out.ok()) << out.status();
  std::string data(6 << 20, 'x');  // past one S3 part
  ASSERT_TRUE(WriteString(out->get(), data).ok());
  EXPECT_TRUE(this->Keys(store.get(), "t/").empty());
  ASSERT_TRUE((*out)->Close().ok());
  EXPECT_EQ(this->Keys(store.get(), "t/"), std::vector<std::string>{"t/db/s.x/0/part-0.parquet"});
  auto back = store->Get("t/db/s.x/0/part-0.parquet");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, data);
}

TYPED_TEST(ObjectStoreConformance, AbortLeavesNothing) {
  auto store = this->Make();
  ASSERT_NE(store, nullptr);
  auto out = store->OpenWrite("a/b.parquet");
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(WriteString(out->get(), std::string(6 << 20, 'y')).ok());
  ASSERT_TRUE((*out)->Abort().ok());
  EXPECT_TRUE(this->Keys(store.get(), "").empty());
  EXPECT_EQ(store->AbortIncompleteWrites("").ValueOr(-1), 0);
}

TYPED_TEST(ObjectStoreConformance, PutListByPrefixAndDelete) {
  auto store = this->Make();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Put("t1/export_info_t1.json", "{}").ok());
  ASSERT_TRUE(store->Put("t1/db/s.a/0/part.parquet", "p").ok());
  ASSERT_TRUE(store->Put("t10/x.json", "other").ok());
  EXPECT_EQ(this->Keys(store.get(), "t1/"),
            (std::vector<std::string>{"t1/db/s.a/0/part.parquet", "t1/export_info_t1.json"}));
  EXPECT_EQ(this->Keys(store.get(), "t1").size(), 3u);  // a plain string prefix
  ASSERT_TRUE(store->Delete("t1/export_info_t1.json").ok());
  EXPECT_TRUE(store->Delete("t1/never-written").ok());  // deleting a missing key succeeds
  EXPECT_EQ(this->Keys(store.get(), "t1/"), std::vector<std::string>{"t1/db/s.a/0/part.parquet"});
  EXPECT_EQ(store->Get("t1/export_info_t1.json").status().code(), StatusCode::kNotFound);
}

TYPED_TEST(ObjectStoreConformance, GetRangeReadsOnlyTheRange) {
  auto store = this->Make();
  ASSERT_NE(store, nullptr);
  std::string data(6 << 20, '\0');  // a multipart object on S3
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + i / 251);
  auto out = store->OpenWrite("r/part.parquet");
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(WriteString(out->get(), data).ok());
  ASSERT_TRUE((*out)->Close().ok());
  const int64_t size = static_cast<int64_t>(data.size());
  struct Case {
    int64_t offset, length;
  };
  for (Case c : {Case{0, 4}, Case{size - 8, 8}, Case{5 << 20, 1 << 20}, Case{12345, 0}, Case{1, size - 2}}) {
    auto got = store->GetRange("r/part.parquet", c.offset, c.length);
    ASSERT_TRUE(got.ok()) << got.status() << " at " << c.offset;
    EXPECT_EQ(*got, data.substr(static_cast<size_t>(c.offset), static_cast<size_t>(c.length))) << c.offset;
  }
  // Past the end: what there is, then nothing.
  auto tail = store->GetRange("r/part.parquet", size - 3, 100);
  ASSERT_TRUE(tail.ok()) << tail.status();
  EXPECT_EQ(*tail, data.substr(data.size() - 3));
  auto none = store->GetRange("r/part.parquet", size, 10);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(*none, "");
  EXPECT_EQ(store->GetRange("r/part.parquet", -1, 10).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->GetRange("r/missing.parquet", 0, 10).status().code(), StatusCode::kNotFound);
}

TYPED_TEST(ObjectStoreConformance, AFailedWriteLeavesNothingOnceAborted) {
  testing::FaultInjectingStore store(this->Make(), /*fail_on_stream=*/1, /*fail_on_write=*/3);
  auto out = store.OpenWrite("f/part.parquet");
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(WriteString(out->get(), std::string(4 << 20, 'a')).ok());
  ASSERT_TRUE(WriteString(out->get(), std::string(4 << 20, 'b')).ok());
  Status failed = WriteString(out->get(), "c");
  EXPECT_EQ(failed.code(), StatusCode::kIoError);
  EXPECT_EQ(failed.message(), "injected write failure");
  ASSERT_TRUE((*out)->Abort().ok());
  EXPECT_TRUE(this->Keys(&store, "").empty());
  EXPECT_EQ(store.AbortIncompleteWrites("").ValueOr(-1), 0) << "the abort left an incomplete write";
}

}  // namespace
}  // namespace dbexport
