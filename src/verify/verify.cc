// VerifyExport: the manifests (docs/manifest.md) against the store.

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

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
  // The footer: FileMetaData, its 4-byte length, "PAR1", with the 4 bytes
  // before it for ParquetFooterRows to see a whole (short) file.
  Result<int64_t> rows = ParquetFooterRows(last);
  if (size >= kTrailerSize && last.size() >= kTrailerSize) {
    const auto* t = reinterpret_cast<const uint8_t*>(last.data() + last.size() - kTrailerSize);
    const int64_t length = static_cast<int64_t>(static_cast<uint32_t>(t[0]) | static_cast<uint32_t>(t[1]) << 8 |
                                                static_cast<uint32_t>(t[2]) << 16 | static_cast<uint32_t>(t[3]) << 24);
    const int64_t tail_start = size - kTrailerSize - length - 4;
    if (tail_start > last_offset) {
      rows = ParquetFooterRows(std::string_view(last).substr(static_cast<size_t>(tail_start - last_offset)));
    } else if (tail_start >= 0 && tail_start < last_offset) {
      Result<std::string> tail = store->GetRange(key, tail_start, size - tail_start);
      if (!tail.ok()) return tail.status().WithContext("reading the footer of " + key);
      *bytes_read += static_cast<int64_t>(tail->size());
      rows = ParquetFooterRows(*tail);
    }
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

}  // namespace

bool Report::ok() const {
  if (!problems.empty()) return false;
  for (const TableReport& t : tables) {
    if (!t.ok()) return false;
  }
  return true;
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
      auto stats = entry.find("tableStatistics");
      if (stats != entry.end() && stats->is_object()) {
        table.manifest_rows = IntOr(*stats, "numberOfRows", 0);
        auto data_files = stats->find("dataFiles");
        // A file the export found but did not write (a failed export's
        // leftover) has no numberOfRows and does not count in the table's.
        bool rows_known = true;
        if (data_files != stats->end() && data_files->is_array()) {
          for (const json& file : *data_files) {
            if (!file.is_object()) continue;
            table.files += 1;
            rows_known = rows_known && IntOr(file, "numberOfRows", -1) >= 0;
            accounted.insert(StringOr(file, "key"));
            DBX_RETURN_IF_ERROR(CheckFile(store, file, present, options, &table, &report.bytes_read));
          }
        }
        if (rows_known && table.footer_rows != table.manifest_rows && table.problems.empty()) {
          table.problems.push_back({key, "the files' footers hold " + std::to_string(table.footer_rows) +
                                             " rows, the manifest's numberOfRows says " +
                                             std::to_string(table.manifest_rows)});
        }
      }
      report.tables.push_back(std::move(table));
    }
  }
  for (const auto& [key, size] : present) {
    if (accounted.count(key) == 0) report.problems.push_back({key, "present in the store, in no manifest"});
  }
  return report;
}

}  // namespace dbexport::verify
