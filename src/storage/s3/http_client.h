#pragma once
// HttpClient: one HTTP(S) exchange at a time per call, over libcurl, with
// connections kept alive in a pool of easy handles shared by all threads.
// HTTPS verifies peers against the system CA store. The client knows nothing
// about AWS; aws_call.h signs, retries and maps errors.
//
// Thread-safe: Send() may be called from any number of threads.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace dbexport::s3 {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // GET, PUT, POST, DELETE, HEAD
  std::string url;     // complete, already percent-encoded
  HttpHeaders headers;
  // Request body, not owned: must stay valid during Send(). Methods other
  // than GET/HEAD/DELETE always send a Content-Length (0 when empty).
  std::string_view body;
  // The whole exchange (connect, send, receive) ends after this long with
  // a transport error (curl error 28); 0: no limit beyond the low-speed
  // limit of HttpClientOptions.
  std::chrono::milliseconds timeout{0};
  // Open a new connection for this request rather than reuse a kept-alive
  // one. libcurl resends a request by itself when a reused connection dies
  // before any answer (it takes the connection for one the server closed
  // while idle), but the request may have reached the server and taken
  // effect: a request that must not be applied twice is sent this way, and
  // its caller decides about any retry.
  bool fresh_connection = false;
};

struct HttpResponse {
  // 0 when no response arrived (then transport_error says why).
  int status = 0;
  HttpHeaders headers;  // names lowercased
  std::string body;
  // libcurl's CURLcode; 0 when the exchange completed (any HTTP status).
  int curl_code = 0;
  std::string transport_error;

  // First value of header `name` (lowercase), or "".
  std::string Header(std::string_view name) const;
};

struct HttpClientOptions {
  // Seconds to establish a connection (TCP + TLS).
  long connect_timeout_s = 10;
  // A transfer slower than low_speed_bytes_per_s for low_speed_time_s is
  // abandoned (a stalled connection), reported as a transport error. A
  // request's own timeout (HttpRequest::timeout) bounds it further.
  long low_speed_bytes_per_s = 1024;
  long low_speed_time_s = 30;
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options = {});
  virtual ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Performs the exchange. Never fails as a call: transport failures come
  // back in response.curl_code / transport_error. Virtual so that tests can
  // put a scripted transport under the AWS callers.
  virtual HttpResponse Send(const HttpRequest& request);

 private:
  void* AcquireHandle();
  void ReleaseHandle(void* handle);

  HttpClientOptions options_;
  std::mutex mu_;
  std::vector<void*> idle_handles_;  // CURL*, guarded by mu_
};

}  // namespace dbexport::s3
