// catalog_bench: the time to build and write the catalog files
// (docs/catalog.md) of a large export, against the export itself.
//
// Writes one lineitem Parquet file of --rows-per-file rows (18 columns)
// with the real writer to take its per-column summary, then times
// lake::WriteCatalog into a local directory for --tables tables of --files
// data files each (every file carrying that summary: the catalog's cost
// depends on files x columns, not on the data). Prints the time per run,
// per data file, and the Iceberg manifest's size.
//
//   catalog_bench [--files 1000] [--tables 1] [--rows-per-file 100000] [--repeat 3] [--out DIR]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "lake/catalog.h"
#include "lineitem.h"
#include "parquet/file_writer.h"

namespace {

namespace fs = std::filesystem;
using namespace dbexport;

class CountingSink final : public OutputStream {
 public:
  Status Write(const uint8_t*, size_t size) override {
    n_ += static_cast<int64_t>(size);
    return Status::OK();
  }
  int64_t Tell() const override { return n_; }
  Status Close() override { return Status::OK(); }
  Status Abort() override { return Status::OK(); }

 private:
  int64_t n_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  int files = 1000, tables = 1, repeat = 3;
  int64_t rows_per_file = 100000;
  std::string out = "/tmp/dbx-catalog-bench";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--files") files = std::stoi(v);
    else if (a == "--tables") tables = std::stoi(v);
    else if (a == "--rows-per-file") rows_per_file = std::stoll(v);
    else if (a == "--repeat") repeat = std::stoi(v);
    else if (a == "--out") out = v;
    else {
      std::fprintf(stderr, "usage: catalog_bench [--files N] [--tables N] [--rows-per-file N] [--repeat N] [--out DIR]\n");
      return 2;
    }
  }
  const parquet::Schema& schema = bench::LineitemGenerator::Schema();
  bench::LineitemGenerator gen;
  parquet::ColumnBatch batch(schema);
  CountingSink sink;
  auto writer = parquet::FileWriter::Make(schema, parquet::WriterOptions{}, &sink);
  if (!writer.ok()) return std::fprintf(stderr, "%s\n", writer.status().ToString().c_str()), 1;
  for (int64_t done = 0; done < rows_per_file; done += 10000) {
    gen.Fill(std::min<int64_t>(10000, rows_per_file - done), &batch);
    if (Status s = (*writer)->Append(batch); !s.ok()) return std::fprintf(stderr, "%s\n", s.ToString().c_str()), 1;
  }
  if (Status s = (*writer)->Close(); !s.ok()) return std::fprintf(stderr, "%s\n", s.ToString().c_str()), 1;
  parquet::FileSummary summary = (*writer)->Summary();

  std::vector<lake::TableFiles> catalog_tables;
  for (int t = 0; t < tables; ++t) {
    lake::TableFiles table;
    table.database = "bench";
    table.schema = "public";
    table.table = "lineitem_" + std::to_string(t);
    table.prefix = "bench-1/bench/public." + table.table + "/";
    table.parquet_schema = schema;
    for (int f = 0; f < files; ++f) {
      table.files.push_back({table.prefix + std::to_string(f) + "/part-00000-0f8fad5b-d9cb-469f-a165-70867728950e-c000.gz.parquet",
                             sink.Tell(), summary.rows, summary.columns});
    }
    catalog_tables.push_back(std::move(table));
  }
  double best = 1e100;
  for (int r = 0; r < repeat; ++r) {
    fs::remove_all(out);
    auto store = OpenLocalStore(out);
    if (!store.ok()) return std::fprintf(stderr, "%s\n", store.status().ToString().c_str()), 1;
    lake::CatalogOptions options{.task_id = "bench-1", .root_url = "file://" + out, .timestamp_ms = 0};
    auto start = std::chrono::steady_clock::now();
    if (Status s = lake::WriteCatalog(options, catalog_tables, store->get()); !s.ok()) {
      return std::fprintf(stderr, "%s\n", s.ToString().c_str()), 1;
    }
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  int64_t manifest_bytes = 0;
  for (const auto& e : fs::recursive_directory_iterator(out)) {
    if (e.is_regular_file() && e.path().string().ends_with("-m0.avro")) manifest_bytes += static_cast<int64_t>(e.file_size());
  }
  int64_t total_files = static_cast<int64_t>(files) * tables;
  std::printf("catalog_bench: %d table(s) x %d files, 18 columns, %lld rows per file (%lld bytes)\n", tables, files,
              static_cast<long long>(rows_per_file), static_cast<long long>(sink.Tell()));
  std::printf("  WriteCatalog best of %d: %.3f s  (%.1f us per data file)\n", repeat, best, best * 1e6 / total_files);
  std::printf("  Iceberg manifests: %lld bytes (%.0f bytes per data file)\n", static_cast<long long>(manifest_bytes),
              static_cast<double>(manifest_bytes) / total_files);
  return 0;
}
