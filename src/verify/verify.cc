// VerifyExport: the manifests (docs/manifest.md) against the store.

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

// Checks one listed data file; adds its footer rows to the table's.
Status CheckFile(ObjectStore* store, const json& entry, const std::map<std::string, int64_t>& present,
                 TableReport* table) {
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
  const int64_t listed_size = IntOr(entry, "sizeBytes", -1);
  if (listed_size >= 0 && found->second != listed_size) {
    table->problems.push_back({key, "size " + std::to_string(found->second) + " bytes, the manifest says " +
                                        std::to_string(listed_size)});
  }
  Result<std::string> bytes = store->Get(key);
  if (!bytes.ok()) return bytes.status().WithContext("reading " + key);
  const std::string listed_sha = StringOr(entry, "sha256");
  if (!listed_sha.empty()) {
    DBX_ASSIGN_OR_RETURN(std::string sha, Sha256Hex(*bytes));
    if (sha != listed_sha) {
      table->problems.push_back({key, "SHA-256 " + sha + " differs from the manifest's " + listed_sha});
    }
  }
  Result<int64_t> rows = ParquetFooterRows(*bytes);
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

Result<Report> VerifyExport(ObjectStore* store, const std::string& task_folder) {
  Report report;
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
            DBX_RETURN_IF_ERROR(CheckFile(store, file, present, &table));
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
    bool catalog = key.find("/_catalog/") != std::string::npos;  // docs/catalog.md: derived from the manifests
    if (accounted.count(key) == 0 && !catalog) report.problems.push_back({key, "present in the store, in no manifest"});
  }
  return report;
}

}  // namespace dbexport::verify
