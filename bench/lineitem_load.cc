// lineitem_load: makes database --database on the server of --pg-url hold
// the lineitem table (bench/lineitem.h) with --rows rows, as export_bench
// does (LoadLineitem: nothing when it already does), for benchmarks written
// as shell scripts (bench/pgbench_bench.sh). Prints the database's URL as
// its last line.
//
//   lineitem_load [--pg-url URL] [--database NAME] [--rows N] [--reload]

#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench_util.h"

int main(int argc, char** argv) {
  const char* env = std::getenv("DBX_TEST_PG_URL");
  std::string pg_url = env ? env : "postgresql://postgres@127.0.0.1:55432/postgres";
  std::string database = "bench_pgbench";
  long long rows = 2'000'000;
  bool reload = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool has_value = i + 1 < argc;
    if (a == "--pg-url" && has_value) pg_url = argv[++i];
    else if (a == "--database" && has_value) database = argv[++i];
    else if (a == "--rows" && has_value) rows = std::stoll(argv[++i]);
    else if (a == "--reload") reload = true;
    else {
      std::fprintf(stderr, "usage: lineitem_load [--pg-url URL] [--database NAME] [--rows N] [--reload]\n");
      return 2;
    }
  }
  std::string url = dbexport::bench::LoadLineitem(pg_url, database, rows, reload);
  std::printf("%s\n", url.c_str());
  return 0;
}
