#pragma once
// Sha256: the SHA-256 digest of a byte stream, fed in pieces (OpenSSL EVP).
// The manifest records one per data file and `dbexport verify` checks it.
//
// Call order: Update()* then Finish() once. Not thread-safe.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/output_stream.h"
#include "common/status.h"

namespace dbexport {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(const uint8_t* data, size_t size);
  void Update(std::string_view data) { Update(reinterpret_cast<const uint8_t*>(data.data()), data.size()); }

  // The digest as 64 lowercase hex digits. An OpenSSL failure (out of
  // memory) is Internal. After Finish() no other call is allowed.
  Result<std::string> Finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Sha256 of `data` in one call.
Result<std::string> Sha256Hex(std::string_view data);

// An OutputStream that passes every byte on to `target` and hashes it on the
// way, so that the digest of a file costs no second read.
// `target` is not owned and must outlive this stream.
class HashingOutputStream final : public OutputStream {
 public:
  explicit HashingOutputStream(OutputStream* target) : target_(target) {}

  Status Write(const uint8_t* data, size_t size) override {
    hash_.Update(data, size);
    return target_->Write(data, size);
  }
  int64_t Tell() const override { return target_->Tell(); }
  // Closes `target`; the digest is read separately with Digest().
  Status Close() override { return target_->Close(); }
  Status Abort() override { return target_->Abort(); }

  // The digest of the bytes written. REQUIRES: called once, after the last
  // Write(); before Close() if a failure should still be able to Abort().
  Result<std::string> Digest() { return hash_.Finish(); }

 private:
  OutputStream* target_;
  Sha256 hash_;
};

}  // namespace dbexport
