#include "common/sha256.h"

#include <gtest/gtest.h>

#include <string>

namespace dbexport {
namespace {

// FIPS 180-2 test vectors.
TEST(Sha256, KnownDigests) {
  EXPECT_EQ(*Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(*Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, PiecesHashAsTheWhole) {
  std::string data(100000, 'x');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31);
  Sha256 hash;
  for (size_t i = 0; i < data.size(); i += 777) hash.Update(std::string_view(data).substr(i, 777));
  EXPECT_EQ(*hash.Finish(), *Sha256Hex(data));
}

class StringStream : public OutputStream {
 public:
  Status Write(const uint8_t* data, size_t size) override {
    bytes.append(reinterpret_cast<const char*>(data), size);
    return Status::OK();
  }
  int64_t Tell() const override { return static_cast<int64_t>(bytes.size()); }
  Status Close() override { return Status::OK(); }
  Status Abort() override { return Status::OK(); }
  std::string bytes;
};

TEST(HashingOutputStream, PassesBytesOnAndHashesThem) {
  StringStream target;
  HashingOutputStream stream(&target);
  ASSERT_TRUE(stream.Write(reinterpret_cast<const uint8_t*>("ab"), 2).ok());
  ASSERT_TRUE(stream.Write(reinterpret_cast<const uint8_t*>("c"), 1).ok());
  EXPECT_EQ(stream.Tell(), 3);
  ASSERT_TRUE(stream.Close().ok());
  EXPECT_EQ(target.bytes, "abc");
  EXPECT_EQ(*stream.Digest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace dbexport
