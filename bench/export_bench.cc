// export_bench: the export engine against PostgreSQL's own raw COPY.
//
// Loads the lineitem table (bench/lineitem.h, 6 million rows by default)
// into a PostgreSQL database, then in the same run times
//   (a) psql -c "COPY lineitem TO STDOUT (FORMAT binary)" > /dev/null
//   (b) dbexport run ... --compression gzip to a local directory, at each
//       --parallelism given
//   (c) with --verify-counts: the same run with dbexport's --verify-counts
//       (COUNT(*) on the snapshot, every file's footer read back), and
//       what that adds to (b)
// and prints both times and their ratio. Each measurement is the best of
// --repeat runs, after one warm-up COPY (the table in the page cache).
//
//   export_bench [--pg-url URL] [--rows N] [--parallelism 2,4] [--repeat 3]
//                [--chunk-rows N] [--out DIR] [--reload] [--verify-counts]
// The URL defaults to $DBX_TEST_PG_URL; the database used is bench_export.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "bench_util.h"

#ifndef DBX_DBEXPORT_BINARY
#error "DBX_DBEXPORT_BINARY must be defined by the build"
#endif

namespace {

namespace fs = std::filesystem;
using dbexport::bench::LoadLineitem;
using dbexport::bench::Psql;
using dbexport::bench::ShellOutput;
using dbexport::bench::ShellQuote;
using dbexport::bench::TimeShell;

constexpr char kDatabase[] = "bench_export";

struct Options {
  std::string pg_url;
  int64_t rows = 6'000'000;
  std::vector<int> parallelism{2, 4};
  int repeat = 3;
  int64_t chunk_rows = 0;  // 0: dbexport's default
  std::string out = "/tmp/dbx-export-bench";
  bool reload = false;
  bool verify_counts = false;
};

std::vector<int> ParseList(const std::string& s) {
  std::vector<int> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(std::stoi(item));
  return out;
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  const char* env = std::getenv("DBX_TEST_PG_URL");
  o.pg_url = env ? env : "postgresql://postgres@127.0.0.1:55432/postgres";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "export_bench: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--pg-url") o.pg_url = value();
    else if (a == "--rows") o.rows = std::stoll(value());
    else if (a == "--parallelism") o.parallelism = ParseList(value());
    else if (a == "--repeat") o.repeat = std::stoi(value());
    else if (a == "--chunk-rows") o.chunk_rows = std::stoll(value());
    else if (a == "--out") o.out = value();
    else if (a == "--reload") o.reload = true;
    else if (a == "--verify-counts") o.verify_counts = true;
    else {
      std::fprintf(stderr,
                   "usage: export_bench [--pg-url URL] [--rows N] [--parallelism 2,4] [--repeat N] "
                   "[--chunk-rows N] [--out DIR] [--reload] [--verify-counts]\n");
      std::exit(2);
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = ParseArgs(argc, argv);
  std::string url = LoadLineitem(o.pg_url, kDatabase, o.rows, o.reload);
  std::string table_size =
      ShellOutput(Psql(url) + " -A -t -c \"SELECT pg_size_pretty(pg_table_size('lineitem'))\"");

  std::string copy_command = Psql(url) + " -c 'COPY lineitem TO STDOUT (FORMAT binary)' > /dev/null";
  TimeShell(copy_command);  // warm-up: the table into the page cache
  double copy_best = 1e18;
  for (int i = 0; i < o.repeat; ++i) copy_best = std::min(copy_best, TimeShell(copy_command));
  std::printf("lineitem: %lld rows, %s heap\n", static_cast<long long>(o.rows), table_size.c_str());
  std::printf("%-58s %8.2f s\n", "COPY lineitem TO STDOUT (FORMAT binary)", copy_best);

  for (int parallelism : o.parallelism) {
    double plain = 0;
    for (bool verify : {false, true}) {
      if (verify && !o.verify_counts) break;
      double best = 1e18;
      double verify_stage = 1e18;  // best time of the verification stage itself
      std::string output_size;
      for (int i = 0; i < o.repeat; ++i) {
        fs::remove_all(o.out);
        std::string command = std::string(DBX_DBEXPORT_BINARY) + " run --source " + ShellQuote(url) + " --dest " +
                              ShellQuote(o.out) + " --task-id bench --compression gzip --progress none --parallelism " +
                              std::to_string(parallelism) +
                              (o.chunk_rows > 0 ? " --chunk-rows " + std::to_string(o.chunk_rows) : "") +
                              (verify ? " --verify-counts 2> " + ShellQuote(o.out + ".stderr") : "") + " > /dev/null";
        double took = TimeShell(command);
        if (verify) {
          // "row counts verified: ... in 2.3 s": the verification stage alone.
          std::string line = ShellOutput("grep -o 'read back in [0-9.]* s' " + ShellQuote(o.out + ".stderr"));
          size_t at = line.find(" in ");
          if (at != std::string::npos) verify_stage = std::min(verify_stage, std::stod(line.substr(at + 4)));
        }
        best = std::min(best, took);
        output_size = ShellOutput("du -sh " + ShellQuote(o.out) + " | cut -f1");
      }
      char label[80];
      std::snprintf(label, sizeof label, "dbexport run, gzip, --parallelism %d%s", parallelism,
                    verify ? " --verify-counts" : "");
      std::printf("%-58s %8.2f s  ratio %.2fx  %.0f rows/s  output %s", label, best, best / copy_best,
                  static_cast<double>(o.rows) / best, output_size.c_str());
      if (verify) {
        std::printf("  verify-counts adds %.2f s (%.0f%%); its own stage %.2f s (%.0f%% of the plain run)",
                    best - plain, 100.0 * (best - plain) / plain, verify_stage, 100.0 * verify_stage / plain);
      }
      std::printf("\n");
      plain = best;
    }
  }
  fs::remove_all(o.out);
  fs::remove(o.out + ".stderr");
  return 0;
}
