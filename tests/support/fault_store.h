#pragma once
// A fault-injecting ObjectStore for tests, wrapping any store (local, S3):
// the stream of the `fail_on_stream`-th OpenWrite (1-based) fails its
// `fail_on_write`-th Write with IoError("injected write failure"); 0 never.
// Everything else goes to the inner store. Thread-safe as the inner store is.
//
// TamperAfterWrite(stream, contents): once the `stream`-th OpenWrite's file
// is written and closed, the inner store's object under its key is replaced
// with `contents` (e.g. a Parquet file written for fewer rows), as a store
// that corrupts or loses data after acknowledging the write would.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/object_store.h"

namespace dbexport::testing {

class TamperingStream;

class FaultInjectingStore : public ObjectStore {
 public:
  FaultInjectingStore(std::unique_ptr<ObjectStore> inner, int fail_on_stream, int fail_on_write)
      : inner_(std::move(inner)), fail_on_stream_(fail_on_stream), fail_on_write_(fail_on_write) {}

  Result<std::unique_ptr<OutputStream>> OpenWrite(const std::string& key) override;
  Status Put(const std::string& key, const std::string& contents) override { return inner_->Put(key, contents); }
  Result<std::string> Get(const std::string& key) override { return inner_->Get(key); }
  Result<std::string> GetRange(const std::string& key, int64_t offset, int64_t length) override {
    return inner_->GetRange(key, offset, length);
  }
  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override { return inner_->List(prefix); }
  Status Delete(const std::string& key) override { return inner_->Delete(key); }
  Result<int> AbortIncompleteWrites(const std::string& prefix) override {
    return inner_->AbortIncompleteWrites(prefix);
  }
  std::string Describe() const override { return inner_->Describe(); }

  void TamperAfterWrite(int stream, std::string contents) {
    std::lock_guard<std::mutex> lock(mu_);
    tamper_stream_ = stream;
    tamper_contents_ = std::move(contents);
  }
  // Keys whose contents TamperAfterWrite replaced.
  std::vector<std::string> tampered() {
    std::lock_guard<std::mutex> lock(mu_);
    return tampered_;
  }

 private:
  std::unique_ptr<ObjectStore> inner_;
  const int fail_on_stream_;
  const int fail_on_write_;
  std::mutex mu_;
  int streams_opened_ = 0;
  int tamper_stream_ = 0;
  std::string tamper_contents_;
  std::vector<std::string> tampered_;

  friend class TamperingStream;
};

}  // namespace dbexport::testing
