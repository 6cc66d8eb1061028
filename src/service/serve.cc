#include "service/serve.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "service/config.h"
#include "service/export_runner.h"
#include "service/http_server.h"
#include "service/log.h"
#include "service/metrics.h"
#include "service/notifier.h"
#include "service/private_files.h"
#include "service/query_api.h"
#include "service/request_auth.h"
#include "service/task_manager.h"
#include "service/task_store.h"

namespace dbexport::service {
namespace {

// How long pending webhook events may still be delivered at shutdown.
constexpr auto kNotificationDrain = std::chrono::seconds(5);

// Holds an exclusive lock on <state_dir>/dbexport.lock for the process
// lifetime: two services on one task store would both "recover" its tasks.
class StateDirLock {
 public:
  ~StateDirLock() {
    if (fd_ >= 0) close(fd_);
  }
  Status Acquire(const std::string& state_dir) {
    std::string path = (std::filesystem::path(state_dir) / "dbexport.lock").string();
    Result<int> fd = OpenPrivateFile(path, O_RDWR);
    if (!fd.ok()) return fd.status().WithContext("opening the lock file");
    fd_ = *fd;
    if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      return FailedPrecondition("state directory " + state_dir +
                                " is in use by another dbexport serve process (lock file " + path + ")");
    }
    return Status::OK();
  }

 private:
  int fd_ = -1;
};

int Fail(const std::string& message, int code) {
  LogError("dbexport serve: " + message);
  return code;
}

}  // namespace

int ServeMain(const std::string& config_path) {
  // Signals are taken by sigwait below: block them before any thread starts
  // so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A webhook receiver that closes its connection must not kill the service.
  signal(SIGPIPE, SIG_IGN);

  Result<ServiceConfig> loaded = LoadConfig(config_path, ProcessEnvironment());
  if (!loaded.ok()) return Fail(loaded.status().message(), 2);
  const ServiceConfig config = std::move(loaded).value();

  if (Status s = MakePrivateDirectory(config.state_dir); !s.ok()) {
    return Fail("state directory: " + s.message(), 1);
  }
  StateDirLock lock;
  if (Status s = lock.Acquire(config.state_dir); !s.ok()) return Fail(s.message(), 1);
  std::string log_path = (std::filesystem::path(config.state_dir) / "dbexport.log").string();
  if (Status s = OpenLogFile(log_path); !s.ok()) return Fail(s.message(), 1);
  LogInfo("dbexport serve starting: config " + config_path + ", state " + config.state_dir + ", region " +
          config.region + ", " + std::to_string(config.clusters.size()) + " cluster(s)");

  Result<std::unique_ptr<TaskStore>> store = TaskStore::Open(config.state_dir);
  if (!store.ok()) return Fail(store.status().message(), 1);

  std::unique_ptr<WebhookNotifier> notifier;
  if (!config.webhook_url.empty()) {
    NotifierOptions notifier_options;
    notifier_options.signing_secret = config.webhook_secret;
    if (config.webhook_secret.empty()) {
      LogWarning("webhooks are not signed: set webhook_secret (or webhook_secret_env) in [notifications] so that "
                 "receivers can tell them from forgeries");
    }
    Result<std::unique_ptr<WebhookNotifier>> made = WebhookNotifier::Make(config.webhook_url, notifier_options);
    if (!made.ok()) return Fail(made.status().message(), 2);
    notifier = std::move(made).value();
  }
  TaskEventListener listener;
  if (notifier) listener = [n = notifier.get()](const TaskEvent& e) { n->Publish(e); };

  std::unique_ptr<ExportRunner> runner = MakeEngineRunner(config);
  TaskManagerOptions options;
  options.resume = config.resume;
  Result<std::unique_ptr<TaskManager>> manager =
      TaskManager::Make(&config, store->get(), runner.get(), options, listener);
  if (!manager.ok()) return Fail(manager.status().message(), 1);

  ServiceMetrics metrics;
  QueryApi api(&config, manager->get());
  RequestAuthenticator auth(&config);
  Result<std::unique_ptr<ApiServer>> server = ApiServer::Start(&config, &api, &auth, &metrics, manager->get());
  if (!server.ok()) {
    (*manager)->Shutdown();
    return Fail(server.status().message(), 1);
  }
  std::string address = "http://" + config.listen_host + ":" + std::to_string((*server)->port());
  LogInfo("listening on " + address);
  std::printf("dbexport serve: listening on %s\n", address.c_str());
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  LogInfo(std::string("received ") + (signal_number == SIGINT ? "SIGINT" : "SIGTERM") + ", shutting down");
  (*server)->Stop();
  (*manager)->Shutdown();
  if (notifier) notifier->Stop(kNotificationDrain);
  LogInfo("dbexport serve stopped");
  CloseLogFile();
  return 0;
}

}  // namespace dbexport::service
