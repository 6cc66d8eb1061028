#pragma once
// What the database benchmarks share: shell commands, loading the lineitem
// table (lineitem.h) into PostgreSQL, running a child process and measuring
// its wall time, CPU time and peak resident memory, and reading another
// process's CPU time from /proc.
//
// These are benchmark drivers, not library code: a failure that leaves
// nothing to measure ends the program (Die) with a message naming the
// command or file that failed.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace dbexport::bench {

// Prints "<program>: <message>" to stderr and exits with status 1.
[[noreturn]] void Die(const std::string& message);

// `s` in single quotes for /bin/sh.
std::string ShellQuote(const std::string& s);

// Runs `command` with /bin/sh; Die()s unless it exits 0.
void Shell(const std::string& command);

// The standard output of `command`, trailing newlines and spaces removed
// ("" when it cannot be started).
std::string ShellOutput(const std::string& command);

// Seconds `command` took; Die()s unless it exits 0.
double TimeShell(const std::string& command);

// `server_url` (postgresql://user@host:port/db) with its database replaced
// by `database`.
std::string DatabaseUrl(const std::string& server_url, const std::string& database);

// psql on `url`: quiet, no psqlrc, stopping at the first error.
std::string Psql(const std::string& url);

// Makes table `lineitem` of database `database` (on the server of
// `server_url`) hold the first `rows` rows of LineitemGenerator(1): when it
// already holds exactly `rows` rows and !reload, nothing is done; otherwise
// the database is dropped, created and loaded with COPY, then VACUUM
// FREEZE ANALYZEd so that no timed read pays for hint bits. Prints what it
// did. Returns the database's URL.
std::string LoadLineitem(const std::string& server_url, const std::string& database, int64_t rows, bool reload);

// One child process's measurements.
struct ChildRun {
  int exit_code = -1;  // 128 + signal when killed by one
  double seconds = 0;  // wall time, fork to reap
  double cpu_seconds = 0;  // user + system (getrusage of the child, wait4)
  int64_t peak_rss_bytes = 0;  // ru_maxrss of the child
};

// Runs argv[0] (a path) with `argv`, the environment of this process plus
// `env` ("NAME=value", overriding), stdout to `stdout_path` and stderr to
// `stderr_path` (truncated), and waits for it with wait4.
ChildRun RunChild(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                  const std::string& stdout_path, const std::string& stderr_path);

// User + system CPU seconds of process `pid` from /proc/<pid>/stat; with
// `with_reaped_children`, also those of the children it has waited for (a
// PostgreSQL postmaster's ended backends). -1 when the process is gone.
double ProcessCpuSeconds(pid_t pid, bool with_reaped_children);

// Busy and total CPU time of the whole machine (all CPUs) from /proc/stat,
// in seconds; their deltas over an interval give its load.
struct MachineCpu {
  double busy = 0;
  double total = 0;
};
MachineCpu ReadMachineCpu();

// The process that listens on TCP port `port` (IPv4 or IPv6), or -1 when
// none is found (or its /proc entries are not readable).
pid_t ListeningPid(int port);

// The port of a URL such as http://127.0.0.1:55391 or
// postgresql://u@h:5432/db; `default_port` when it names none.
int UrlPort(const std::string& url, int default_port);

// The size of every regular file under `dir`, summed (0 when missing).
int64_t DirectoryBytes(const std::string& dir);

// The contents of file `path` ("" when unreadable).
std::string ReadFile(const std::string& path);

}  // namespace dbexport::bench
