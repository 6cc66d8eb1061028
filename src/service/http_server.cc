#include "service/http_server.h"

#include <httplib.h>

#include <set>

#include "common/uuid.h"
#include "service/log.h"
#include "storage/s3/sigv4.h"

namespace dbexport::service {
namespace {

// Largest request body: ExportOnly may be 200 KB, and form encoding can
// triple it.
constexpr size_t kMaxBodyBytes = 1 << 20;

// Splits the raw query of a request target and decodes names and values
// (SigV4 canonicalises the decoded values). Query strings use %20 for spaces;
// '+' stays '+' as SigV4 expects.
Result<std::vector<std::pair<std::string, std::string>>> RawQuery(const std::string& target) {
  size_t q = target.find('?');
  if (q == std::string::npos) return std::vector<std::pair<std::string, std::string>>{};
  return SplitParams(std::string_view(target).substr(q + 1), s3::UriDecode);
}

std::string MetricsAction(const FormParams& params) {
  static const std::set<std::string> kKnown = {"StartExportTask", "DescribeExportTasks", "CancelExportTask",
                                               "DescribeDBClusters"};
  auto it = params.find("Action");
  if (it == params.end()) return "none";
  return kKnown.count(it->second) ? it->second : "other";
}

void HandleApi(const httplib::Request& req, httplib::Response& res, const QueryApi* api,
               const RequestAuthenticator* auth, ServiceMetrics* metrics) {
  std::string request_id = NewUuid();
  res.set_header("x-amzn-RequestId", request_id);
  ApiResponse response;
  FormParams params;
  IncomingRequest incoming;
  incoming.method = req.method;
  incoming.path = req.path;
  incoming.body = req.body;
  incoming.headers.assign(req.headers.begin(), req.headers.end());
  Result<std::vector<std::pair<std::string, std::string>>> query = RawQuery(req.target);
  bool form = req.body.empty() || req.get_header_value("Content-Type").rfind("application/x-www-form-urlencoded", 0) == 0;
  Result<FormParams> body = form ? ParseFormBody(req.body) : Result<FormParams>(FormParams{});
  if (!query.ok() || !body.ok()) {
    response = ErrorResponse(api_error::kMalformedQueryString,
                             "The request could not be parsed: " +
                                 (query.ok() ? body.status().message() : query.status().message()),
                             request_id);
  } else if (!form) {
    response = ErrorResponse(api_error::kInvalidParameterValue,
                             "The request body must be application/x-www-form-urlencoded (AWS Query protocol).",
                             request_id);
  } else {
    incoming.query = *query;
    for (const auto& [name, value] : *query) params[name] = value;
    for (const auto& [name, value] : *body) params[name] = value;
    Result<std::string> caller = auth->Verify(incoming, NowMs());
    if (!caller.ok()) {
      response = ErrorResponse(AuthErrorCode(caller.status()), caller.status().message(), request_id);
      LogWarning("request " + request_id + " from " + req.remote_addr + " refused: " +
                 std::string(AuthErrorCode(caller.status()).code) + ": " + caller.status().message());
    } else {
      response = api->Handle(params, request_id);
    }
  }
  metrics->CountRequest(MetricsAction(params), response.error_code.empty() ? "OK" : response.error_code);
  res.status = response.http_status;
  res.set_content(response.body, "text/xml");
}

}  // namespace

Result<std::unique_ptr<ApiServer>> ApiServer::Start(const ServiceConfig* config, const QueryApi* api,
                                                    const RequestAuthenticator* auth, ServiceMetrics* metrics,
                                                    const TaskManager* manager) {
  std::unique_ptr<ApiServer> server(new ApiServer());
  server->server_ = std::make_unique<httplib::Server>();
  httplib::Server& http = *server->server_;
  http.set_payload_max_length(kMaxBodyBytes);
  auto api_handler = [api, auth, metrics](const httplib::Request& req, httplib::Response& res) {
    HandleApi(req, res, api, auth, metrics);
  };
  http.Post("/", api_handler);
  http.Get("/", api_handler);
  http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
  http.Get("/metrics", [metrics, manager](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics->Render(manager->List()), "text/plain; version=0.0.4");
  });

  const std::string& host = config->listen_host;
  if (config->listen_port == 0) {
    server->port_ = http.bind_to_any_port(host);
    if (server->port_ <= 0) return IoError("listening on " + host + ":0: cannot bind a port");
  } else {
    if (!http.bind_to_port(host, config->listen_port)) {
      return IoError("listening on " + host + ":" + std::to_string(config->listen_port) +
                     ": cannot bind (address in use, or not an address of this machine)");
    }
    server->port_ = config->listen_port;
  }
  server->thread_ = std::thread([s = server.get()] { s->server_->listen_after_bind(); });
  return server;
}

ApiServer::~ApiServer() { Stop(); }

void ApiServer::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace dbexport::service
