// parquet_writer_bench: writes lineitem-shaped rows (bench/lineitem.h) as
// GZIP Parquet on one thread, has DuckDB write the same rows (SET threads=1,
// COPY ... TO (FORMAT parquet, COMPRESSION gzip)), and prints both speeds,
// sizes and their ratios. DuckDB runs through node and @duckdb/node-api from
// tests/tools (run `npm ci` there once).
//
//   parquet_writer_bench [--rows N] [--dir DIR] [--level L] [--codec C]
//                        [--page-bytes B] [--page-rows R]
//                        [--no-duckdb] [--compare-gzip]
//
// --compare-gzip compresses lineitem-shaped PLAIN pages with ISA-L,
// libdeflate and zlib at several levels and prints MB/s and ratio: the
// measurement behind the writer's choice of GZIP library and level.
// Only the writer's Append()/Close() calls are timed, not the generator;
// for DuckDB, only its COPY statement (from the CSV file, and again from an
// in-memory table, which isolates its Parquet writer).

#include <sys/stat.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "lineitem.h"
#include "parquet/compression_internal.h"
#include "parquet/file_output_stream.h"
#include "parquet/file_writer.h"

#ifndef DBX_SOURCE_DIR
#error "DBX_SOURCE_DIR must be defined by the build"
#endif

namespace dbexport::bench {
namespace {

using parquet::ColumnBatch;
using parquet::FileWriter;
using parquet::WriterOptions;

constexpr int64_t kBatchRows = 65536;  // a batch as a source chunk reader fills it

struct Args {
  int64_t rows = 6000000;
  std::string dir = "/tmp/dbx-parquet-bench";
  int level = -1;
  parquet::Codec codec = parquet::Codec::kGzip;
  int64_t page_bytes = 0;  // 0: the writer's default
  int64_t page_rows = 0;
  bool duckdb = true;
  bool compare_gzip = false;
};

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double ThreadCpu() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

int64_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : -1;
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "parquet_writer_bench: %s\n", what.c_str());
  std::exit(1);
}

struct Measured {
  double wall = 0;
  double cpu = 0;
  int64_t bytes = 0;
};

Measured WriteOurs(const Args& args, const std::string& path) {
  auto sink = parquet::FileOutputStream::Open(path);
  if (!sink.ok()) Die(sink.status().ToString());
  WriterOptions options;
  options.codec = args.codec;
  options.compression_level = args.level;
  if (args.page_bytes > 0) options.data_page_bytes = args.page_bytes;
  if (args.page_rows > 0) options.data_page_rows = args.page_rows;
  auto writer = FileWriter::Make(LineitemGenerator::Schema(), options, sink->get());
  if (!writer.ok()) Die(writer.status().ToString());
  LineitemGenerator gen;
  ColumnBatch batch(LineitemGenerator::Schema());
  Measured m;
  double generate = 0;
  for (int64_t done = 0; done < args.rows; done += kBatchRows) {
    double g0 = Now();
    gen.Fill(std::min(kBatchRows, args.rows - done), &batch);
    double t0 = Now(), c0 = ThreadCpu();
    generate += t0 - g0;
    Status st = (*writer)->Append(batch);
    m.wall += Now() - t0;
    m.cpu += ThreadCpu() - c0;
    if (!st.ok()) Die(st.ToString());
  }
  double t0 = Now(), c0 = ThreadCpu();
  Status st = (*writer)->Close();
  if (st.ok()) st = (*sink)->Close();
  m.wall += Now() - t0;
  m.cpu += ThreadCpu() - c0;
  if (!st.ok()) Die(st.ToString());
  m.bytes = FileSize(path);
  std::printf("generator: %.2f s (not counted)\n", generate);
  return m;
}

// Runs DuckDB's COPY twice (from the CSV, from a table loaded from it) and
// checks that it reads back the same rows as `ours`.
struct DuckDbResult {
  Measured from_csv;
  Measured from_table;
  int64_t table_bytes = 0;
  std::string ours_rows;
  std::string differing_rows;
};

DuckDbResult RunDuckDb(const Args& args, const std::string& ours) {
  std::string csv = args.dir + "/lineitem.csv";
  {
    std::FILE* f = std::fopen(csv.c_str(), "w");
    if (f == nullptr) Die("cannot create " + csv);
    LineitemGenerator gen;
    std::string text;
    for (int64_t done = 0; done < args.rows; done += kBatchRows) {
      text.clear();
      gen.AppendCsv(std::min(kBatchRows, args.rows - done), &text);
      std::fwrite(text.data(), 1, text.size(), f);
    }
    std::fclose(f);
  }
  std::string script = args.dir + "/duckdb_copy.cjs";
  std::ofstream(script) << R"JS(
const { DuckDBInstance } = require('@duckdb/node-api');
(async () => {
  const [csv, dir, ours, columns] = process.argv.slice(2);
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run('SET threads=1');
  const src = `read_csv('${csv}', header=false, auto_detect=false, columns=${columns})`;
  const timed = async (sql) => {
    const c0 = process.cpuUsage(); const t0 = process.hrtime.bigint();
    await con.run(sql);
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    return { wall, cpu: (c.user + c.system) / 1e6 };
  };
  const fromCsv = await timed(`COPY (SELECT * FROM ${src}) TO '${dir}/duckdb.parquet' (FORMAT parquet, COMPRESSION gzip)`);
  await con.run(`CREATE TABLE t AS SELECT * FROM ${src}`);
  const fromTable = await timed(`COPY t TO '${dir}/duckdb_table.parquet' (FORMAT parquet, COMPRESSION gzip)`);
  const count = await con.runAndReadAll(`SELECT count(*)::VARCHAR FROM '${ours}'`);
  const diff = await con.runAndReadAll(`SELECT count(*)::VARCHAR FROM (SELECT * FROM '${ours}' EXCEPT ALL SELECT * FROM t)`);
  console.log(JSON.stringify({ fromCsv, fromTable,
    oursRows: count.getRows()[0][0], differing: diff.getRows()[0][0] }));
})().catch((e) => { console.error(String(e)); process.exit(1); });
)JS";
  std::string cmd = "NODE_PATH='" + std::string(DBX_SOURCE_DIR) +
                    "/tests/tools/node_modules' node '" + script + "' '" + csv + "' '" + args.dir +
                    "' '" + ours + "' \"" + LineitemGenerator::DuckDbColumns() + "\"";
  std::FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) Die("cannot run node");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  if (pclose(p) != 0) Die("DuckDB run failed: " + out);
  std::filesystem::remove(csv);
  // The output is one JSON line of known shape; pick the numbers out.
  auto number = [&](const std::string& object, const std::string& key) {
    size_t at = out.find("\"" + object + "\"");
    at = out.find("\"" + key + "\":", at);
    if (at == std::string::npos) Die("unexpected DuckDB output: " + out);
    return std::strtod(out.c_str() + at + key.size() + 3, nullptr);
  };
  auto text = [&](const std::string& key) {
    size_t at = out.find("\"" + key + "\":\"");
    if (at == std::string::npos) Die("unexpected DuckDB output: " + out);
    at += key.size() + 4;
    return out.substr(at, out.find('"', at) - at);
  };
  DuckDbResult r;
  r.from_csv = {number("fromCsv", "wall"), number("fromCsv", "cpu"),
                FileSize(args.dir + "/duckdb.parquet")};
  r.from_table = {number("fromTable", "wall"), number("fromTable", "cpu"),
                  FileSize(args.dir + "/duckdb_table.parquet")};
  r.ours_rows = text("oursRows");
  r.differing_rows = text("differing");
  return r;
}

// PLAIN pages of about 1 MiB per column, as the writer builds them before
// dictionary encoding.
std::vector<std::string> LineitemPages(int64_t rows) {
  LineitemGenerator gen;
  ColumnBatch batch(LineitemGenerator::Schema());
  std::vector<std::string> pages;
  std::vector<std::string> open(LineitemGenerator::Schema().fields.size());
  for (int64_t done = 0; done < rows; done += kBatchRows) {
    gen.Fill(std::min(kBatchRows, rows - done), &batch);
    for (int c = 0; c < batch.num_columns(); ++c) {
      const parquet::Column& col = batch.column(c);
      std::string& page = open[static_cast<size_t>(c)];
      for (int64_t i = 0; i < batch.num_rows(); ++i) {
        if (!col.valid.empty() && col.valid[i] == 0) continue;
        if (LineitemGenerator::Schema().fields[static_cast<size_t>(c)].type ==
            parquet::PhysicalType::kByteArray) {
          auto len = static_cast<uint32_t>(col.offsets[i + 1] - col.offsets[i]);
          page.append(reinterpret_cast<const char*>(&len), 4);
          page.append(reinterpret_cast<const char*>(col.data.data() + col.offsets[i]), len);
        } else {
          size_t w = col.fixed.size() / static_cast<size_t>(batch.num_rows());
          page.append(reinterpret_cast<const char*>(col.fixed.data() + i * w), w);
        }
        if (page.size() >= (1u << 20)) pages.push_back(std::move(page)), page.clear();
      }
    }
  }
  for (auto& p : open) {
    if (!p.empty()) pages.push_back(std::move(p));
  }
  return pages;
}

void CompareGzip(int64_t rows) {
  std::vector<std::string> pages = LineitemPages(rows);
  int64_t total = 0;
  for (const auto& p : pages) total += static_cast<int64_t>(p.size());
  std::printf("GZIP on %zu lineitem PLAIN pages, %.1f MiB:\n", pages.size(), total / 1048576.0);
  std::printf("  %-12s %5s %10s %8s\n", "library", "level", "MB/s", "ratio");
  struct Run {
    parquet::GzipLibrary library;
    const char* name;
    int level;
  };
  const Run runs[] = {
      {parquet::GzipLibrary::kZlib, "zlib", 1},       {parquet::GzipLibrary::kZlib, "zlib", 6},
      {parquet::GzipLibrary::kIsal, "isa-l", 0},      {parquet::GzipLibrary::kIsal, "isa-l", 1},
      {parquet::GzipLibrary::kIsal, "isa-l", 2},      {parquet::GzipLibrary::kIsal, "isa-l", 3},
      {parquet::GzipLibrary::kLibdeflate, "libdeflate", 1},
      {parquet::GzipLibrary::kLibdeflate, "libdeflate", 4},
      {parquet::GzipLibrary::kLibdeflate, "libdeflate", 5},
      {parquet::GzipLibrary::kLibdeflate, "libdeflate", 6},
      {parquet::GzipLibrary::kLibdeflate, "libdeflate", 9},
  };
  parquet::ByteBuffer out;
  for (const Run& run : runs) {
    auto c = parquet::MakeGzipCompressor(run.library, run.level);
    if (!c.ok()) Die(c.status().ToString());
    int64_t compressed = 0;
    double c0 = ThreadCpu();
    for (const auto& p : pages) {
      Status st = (*c)->Compress(reinterpret_cast<const uint8_t*>(p.data()), p.size(), &out);
      if (!st.ok()) Die(st.ToString());
      compressed += static_cast<int64_t>(out.size());
    }
    double secs = ThreadCpu() - c0;
    std::printf("  %-12s %5d %10.1f %8.3f\n", run.name, run.level, total / secs / 1e6,
                static_cast<double>(total) / static_cast<double>(compressed));
  }
}

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die(s + " needs a value");
      return argv[++i];
    };
    if (s == "--rows") {
      a.rows = std::atoll(value().c_str());
    } else if (s == "--dir") {
      a.dir = value();
    } else if (s == "--level") {
      a.level = std::atoi(value().c_str());
    } else if (s == "--codec") {
      std::string c = value();
      a.codec = c == "gzip"     ? parquet::Codec::kGzip
                : c == "snappy" ? parquet::Codec::kSnappy
                : c == "zstd"   ? parquet::Codec::kZstd
                : c == "none"   ? parquet::Codec::kUncompressed
                                : (Die("unknown codec " + c), parquet::Codec::kGzip);
    } else if (s == "--page-bytes") {
      a.page_bytes = std::atoll(value().c_str());
    } else if (s == "--page-rows") {
      a.page_rows = std::atoll(value().c_str());
    } else if (s == "--no-duckdb") {
      a.duckdb = false;
    } else if (s == "--compare-gzip") {
      a.compare_gzip = true;
    } else {
      Die("unknown argument " + s);
    }
  }
  if (a.rows < 1) Die("--rows must be positive");
  return a;
}

int Main(int argc, char** argv) {
  Args args = Parse(argc, argv);
  std::filesystem::create_directories(args.dir);
  if (args.compare_gzip) {
    CompareGzip(std::min<int64_t>(args.rows, 1000000));
    return 0;
  }
  std::string ours = args.dir + "/dbexport.parquet";
  std::printf("lineitem: %lld rows, 18 columns, 1 thread\n", static_cast<long long>(args.rows));
  Measured m = WriteOurs(args, ours);
  double rows = static_cast<double>(args.rows);
  std::printf("dbexport:              %7.2f s wall %7.2f s cpu %12.0f rows/s %8.1f MiB\n", m.wall,
              m.cpu, rows / m.wall, m.bytes / 1048576.0);
  if (!args.duckdb) return 0;
  DuckDbResult d = RunDuckDb(args, ours);
  std::printf("duckdb COPY from CSV:  %7.2f s wall %7.2f s cpu %12.0f rows/s %8.1f MiB\n",
              d.from_csv.wall, d.from_csv.cpu, rows / d.from_csv.wall, d.from_csv.bytes / 1048576.0);
  std::printf("duckdb COPY from table:%7.2f s wall %7.2f s cpu %12.0f rows/s %8.1f MiB\n",
              d.from_table.wall, d.from_table.cpu, rows / d.from_table.wall,
              d.from_table.bytes / 1048576.0);
  std::printf("speed vs COPY from CSV:   %.2fx (wall) %.2fx (cpu)\n", d.from_csv.wall / m.wall,
              d.from_csv.cpu / m.cpu);
  std::printf("speed vs COPY from table: %.2fx (wall) %.2fx (cpu)\n", d.from_table.wall / m.wall,
              d.from_table.cpu / m.cpu);
  std::printf("size vs DuckDB:           %.3f (ours / theirs)\n",
              static_cast<double>(m.bytes) / static_cast<double>(d.from_csv.bytes));
  std::printf("DuckDB reads ours: %s rows, %s differing from its own input\n", d.ours_rows.c_str(),
              d.differing_rows.c_str());
  return 0;
}

}  // namespace
}  // namespace dbexport::bench

int main(int argc, char** argv) { return dbexport::bench::Main(argc, argv); }
