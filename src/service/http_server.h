#pragma once
// ApiServer: the HTTP/1.1 front of the service.
//   POST / (or GET / with a query string)  the RDS Query API, SigV4-verified
//   GET /metrics                           Prometheus text (no authentication)
//   GET /healthz                           "ok"
// Every API response carries x-amzn-RequestId.
//
// It is built to hold under hostile clients (limits in http_internal.h and
// docs/service.md, "Limits"):
// - one I/O thread runs every connection as asynchronous reads and writes,
//   so slow or idle clients cost a socket and a few KB each, never a thread;
//   /healthz is answered on that thread;
// - API and /metrics handlers run on a small pool of handler threads, so a
//   slow handler never stops the I/O loop;
// - each request must arrive whole within a deadline (not a per-read
//   timeout); header size and field count, body size and open connections
//   (in all, and per client address) are bounded; bodies are never decompressed (a Content-Encoding other
//   than identity is refused before the body is read) and chunked bodies are
//   cut at the body limit as they arrive;
// - refusals are answered with an RDS-style <ErrorResponse> (boto3 and the
//   AWS CLI show its code), counted in dbexport_http_refusals_total and
//   logged at a bounded rate.
//
// Library: Boost.Beast on Boost.Asio (Debian's libboost1.74-dev, header
// only; included by http_server.cc alone). cpp-httplib, used before, gives
// each connection a thread from a fixed pool (eight slow clients starve
// everyone), applies its read timeout per read, and inflates gzip bodies
// before its size limit applies. libmicrohttpd was the other candidate: it
// has an event loop and connection limits, but its connection timeout is
// idle-based (a byte every few seconds keeps a request alive forever) and it
// offers no limit on header count. Beast's parser exposes header and body
// limits, leaves the body as received, and lets the server own the
// connection's deadline and its thread model.

#include <memory>
#include <thread>

#include "common/status.h"
#include "service/config.h"
#include "service/metrics.h"
#include "service/query_api.h"
#include "service/request_auth.h"
#include "service/task_manager.h"

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
  // Stops accepting connections, closes idle ones, and waits for requests in
  // flight to be answered (a few seconds at most for clients slow to read
  // their answer). Idempotent.
  void Stop();

  class Impl;  // http_server.cc

 private:
  ApiServer() = default;

  std::unique_ptr<Impl> impl_;
  std::thread thread_;  // the I/O thread
  int port_ = 0;
};

}  // namespace dbexport::service
