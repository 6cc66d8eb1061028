#pragma once
// The parts of the HTTP front that do not touch the network: its limits, the
// request as handlers see it, routing (Query API, /metrics, /healthz), the
// error answers of refused requests, and the rate-limited refusal log.
// http_server.cc moves bytes; everything here is plain values, so the unit
// tests reach it without sockets.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "service/metrics.h"
#include "service/query_api.h"
#include "service/request_auth.h"
#include "service/task_manager.h"

namespace dbexport::service {

// ---- Limits (docs/service.md, "Limits") ----

// Largest request body. ExportOnly may hold 200 KB of names
// (exporter::kMaxExportOnlyBytes), and form encoding ("ExportOnly.member.N="
// before each, %-escapes) can triple that.
inline constexpr size_t kMaxBodyBytes = 1 << 20;
// Largest request line plus header fields. A SigV4-signed request from the
// AWS CLI or boto3 carries under 1 KB of headers; 16 KB leaves room for
// proxies' additions (nginx's large_client_header_buffers is 4 x 8 KB).
inline constexpr uint32_t kMaxHeaderBytes = 16 << 10;
// Most header fields in one request (Apache's LimitRequestFields default).
inline constexpr size_t kMaxHeaderFields = 100;
// Time a connection has to deliver one whole request, counted from when it
// may start sending it (accepted, or the previous response written): slow
// clients cannot hold a connection by trickling bytes, and idle keep-alive
// connections are closed after it.
inline constexpr std::chrono::seconds kRequestTimeout{20};
// Time to write a response to a client that is slow to read it.
inline constexpr std::chrono::seconds kWriteTimeout{20};
// After a refusal: time to write the error answer, then time to read and
// discard what the client still sends (so it sees the answer rather than a
// reset) before the connection is closed.
inline constexpr std::chrono::seconds kLingerTimeout{2};
// Open connections; more are answered 503 and closed. Lowered at start when
// the process's file descriptor limit (RLIMIT_NOFILE) is too small for it.
inline constexpr int kMaxConnections = 1024;
// Open connections from one client address: one client cannot take every
// connection (a proxy in front of the service counts as one client).
inline constexpr int kMaxConnectionsPerAddress = kMaxConnections / 2;
// File descriptors kept for everything but client connections (task store,
// log, S3 and database connections of running exports).
inline constexpr int kReservedFileDescriptors = 128;
// After Stop(): time left to answers in flight and lingering connections
// before the I/O loop ends anyway.
inline constexpr std::chrono::seconds kShutdownGrace{5};
// Threads that run API and /metrics handlers, off the I/O thread: a slow
// handler (StartExportTask checks S3) never stops other connections.
inline constexpr int kHandlerThreads = 8;
// A refusal reason is logged at most once per this period.
inline constexpr std::chrono::seconds kRefusalLogPeriod{10};

// ---- Requests and responses ----

struct HttpRequest {
  std::string method;                                        // as received: "GET", "POST", ...
  std::string target;                                        // origin form: path and query, still encoded
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  std::string body;
  std::string remote_address;  // for logs
};

struct HttpResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type/Length
};

// The first value of header `name` (ASCII case-insensitive), or nullptr.
const std::string* FindHeader(const std::vector<std::pair<std::string, std::string>>& headers, std::string_view name);

// ---- Refusals ----

// Why the front refused a request or connection; each has a metric label
// (dbexport_http_refusals_total{reason}) and an RDS-style error answer.
enum class Refusal {
  kBodyTooLarge,        // 413 RequestEntityTooLarge: body over kMaxBodyBytes
  kContentEncoding,     // 415 UnsupportedContentEncoding: Content-Encoding other than identity
  kTransferEncoding,    // 501 NotImplemented: a transfer coding other than chunked
  kHeaderSize,          // 431 RequestHeaderFieldsTooLarge: header over kMaxHeaderBytes
  kHeaderCount,         // 431 RequestHeaderFieldsTooLarge: more than kMaxHeaderFields fields
  kTimeout,             // 408 RequestTimeout: request not complete within kRequestTimeout
  kIdle,                // no answer: a new connection sent nothing within kRequestTimeout
  kConnections,         // 503 ServiceUnavailable: kMaxConnections open already
  kAddressConnections,  // 503 ServiceUnavailable: kMaxConnectionsPerAddress open from the client's address
  kBadRequest,          // 400 BadRequest: not HTTP/1.x
};

// The metric label: "body_too_large", "content_encoding", ...
std::string_view RefusalReason(Refusal refusal);
// What the error answer says, e.g. "The request has more than 100 header fields."
std::string RefusalMessage(Refusal refusal);

// The error answer to a refused request: an <ErrorResponse> like the API's,
// with x-amzn-RequestId and "Connection: close". It never quotes the request.
HttpResponse RefusalResponse(Refusal refusal, const std::string& request_id);

// An <ErrorResponse> answer with x-amzn-RequestId.
HttpResponse XmlErrorResponse(const ApiErrorCode& code, const std::string& message, const std::string& request_id);

// Decides which refusals are logged: the first of each key in a period of
// kRefusalLogPeriod, with the number of those left out since the last one
// logged. Thread-safe.
class RefusalLog {
 public:
  // The line to log for this event, or nullopt when it is left out.
  // `key` groups events ("header_size"); `what` describes this one and must
  // not contain request bytes.
  std::optional<std::string> Line(const std::string& key, const std::string& what,
                                  std::chrono::steady_clock::time_point now);

 private:
  struct Entry {
    std::chrono::steady_clock::time_point last_logged;
    int64_t left_out = 0;
  };
  std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

// ---- Routing ----

// Answers requests:
//   POST / and GET / (HEAD too)  the Query API, SigV4-verified; x-amzn-RequestId on every answer
//   GET /metrics                 Prometheus text
//   GET /healthz                 "ok"
//   GET /console/...             the web console (embedded files; config.json: the region to sign for);
//                                /console redirects to /console/
//   anything else                404, or 405 for another method on a known path
// HEAD is answered as GET; the server drops the body. Thread-safe.
class HttpRoutes {
 public:
  // Everything passed must outlive the routes.
  HttpRoutes(const QueryApi* api, const RequestAuthenticator* auth, ServiceMetrics* metrics, const TaskManager* manager)
      : api_(api), auth_(auth), metrics_(metrics), manager_(manager) {}

  // True when Handle(request) is cheap and never blocks (the health check):
  // the I/O thread answers it itself, so it answers even when every handler
  // thread is busy.
  static bool IsCheap(const HttpRequest& request);

  HttpResponse Handle(const HttpRequest& request) const;

 private:
  HttpResponse HandleApi(const HttpRequest& request) const;

  const QueryApi* api_;
  const RequestAuthenticator* auth_;
  ServiceMetrics* metrics_;
  const TaskManager* manager_;
  mutable RefusalLog auth_log_;
};

}  // namespace dbexport::service
