// s3_bench: the same generated payload written through the ObjectStore
// interface to a local directory and to S3 (moto_server, or any endpoint),
// in one run, by several worker threads; prints time, MB/s, CPU and peak
// resident memory of each, and the S3/local time ratio.
//
//   s3_bench [--gib G] [--workers W] [--file-mib F] [--part-mib P]
//            [--in-flight K] [--endpoint URL] [--bucket B] [--dir DIR]
//
// Each worker writes files of F MiB (default 128) in 1 MiB writes (a Parquet
// writer hands over a page or a row group at a time) until G GiB (default 1)
// are written in all. The bytes are pseudo-random, as incompressible as
// GZIP Parquet pages. The endpoint defaults to DBX_TEST_S3_ENDPOINT; the
// bucket (default s3bench-<pid>) is created and emptied afterwards.
// Peak RSS is reported per phase (VmHWM, reset between phases) and for the
// whole process (getrusage ru_maxrss).

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "storage/object_store.h"
#include "storage/s3/s3_client.h"
#include "storage/s3/s3_store.h"

namespace dbexport::bench {
namespace {

constexpr int64_t kMiB = 1 << 20;
constexpr size_t kWriteSize = 1 << 20;

struct Args {
  double gib = 1.0;
  int workers = 4;
  int64_t file_mib = 128;
  int64_t part_mib = s3::kDefaultPartSize / kMiB;
  int in_flight = 2;
  std::string endpoint;
  std::string bucket;
  std::string dir = "/tmp/dbx-s3-bench";
};

struct PhaseResult {
  double seconds = 0;
  double cpu_seconds = 0;
  int64_t peak_rss = 0;
  int files = 0;
  std::string error;
};

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

void ResetPeakRss() { std::ofstream("/proc/self/clear_refs") << "5"; }

int64_t PeakRss() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  }
  return -1;
}

// Workers take file numbers from a counter and write each file fully.
PhaseResult WriteAll(ObjectStore& store, const Args& args, const std::string& payload) {
  const int64_t total = static_cast<int64_t>(args.gib * 1024 * kMiB);
  const int64_t file_bytes = args.file_mib * kMiB;
  const int files = static_cast<int>((total + file_bytes - 1) / file_bytes);
  std::atomic<int> next{0};
  std::vector<std::string> errors(args.workers);

  ResetPeakRss();
  double cpu0 = CpuSeconds();
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int w = 0; w < args.workers; ++w) {
    threads.emplace_back([&, w] {
      for (int f = next++; f < files; f = next++) {
        auto out = store.OpenWrite("bench/file-" + std::to_string(f) + ".gz.parquet");
        if (!out.ok()) {
          errors[w] = out.status().ToString();
          return;
        }
        int64_t size = std::min(file_bytes, total - static_cast<int64_t>(f) * file_bytes);
        size_t offset = static_cast<size_t>(f) * 4099 % kWriteSize;  // files differ
        for (int64_t done = 0; done < size;) {
          size_t n = static_cast<size_t>(std::min<int64_t>(kWriteSize, size - done));
          Status s = (*out)->Write(reinterpret_cast<const uint8_t*>(payload.data() + offset), n);
          if (!s.ok()) {
            errors[w] = s.ToString();
            (*out)->Abort().IgnoreError();
            return;
          }
          done += static_cast<int64_t>(n);
        }
        Status closed = (*out)->Close();
        if (!closed.ok()) {
          errors[w] = closed.ToString();
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  PhaseResult r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.cpu_seconds = CpuSeconds() - cpu0;
  r.peak_rss = PeakRss();
  r.files = files;
  for (const auto& e : errors) {
    if (!e.empty()) r.error = e;
  }
  return r;
}

void Print(const char* name, const PhaseResult& r, double gib) {
  if (!r.error.empty()) {
    std::printf("%-6s FAILED: %s\n", name, r.error.c_str());
    return;
  }
  std::printf("%-6s %8.2f s %9.1f MB/s %8.2f cpu-s %10.1f MiB peak RSS  (%d files)\n", name, r.seconds,
              gib * 1024 * kMiB / 1e6 / r.seconds, r.cpu_seconds, r.peak_rss / double(kMiB), r.files);
}

int Usage() {
  std::fprintf(stderr,
               "usage: s3_bench [--gib G] [--workers W] [--file-mib F] [--part-mib P] [--in-flight K]\n"
               "                [--endpoint URL] [--bucket B] [--dir DIR]\n");
  return 2;
}

int Main(int argc, char** argv) {
  Args args;
  if (const char* e = std::getenv("DBX_TEST_S3_ENDPOINT")) args.endpoint = e;
  args.bucket = "s3bench-" + std::to_string(getpid());
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return Usage();
    std::string v = argv[++i];
    if (a == "--gib") args.gib = std::atof(v.c_str());
    else if (a == "--workers") args.workers = std::atoi(v.c_str());
    else if (a == "--file-mib") args.file_mib = std::atoll(v.c_str());
    else if (a == "--part-mib") args.part_mib = std::atoll(v.c_str());
    else if (a == "--in-flight") args.in_flight = std::atoi(v.c_str());
    else if (a == "--endpoint") args.endpoint = v;
    else if (a == "--bucket") args.bucket = v;
    else if (a == "--dir") args.dir = v;
    else return Usage();
  }
  if (args.endpoint.empty()) {
    std::fprintf(stderr, "s3_bench: no endpoint: pass --endpoint or set DBX_TEST_S3_ENDPOINT\n");
    return 2;
  }

  // 2 MiB of pseudo-random bytes; writes are 1 MiB windows into it.
  std::string payload(2 * kWriteSize, '\0');
  std::mt19937_64 rng(42);
  for (size_t i = 0; i < payload.size(); i += 8) {
    uint64_t v = rng();
    std::memcpy(&payload[i], &v, 8);
  }

  std::printf("s3_bench: %.2f GiB, %d workers, %lld MiB files, %lld MiB parts, %d parts in flight per file\n",
              args.gib, args.workers, static_cast<long long>(args.file_mib), static_cast<long long>(args.part_mib),
              args.in_flight);
  std::printf("          local: %s   s3: %s bucket %s\n", args.dir.c_str(), args.endpoint.c_str(),
              args.bucket.c_str());

  // Local directory.
  std::filesystem::remove_all(args.dir);
  auto local = OpenLocalStore(args.dir);
  if (!local.ok()) {
    std::fprintf(stderr, "s3_bench: %s\n", local.status().ToString().c_str());
    return 1;
  }
  PhaseResult local_result = WriteAll(**local, args, payload);
  std::filesystem::remove_all(args.dir);

  // S3.
  s3::S3StoreOptions o;
  o.bucket = args.bucket;
  o.endpoint_url = args.endpoint;
  o.region = "us-east-1";
  o.credentials = s3::MakeStaticCredentialsProvider({"testing", "testing", ""}, "bench");
  o.part_size = args.part_mib * kMiB;
  o.parts_in_flight = args.in_flight;
  auto store = s3::OpenS3Store(o);
  if (!store.ok()) {
    std::fprintf(stderr, "s3_bench: %s\n", store.status().ToString().c_str());
    return 1;
  }
  {
    auto endpoint = s3::ParseEndpointUrl(args.endpoint);
    auto caller = std::make_shared<s3::AwsCaller>(std::make_shared<s3::HttpClient>(), o.credentials, *endpoint,
                                                  o.region, "s3", s3::RetryPolicy{});
    s3::S3Client client(caller, "");
    Status created = client.CreateBucket(args.bucket, o.region);
    if (!created.ok() && created.code() != StatusCode::kAlreadyExists) {
      std::fprintf(stderr, "s3_bench: %s\n", created.ToString().c_str());
      return 1;
    }
  }
  PhaseResult s3_result = WriteAll(**store, args, payload);
  auto objects = (*store)->List("bench/");
  if (objects.ok()) {
    for (const auto& obj : *objects) (*store)->Delete(obj.key).IgnoreError();
  }

  Print("local", local_result, args.gib);
  Print("s3", s3_result, args.gib);
  if (local_result.error.empty() && s3_result.error.empty()) {
    std::printf("ratio  s3/local time %.2fx\n", s3_result.seconds / local_result.seconds);
  }
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  std::printf("process peak RSS (ru_maxrss) %.1f MiB\n", u.ru_maxrss / 1024.0);
  return local_result.error.empty() && s3_result.error.empty() ? 0 : 1;
}

}  // namespace
}  // namespace dbexport::bench

int main(int argc, char** argv) { return dbexport::bench::Main(argc, argv); }
