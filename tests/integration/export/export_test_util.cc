#include "export_test_util.h"

#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace dbexport::testing {

namespace fs = std::filesystem;

Status RecreateDatabase(const std::string& name, const std::string& setup_sql) {
  Result<std::string> dropped =
      Psql(PostgresUrl(), "DROP DATABASE IF EXISTS " + name + " WITH (FORCE);\nCREATE DATABASE " + name + ";\n");
  if (!dropped.ok()) return dropped.status();
  if (setup_sql.empty()) return Status::OK();
  return Psql(PostgresUrl(name), setup_sql).status();
}

Status DropDatabase(const std::string& name) {
  return Psql(PostgresUrl(), "DROP DATABASE IF EXISTS " + name + " WITH (FORCE);\n").status();
}

std::string ProcessDatabase(const std::string& base) { return base + "_" + std::to_string(getpid()); }

std::string DbexportBinary() { return BinaryDir() + "/src/cli/dbexport"; }

CommandResult RunDbexport(const std::vector<std::string>& args) {
  std::vector<std::string> argv{DbexportBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv);
}

std::vector<std::string> ListFiles(const std::string& root) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::exists(root, ec)) return out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) out.push_back(fs::relative(e.path(), root).generic_string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> ListDirs(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_directory()) out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<nlohmann::json> ReadJsonFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFound("cannot open " + path);
  try {
    return nlohmann::json::parse(in);
  } catch (const std::exception& e) {
    return InvalidArgument(path + ": " + e.what());
  }
}

Result<nlohmann::json> PgJson(const std::string& url, const std::string& sql) {
  DBX_ASSIGN_OR_RETURN(std::string out, Psql(url, "SET TimeZone = 'UTC';\n" + sql + ";\n"));
  try {
    return nlohmann::json::parse(out);
  } catch (const std::exception& e) {
    return InvalidArgument("psql printed no JSON for: " + sql + ": " + e.what() + ": " + out.substr(0, 500));
  }
}

Result<int64_t> PgInt(const std::string& url, const std::string& sql) {
  DBX_ASSIGN_OR_RETURN(std::string out, Psql(url, sql + ";\n"));
  try {
    return std::stoll(out);
  } catch (const std::exception&) {
    return InvalidArgument("psql printed no integer for: " + sql + ": " + out);
  }
}

Result<int64_t> DuckDbCount(const std::string& dir) {
  DBX_ASSIGN_OR_RETURN(QueryResult r, DuckDbQuery("SELECT count(*) FROM read_parquet('" + dir + "/**/*.parquet')"));
  if (r.rows.size() != 1 || !r.rows[0][0]) return Internal("DuckDB count returned no row");
  return std::stoll(*r.rows[0][0]);
}

bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

double SecondsSince(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && exit_code_ < 0) {
    kill(pid_, SIGKILL);
    Wait();
  }
}

Status ChildProcess::Start(const std::vector<std::string>& argv) {
  std::string dir = MakeTempDir("child");
  out_path_ = dir + "/stdout";
  err_path_ = dir + "/stderr";
  pid_t pid = fork();
  if (pid < 0) return IoError(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    int out = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int in = open("/dev/null", O_RDONLY);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  pid_ = pid;
  return Status::OK();
}

void ChildProcess::Signal(int sig) {
  if (pid_ > 0 && exit_code_ < 0) kill(pid_, sig);
}

int ChildProcess::Wait() {
  if (exit_code_ >= 0 || pid_ <= 0) return exit_code_;
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return exit_code_;
}

bool ChildProcess::Running() {
  if (exit_code_ >= 0 || pid_ <= 0) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  return true;
}

static std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string ChildProcess::Stdout() const { return Slurp(out_path_); }
std::string ChildProcess::Stderr() const { return Slurp(err_path_); }

}  // namespace dbexport::testing
