// service_bench: an export started through the service's RDS API against the
// same export run with `dbexport run`, in the same run.
//
// Loads the lineitem table (bench/lineitem.h, 6 million rows by default) into
// PostgreSQL database bench_service, prepares moto (bucket, IAM role, KMS
// key), starts `dbexport serve --config` on a free port, then
// alternates, --repeat times:
//   (a) dbexport run --source ... --dest s3://bench-service/run-N
//       --iam-role-arn ... --kms-key-id ... --s3-endpoint ...
//   (b) StartExportTask (SigV4-signed POST) of the same cluster to
//       s3://bench-service/api-N, then DescribeExportTasks every 20 ms until
//       the task is COMPLETE
// Both write SSE-KMS Parquet through the same pre-flight, S3 store and engine;
// (b) is timed from the request to the response that shows COMPLETE. Prints
// the best time of each, the ratio (the goal: under 1.05) and rows/s.
//
//   service_bench [--pg-url URL] [--s3-endpoint URL] [--rows N]
//                 [--parallelism N] [--repeat N] [--reload]
// Defaults: $DBX_TEST_PG_URL, $DBX_TEST_S3_ENDPOINT.

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "bench_util.h"
#include "storage/s3/sigv4.h"

#ifndef DBX_DBEXPORT_BINARY
#error "DBX_DBEXPORT_BINARY must be defined by the build"
#endif

namespace {

using dbexport::bench::Die;
using dbexport::bench::LoadLineitem;
using dbexport::bench::Shell;
using dbexport::bench::ShellOutput;
using dbexport::bench::ShellQuote;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr char kDatabase[] = "bench_service";
constexpr char kBucket[] = "bench-service";
constexpr char kRegion[] = "us-east-1";
constexpr char kAccessKey[] = "AKIABENCH";
constexpr char kSecret[] = "bench-secret";
// DescribeExportTasks polling period: the API path's timing resolution.
constexpr auto kPollInterval = std::chrono::milliseconds(20);

struct Options {
  std::string pg_url;
  std::string s3_endpoint;
  int64_t rows = 6'000'000;
  int parallelism = 2;
  int repeat = 2;
  bool reload = false;
};

// `aws` against moto with moto's test credentials.
std::string Aws(const Options& o) {
  return "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 aws --endpoint-url " +
         ShellQuote(o.s3_endpoint) + " ";
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    Die("cannot find a free port");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

// The service process, started with the bench's configuration.
class Serve {
 public:
  Serve(const Options& o, const std::string& url, const std::string& dir) : port_(FreePort()) {
    std::string config = dir + "/dbexport.toml";
    std::ofstream(config) << "listen = \"127.0.0.1:" << port_ << "\"\nregion = \"" << kRegion << "\"\n"
                          << "state_dir = \"" << dir << "/state\"\n\n[[access_keys]]\nid = \"" << kAccessKey
                          << "\"\nsecret = \"" << kSecret << "\"\n\n[s3]\nendpoint_url = \"" << o.s3_endpoint
                          << "\"\n\n[[clusters]]\nname = \"lineitem\"\nsource = \"" << url
                          << "\"\nparallelism = " << o.parallelism << "\n";
    std::fflush(stdout);  // the child must not inherit buffered output
    pid_ = fork();
    if (pid_ == 0) {
      std::string log = dir + "/serve.log";
      freopen(log.c_str(), "a", stderr);
      freopen("/dev/null", "w", stdout);
      setenv("AWS_ACCESS_KEY_ID", "testing", 1);
      setenv("AWS_SECRET_ACCESS_KEY", "testing", 1);
      execl(DBX_DBEXPORT_BINARY, DBX_DBEXPORT_BINARY, "serve", "--config", config.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    httplib::Client client("127.0.0.1", port_);
    for (int i = 0; i < 100; ++i) {
      if (auto r = client.Get("/healthz"); r && r->status == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    Die("serve did not start; see " + dir + "/serve.log");
  }
  ~Serve() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }

  // A SigV4-signed Query API call; returns the response body.
  std::string Call(const std::string& body) {
    dbexport::s3::SigV4Request request;
    request.method = "POST";
    request.path = "/";
    request.headers = {{"Host", "127.0.0.1:" + std::to_string(port_)},
                       {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    request.payload_sha256_hex = dbexport::s3::Sha256Hex(body);
    dbexport::Status s = dbexport::s3::SignRequest(&request, {kAccessKey, kSecret, ""}, kRegion, "rds",
                                                   dbexport::s3::AmzDateNow());
    if (!s.ok()) Die("signing: " + s.ToString());
    httplib::Headers headers;
    for (const auto& [name, value] : request.headers) {
      if (name != "Host" && name != "Content-Type") headers.emplace(name, value);
    }
    httplib::Client client("127.0.0.1", port_);
    auto response = client.Post("/", headers, body, "application/x-www-form-urlencoded; charset=utf-8");
    if (!response) Die("API call failed: " + httplib::to_string(response.error()));
    if (response->status != 200) Die("API call refused: " + response->body);
    return response->body;
  }

 private:
  int port_;
  pid_t pid_ = -1;
};

std::string Element(const std::string& xml, const std::string& name) {
  size_t begin = xml.find("<" + name + ">");
  size_t end = xml.find("</" + name + ">");
  if (begin == std::string::npos || end == std::string::npos) return "";
  begin += name.size() + 2;
  return xml.substr(begin, end - begin);
}

double TimeApiExport(Serve& serve, const std::string& id, const std::string& role, const std::string& key) {
  std::string arn = std::string("arn:aws:rds:") + kRegion + ":123456789012:cluster:lineitem";
  auto start = Clock::now();
  serve.Call("Action=StartExportTask&Version=2014-10-31&ExportTaskIdentifier=" + id +
             "&SourceArn=" + dbexport::s3::UriEncode(arn) + "&S3BucketName=" + kBucket + "&IamRoleArn=" +
             dbexport::s3::UriEncode(role) + "&KmsKeyId=" + dbexport::s3::UriEncode(key));
  for (;;) {
    std::string xml = serve.Call("Action=DescribeExportTasks&Version=2014-10-31&ExportTaskIdentifier=" + id);
    std::string status = Element(xml, "Status");
    if (status == "COMPLETE") return std::chrono::duration<double>(Clock::now() - start).count();
    if (status == "FAILED" || status == "CANCELED") Die("export " + id + " ended " + status + ": " + xml);
    std::this_thread::sleep_for(kPollInterval);
  }
}

double TimeRunExport(const Options& o, const std::string& url, const std::string& id, const std::string& role,
                     const std::string& key) {
  std::string command = "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing " + std::string(DBX_DBEXPORT_BINARY) +
                        " run --source " + ShellQuote(url) + " --dest s3://" + kBucket + " --task-id " + id +
                        " --parallelism " + std::to_string(o.parallelism) + " --iam-role-arn " + ShellQuote(role) +
                        " --kms-key-id " + ShellQuote(key) + " --endpoint-url " + ShellQuote(o.s3_endpoint) +
                        " --region " + kRegion + " --progress none > /dev/null";
  auto start = Clock::now();
  Shell(command);
  return std::chrono::duration<double>(Clock::now() - start).count();
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  const char* pg = std::getenv("DBX_TEST_PG_URL");
  const char* s3 = std::getenv("DBX_TEST_S3_ENDPOINT");
  o.pg_url = pg ? pg : "postgresql://postgres@127.0.0.1:55432/postgres";
  o.s3_endpoint = s3 ? s3 : "http://127.0.0.1:55391";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--pg-url") o.pg_url = value();
    else if (a == "--s3-endpoint") o.s3_endpoint = value();
    else if (a == "--rows") o.rows = std::stoll(value());
    else if (a == "--parallelism") o.parallelism = std::stoi(value());
    else if (a == "--repeat") o.repeat = std::stoi(value());
    else if (a == "--reload") o.reload = true;
    else {
      std::fprintf(stderr, "usage: service_bench [--pg-url URL] [--s3-endpoint URL] [--rows N] [--parallelism N] "
                           "[--repeat N] [--reload]\n");
      std::exit(2);
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = ParseArgs(argc, argv);
  std::string url = LoadLineitem(o.pg_url, kDatabase, o.rows, o.reload);

  Shell(Aws(o) + "s3api create-bucket --bucket " + kBucket + " > /dev/null 2>&1 || true");
  Shell(Aws(o) + "iam create-role --role-name bench-service-export --assume-role-policy-document " +
        ShellQuote(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":)"
                   R"("export.rds.amazonaws.com"},"Action":"sts:AssumeRole"}]})") +
        " > /dev/null 2>&1 || true");
  std::string role = "arn:aws:iam::123456789012:role/bench-service-export";
  std::string key = ShellOutput(Aws(o) + "kms create-key --query KeyMetadata.KeyId --output text");
  if (key.empty()) Die("cannot create a KMS key in moto at " + o.s3_endpoint);

  std::string dir = "/tmp/dbx-service-bench-" + std::to_string(getpid());
  fs::create_directories(dir);
  double run_best = 1e18, api_best = 1e18;
  {
    Serve serve(o, url, dir);
    std::string stamp = std::to_string(std::chrono::system_clock::now().time_since_epoch().count() / 1000000);
    for (int i = 0; i < o.repeat; ++i) {
      std::string run_id = "run-" + stamp + "-" + std::to_string(i);
      std::string api_id = "api-" + stamp + "-" + std::to_string(i);
      double run = TimeRunExport(o, url, run_id, role, key);
      Shell(Aws(o) + "s3 rm --quiet --recursive s3://" + kBucket + "/" + run_id);
      double api = TimeApiExport(serve, api_id, role, key);
      Shell(Aws(o) + "s3 rm --quiet --recursive s3://" + kBucket + "/" + api_id);
      std::printf("round %d: dbexport run %.2f s, API %.2f s\n", i + 1, run, api);
      std::fflush(stdout);
      run_best = std::min(run_best, run);
      api_best = std::min(api_best, api);
    }
  }
  fs::remove_all(dir);
  std::printf("lineitem: %lld rows, parallelism %d, GZIP Parquet with SSE-KMS to %s\n",
              static_cast<long long>(o.rows), o.parallelism, o.s3_endpoint.c_str());
  std::printf("%-36s %8.2f s  %.0f rows/s\n", "dbexport run (best)", run_best, o.rows / run_best);
  std::printf("%-36s %8.2f s  %.0f rows/s\n", "StartExportTask -> COMPLETE (best)", api_best, o.rows / api_best);
  std::printf("API path / dbexport run: %.3fx (goal: under 1.05x)\n", api_best / run_best);
  return 0;
}
