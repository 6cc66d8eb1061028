// Routing, refusal answers and the refusal log of the HTTP front
// (http_internal.h). Nothing here reads or writes a socket.

#include <set>

#include "common/ascii.h"
#include "common/uuid.h"
#include "service/console_assets.h"
#include "service/http_internal.h"
#include "service/log.h"
#include "storage/s3/sigv4.h"

namespace dbexport::service {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kXml = "text/xml";
constexpr std::string_view kFormType = "application/x-www-form-urlencoded";

// Splits the raw query of a request target and decodes names and values
// (SigV4 canonicalises the decoded values). Query strings use %20 for spaces;
// '+' stays '+' as SigV4 expects.
Result<Params> RawQuery(std::string_view target) {
  size_t q = target.find('?');
  if (q == std::string_view::npos) return Params{};
  return SplitParams(target.substr(q + 1), s3::UriDecode);
}

std::string MetricsAction(const FormParams& params) {
  static const std::set<std::string> kKnown = {"StartExportTask", "DescribeExportTasks", "CancelExportTask",
                                               "DescribeDBClusters", "DescribeExportTaskTables"};
  auto it = params.find("Action");
  if (it == params.end()) return "none";
  return kKnown.count(it->second) ? it->second : "other";
}

HttpResponse XmlResponse(const ApiResponse& response, const std::string& request_id) {
  HttpResponse out;
  out.status = response.http_status;
  out.content_type = std::string(kXml);
  out.body = response.body;
  out.headers.emplace_back("x-amzn-RequestId", request_id);
  return out;
}

HttpResponse TextResponse(int status, std::string body) {
  HttpResponse out;
  out.status = status;
  out.content_type = "text/plain";
  out.body = std::move(body);
  return out;
}

struct RefusalInfo {
  std::string_view reason;
  ApiErrorCode code;
  std::string_view message;
};

RefusalInfo Info(Refusal refusal) {
  switch (refusal) {
    case Refusal::kBodyTooLarge:
      return {"body_too_large", {"RequestEntityTooLarge", 413}, ""};  // message built with the limit
    case Refusal::kContentEncoding:
      return {"content_encoding",
              {"UnsupportedContentEncoding", 415},
              "Request bodies must not be compressed: send them without Content-Encoding."};
    case Refusal::kTransferEncoding:
      return {"transfer_encoding",
              {"NotImplemented", 501},
              "The only transfer coding accepted is chunked; send the body with a Content-Length."};
    case Refusal::kHeaderSize:
      return {"header_size", {"RequestHeaderFieldsTooLarge", 431}, ""};
    case Refusal::kHeaderCount:
      return {"header_count", {"RequestHeaderFieldsTooLarge", 431}, ""};
    case Refusal::kTimeout:
      return {"timeout", {"RequestTimeout", 408}, ""};
    case Refusal::kIdle:
      return {"idle", {"RequestTimeout", 408}, ""};
    case Refusal::kConnections:
      return {"connections", {"ServiceUnavailable", 503}, "The service has too many open connections; retry later."};
    case Refusal::kAddressConnections:
      return {"address_connections",
              {"ServiceUnavailable", 503},
              "This client has too many open connections to the service; close some or retry later."};
    case Refusal::kBadRequest:
      return {"bad_request", {"BadRequest", 400}, "The request is not valid HTTP/1.1."};
  }
  return {"unknown", api_error::kInternalFailure, "Internal failure."};
}

}  // namespace

std::string RefusalMessage(Refusal refusal) {
  switch (refusal) {
    case Refusal::kBodyTooLarge:
      return "The request body is larger than the limit of " + std::to_string(kMaxBodyBytes) + " bytes.";
    case Refusal::kHeaderSize:
      return "The request line and header fields are larger than the limit of " + std::to_string(kMaxHeaderBytes) +
             " bytes.";
    case Refusal::kHeaderCount:
      return "The request has more than " + std::to_string(kMaxHeaderFields) + " header fields.";
    case Refusal::kTimeout:
    case Refusal::kIdle:
      return "The request was not received completely within " + std::to_string(kRequestTimeout.count()) + " seconds.";
    default:
      return std::string(Info(refusal).message);
  }
}

namespace {

// The path of a request target, decoded; nullopt when it does not decode.
std::optional<std::string> TargetPath(std::string_view target) {
  Result<std::string> path = s3::UriDecode(target.substr(0, target.find('?')));
  if (!path.ok()) return std::nullopt;
  return *path;
}

constexpr std::string_view kConsolePath = "/console/";

// Sent with every /console/ answer: scripts, styles and requests from the
// service's own origin only (no inline code, no CDN), no framing, no MIME
// sniffing, no referrer.
constexpr std::string_view kConsoleCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

void AddConsoleHeaders(HttpResponse* out, std::string_view cache_control) {
  out->headers.emplace_back("Content-Security-Policy", std::string(kConsoleCsp));
  out->headers.emplace_back("X-Content-Type-Options", "nosniff");
  out->headers.emplace_back("X-Frame-Options", "DENY");
  out->headers.emplace_back("Referrer-Policy", "no-referrer");
  out->headers.emplace_back("Cache-Control", std::string(cache_control));
}

// `name` is what follows /console/: "" (the page), "config.json" (the region
// to sign for; no secret, so unauthenticated), or an embedded file.
HttpResponse ConsoleResponse(std::string_view name, const std::string& region) {
  HttpResponse out;
  if (name == "config.json") {
    out.content_type = "application/json";
    out.body = "{\"region\":\"" + region + "\"}\n";
    AddConsoleHeaders(&out, "no-store");
    return out;
  }
  const ConsoleAsset* asset = FindConsoleAsset(name.empty() ? "index.html" : name);
  if (asset == nullptr) {
    out = TextResponse(404, "not found\n");
    AddConsoleHeaders(&out, "no-store");
    return out;
  }
  out.content_type = std::string(asset->content_type);
  out.body = std::string(asset->body);
  // Revalidated on each load: a new binary serves a new console at once.
  AddConsoleHeaders(&out, "no-cache");
  return out;
}

}  // namespace

const std::string* FindHeader(const std::vector<std::pair<std::string, std::string>>& headers, std::string_view name) {
  for (const auto& [n, value] : headers) {
    if (EqualsIgnoreAsciiCase(n, name)) return &value;
  }
  return nullptr;
}

std::string_view RefusalReason(Refusal refusal) { return Info(refusal).reason; }

HttpResponse XmlErrorResponse(const ApiErrorCode& code, const std::string& message, const std::string& request_id) {
  return XmlResponse(ErrorResponse(code, message, request_id), request_id);
}

HttpResponse RefusalResponse(Refusal refusal, const std::string& request_id) {
  HttpResponse out = XmlErrorResponse(Info(refusal).code, RefusalMessage(refusal), request_id);
  out.headers.emplace_back("Connection", "close");
  return out;
}

std::optional<std::string> RefusalLog::Line(const std::string& key, const std::string& what,
                                            std::chrono::steady_clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = entries_.try_emplace(key);
  Entry& entry = it->second;
  if (!inserted && now - entry.last_logged < kRefusalLogPeriod) {
    ++entry.left_out;
    return std::nullopt;
  }
  std::string line = what;
  if (entry.left_out > 0) {
    line += " (" + std::to_string(entry.left_out) + " more " + key + " since the last such line, not logged)";
  }
  entry.last_logged = now;
  entry.left_out = 0;
  return line;
}

bool HttpRoutes::IsCheap(const HttpRequest& request) {
  return (request.method == "GET" || request.method == "HEAD") && TargetPath(request.target) == "/healthz";
}

HttpResponse HttpRoutes::Handle(const HttpRequest& request) const {
  std::optional<std::string> path = TargetPath(request.target);
  const std::string& method = request.method;
  bool get = method == "GET" || method == "HEAD";
  if (path == "/") {
    if (get || method == "POST") return HandleApi(request);
  } else if (path == "/healthz") {
    if (get) return TextResponse(200, "ok\n");
  } else if (path == "/console") {
    if (get) {
      HttpResponse out = TextResponse(301, "moved to /console/\n");
      out.headers.emplace_back("Location", std::string(kConsolePath));
      return out;
    }
  } else if (path && path->starts_with(kConsolePath)) {
    if (get) return ConsoleResponse(std::string_view(*path).substr(kConsolePath.size()), auth_->region());
  } else if (path == "/metrics") {
    if (get) {
      HttpResponse out = TextResponse(200, metrics_->Render(manager_->List()));
      out.content_type = "text/plain; version=0.0.4";
      return out;
    }
  } else {
    return TextResponse(404, "not found\n");
  }
  HttpResponse out = TextResponse(405, "method not allowed\n");
  out.headers.emplace_back("Allow", path == "/" ? "GET, HEAD, POST" : "GET, HEAD");
  return out;
}

HttpResponse HttpRoutes::HandleApi(const HttpRequest& req) const {
  std::string request_id = NewUuid();
  ApiResponse response;
  FormParams params;
  Result<Params> query = RawQuery(req.target);
  const std::string* content_type = FindHeader(req.headers, "Content-Type");
  bool form = req.body.empty() || (content_type != nullptr && content_type->rfind(kFormType, 0) == 0);
  Result<FormParams> body = form ? ParseFormBody(req.body) : Result<FormParams>(FormParams{});
  if (!query.ok() || !body.ok()) {
    response = ErrorResponse(
        api_error::kMalformedQueryString,
        "The request could not be parsed: " + (query.ok() ? body.status().message() : query.status().message()),
        request_id);
  } else if (!form) {
    response =
        ErrorResponse(api_error::kInvalidParameterValue,
                      "The request body must be application/x-www-form-urlencoded (AWS Query protocol).", request_id);
  } else {
    IncomingRequest incoming;
    incoming.method = req.method;
    incoming.path = TargetPath(req.target).value_or("/");
    incoming.query = *query;
    incoming.headers = req.headers;
    incoming.body = req.body;
    for (const auto& [name, value] : *query) params[name] = value;
    for (const auto& [name, value] : *body) params[name] = value;
    Result<std::string> caller = auth_->Verify(incoming, NowMs());
    if (!caller.ok()) {
      ApiErrorCode code = AuthErrorCode(caller.status());
      response = ErrorResponse(code, caller.status().message(), request_id);
      // A client without valid keys may send as many requests as it likes:
      // at most one line per code and period.
      std::optional<std::string> line =
          auth_log_.Line(std::string(code.code),
                         "request " + request_id + " from " + req.remote_address +
                             " refused: " + std::string(code.code) + ": " + caller.status().message(),
                         std::chrono::steady_clock::now());
      if (line) LogWarning(*line);
    } else {
      response = api_->Handle(params, request_id);
    }
  }
  metrics_->CountRequest(MetricsAction(params), response.error_code.empty() ? "OK" : response.error_code);
  return XmlResponse(response, request_id);
}

}  // namespace dbexport::service
