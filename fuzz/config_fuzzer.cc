// Fuzzes the `dbexport serve` configuration loader: any text must come back
// as a ServiceConfig or as an InvalidArgument "<file>:<line>:<column>: ..."
// error, never as an exception or a crash.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "service/config.h"

namespace {

const std::map<std::string, std::string>& Environment() {
  static const std::map<std::string, std::string> env = {
      {"READER_SECRET", "reader-secret"}, {"SHOP_PASSWORD", "pw"}, {"EMPTY", ""}};
  return env;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using dbexport::service::ParseConfig;
  std::string text(reinterpret_cast<const char*>(data), size);
  auto config = ParseConfig(text, "fuzz.toml", Environment());
  if (config.ok()) {
    // A configuration that loads has what the service needs to start.
    if (config->access_keys.empty()) {
      std::fprintf(stderr, "ParseConfig accepted a configuration without access keys\n");
      std::abort();
    }
    for (const auto& cluster : config->clusters) (void)config->ClusterArn(cluster.name);
  } else if (config.status().message().rfind("fuzz.toml", 0) != 0) {
    std::fprintf(stderr, "ParseConfig error does not name the file: %s\n", config.status().ToString().c_str());
    std::abort();
  }
  return 0;
}
