#include "common/secrets.h"

#include <algorithm>
#include <mutex>
#include <shared_mutex>
#include <vector>

namespace dbexport {
namespace {

struct Registry {
  std::shared_mutex mu;
  std::vector<std::string> secrets;  // longest first, so that no secret is left half-redacted
};

Registry& Secrets() {
  static Registry* registry = new Registry();
  return *registry;
}

}  // namespace

void RegisterSecret(std::string_view secret) {
  if (secret.size() < kMinRedactedSecretLength) return;
  Registry& r = Secrets();
  std::unique_lock lock(r.mu);
  if (std::find(r.secrets.begin(), r.secrets.end(), secret) != r.secrets.end()) return;
  r.secrets.emplace_back(secret);
  std::stable_sort(r.secrets.begin(), r.secrets.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string RedactSecrets(std::string_view text) {
  std::string out(text);
  Registry& r = Secrets();
  std::shared_lock lock(r.mu);
  for (const std::string& secret : r.secrets) {
    for (size_t at = out.find(secret); at != std::string::npos; at = out.find(secret, at + 4)) {
      out.replace(at, secret.size(), "****");
    }
  }
  return out;
}

}  // namespace dbexport
