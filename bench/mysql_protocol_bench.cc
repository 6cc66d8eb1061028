// mysql_protocol_bench: which MySQL protocol the source should read with.
//
// Streams bench_mysql.lineitem (loaded by mysql_export_bench) over
// --parallelism key ranges at once, two ways, and prints the best of
// --repeat runs of each:
//   text    mysql_real_query + mysql_use_result + mysql_fetch_row: every value
//           as text (what the source reads and decodes today)
//   binary  a prepared statement (mysql_stmt_execute, unbuffered
//           mysql_stmt_fetch) into result buffers bound to each column's
//           native type: integers, doubles and MYSQL_TIME as the server
//           sends them, DECIMAL and strings as bytes
// Only the transfer and the client library's own decoding are timed, not the
// source's conversion into Parquet columns.
//
//   mysql_protocol_bench [--mysql-url URL] [--parallelism 4] [--repeat 3]

#include <mysql.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Options {
  std::string host = "127.0.0.1", user = "root";
  unsigned port = 3306;
  int parallelism = 4;
  int repeat = 3;
};

[[noreturn]] void Die(const std::string& m) {
  std::fprintf(stderr, "mysql_protocol_bench: %s\n", m.c_str());
  std::exit(1);
}

MYSQL* Connect(const Options& o) {
  MYSQL* m = mysql_init(nullptr);
  if (mysql_real_connect(m, o.host.c_str(), o.user.c_str(), "", "bench_mysql", o.port, nullptr, 0) == nullptr) {
    Die(std::string("connecting: ") + mysql_error(m));
  }
  return m;
}

long long Count(const Options& o, const char* sql) {
  MYSQL* m = Connect(o);
  if (mysql_query(m, sql) != 0) Die(mysql_error(m));
  MYSQL_RES* r = mysql_store_result(m);
  long long n = std::atoll(mysql_fetch_row(r)[0]);
  mysql_free_result(r);
  mysql_close(m);
  return n;
}

std::string Range(long long lo, long long hi) {
  return "SELECT * FROM lineitem WHERE id > " + std::to_string(lo) + " AND id <= " + std::to_string(hi);
}

long long ReadText(const Options& o, const std::string& sql) {
  MYSQL* m = Connect(o);
  if (mysql_real_query(m, sql.data(), sql.size()) != 0) Die(mysql_error(m));
  MYSQL_RES* r = mysql_use_result(m);
  long long bytes = 0;
  unsigned n = mysql_num_fields(r);
  while (MYSQL_ROW row = mysql_fetch_row(r)) {
    unsigned long* len = mysql_fetch_lengths(r);
    for (unsigned i = 0; i < n; ++i) bytes += row[i] ? static_cast<long long>(len[i]) : 0;
  }
  mysql_free_result(r);
  mysql_close(m);
  return bytes;
}

long long ReadBinary(const Options& o, const std::string& sql) {
  MYSQL* m = Connect(o);
  MYSQL_STMT* stmt = mysql_stmt_init(m);
  if (mysql_stmt_prepare(stmt, sql.data(), sql.size()) != 0) Die(mysql_stmt_error(stmt));
  MYSQL_RES* meta = mysql_stmt_result_metadata(stmt);
  unsigned n = mysql_num_fields(meta);
  MYSQL_FIELD* fields = mysql_fetch_fields(meta);
  std::vector<MYSQL_BIND> bind(n);
  std::vector<std::vector<char>> buffers(n);
  std::vector<unsigned long> lengths(n);
  std::vector<my_bool> nulls(n);
  for (unsigned i = 0; i < n; ++i) {
    std::memset(&bind[i], 0, sizeof(MYSQL_BIND));
    enum_field_types t = fields[i].type;
    size_t size = 8;
    switch (t) {
      case MYSQL_TYPE_LONGLONG: case MYSQL_TYPE_LONG: case MYSQL_TYPE_SHORT: case MYSQL_TYPE_TINY:
      case MYSQL_TYPE_INT24: case MYSQL_TYPE_DOUBLE: case MYSQL_TYPE_FLOAT:
        bind[i].buffer_type = t == MYSQL_TYPE_INT24 ? MYSQL_TYPE_LONG : t;
        break;
      case MYSQL_TYPE_DATE: case MYSQL_TYPE_DATETIME: case MYSQL_TYPE_TIMESTAMP: case MYSQL_TYPE_TIME:
        bind[i].buffer_type = t;
        size = sizeof(MYSQL_TIME);
        break;
      default:  // DECIMAL, strings, blobs: bytes
        bind[i].buffer_type = MYSQL_TYPE_STRING;
        size = std::min<size_t>(fields[i].length + 1, 1 << 16);
    }
    buffers[i].resize(size);
    bind[i].buffer = buffers[i].data();
    bind[i].buffer_length = size;
    bind[i].length = &lengths[i];
    bind[i].is_null = &nulls[i];
  }
  if (mysql_stmt_execute(stmt) != 0) Die(mysql_stmt_error(stmt));
  if (mysql_stmt_bind_result(stmt, bind.data()) != 0) Die(mysql_stmt_error(stmt));
  long long bytes = 0;
  int rc;
  while ((rc = mysql_stmt_fetch(stmt)) == 0 || rc == MYSQL_DATA_TRUNCATED) {
    for (unsigned i = 0; i < n; ++i) bytes += nulls[i] ? 0 : static_cast<long long>(lengths[i]);
  }
  if (rc != MYSQL_NO_DATA) Die(std::string("fetching: ") + mysql_stmt_error(stmt));
  mysql_free_result(meta);
  mysql_stmt_close(stmt);
  mysql_close(m);
  return bytes;
}

double Time(const Options& o, long long rows, long long (*read)(const Options&, const std::string&)) {
  long long step = (rows + o.parallelism - 1) / o.parallelism;
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < o.parallelism; ++i) {
    threads.emplace_back([&, i] { read(o, Range(i * step, (i + 1) * step)); });
  }
  for (auto& t : threads) t.join();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string url = std::getenv("DBX_TEST_MYSQL_URL") ? std::getenv("DBX_TEST_MYSQL_URL") : "";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--mysql-url" && i + 1 < argc) url = argv[++i];
    else if (a == "--parallelism" && i + 1 < argc) o.parallelism = std::atoi(argv[++i]);
    else if (a == "--repeat" && i + 1 < argc) o.repeat = std::atoi(argv[++i]);
    else Die("usage: mysql_protocol_bench [--mysql-url URL] [--parallelism 4] [--repeat 3]");
  }
  if (url.empty()) Die("no MySQL server: pass --mysql-url or set DBX_TEST_MYSQL_URL");
  std::string rest = url.substr(url.find("://") + 3);
  o.user = rest.substr(0, rest.find('@'));
  std::string hostport = rest.substr(rest.find('@') + 1);
  hostport = hostport.substr(0, hostport.find('/'));
  o.host = hostport.substr(0, hostport.find(':'));
  if (hostport.find(':') != std::string::npos) o.port = std::stoul(hostport.substr(hostport.find(':') + 1));

  long long rows = Count(o, "SELECT MAX(id) FROM lineitem");
  Time(o, rows, ReadText);  // warm-up
  double text = 1e18, binary = 1e18;
  for (int i = 0; i < o.repeat; ++i) {
    text = std::min(text, Time(o, rows, ReadText));
    binary = std::min(binary, Time(o, rows, ReadBinary));
  }
  std::printf("lineitem: %lld rows, %d key ranges at once\n", rows, o.parallelism);
  std::printf("text protocol   (mysql_use_result)        %7.2f s\n", text);
  std::printf("binary protocol (prepared, native binds)  %7.2f s  (%.2fx the text time)\n", binary, binary / text);
  return 0;
}
