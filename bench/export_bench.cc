// export_bench: the export engine against PostgreSQL's own raw COPY.
//
// Loads the lineitem table (bench/lineitem.h, 6 million rows by default)
// into a PostgreSQL database, then in the same run times
//   (a) psql -c "COPY lineitem TO STDOUT (FORMAT binary)" > /dev/null
//   (b) dbexport run ... --compression gzip to a local directory, at each
//       --parallelism given
// and prints both times and their ratio. Each measurement is the best of
// --repeat runs, after one warm-up COPY (the table in the page cache).
//
//   export_bench [--pg-url URL] [--rows N] [--parallelism 2,4] [--repeat 3]
//                [--chunk-rows N] [--out DIR] [--reload]
// The URL defaults to $DBX_TEST_PG_URL; the database used is bench_export.

#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "lineitem.h"

#ifndef DBX_DBEXPORT_BINARY
#error "DBX_DBEXPORT_BINARY must be defined by the build"
#endif

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr char kDatabase[] = "bench_export";
constexpr int64_t kLoadBatchRows = 100000;

struct Options {
  std::string pg_url;
  int64_t rows = 6'000'000;
  std::vector<int> parallelism{2, 4};
  int repeat = 3;
  int64_t chunk_rows = 0;  // 0: dbexport's default
  std::string out = "/tmp/dbx-export-bench";
  bool reload = false;
};

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

std::string DatabaseUrl(const std::string& url, const std::string& db) {
  size_t slash = url.rfind('/');
  size_t scheme = url.find("://");
  if (slash == std::string::npos || slash <= scheme + 2) return url + "/" + db;
  return url.substr(0, slash + 1) + db;
}

// Runs a shell command; exits the program if it fails.
void Shell(const std::string& command) {
  int status = std::system(command.c_str());
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "export_bench: command failed: %s\n", command.c_str());
    std::exit(1);
  }
}

std::string ShellOutput(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

double TimeShell(const std::string& command) {
  auto start = Clock::now();
  Shell(command);
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string Psql(const std::string& url) { return "psql " + ShellQuote(url) + " -X -q -v ON_ERROR_STOP=1"; }

void Load(const Options& o, const std::string& url) {
  std::string existing = ShellOutput(Psql(url) + " -A -t -c 'SELECT count(*) FROM lineitem' 2>/dev/null");
  if (!o.reload && existing == std::to_string(o.rows)) {
    std::printf("lineitem: %lld rows already loaded\n", static_cast<long long>(o.rows));
    return;
  }
  Shell(Psql(o.pg_url) + " -c " + ShellQuote(std::string("DROP DATABASE IF EXISTS ") + kDatabase + " WITH (FORCE)") +
        " -c " + ShellQuote(std::string("CREATE DATABASE ") + kDatabase));
  Shell(Psql(url) + " -c " + ShellQuote(dbexport::bench::LineitemGenerator::PostgresCreateTable("lineitem")));
  auto start = Clock::now();
  FILE* copy = popen((Psql(url) + " -c 'COPY lineitem FROM STDIN'").c_str(), "w");
  if (copy == nullptr) {
    std::perror("export_bench: psql");
    std::exit(1);
  }
  dbexport::bench::LineitemGenerator gen(1);
  std::string text;
  for (int64_t done = 0; done < o.rows; done += kLoadBatchRows) {
    text.clear();
    gen.AppendPostgresText(std::min(kLoadBatchRows, o.rows - done), &text);
    if (fwrite(text.data(), 1, text.size(), copy) != text.size()) {
      std::fprintf(stderr, "export_bench: writing to psql failed\n");
      std::exit(1);
    }
  }
  if (pclose(copy) != 0) {
    std::fprintf(stderr, "export_bench: COPY FROM STDIN failed\n");
    std::exit(1);
  }
  // Set hint bits and the visibility map now, so that no timed read pays
  // for them.
  Shell(Psql(url) + " -c 'VACUUM (FREEZE, ANALYZE) lineitem'");
  std::printf("lineitem: loaded %lld rows in %.1f s\n", static_cast<long long>(o.rows),
              std::chrono::duration<double>(Clock::now() - start).count());
}

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
    else {
      std::fprintf(stderr,
                   "usage: export_bench [--pg-url URL] [--rows N] [--parallelism 2,4] [--repeat N] "
                   "[--chunk-rows N] [--out DIR] [--reload]\n");
      std::exit(2);
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = ParseArgs(argc, argv);
  std::string url = DatabaseUrl(o.pg_url, kDatabase);
  Load(o, url);
  std::string table_size =
      ShellOutput(Psql(url) + " -A -t -c \"SELECT pg_size_pretty(pg_table_size('lineitem'))\"");

  std::string copy_command = Psql(url) + " -c 'COPY lineitem TO STDOUT (FORMAT binary)' > /dev/null";
  TimeShell(copy_command);  // warm-up: the table into the page cache
  double copy_best = 1e18;
  for (int i = 0; i < o.repeat; ++i) copy_best = std::min(copy_best, TimeShell(copy_command));
  std::printf("lineitem: %lld rows, %s heap\n", static_cast<long long>(o.rows), table_size.c_str());
  std::printf("%-44s %8.2f s\n", "COPY lineitem TO STDOUT (FORMAT binary)", copy_best);

  for (int parallelism : o.parallelism) {
    double best = 1e18;
    std::string output_size;
    for (int i = 0; i < o.repeat; ++i) {
      fs::remove_all(o.out);
      std::string command = std::string(DBX_DBEXPORT_BINARY) + " run --source " + ShellQuote(url) + " --dest " +
                            ShellQuote(o.out) + " --task-id bench --compression gzip --progress none --parallelism " +
                            std::to_string(parallelism) +
                            (o.chunk_rows > 0 ? " --chunk-rows " + std::to_string(o.chunk_rows) : "") + " > /dev/null";
      best = std::min(best, TimeShell(command));
      output_size = ShellOutput("du -sh " + ShellQuote(o.out) + " | cut -f1");
    }
    char label[64];
    std::snprintf(label, sizeof label, "dbexport run, gzip, --parallelism %d", parallelism);
    std::printf("%-44s %8.2f s  ratio %.2fx  %.0f rows/s  output %s\n", label, best, best / copy_best,
                static_cast<double>(o.rows) / best, output_size.c_str());
  }
  fs::remove_all(o.out);
  return 0;
}
