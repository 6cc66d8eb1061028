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

Result<std::unique_ptr<OutputStream>> FaultInjectingStore::OpenWrite(const std::string& key) {
  DBX_ASSIGN_OR_RETURN(std::unique_ptr<OutputStream> stream, inner_->OpenWrite(key));
  int n;
  {
    std::lock_guard<std::mutex> lock(mu_);
    n = ++streams_opened_;
  }
  int fail_at = n == fail_on_stream_ ? fail_on_write_ : 0;
  return std::unique_ptr<OutputStream>(std::make_unique<FaultyStream>(std::move(stream), fail_at));
}

}  // namespace dbexport::testing
