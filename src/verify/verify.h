#pragma once
// Verification of a finished export against its manifests (docs/verify.md):
// every data file a manifest lists is present with the listed size and
// SHA-256, the row counts in the Parquet footers add up to each table's
// numberOfRows, and no file under the task folder is missing from the
// manifests.
//
// Reads each data file once, whole (ObjectStore::Get), on the calling
// thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/object_store.h"

namespace dbexport::verify {

// One difference between the manifest and the store.
struct Problem {
  std::string key;      // the file (under the store root) the problem is about
  std::string message;  // what is wrong, e.g. "SHA-256 differs from the manifest"
};

struct TableReport {
  std::string target;  // database.schema.table
  std::string status;  // the table's manifest status
  int files = 0;                 // listed in the manifest
  int64_t manifest_rows = 0;     // numberOfRows
  int64_t footer_rows = 0;       // sum of the files' footer row counts
  std::vector<Problem> problems;
  bool ok() const { return problems.empty(); }
};

struct Report {
  std::string task_folder;
  std::string task_status;  // export_info's status
  std::vector<TableReport> tables;
  // Not about one table: files present but in no manifest.
  std::vector<Problem> problems;
  bool ok() const;
};

// Verifies the export whose files are under `task_folder` ("<task_id>",
// the sanitized identifier) in `store`. Differences go into the Report; an
// error is returned only when verification cannot proceed: the manifests are
// missing or unreadable (NotFound / InvalidArgument naming the key), or the
// store fails (its own code).
Result<Report> VerifyExport(ObjectStore* store, const std::string& task_folder);

// The row count (FileMetaData.num_rows) in the footer of the Parquet file
// `file`. A file that is not Parquet, or is truncated, is InvalidArgument.
Result<int64_t> ParquetFooterRows(std::string_view file);

}  // namespace dbexport::verify
