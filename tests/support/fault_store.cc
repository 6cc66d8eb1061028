#include "support/fault_store.h"

namespace dbexport::testing {
namespace {

class FaultyStream : public OutputStream {
 public:
  FaultyStream(std::unique_ptr<OutputStream> inner, int fail_at) : inner_(std::move(inner)), fail_at_(fail_at) {}
  Status Write(const uint8_t* data, size_t size) override {
    if (fail_at_ > 0 && ++writes_ >= fail_at_) return IoError("injected write failure");
    return inner_->Write(data, size);
  }
  int64_t Tell() const override { return inner_->Tell(); }
  Status Close() override { return inner_->Close(); }
  Status Abort() override { return inner_->Abort(); }

 private:
  std::unique_ptr<OutputStream> inner_;
  int fail_at_;
  int writes_ = 0;
};

}  // namespace

// Closes the inner stream, then replaces what it wrote.
class TamperingStream : public OutputStream {
 public:
  TamperingStream(std::unique_ptr<OutputStream> inner, FaultInjectingStore* store, std::string key)
      : inner_(std::move(inner)), store_(store), key_(std::move(key)) {}
  Status Write(const uint8_t* data, size_t size) override { return inner_->Write(data, size); }
  int64_t Tell() const override { return inner_->Tell(); }
  Status Close() override {
    DBX_RETURN_IF_ERROR(inner_->Close());
    std::string contents;
    {
      std::lock_guard<std::mutex> lock(store_->mu_);
      contents = store_->tamper_contents_;
    }
    DBX_RETURN_IF_ERROR(store_->inner_->Put(key_, contents));
    std::lock_guard<std::mutex> lock(store_->mu_);
    store_->tampered_.push_back(key_);
    return Status::OK();
  }
  Status Abort() override { return inner_->Abort(); }

 private:
  std::unique_ptr<OutputStream> inner_;
  FaultInjectingStore* store_;
  std::string key_;
};

Result<std::unique_ptr<OutputStream>> FaultInjectingStore::OpenWrite(const std::string& key) {
  DBX_ASSIGN_OR_RETURN(std::unique_ptr<OutputStream> stream, inner_->OpenWrite(key));
  int n;
  bool tamper;
  {
    std::lock_guard<std::mutex> lock(mu_);
    n = ++streams_opened_;
    tamper = n == tamper_stream_;
  }
  if (tamper) return std::unique_ptr<OutputStream>(std::make_unique<TamperingStream>(std::move(stream), this, key));
  int fail_at = n == fail_on_stream_ ? fail_on_write_ : 0;
  return std::unique_ptr<OutputStream>(std::make_unique<FaultyStream>(std::move(stream), fail_at));
}

}  // namespace dbexport::testing
