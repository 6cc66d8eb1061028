#include "support/test_env.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#ifndef DBX_SOURCE_DIR
#error "DBX_SOURCE_DIR must be defined by the build"
#endif
#ifndef DBX_BINARY_DIR
#error "DBX_BINARY_DIR must be defined by the build"
#endif

namespace dbexport::testing {
namespace {

std::string RequireEnv(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') {
    ADD_FAILURE() << name << " is not set: run the tests through scripts/test, which starts the servers";
    return "";
  }
  return v;
}

}  // namespace

std::string PostgresUrl() { return RequireEnv("DBX_TEST_PG_URL"); }

std::string PostgresUrl(const std::string& database) {
  std::string url = PostgresUrl();
  auto slash = url.rfind('/');
  if (slash == std::string::npos || slash < 12) return url + "/" + database;
  return url.substr(0, slash + 1) + database;
}

std::string S3Endpoint() { return RequireEnv("DBX_TEST_S3_ENDPOINT"); }

std::string SourceDir() { return DBX_SOURCE_DIR; }
std::string BinaryDir() { return DBX_BINARY_DIR; }

std::string MakeTempDir(const std::string& name) {
  static std::string root = [] {
    const char* base = std::getenv("DBX_TEST_TMP");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/dbx-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    const char* made = mkdtemp(buf.data());
    std::string dir = made ? made : "/tmp";
    std::atexit([] {});
    return dir;
  }();
  static std::mutex mu;
  static int counter = 0;
  std::lock_guard<std::mutex> lock(mu);
  std::string dir = root + "/" + name + "-" + std::to_string(++counter);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& input) {
  CommandResult result;
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe(in_pipe) != 0 || pipe(out_pipe) != 0 || pipe(err_pipe) != 0) {
    result.err = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) close(fd);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  signal(SIGPIPE, SIG_IGN);
  size_t written = 0;
  if (input.empty()) close(in_pipe[1]);
  bool in_open = !input.empty();
  bool out_open = true, err_open = true;
  char buf[65536];
  while (out_open || err_open || in_open) {
    std::vector<pollfd> fds;
    if (out_open) fds.push_back({out_pipe[0], POLLIN, 0});
    if (err_open) fds.push_back({err_pipe[0], POLLIN, 0});
    if (in_open) fds.push_back({in_pipe[1], POLLOUT, 0});
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (const auto& p : fds) {
      if (p.revents == 0) continue;
      if (p.fd == in_pipe[1]) {
        ssize_t n = write(in_pipe[1], input.data() + written, input.size() - written);
        if (n > 0) written += static_cast<size_t>(n);
        if (n < 0 || written == input.size()) {
          close(in_pipe[1]);
          in_open = false;
        }
        continue;
      }
      ssize_t n = read(p.fd, buf, sizeof buf);
      if (n <= 0) {
        close(p.fd);
        (p.fd == out_pipe[0] ? out_open : err_open) = false;
      } else {
        (p.fd == out_pipe[0] ? result.out : result.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

CommandResult RunShell(const std::string& command_line, const std::string& input) {
  return RunCommand({"/bin/sh", "-c", command_line}, input);
}

void UseMotoCredentials() {
  setenv("AWS_ACCESS_KEY_ID", "testing", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "testing", 1);
  setenv("AWS_DEFAULT_REGION", "us-east-1", 1);
}

void RemoveBucket(const std::string& bucket) {
  UseMotoCredentials();
  RunShell("aws --endpoint-url " + S3Endpoint() + " s3 rb --force s3://" + bucket + " >/dev/null 2>&1");
}

CommandResult RecreateBucket(const std::string& bucket) {
  RemoveBucket(bucket);
  return RunShell("aws --endpoint-url " + S3Endpoint() + " s3 mb s3://" + bucket);
}

Result<std::vector<QueryResult>> DuckDbQueries(const std::vector<std::string>& sql) {
  nlohmann::json in = sql;
  CommandResult r =
      RunCommand({"node", SourceDir() + "/tests/tools/duckdb_query.mjs"}, in.dump());
  nlohmann::json out;
  try {
    out = nlohmann::json::parse(r.out);
  } catch (const std::exception& e) {
    return Internal("duckdb_query.mjs printed no JSON (exit " + std::to_string(r.exit_code) +
                    "): " + r.err + r.out.substr(0, 2000));
  }
  std::vector<QueryResult> results;
  for (size_t i = 0; i < out.size(); ++i) {
    const auto& o = out[i];
    if (o.contains("error")) {
      return InvalidArgument("DuckDB: " + o["error"].get<std::string>() + "\nSQL: " + sql[i]);
    }
    QueryResult q;
    q.columns = o["columns"].get<std::vector<std::string>>();
    q.types = o["types"].get<std::vector<std::string>>();
    for (const auto& row : o["rows"]) {
      std::vector<std::optional<std::string>> cells;
      for (const auto& v : row) {
        if (v.is_null()) cells.emplace_back(std::nullopt);
        else cells.emplace_back(v.get<std::string>());
      }
      q.rows.push_back(std::move(cells));
    }
    results.push_back(std::move(q));
  }
  return results;
}

Result<QueryResult> DuckDbQuery(const std::string& sql) {
  DBX_ASSIGN_OR_RETURN(auto results, DuckDbQueries({sql}));
  return std::move(results.front());
}

Result<std::string> Psql(const std::string& url, const std::string& sql) {
  CommandResult r = RunCommand(
      {"psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-A", "-t", "-F", "|", "-f", "-"}, sql);
  if (r.exit_code != 0) return InvalidArgument("psql failed: " + r.err);
  return r.out;
}

std::string SqlQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

}  // namespace dbexport::testing
