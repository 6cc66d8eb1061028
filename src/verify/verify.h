#pragma once
// Verification of a finished export against its manifests (docs/verify.md):
// every data file a manifest lists is present with the listed size and
// SHA-256, the row counts in the Parquet footers add up to each table's
// numberOfRows, and no file under the task folder is missing from the
// manifests.
//
// Streams each data file in ranged reads (ObjectStore::GetRange), hashing
// as it reads, and takes the footer from the last read (or a ranged read of
// the tail): memory per file is bounded by VerifyOptions::read_bytes. With
// `deep`, each file is read a second time, column chunk by column chunk,
// and every page decoded (page_reader.h). Files are checked on
// VerifyOptions::parallelism threads; the report lists them in manifest
// order whatever the order they finish in.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/object_store.h"
#include "verify/page_reader.h"

namespace dbexport::verify {

// One difference between the manifest and the store.
struct Problem {
  std::string key;      // the file (under the store root) the problem is about
  std::string message;  // what is wrong, e.g. "SHA-256 differs from the manifest"
};

struct VerifyOptions {
  // Decode every page of every data file (CheckParquetPages).
  bool deep = false;
  // Bytes per ranged read while hashing a file.
  int64_t read_bytes = int64_t{8} << 20;
  // Files checked at the same time, each on its own thread (memory: one
  // read, or with `deep` one column chunk and page, per thread).
  int parallelism = 1;
  PageCheckLimits limits;
};

struct TableReport {
  std::string target;  // database.schema.table
  std::string status;  // the table's manifest status
  int files = 0;                 // listed in the manifest
  int64_t manifest_rows = 0;     // numberOfRows
  int64_t footer_rows = 0;       // sum of the files' footer row counts
  PageCheckStats pages;          // --deep: what was decoded
  std::vector<Problem> problems;
  bool ok() const { return problems.empty(); }
};

struct Report {
  std::string task_folder;
  std::string task_status;  // export_info's status
  std::vector<TableReport> tables;
  // Not about one table: files present but in no manifest.
  std::vector<Problem> problems;
  bool deep = false;           // pages were decoded
  int64_t bytes_read = 0;      // data file bytes read, both passes
  bool ok() const;
};

// Verifies the export whose files are under `task_folder` ("<task_id>",
// the sanitized identifier) in `store`. Differences go into the Report; an
// error is returned only when verification cannot proceed: the manifests are
// missing or unreadable (NotFound / InvalidArgument naming the key), or the
// store fails (its own code).
Result<Report> VerifyExport(ObjectStore* store, const std::string& task_folder,
                            const VerifyOptions& options = {});

// The row count (FileMetaData.num_rows) in the footer of the Parquet file
// `file`. A file that is not Parquet, or is truncated, is InvalidArgument.
Result<int64_t> ParquetFooterRows(std::string_view file);

// ParquetFooterRows of the stored object `key` of `size` bytes, read by two
// ranged reads (the 8-byte trailer, then the footer) rather than whole; adds
// the bytes read to *bytes_read when given. A store failure is its own
// status; a file that is not Parquet, InvalidArgument.
Result<int64_t> StoredFooterRows(ObjectStore* store, const std::string& key, int64_t size,
                                 int64_t* bytes_read = nullptr);

}  // namespace dbexport::verify
