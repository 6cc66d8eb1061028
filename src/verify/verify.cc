// VerifyExport: the manifests (docs/manifest.md) against the store.

#include <algorithm>
#include <atomic>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "common/sha256.h"
#include "verify/verify.h"

namespace dbexport::verify {
namespace {

using json = nlohmann::json;

// Files an export writes beside its manifests that no manifest lists.
constexpr char kSuccessMarker[] = "_SUCCESS";
constexpr char kPreflightProbe[] = "_dbexport_preflight";  // S3 destinations

Result<json> ReadJson(ObjectStore* store, const std::string& key) {
  Result<std::string> text = store->Get(key);
  if (!text.ok()) return text.status().WithContext("reading manifest " + key);
  json parsed = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return InvalidArgument("reading manifest " + key + ": not a JSON object");
  }
  return parsed;
}

// A manifest value of the expected type, else `fallback`.
int64_t IntOr(const json& object, const char* name, int64_t fallback) {
  auto it = object.find(name);
  return it != object.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}
std::string StringOr(const json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

constexpr int64_t kTrailerSize = 8;  // footer length + "PAR1"

// Checks one listed data file; adds its footer rows to the table's.
Status CheckFile(ObjectStore* store, const json& entry, const std::map<std::string, int64_t>& present,
                 const VerifyOptions& options, TableReport* table, int64_t* bytes_read) {
  const std::string key = StringOr(entry, "key");
  if (key.empty()) {
    table->problems.push_back({"", "a dataFiles entry has no key"});
    return Status::OK();
  }
  auto found = present.find(key);
  if (found == present.end()) {
    table->problems.push_back({key, "missing: listed in the manifest, not in the store"});
    return Status::OK();
  }
  const int64_t size = found->second;
  const int64_t listed_size = IntOr(entry, "sizeBytes", -1);
  if (listed_size >= 0 && size != listed_size) {
    table->problems.push_back({key, "size " + std::to_string(size) + " bytes, the manifest says " +
                                        std::to_string(listed_size)});
  }
  // Stream the file through the hash, keeping the last read for the footer.
  Sha256 hash;
  std::string last;
  int64_t last_offset = 0;
  const int64_t step = std::max<int64_t>(options.read_bytes, kTrailerSize);
  for (int64_t offset = 0; offset < size; offset += step) {
    Result<std::string> bytes = store->GetRange(key, offset, std::min(step, size - offset));
    if (!bytes.ok()) return bytes.status().WithContext("reading " + key);
    *bytes_read += static_cast<int64_t>(bytes->size());
    if (static_cast<int64_t>(bytes->size()) != std::min(step, size - offset)) {
      table->problems.push_back({key, "ends at byte " + std::to_string(offset + static_cast<int64_t>(bytes->size())) +
                                          ", listed with " + std::to_string(size) + " (changed while verified?)"});
      return Status::OK();
    }
    hash.Update(*bytes);
    last = std::move(*bytes);
    last_offset = offset;
  }
  DBX_ASSIGN_OR_RETURN(std::string sha, hash.Finish());
  const std::string listed_sha = StringOr(entry, "sha256");
  if (!listed_sha.empty() && sha != listed_sha) {
    table->problems.push_back({key, "SHA-256 " + sha + " differs from the manifest's " + listed_sha});
  }
  // The footer: from the last read when it holds the whole file, else by
  // ranged reads of the file's tail.
  Result<int64_t> rows = last_offset == 0 ? ParquetFooterRows(last) : StoredFooterRows(store, key, size, bytes_read);
  if (!rows.ok() && rows.status().code() != StatusCode::kInvalidArgument) {
    return rows.status().WithContext("reading the footer of " + key);
  }
  last.clear();
  last.shrink_to_fit();
  if (!rows.ok()) {
    table->problems.push_back({key, rows.status().message()});
    return Status::OK();
  }
  table->footer_rows += *rows;
  const int64_t listed_rows = IntOr(entry, "numberOfRows", -1);
  if (listed_rows >= 0 && *rows != listed_rows) {
    table->problems.push_back({key, "the footer says " + std::to_string(*rows) + " rows, the manifest says " +
                                        std::to_string(listed_rows)});
  }
  if (options.deep) {
    ReadRangeFn read = [&](int64_t offset, int64_t length) { return store->GetRange(key, offset, length); };
    Result<PageCheckResult> pages = CheckParquetPages(size, read, options.limits);
    if (!pages.ok()) return pages.status().WithContext("reading " + key);
    *bytes_read += pages->stats.bytes_read;
    table->pages.row_groups += pages->stats.row_groups;
    table->pages.column_chunks += pages->stats.column_chunks;
    table->pages.pages += pages->stats.pages;
    table->pages.values += pages->stats.values;
    table->pages.bytes_read += pages->stats.bytes_read;
    table->pages.bytes_decompressed += pages->stats.bytes_decompressed;
    if (!pages->problem.empty()) table->problems.push_back({key, pages->problem});
  }
  return Status::OK();
}

// A listed data file to check, and what its check found.
struct FileJob {
  size_t table;          // index in Report::tables
  json entry;            // its dataFiles entry
  TableReport result;    // footer_rows, pages, problems of this file alone
  int64_t bytes_read;
  Status status;         // an error that stops the verification
};

// A table's row total, checked once its files are.
struct PendingTable {
  std::string manifest_key;
  bool check_rows;  // every file listed with numberOfRows
};

}  // namespace

bool Report::ok() const {
  if (!problems.empty()) return false;
  for (const TableReport& t : tables) {
    if (!t.ok()) return false;
  }
  return true;
}

Result<int64_t> StoredFooterRows(ObjectStore* store, const std::string& key, int64_t size, int64_t* bytes_read) {
  int64_t read_bytes = 0;
  auto count = [&](const std::string& bytes) { read_bytes += static_cast<int64_t>(bytes.size()); };
  Result<std::string> trailer = store->GetRange(key, std::max<int64_t>(size - kTrailerSize, 0), kTrailerSize);
  if (!trailer.ok()) return trailer.status();
  count(*trailer);
  const auto* t = reinterpret_cast<const uint8_t*>(trailer->data());
  const int64_t length = trailer->size() < static_cast<size_t>(kTrailerSize)
                             ? 0
                             : static_cast<int64_t>(static_cast<uint32_t>(t[0]) | static_cast<uint32_t>(t[1]) << 8 |
                                                    static_cast<uint32_t>(t[2]) << 16 |
                                                    static_cast<uint32_t>(t[3]) << 24);
  const int64_t tail_start = size - kTrailerSize - length - 4;
  Result<int64_t> rows = InvalidArgument("");
  if (tail_start < 0) {
    // As ParquetFooterRows words it: no magic, or a length past the file.
    rows = ParquetFooterRows(std::string(4, '\0') + *trailer);
  } else {
    Result<std::string> tail = store->GetRange(key, tail_start, size - tail_start);
    if (!tail.ok()) return tail.status();
    count(*tail);
    rows = ParquetFooterRows(*tail);
  }
  if (bytes_read != nullptr) *bytes_read += read_bytes;
  return rows;
}

Result<Report> VerifyExport(ObjectStore* store, const std::string& task_folder, const VerifyOptions& options) {
  Report report;
  report.deep = options.deep;
  report.task_folder = task_folder;
  const std::string dir = task_folder + "/";
  Result<std::vector<ObjectInfo>> listed = store->List(dir);
  if (!listed.ok()) return listed.status().WithContext("listing " + store->Describe() + "/" + dir);
  std::map<std::string, int64_t> present;
  for (const ObjectInfo& o : *listed) present[o.key] = o.size;

  const std::string info_key = dir + "export_info_" + task_folder + ".json";
  if (present.count(info_key) == 0) {
    return NotFound("no manifest " + store->Describe() + "/" + info_key +
                    ": not an export folder, or the export did not finish");
  }
  DBX_ASSIGN_OR_RETURN(json info, ReadJson(store, info_key));
  report.task_status = StringOr(info, "status");
  std::set<std::string> accounted = {info_key, dir + kSuccessMarker, dir + kPreflightProbe};
  auto tables_files = info.find("tablesInfoFiles");
  if (tables_files == info.end() || !tables_files->is_array()) {
    return InvalidArgument("reading manifest " + info_key + ": no tablesInfoFiles list");
  }
  std::vector<FileJob> jobs;
  std::vector<PendingTable> pending_tables;
  for (const json& name : *tables_files) {
    if (!name.is_string()) {
      return InvalidArgument("reading manifest " + info_key + ": a tablesInfoFiles entry is not a string");
    }
    const std::string key = dir + name.get<std::string>();
    accounted.insert(key);
    DBX_ASSIGN_OR_RETURN(json tables, ReadJson(store, key));
    auto entries = tables.find("perTableStatus");
    if (entries == tables.end() || !entries->is_array()) {
      return InvalidArgument("reading manifest " + key + ": no perTableStatus list");
    }
    for (const json& entry : *entries) {
      if (!entry.is_object()) {
        return InvalidArgument("reading manifest " + key + ": a perTableStatus entry is not an object");
      }
      TableReport table;
      table.target = StringOr(entry, "target");
      table.status = StringOr(entry, "status");
      PendingTable pending{key, false};
      auto stats = entry.find("tableStatistics");
      if (stats != entry.end() && stats->is_object()) {
        table.manifest_rows = IntOr(*stats, "numberOfRows", 0);
        auto data_files = stats->find("dataFiles");
        // A file the export found but did not write (a failed export's
        // leftover) has no numberOfRows and does not count in the table's.
        pending.check_rows = true;
        if (data_files != stats->end() && data_files->is_array()) {
          for (const json& file : *data_files) {
            if (!file.is_object()) continue;
            table.files += 1;
            pending.check_rows = pending.check_rows && IntOr(file, "numberOfRows", -1) >= 0;
            accounted.insert(StringOr(file, "key"));
            jobs.push_back({report.tables.size(), file, {}, 0, Status::OK()});
          }
        }
      }
      report.tables.push_back(std::move(table));
      pending_tables.push_back(std::move(pending));
    }
  }

  // The files, on up to `parallelism` threads; results merged in manifest order.
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < jobs.size(); i = next++) {
      FileJob& job = jobs[i];
      job.status = CheckFile(store, job.entry, present, options, &job.result, &job.bytes_read);
    }
  };
  const int threads = std::max(1, std::min<int>(options.parallelism, static_cast<int>(jobs.size())));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  for (FileJob& job : jobs) {
    DBX_RETURN_IF_ERROR(job.status);
    TableReport& table = report.tables[job.table];
    table.footer_rows += job.result.footer_rows;
    table.pages.row_groups += job.result.pages.row_groups;
    table.pages.column_chunks += job.result.pages.column_chunks;
    table.pages.pages += job.result.pages.pages;
    table.pages.values += job.result.pages.values;
    table.pages.bytes_read += job.result.pages.bytes_read;
    table.pages.bytes_decompressed += job.result.pages.bytes_decompressed;
    for (Problem& p : job.result.problems) table.problems.push_back(std::move(p));
    report.bytes_read += job.bytes_read;
  }
  for (size_t i = 0; i < report.tables.size(); ++i) {
    TableReport& table = report.tables[i];
    if (pending_tables[i].check_rows && table.footer_rows != table.manifest_rows && table.problems.empty()) {
      table.problems.push_back({pending_tables[i].manifest_key, "the files' footers hold " +
                                                                    std::to_string(table.footer_rows) +
                                                                    " rows, the manifest's numberOfRows says " +
                                                                    std::to_string(table.manifest_rows)});
    }
  }
  for (const auto& [key, size] : present) {
    bool catalog = key.find("/_catalog/") != std::string::npos;  // docs/catalog.md: derived from the manifests
    if (accounted.count(key) == 0 && !catalog) report.problems.push_back({key, "present in the store, in no manifest"});
  }
  return report;
}

}  // namespace dbexport::verify
