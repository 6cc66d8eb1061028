#include "cli/verify_command.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <thread>
#include <filesystem>
#include <string_view>
#include <nlohmann/json.hpp>

#include "cli/run_command.h"
#include "common/secrets.h"
#include "storage/object_store.h"
#include "verify/verify.h"

namespace dbexport::cli {
namespace {

int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "dbexport: %s\n", RedactSecrets(message).c_str());
  return code;
}

// "s3://b/p/task" -> {"s3://b/p", "task"}; "/x/out/task/" -> {"/x/out", "task"}.
bool SplitTaskFolder(std::string location, std::string* root, std::string* task) {
  constexpr std::string_view kS3 = "s3://";
  const bool s3 = location.starts_with(kS3);
  while (location.size() > 1 && location.back() == '/') location.pop_back();
  // s3:// and s3://bucket name no task folder.
  if (s3 && (location.size() <= kS3.size() || location.find('/', kS3.size()) == std::string::npos)) return false;
  size_t slash = location.rfind('/');
  if (slash == std::string::npos) {
    *root = ".";
    *task = location;
  } else {
    *root = location.substr(0, slash);
    *task = location.substr(slash + 1);
    if (root->empty()) *root = "/";
  }
  return !root->ends_with(":/") && !task->empty() && *task != "." && *task != "..";
}

std::string ProblemText(const verify::Problem& p) {
  return p.key.empty() ? p.message : p.key + ": " + p.message;
}

void PrintJson(const verify::Report& report) {
  using json = nlohmann::json;
  auto problems = [](const std::vector<verify::Problem>& list) {
    json out = json::array();
    for (const verify::Problem& p : list) out.push_back({{"key", p.key}, {"problem", p.message}});
    return out;
  };
  json tables = json::array();
  for (const verify::TableReport& t : report.tables) {
    tables.push_back({{"target", t.target},
                      {"status", t.status},
                      {"files", t.files},
                      {"numberOfRows", t.manifest_rows},
                      {"footerRows", t.footer_rows},
                      {"ok", t.ok()},
                      {"pagesChecked", t.pages.pages},
                      {"valuesChecked", t.pages.values},
                      {"problems", problems(t.problems)}});
  }
  json out = {{"taskFolder", report.task_folder},
              {"taskStatus", report.task_status},
              {"ok", report.ok()},
              {"deep", report.deep},
              {"bytesRead", report.bytes_read},
              {"tables", std::move(tables)},
              {"problems", problems(report.problems)}};
  std::printf("%s\n", out.dump(2).c_str());
}

void PrintText(const verify::Report& report) {
  for (const verify::TableReport& t : report.tables) {
    std::string pages = report.deep ? " pages=" + std::to_string(t.pages.pages) : "";
    std::printf("%s  %s  files=%d rows=%lld%s  %s\n", t.target.c_str(), t.status.c_str(), t.files,
                static_cast<long long>(t.manifest_rows), pages.c_str(), t.ok() ? "OK" : "PROBLEM");
    for (const verify::Problem& p : t.problems) std::printf("  %s\n", ProblemText(p).c_str());
  }
  for (const verify::Problem& p : report.problems) std::printf("%s\n", ProblemText(p).c_str());
}

}  // namespace

CLI::App* AddVerifyCommand(CLI::App& app, VerifyFlags* f) {
  CLI::App* verify = app.add_subcommand(
      "verify",
      "Check a finished export against its manifests: every listed file present with its size, SHA-256\n"
      "and Parquet row count, the rows adding up per table, and no file the manifests do not list");
  verify->add_option("location", f->location, "The export's task folder: a directory or s3://bucket[/prefix]/<task-id>")
      ->required();
  verify->add_flag("--json", f->json, "Print the report as JSON");
  verify->add_flag("--deep", f->deep,
                   "Also decode every page of every data file: headers, CRCs, decompression, levels, values,\n"
                   "dictionary indexes, counts and statistics (reads each file a second time)");
  verify->add_option("--parallelism", f->parallelism,
                     "Files checked at the same time (default: the CPUs, at most 4)")
      ->check(CLI::Range(1, 64));
  verify->add_option("--endpoint-url", f->endpoint_url,
                     "S3 only: an S3-compatible endpoint, e.g. http://127.0.0.1:9000");
  verify->add_option("--region", f->region, "S3 only: AWS region");
  verify->footer("Exit codes: 0 all is well, 1 a difference (named with its file) or the export could not be read, "
                 "2 bad arguments.");
  return verify;
}

int RunVerifyCommand(const VerifyFlags& flags) {
  std::string root, task;
  if (!SplitTaskFolder(flags.location, &root, &task)) {
    return Fail(kExitUsage, "verify: '" + flags.location +
                                "' names no task folder: give <dir>/<task-id> or s3://bucket[/prefix]/<task-id>");
  }
  Result<StoreLocation> location = ParseStoreUrl(root);
  if (!location.ok()) return Fail(kExitUsage, "verify: " + location.status().message());
  if (!location->is_s3()) {
    // Opening a local store creates its directory: check first.
    std::error_code ec;
    if (!std::filesystem::is_directory(location->directory + "/" + task, ec)) {
      return Fail(kExitFailure, "verify: " + flags.location + ": no such directory");
    }
  }
  StoreOptions options;
  options.endpoint_url = flags.endpoint_url;
  options.region = flags.region;
  Result<std::unique_ptr<ObjectStore>> store = OpenStore(*location, options);
  if (!store.ok()) return Fail(kExitFailure, "verify: opening " + root + ": " + store.status().message());
  verify::VerifyOptions verify_options;
  verify_options.deep = flags.deep;
  verify_options.parallelism =
      flags.parallelism > 0 ? flags.parallelism
                            : static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
  Result<verify::Report> report = verify::VerifyExport(store->get(), task, verify_options);
  if (!report.ok()) return Fail(kExitFailure, "verify " + flags.location + ": " + report.status().message());
  if (flags.json) PrintJson(*report);
  else PrintText(*report);
  if (report->ok()) return kExitOk;
  for (const verify::TableReport& t : report->tables) {
    for (const verify::Problem& p : t.problems) std::fprintf(stderr, "dbexport: verify: %s\n", ProblemText(p).c_str());
  }
  for (const verify::Problem& p : report->problems) {
    std::fprintf(stderr, "dbexport: verify: %s\n", ProblemText(p).c_str());
  }
  return kExitFailure;
}

}  // namespace dbexport::cli
