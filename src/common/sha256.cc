#include "common/sha256.h"

#include <openssl/evp.h>

namespace dbexport {

// A failed EVP call is remembered and
// reported by Finish(), so that Update() stays void on the write path.
struct Sha256::State {
  EVP_MD_CTX* ctx = nullptr;
  bool failed = false;
  ~State() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  state_->ctx = EVP_MD_CTX_new();
  if (state_->ctx == nullptr || EVP_DigestInit_ex(state_->ctx, EVP_sha256(), nullptr) != 1) {
    state_->failed = true;
  }
}

Sha256::~Sha256() = default;

void Sha256::Update(const uint8_t* data, size_t size) {
  if (state_->failed || size == 0) return;
  if (EVP_DigestUpdate(state_->ctx, data, size) != 1) state_->failed = true;
}

Result<std::string> Sha256::Finish() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (state_->failed || EVP_DigestFinal_ex(state_->ctx, digest, &length) != 1) {
    return Status(StatusCode::kInternal, "computing a SHA-256 digest: OpenSSL failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

Result<std::string> Sha256Hex(std::string_view data) {
  Sha256 hash;
  hash.Update(data);
  return hash.Finish();
}

}  // namespace dbexport
