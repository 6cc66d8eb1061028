#include "bench_util.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "lineitem.h"

extern char** environ;

namespace dbexport::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Rows generated and handed to COPY FROM STDIN at a time while loading.
constexpr int64_t kLoadBatchRows = 100000;

double Seconds(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; }

// The inode of the socket listening on `port` in /proc/net/tcp or tcp6, or "".
std::string ListeningSocketInode(const char* table, int port) {
  std::ifstream in(table);
  std::string line;
  std::getline(in, line);  // header
  // Columns: sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
    fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
    size_t colon = local.rfind(':');
    if (colon == std::string::npos || state != "0A") continue;  // 0A: TCP_LISTEN
    if (std::strtol(local.c_str() + colon + 1, nullptr, 16) == port) return inode;
  }
  return "";
}

}  // namespace

void Die(const std::string& message) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s: %s\n", program_invocation_short_name, message.c_str());
  std::exit(1);
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

void Shell(const std::string& command) {
  std::fflush(stdout);
  int status = std::system(command.c_str());
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) Die("command failed: " + command);
}

std::string ShellOutput(const std::string& command) {
  std::string out;
  std::fflush(stdout);
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

std::string DatabaseUrl(const std::string& server_url, const std::string& database) {
  size_t slash = server_url.rfind('/');
  size_t scheme = server_url.find("://");
  if (slash == std::string::npos || slash <= scheme + 2) return server_url + "/" + database;
  return server_url.substr(0, slash + 1) + database;
}

std::string Psql(const std::string& url) { return "psql " + ShellQuote(url) + " -X -q -v ON_ERROR_STOP=1"; }

std::string LoadLineitem(const std::string& server_url, const std::string& database, int64_t rows, bool reload) {
  std::string url = DatabaseUrl(server_url, database);
  std::string existing = ShellOutput(Psql(url) + " -A -t -c 'SELECT count(*) FROM lineitem' 2>/dev/null");
  if (!reload && existing == std::to_string(rows)) {
    std::printf("lineitem: %lld rows already loaded in %s\n", static_cast<long long>(rows), database.c_str());
    return url;
  }
  Shell(Psql(server_url) + " -c " + ShellQuote("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)") + " -c " +
        ShellQuote("CREATE DATABASE " + database));
  Shell(Psql(url) + " -c " + ShellQuote(LineitemGenerator::PostgresCreateTable("lineitem")));
  auto start = Clock::now();
  std::fflush(stdout);
  FILE* copy = popen((Psql(url) + " -c 'COPY lineitem FROM STDIN'").c_str(), "w");
  if (copy == nullptr) Die(std::string("starting psql for COPY lineitem FROM STDIN: ") + std::strerror(errno));
  LineitemGenerator gen(1);
  std::string text;
  for (int64_t done = 0; done < rows; done += kLoadBatchRows) {
    text.clear();
    gen.AppendPostgresText(std::min(kLoadBatchRows, rows - done), &text);
    if (fwrite(text.data(), 1, text.size(), copy) != text.size()) Die("writing COPY lineitem FROM STDIN to psql failed");
  }
  if (pclose(copy) != 0) Die("COPY lineitem FROM STDIN into " + database + " failed");
  Shell(Psql(url) + " -c 'VACUUM (FREEZE, ANALYZE) lineitem'");
  std::printf("lineitem: loaded %lld rows into %s in %.1f s\n", static_cast<long long>(rows), database.c_str(),
              std::chrono::duration<double>(Clock::now() - start).count());
  return url;
}

ChildRun RunChild(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                  const std::string& stdout_path, const std::string& stderr_path) {
  // Everything the child needs is built before fork: after it, only
  // async-signal-safe calls.
  std::vector<char*> child_argv;
  for (const std::string& a : argv) child_argv.push_back(const_cast<char*>(a.c_str()));
  child_argv.push_back(nullptr);
  std::vector<std::string> merged;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    std::string_view name = entry.substr(0, entry.find('='));
    bool overridden = std::any_of(env.begin(), env.end(), [&](const std::string& o) {
      return o.size() > name.size() && o.compare(0, name.size(), name) == 0 && o[name.size()] == '=';
    });
    if (!overridden) merged.emplace_back(entry);
  }
  merged.insert(merged.end(), env.begin(), env.end());
  std::vector<char*> child_env;
  for (const std::string& e : merged) child_env.push_back(const_cast<char*>(e.c_str()));
  child_env.push_back(nullptr);
  int out = open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0 || err < 0) Die("opening " + stdout_path + " / " + stderr_path + ": " + std::strerror(errno));

  std::fflush(stdout);
  std::fflush(stderr);
  auto start = Clock::now();
  pid_t pid = fork();
  if (pid < 0) Die(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    execve(child_argv[0], child_argv.data(), child_env.data());
    _exit(127);
  }
  close(out);
  close(err);
  int status = 0;
  rusage usage{};
  while (wait4(pid, &status, 0, &usage) < 0) {
    if (errno != EINTR) Die("waiting for " + argv[0] + ": " + std::strerror(errno));
  }
  ChildRun run;
  run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.cpu_seconds = Seconds(usage.ru_utime) + Seconds(usage.ru_stime);
  run.peak_rss_bytes = static_cast<int64_t>(usage.ru_maxrss) * 1024;  // Linux: KiB
  return run;
}

double ProcessCpuSeconds(pid_t pid, bool with_reaped_children) {
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  // The command name (field 2) may hold spaces and parentheses: fields are
  // counted from the last ')'.
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return -1;
  std::istringstream fields(stat.substr(paren + 2));
  // Fields 3..17: state ppid pgrp session tty tpgid flags minflt cminflt
  // majflt cmajflt utime stime cutime cstime.
  std::string skip;
  for (int i = 3; i <= 13; ++i) fields >> skip;
  long long utime = 0, stime = 0, cutime = 0, cstime = 0;
  fields >> utime >> stime >> cutime >> cstime;
  if (!fields) return -1;
  long long ticks = utime + stime + (with_reaped_children ? cutime + cstime : 0);
  return static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

MachineCpu ReadMachineCpu() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  // cpu user nice system idle iowait irq softirq steal guest guest_nice
  long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  MachineCpu m;
  m.busy = static_cast<double>(user + nice + system + irq + softirq + steal) / tick;
  m.total = m.busy + static_cast<double>(idle + iowait) / tick;
  return m;
}

pid_t ListeningPid(int port) {
  std::string inode = ListeningSocketInode("/proc/net/tcp", port);
  if (inode.empty()) inode = ListeningSocketInode("/proc/net/tcp6", port);
  if (inode.empty() || inode == "0") return -1;
  const std::string target = "socket:[" + inode + "]";
  std::error_code ec;
  for (const fs::directory_entry& proc : fs::directory_iterator("/proc", ec)) {
    const std::string name = proc.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    std::error_code fd_ec;
    for (const fs::directory_entry& fd : fs::directory_iterator(proc.path() / "fd", fd_ec)) {
      std::error_code link_ec;
      if (fs::read_symlink(fd.path(), link_ec).string() == target) return static_cast<pid_t>(std::stol(name));
    }
  }
  return -1;
}

int UrlPort(const std::string& url, int default_port) {
  size_t scheme = url.find("://");
  size_t host = scheme == std::string::npos ? 0 : scheme + 3;
  size_t end = url.find('/', host);
  std::string authority = url.substr(host, end == std::string::npos ? std::string::npos : end - host);
  authority = authority.substr(authority.find('@') + 1);  // npos + 1 == 0: no user
  size_t colon = authority.rfind(':');
  if (colon == std::string::npos || authority.back() == ']') return default_port;
  return std::atoi(authority.c_str() + colon + 1);
}

int64_t DirectoryBytes(const std::string& dir) {
  int64_t total = 0;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file()) total += static_cast<int64_t>(e.file_size());
  }
  return total;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace dbexport::bench
