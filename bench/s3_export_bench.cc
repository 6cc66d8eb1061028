// s3_export_bench: `dbexport run` of the lineitem table to S3 against the
// same export to a local directory, in the same run.
//
// Loads lineitem (bench/lineitem.h, 6 million rows by default) into
// PostgreSQL database benchs3_lineitem (skipped when it already holds that
// many rows), prepares the S3 endpoint (moto: bucket, IAM role, KMS key),
// then for each --parallelism, --repeat rounds of
//   (a) dbexport run --dest <dir>
//   (b) dbexport run --dest s3://<bucket>/<prefix> --iam-role-arn ...
//       --kms-key-id ... with AWS_ENDPOINT_URL at the endpoint
//   (c) the same as (b) with S3 (not STS) at a DiscardS3Sink
//       (discard_s3_sink.h) in this process: S3 that costs nothing, which
//       tells our client's cost apart from the S3 server's (--no-sink:
//       skipped)
// one after the other. Each run is measured from fork to wait4: wall time,
// CPU time and peak RSS (ru_maxrss) of the dbexport process, plus the CPU
// time that, meanwhile, the S3 server (the process listening on the
// endpoint's port, or this process for the sink), the PostgreSQL server
// (the postmaster and its ended backends) and the whole machine spent: on a
// small machine an emulator written in Python competes with the export for
// the same cores. Prints best and median times, their S3/local ratio and
// the peak RSS of each against the goals (S3 within 1.2x of local; under
// 512 MiB at 4 workers).
//
//   s3_export_bench [--pg-url URL] [--s3-endpoint URL] [--rows N]
//                   [--parallelism 4,2] [--repeat 3] [--bucket B]
//                   [--out DIR] [--reload] [--no-sink]
// Defaults: $DBX_TEST_PG_URL, $DBX_TEST_S3_ENDPOINT. The endpoint is given
// moto's test credentials (AWS_ACCESS_KEY_ID=testing ...).

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "bench_util.h"
#include "discard_s3_sink.h"

#ifndef DBX_DBEXPORT_BINARY
#error "DBX_DBEXPORT_BINARY must be defined by the build"
#endif

namespace dbexport::bench {
namespace {

namespace fs = std::filesystem;

constexpr char kDatabase[] = "benchs3_lineitem";
constexpr char kRegion[] = "us-east-1";
constexpr char kRoleName[] = "benchs3-export";
// moto's default account.
constexpr char kAccountId[] = "123456789012";
// Issue 4's goals.
constexpr double kGoalRatio = 1.2;
constexpr double kGoalPeakRssMiB = 512;
constexpr int kGoalRssParallelism = 4;
constexpr double kMiB = 1024.0 * 1024.0;

struct Options {
  std::string pg_url;
  std::string s3_endpoint;
  int64_t rows = 6'000'000;
  std::vector<int> parallelism{4, 2};
  int repeat = 3;
  std::string bucket = "benchs3-export";
  std::string out = "/tmp/dbx-s3-export-bench";
  bool reload = false;
  bool sink = true;
};

// What one export run cost.
struct Measurement {
  ChildRun run;
  double server_cpu = -1;  // the S3 server's CPU seconds during the run; -1: unknown
  double pg_cpu = -1;  // PostgreSQL's CPU seconds during the run; -1: unknown
  double machine_busy = 0;  // fraction of all CPUs busy during the run
  int64_t rows = 0;  // as dbexport reported them
  int64_t bytes = 0;  // Parquet files and manifests; for the sink, all request bodies
};

std::string Aws(const Options& o) {
  return std::string("AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=") + kRegion +
         " aws --endpoint-url " + ShellQuote(o.s3_endpoint) + " ";
}

// The environment of an export to S3 at `s3_endpoint` (STS and KMS at the
// benchmark's endpoint).
std::vector<std::string> S3Environment(const Options& o, const std::string& s3_endpoint) {
  return {"AWS_ENDPOINT_URL=" + o.s3_endpoint, "AWS_ENDPOINT_URL_S3=" + s3_endpoint, "AWS_ACCESS_KEY_ID=testing",
          "AWS_SECRET_ACCESS_KEY=testing", std::string("AWS_REGION=") + kRegion};
}

double CpuDelta(pid_t pid, bool with_children, double before) {
  if (pid < 0 || before < 0) return -1;
  double after = ProcessCpuSeconds(pid, with_children);
  return after < 0 ? -1 : after - before;
}

// "export <id> complete: <t> tables, <n> rows, ..." -> n; -1 when absent.
int64_t ReportedRows(const std::string& stdout_text) {
  size_t tables = stdout_text.find(" tables, ");
  if (stdout_text.find(" complete: ") == std::string::npos || tables == std::string::npos) return -1;
  return std::atoll(stdout_text.c_str() + tables + 9);
}

// Runs one export (argv after "dbexport run") and measures it; the S3
// server's CPU time is that of process `server` (-1: none).
Measurement Measure(const Options& o, pid_t server, pid_t postgres, const std::vector<std::string>& args,
                    const std::vector<std::string>& env, const std::string& what) {
  std::vector<std::string> argv{DBX_DBEXPORT_BINARY, "run"};
  argv.insert(argv.end(), args.begin(), args.end());
  const std::string out_path = o.out + ".stdout";
  const std::string err_path = o.out + ".stderr";
  Measurement m;
  double server0 = server < 0 ? -1 : ProcessCpuSeconds(server, false);
  double pg0 = postgres < 0 ? -1 : ProcessCpuSeconds(postgres, true);
  MachineCpu machine0 = ReadMachineCpu();
  m.run = RunChild(argv, env, out_path, err_path);
  MachineCpu machine1 = ReadMachineCpu();
  m.server_cpu = CpuDelta(server, false, server0);
  m.pg_cpu = CpuDelta(postgres, true, pg0);
  double total = machine1.total - machine0.total;
  m.machine_busy = total > 0 ? (machine1.busy - machine0.busy) / total : 0;
  if (m.run.exit_code != 0) {
    Die(what + ": dbexport exited with " + std::to_string(m.run.exit_code) + ":\n" + ReadFile(err_path));
  }
  m.rows = ReportedRows(ReadFile(out_path));
  if (m.rows != o.rows) {
    Die(what + ": dbexport reported " + std::to_string(m.rows) + " rows, expected " + std::to_string(o.rows) +
        ":\n" + ReadFile(out_path));
  }
  return m;
}

// What every export of one benchmark shares.
struct Setup {
  std::string url;  // the database
  std::string role;  // IAM role ARN
  std::string key;  // KMS key id
  std::string prefix;  // S3 prefix of this run's exports
  pid_t moto = -1;  // the S3 endpoint's server
  pid_t postgres = -1;  // the postmaster
};

std::vector<std::string> RunArgs(const Setup& setup, const std::string& dest, const std::string& task_id,
                                 int parallelism) {
  return {"--source",      setup.url,
          "--dest",        dest,
          "--task-id",     task_id,
          "--parallelism", std::to_string(parallelism),
          "--progress",    "none"};
}

Measurement RunLocal(const Options& o, const Setup& setup, int parallelism, const std::string& task_id) {
  fs::remove_all(o.out);
  Measurement m = Measure(o, -1, setup.postgres, RunArgs(setup, o.out, task_id, parallelism), {},
                          "export to " + o.out);
  m.bytes = DirectoryBytes(o.out);
  fs::remove_all(o.out);
  return m;
}

std::vector<std::string> S3Args(const Setup& setup, const std::string& dest, const std::string& task_id,
                                int parallelism) {
  std::vector<std::string> args = RunArgs(setup, dest, task_id, parallelism);
  args.insert(args.end(), {"--iam-role-arn", setup.role, "--kms-key-id", setup.key});
  return args;
}

Measurement RunS3(const Options& o, const Setup& setup, int parallelism, const std::string& task_id) {
  const std::string dest = "s3://" + o.bucket + "/" + setup.prefix;
  Measurement m = Measure(o, setup.moto, setup.postgres, S3Args(setup, dest, task_id, parallelism),
                          S3Environment(o, o.s3_endpoint), "export to " + dest);
  std::string listing = ShellOutput(Aws(o) + "s3 ls --recursive --summarize " + ShellQuote(dest + "/"));
  size_t total = listing.find("Total Size: ");
  m.bytes = total == std::string::npos ? -1 : std::atoll(listing.c_str() + total + 12);
  // moto keeps objects in memory: remove them before the next run.
  Shell(Aws(o) + "s3 rm --quiet --recursive " + ShellQuote(dest + "/"));
  return m;
}

Measurement RunSink(const Options& o, const Setup& setup, DiscardS3Sink& sink, int parallelism,
                    const std::string& task_id) {
  const std::string dest = "s3://" + o.bucket + "/" + setup.prefix;
  int64_t received = sink.bytes_received();
  Measurement m = Measure(o, getpid(), setup.postgres, S3Args(setup, dest, task_id, parallelism),
                          S3Environment(o, sink.endpoint()), "export to " + dest + " at " + sink.endpoint());
  m.bytes = sink.bytes_received() - received;
  return m;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

template <typename F>
std::vector<double> Collect(const std::vector<Measurement>& ms, F f) {
  std::vector<double> out;
  for (const Measurement& m : ms) out.push_back(f(m));
  return out;
}

// CPU seconds the run cost the machine: dbexport, PostgreSQL and the S3
// server (when known). When the machine is saturated, wall time cannot be
// below this over the number of CPUs.
double CpuWork(const Measurement& m) {
  return m.run.cpu_seconds + std::max(0.0, m.pg_cpu) + std::max(0.0, m.server_cpu);
}

std::string CpuText(double seconds) {
  if (seconds < 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", seconds);
  return buf;
}

void PrintRow(const char* name, const std::vector<Measurement>& ms) {
  std::vector<double> seconds = Collect(ms, [](const Measurement& m) { return m.run.seconds; });
  double peak = 0;
  for (const Measurement& m : ms) peak = std::max(peak, static_cast<double>(m.run.peak_rss_bytes));
  std::printf("%-6s %8.2f %9.2f %10.1f %9s %9s %9s %7.0f%% %9lld %12lld\n", name,
              *std::min_element(seconds.begin(), seconds.end()), Median(seconds), peak / kMiB,
              CpuText(Median(Collect(ms, [](const Measurement& m) { return m.run.cpu_seconds; }))).c_str(),
              CpuText(Median(Collect(ms, [](const Measurement& m) { return m.pg_cpu; }))).c_str(),
              CpuText(Median(Collect(ms, [](const Measurement& m) { return m.server_cpu; }))).c_str(),
              100 * Median(Collect(ms, [](const Measurement& m) { return m.machine_busy; })),
              static_cast<long long>(ms.front().rows), static_cast<long long>(ms.front().bytes));
}

void PrintSummary(const Options& o, int parallelism, const std::vector<Measurement>& local,
                  const std::vector<Measurement>& s3, const std::vector<Measurement>& sink) {
  auto times = [](const std::vector<Measurement>& ms) {
    return Collect(ms, [](const Measurement& m) { return m.run.seconds; });
  };
  std::vector<double> lt = times(local), st = times(s3);
  double best_ratio = *std::min_element(st.begin(), st.end()) / *std::min_element(lt.begin(), lt.end());
  double median_ratio = Median(st) / Median(lt);
  double peak = 0;
  for (const auto* ms : {&local, &s3, &sink}) {
    for (const Measurement& m : *ms) peak = std::max(peak, m.run.peak_rss_bytes / kMiB);
  }
  std::printf("\nlineitem, %lld rows, --parallelism %d, %d round%s (CPU seconds and machine load: medians; "
              "peak RSS: the largest)\n",
              static_cast<long long>(o.rows), parallelism, o.repeat, o.repeat == 1 ? "" : "s");
  std::printf("%-6s %8s %9s %10s %9s %9s %9s %8s %9s %12s\n", "dest", "best s", "median s", "peak MiB",
              "dbx cpu", "pg cpu", "s3 cpu", "busy", "rows", "bytes");
  PrintRow("local", local);
  PrintRow("s3", s3);
  if (!sink.empty()) PrintRow("sink", sink);
  std::printf("s3/local: best %.2fx, median %.2fx (goal: within %.1fx)", best_ratio, median_ratio, kGoalRatio);
  if (parallelism == kGoalRssParallelism) {
    std::printf("; peak RSS %.0f MiB (goal: under %.0f MiB)", peak, kGoalPeakRssMiB);
  }
  std::printf("\n");
  double local_work = Median(Collect(local, CpuWork));
  double s3_work = Median(Collect(s3, CpuWork));
  std::printf("CPU work (dbexport + PostgreSQL + S3 server, medians): local %.1f s, s3 %.1f s = %.2fx; on %ld CPUs "
              "at least %.1f s and %.1f s\n",
              local_work, s3_work, s3_work / local_work, sysconf(_SC_NPROCESSORS_ONLN),
              local_work / sysconf(_SC_NPROCESSORS_ONLN), s3_work / sysconf(_SC_NPROCESSORS_ONLN));
  if (!sink.empty()) {
    std::vector<double> kt = times(sink);
    std::printf("sink/local: best %.2fx, median %.2fx (S3 calls answered at once, bytes discarded)\n",
                *std::min_element(kt.begin(), kt.end()) / *std::min_element(lt.begin(), lt.end()),
                Median(kt) / Median(lt));
  }
  std::fflush(stdout);
}

std::vector<int> ParseList(const std::string& s) {
  std::vector<int> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(std::stoi(item));
  return out;
}

int Usage() {
  std::fprintf(stderr,
               "usage: s3_export_bench [--pg-url URL] [--s3-endpoint URL] [--rows N] [--parallelism 4,2]\n"
               "                       [--repeat N] [--bucket B] [--out DIR] [--reload] [--no-sink]\n");
  return 2;
}

int Main(int argc, char** argv) {
  Options o;
  const char* pg = std::getenv("DBX_TEST_PG_URL");
  const char* s3 = std::getenv("DBX_TEST_S3_ENDPOINT");
  o.pg_url = pg ? pg : "postgresql://postgres@127.0.0.1:55432/postgres";
  o.s3_endpoint = s3 ? s3 : "http://127.0.0.1:55391";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--reload") {
      o.reload = true;
      continue;
    }
    if (a == "--no-sink") {
      o.sink = false;
      continue;
    }
    if (i + 1 >= argc) return Usage();
    std::string v = argv[++i];
    if (a == "--pg-url") o.pg_url = v;
    else if (a == "--s3-endpoint") o.s3_endpoint = v;
    else if (a == "--rows") o.rows = std::stoll(v);
    else if (a == "--parallelism") o.parallelism = ParseList(v);
    else if (a == "--repeat") o.repeat = std::stoi(v);
    else if (a == "--bucket") o.bucket = v;
    else if (a == "--out") o.out = v;
    else return Usage();
  }
  if (o.repeat < 1 || o.parallelism.empty()) return Usage();

  Setup setup;
  setup.url = LoadLineitem(o.pg_url, kDatabase, o.rows, o.reload);
  Shell(Aws(o) + "s3api create-bucket --bucket " + ShellQuote(o.bucket) + " > /dev/null 2>&1 || true");
  Shell(Aws(o) + "iam create-role --role-name " + kRoleName + " --assume-role-policy-document " +
        ShellQuote(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":)"
                   R"("export.rds.amazonaws.com"},"Action":"sts:AssumeRole"}]})") +
        " > /dev/null 2>&1 || true");
  setup.role = std::string("arn:aws:iam::") + kAccountId + ":role/" + kRoleName;
  setup.key = ShellOutput(Aws(o) + "kms create-key --query KeyMetadata.KeyId --output text");
  if (setup.key.empty()) Die("cannot create a KMS key at " + o.s3_endpoint);
  setup.prefix = "run-" + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
  setup.moto = ListeningPid(UrlPort(o.s3_endpoint, 80));
  setup.postgres = ListeningPid(UrlPort(o.pg_url, 5432));
  std::unique_ptr<DiscardS3Sink> sink;
  if (o.sink) sink = std::make_unique<DiscardS3Sink>();
  std::printf("%ld CPUs; S3 endpoint %s (pid %d), PostgreSQL pid %d%s%s\n", sysconf(_SC_NPROCESSORS_ONLN),
              o.s3_endpoint.c_str(), static_cast<int>(setup.moto), static_cast<int>(setup.postgres),
              sink ? "; discarding S3 sink at " : "", sink ? sink->endpoint().c_str() : "");
  // The table into the page cache, so that the first timed run does not pay
  // for reading it from disk.
  TimeShell(Psql(setup.url) + " -c 'COPY lineitem TO STDOUT (FORMAT binary)' > /dev/null");

  for (int parallelism : o.parallelism) {
    std::vector<Measurement> local, s3, discarded;
    for (int round = 1; round <= o.repeat; ++round) {
      std::string id = "p" + std::to_string(parallelism) + "-r" + std::to_string(round);
      local.push_back(RunLocal(o, setup, parallelism, "local-" + id));
      s3.push_back(RunS3(o, setup, parallelism, "s3-" + id));
      if (sink) discarded.push_back(RunSink(o, setup, *sink, parallelism, "sink-" + id));
      const Measurement& l = local.back();
      const Measurement& s = s3.back();
      std::printf("--parallelism %d round %d: local %.2f s %.0f MiB | s3 %.2f s %.0f MiB, moto %s cpu-s", parallelism,
                  round, l.run.seconds, l.run.peak_rss_bytes / kMiB, s.run.seconds, s.run.peak_rss_bytes / kMiB,
                  CpuText(s.server_cpu).c_str());
      if (sink) {
        const Measurement& k = discarded.back();
        std::printf(" | sink %.2f s %.0f MiB", k.run.seconds, k.run.peak_rss_bytes / kMiB);
      }
      std::printf("\n");
      std::fflush(stdout);
    }
    PrintSummary(o, parallelism, local, s3, discarded);
  }
  fs::remove(o.out + ".stdout");
  fs::remove(o.out + ".stderr");
  return 0;
}

}  // namespace
}  // namespace dbexport::bench

int main(int argc, char** argv) { return dbexport::bench::Main(argc, argv); }
