#pragma once
// ApiServer: the HTTP front of the service (cpp-httplib, a thread pool).
//   POST / (or GET / with a query string)  the RDS Query API, SigV4-verified
//   GET /metrics                           Prometheus text (no authentication)
//   GET /healthz                           "ok"
// Every API response carries x-amzn-RequestId.

#include <memory>
#include <string>
#include <thread>

#include "common/status.h"
#include "service/config.h"
#include "service/metrics.h"
#include "service/query_api.h"
#include "service/request_auth.h"
#include "service/task_manager.h"

namespace httplib {
class Server;
}

namespace dbexport::service {

class ApiServer {
 public:
  // Binds config.listen_host:listen_port (0: any free port) and starts
  // serving on a background thread. Everything passed must outlive the server.
  static Result<std::unique_ptr<ApiServer>> Start(const ServiceConfig* config, const QueryApi* api,
                                                  const RequestAuthenticator* auth, ServiceMetrics* metrics,
                                                  const TaskManager* manager);
  ~ApiServer();  // Stop()

  // The bound port.
  int port() const { return port_; }
  // Stops accepting connections and waits for requests in flight. Idempotent.
  void Stop();

 private:
  ApiServer() = default;

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace dbexport::service
