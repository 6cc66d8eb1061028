// mysql_export_bench: the MySQL/MariaDB source against the read limit and
// against mydumper, in the same run.
//
// Loads the lineitem table (bench/lineitem.h, 6 million rows by default,
// with an AUTO_INCREMENT key `id` so that it splits into key ranges) into a
// MariaDB database, then times, each the best of --repeat runs after one
// warm-up read:
//   (a) the read limit: `mariadb --quick` streaming the table to /dev/null
//       over --parallelism key ranges at once
//   (b) mydumper with as many threads, gzip-compressed (-c)
//   (c) dbexport run --compression gzip --parallelism N, with its peak RSS
// and prints all three with the ratios.
//
//   mysql_export_bench [--mysql-url URL] [--rows N] [--parallelism 4] [--repeat 3] [--out DIR] [--reload]
// The URL (mysql://root@host:port) defaults to $DBX_TEST_MYSQL_URL; the
// database used is bench_mysql.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_util.h"
#include "lineitem.h"

#ifndef DBX_DBEXPORT_BINARY
#error "DBX_DBEXPORT_BINARY must be defined by the build"
#endif

namespace {

namespace fs = std::filesystem;
using dbexport::bench::ChildRun;
using dbexport::bench::Die;
using dbexport::bench::RunChild;
using dbexport::bench::Shell;
using dbexport::bench::ShellOutput;
using dbexport::bench::ShellQuote;
using dbexport::bench::TimeShell;

constexpr char kDatabase[] = "bench_mysql";
constexpr int64_t kLoadBatchRows = 500'000;

struct Options {
  std::string url;
  int64_t rows = 6'000'000;
  int parallelism = 4;
  int repeat = 3;
  std::string out = "/tmp/dbx-mysql-bench";
  bool reload = false;
};

struct Server {
  std::string host, port, user;
};

Server ParseServer(const std::string& url) {
  std::string rest = url.substr(url.find("://") + 3);
  Server s;
  size_t at = rest.find('@');
  s.user = rest.substr(0, at);
  std::string hostport = rest.substr(at + 1);
  hostport = hostport.substr(0, hostport.find('/'));
  s.host = hostport.substr(0, hostport.find(':'));
  s.port = hostport.find(':') == std::string::npos ? "3306" : hostport.substr(hostport.find(':') + 1);
  return s;
}

std::string Client(const Server& s, const std::string& extra = "") {
  return "mariadb --no-defaults -h " + s.host + " -P " + s.port + " -u " + s.user + " " + extra;
}

void Load(const Server& s, const Options& o) {
  std::string existing = ShellOutput(Client(s, "-N -e 'SELECT COUNT(*) FROM bench_mysql.lineitem' 2>/dev/null"));
  if (!o.reload && existing == std::to_string(o.rows)) {
    std::printf("lineitem: %lld rows already loaded in %s\n", static_cast<long long>(o.rows), kDatabase);
    return;
  }
  // PostgreSQL's lineitem with a key, and DATETIME(6) (a MySQL TIMESTAMP
  // ends in 2038).
  std::string ddl = dbexport::bench::LineitemGenerator::PostgresCreateTable("lineitem");
  ddl.replace(ddl.find('(') + 1, 0, "id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, ");
  ddl.replace(ddl.find("l_created timestamp"), 19, "l_created datetime(6)");
  Shell(Client(s, "-e " + ShellQuote(std::string("DROP DATABASE IF EXISTS ") + kDatabase + "; CREATE DATABASE " +
                                     kDatabase + "; USE " + kDatabase + "; " + ddl + " ENGINE=InnoDB")));
  fs::create_directories(o.out);
  std::string file = o.out + "/lineitem.tsv";
  dbexport::bench::LineitemGenerator gen(1);
  std::string text;
  auto start = std::chrono::steady_clock::now();
  for (int64_t done = 0; done < o.rows; done += kLoadBatchRows) {
    text.clear();
    gen.AppendPostgresText(std::min(kLoadBatchRows, o.rows - done), &text);
    FILE* f = std::fopen(file.c_str(), "w");
    if (f == nullptr || std::fwrite(text.data(), 1, text.size(), f) != text.size()) Die("writing " + file);
    std::fclose(f);
    // PostgreSQL's text format is MySQL's default LOAD DATA format: tabs,
    // \N for NULL, backslash escapes.
    Shell(Client(s, "--local-infile=1 " + std::string(kDatabase) + " -e " +
                        ShellQuote("LOAD DATA LOCAL INFILE '" + file +
                                   "' INTO TABLE lineitem (l_orderkey, l_partkey, l_suppkey, l_linenumber, "
                                   "l_quantity, l_extendedprice, l_discount, l_tax, l_returnflag, l_linestatus, "
                                   "l_shipdate, l_commitdate, l_receiptdate, l_shipinstruct, l_shipmode, l_comment, "
                                   "l_created, l_note)")));
  }
  fs::remove(file);
  Shell(Client(s, "-e " + ShellQuote(std::string("ANALYZE TABLE ") + kDatabase + ".lineitem") + " > /dev/null"));
  std::printf("lineitem: loaded %lld rows into %s in %.1f s\n", static_cast<long long>(o.rows), kDatabase,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  if (const char* u = std::getenv("DBX_TEST_MYSQL_URL")) o.url = u;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die("missing value for " + a);
      return argv[++i];
    };
    if (a == "--mysql-url") o.url = value();
    else if (a == "--rows") o.rows = std::stoll(value());
    else if (a == "--parallelism") o.parallelism = std::stoi(value());
    else if (a == "--repeat") o.repeat = std::stoi(value());
    else if (a == "--out") o.out = value();
    else if (a == "--reload") o.reload = true;
    else Die("usage: mysql_export_bench [--mysql-url URL] [--rows N] [--parallelism 4] [--repeat 3] [--out DIR] [--reload]");
  }
  if (o.url.empty()) Die("no MySQL server: pass --mysql-url or set DBX_TEST_MYSQL_URL");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = ParseArgs(argc, argv);
  Server s = ParseServer(o.url);
  Load(s, o);
  fs::create_directories(o.out);
  const int p = o.parallelism;
  const std::string table = std::string(kDatabase) + ".lineitem";

  // (a) The read limit: p clients, each streaming one key range.
  int64_t step = (o.rows + p - 1) / p;
  std::string reads;
  for (int i = 0; i < p; ++i) {
    reads += Client(s, "--quick --batch --skip-column-names -e " +
                           ShellQuote("SELECT * FROM " + table + " WHERE id > " + std::to_string(i * step) +
                                      " AND id <= " + std::to_string((i + 1) * step))) +
             " > /dev/null & ";
  }
  reads += "wait";
  TimeShell(reads);  // warm-up: the table into the buffer pool
  double read_best = 1e18;
  for (int i = 0; i < o.repeat; ++i) read_best = std::min(read_best, TimeShell(reads));

  // (b) mydumper, as many threads, gzip.
  double dumper_best = 1e18;
  std::string dumper_size;
  for (int i = 0; i < o.repeat; ++i) {
    fs::remove_all(o.out + "/mydumper");
    std::string command = "mydumper -h " + s.host + " -P " + s.port + " -u " + s.user + " -B " + kDatabase +
                          " -T lineitem -t " + std::to_string(p) + " -c -r " + std::to_string(step / 4 + 1) +
                          " -o " + ShellQuote(o.out + "/mydumper") + " > /dev/null 2>&1";
    dumper_best = std::min(dumper_best, TimeShell(command));
    dumper_size = ShellOutput("du -sh " + ShellQuote(o.out + "/mydumper") + " | cut -f1");
  }
  fs::remove_all(o.out + "/mydumper");

  // (c) dbexport.
  double export_best = 1e18;
  int64_t peak_rss = 0;
  std::string export_size;
  for (int i = 0; i < o.repeat; ++i) {
    fs::remove_all(o.out + "/dbexport");
    ChildRun run = RunChild({DBX_DBEXPORT_BINARY, "run", "--source", o.url + "/" + kDatabase, "--dest",
                             o.out + "/dbexport", "--task-id", "bench", "--compression", "gzip", "--progress", "none",
                             "--parallelism", std::to_string(p), "--chunk-rows", std::to_string(step), "--export-only", table},
                            {}, "/dev/null", o.out + "/dbexport.err");
    if (run.exit_code != 0) Die("dbexport run failed: " + ShellOutput("cat " + ShellQuote(o.out + "/dbexport.err")));
    if (run.seconds < export_best) {
      export_best = run.seconds;
      peak_rss = run.peak_rss_bytes;
    }
    export_size = ShellOutput("du -sh " + ShellQuote(o.out + "/dbexport") + " | cut -f1");
  }
  fs::remove_all(o.out);

  std::printf("lineitem: %lld rows, %d key ranges / threads / workers\n", static_cast<long long>(o.rows), p);
  std::printf("%-46s %8.2f s\n", "(a) read limit: mariadb --quick > /dev/null", read_best);
  std::printf("%-46s %8.2f s  output %s\n", "(b) mydumper -c (gzip)", dumper_best, dumper_size.c_str());
  std::printf("%-46s %8.2f s  output %s  peak RSS %lld MiB\n", "(c) dbexport run, gzip Parquet", export_best,
              export_size.c_str(), static_cast<long long>(peak_rss >> 20));
  std::printf("dbexport / read limit %.2fx, dbexport / mydumper %.2fx\n", export_best / read_best,
              export_best / dumper_best);
  return 0;
}
