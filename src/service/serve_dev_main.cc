// dbx_serve_dev: runs the service without the dbexport CLI, for tests and
// benchmarks: dbx_serve_dev --config <file>.

#include <cstdio>
#include <cstring>
#include <string>

#include "service/serve.h"

int main(int argc, char** argv) {
  if (argc != 3 || std::strcmp(argv[1], "--config") != 0) {
    std::fprintf(stderr, "usage: %s --config <file>\n", argv[0]);
    return 2;
  }
  return dbexport::service::ServeMain(argv[2]);
}
