// Fuzzes the Query API request path without a network: the input is a
// request's raw query string and form body, separated by the first '\n'.
// Both are parsed as HandleApi (http_server.cc) parses them (SplitParams
// with UriDecode, ParseFormBody), merged the same way, and handed to
// QueryApi::Handle, which checks every action's parameters (ExportOnly
// lists, filters, MaxRecords, Marker, ARNs, bucket names) and answers from
// a TaskManager whose runner fails every export at once.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "service/query_api.h"
#include "service/task_manager.h"
#include "service/task_store.h"
#include "storage/s3/sigv4.h"

namespace dbexport::service {
namespace {

// Tasks kept before the store is started afresh, so that DescribeExportTasks
// stays fast however long the fuzzer runs.
constexpr size_t kMaxTasks = 500;

class FailingRunner : public ExportRunner {
 public:
  Result<exporter::ExportSummary> Run(const ExportTask& task, const ClusterConfig&, const exporter::ProgressObserver&,
                                      const std::atomic<bool>*) override {
    return Unavailable("export task " + task.id() + ": the fuzzer runs no exports");
  }
  Result<int> DiscardIncompleteWrites(const ExportTask&) override { return 0; }
};

class Service {
 public:
  Service() {
    for (const char* name : {"shop", "billing", "inventory"}) {
      ClusterConfig c;
      c.name = name;
      c.source_url = std::string("postgresql://exporter@db.internal:6543/") + name;
      c.host = "db.internal";
      c.port = 6543;
      c.database = name;
      c.user = "exporter";
      config_.clusters.push_back(c);
    }
    config_.clusters.back().engine = "aurora-mysql";
    config_.access_keys.push_back({"AKIAEXPORTADMIN", "admin-secret"});
    const char* tmp = std::getenv("TMPDIR");
    dir_ = std::string(tmp && *tmp ? tmp : "/tmp") + "/dbx-query-api-fuzzer-" + std::to_string(getpid());
    Reset();
  }
  ~Service() {
    api_.reset();
    manager_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  ApiResponse Handle(const FormParams& params) {
    if (manager_->List().size() > kMaxTasks) Reset();
    return api_->Handle(params, "fuzz-request");
  }

 private:
  void Reset() {
    api_.reset();
    manager_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
    auto store = TaskStore::Open(dir_);
    if (!store.ok()) Die(store.status());
    store_ = std::move(store).value();
    auto manager = TaskManager::Make(&config_, store_.get(), &runner_, TaskManagerOptions{}, nullptr);
    if (!manager.ok()) Die(manager.status());
    manager_ = std::move(manager).value();
    api_ = std::make_unique<QueryApi>(&config_, manager_.get());
  }
  [[noreturn]] static void Die(const Status& s) {
    std::fprintf(stderr, "query_api_fuzzer setup: %s\n", s.ToString().c_str());
    std::abort();
  }

  ServiceConfig config_;
  FailingRunner runner_;
  std::string dir_;
  std::unique_ptr<TaskStore> store_;
  std::unique_ptr<TaskManager> manager_;
  std::unique_ptr<QueryApi> api_;
};

}  // namespace
}  // namespace dbexport::service

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace dbexport::service;
  static Service* service = new Service();  // lives until exit; its threads are idle between runs

  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  std::string_view query = newline == std::string_view::npos ? std::string_view() : input.substr(0, newline);
  std::string_view body = newline == std::string_view::npos ? input : input.substr(newline + 1);

  auto query_params = SplitParams(query, dbexport::s3::UriDecode);
  auto body_params = ParseFormBody(body);
  if (!query_params.ok() || !body_params.ok()) return 0;
  FormParams params;
  for (const auto& [name, value] : *query_params) params[name] = value;
  for (const auto& [name, value] : *body_params) params[name] = value;

  ApiResponse response = service->Handle(params);
  if (response.body.empty() || (response.http_status == 200) != response.error_code.empty()) {
    std::fprintf(stderr, "inconsistent response: status %d, code '%s'\n", response.http_status,
                 response.error_code.c_str());
    std::abort();
  }
  return 0;
}
