// The HTTP front's routing, refusal answers and refusal log, without sockets
// (the server itself is tested end to end in
// tests/integration/service/test_http_hostile.py).

#include <gtest/gtest.h>

#include "service/http_internal.h"

namespace dbexport::service {
namespace {

using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

const std::string* Header(const HttpResponse& response, const std::string& name) {
  return FindHeader(response.headers, name);
}

TEST(ServiceHttpRefusal, AnswersEachRefusalWithItsStatusAndCode) {
  struct Case {
    Refusal refusal;
    std::string reason;
    int status;
    std::string code;
    std::string type;
    std::string message;
  };
  const Case cases[] = {
      {Refusal::kBodyTooLarge, "body_too_large", 413, "RequestEntityTooLarge", "Sender",
       "The request body is larger than the limit of 1048576 bytes."},
      {Refusal::kContentEncoding, "content_encoding", 415, "UnsupportedContentEncoding", "Sender",
       "Request bodies must not be compressed: send them without Content-Encoding."},
      {Refusal::kTransferEncoding, "transfer_encoding", 501, "NotImplemented", "Receiver",
       "The only transfer coding accepted is chunked; send the body with a Content-Length."},
      {Refusal::kHeaderSize, "header_size", 431, "RequestHeaderFieldsTooLarge", "Sender",
       "The request line and header fields are larger than the limit of 16384 bytes."},
      {Refusal::kHeaderCount, "header_count", 431, "RequestHeaderFieldsTooLarge", "Sender",
       "The request has more than 100 header fields."},
      {Refusal::kTimeout, "timeout", 408, "RequestTimeout", "Sender",
       "The request was not received completely within 20 seconds."},
      {Refusal::kConnections, "connections", 503, "ServiceUnavailable", "Receiver",
       "The service has too many open connections; retry later."},
      {Refusal::kAddressConnections, "address_connections", 503, "ServiceUnavailable", "Receiver",
       "This client has too many open connections to the service; close some or retry later."},
      {Refusal::kBadRequest, "bad_request", 400, "BadRequest", "Sender", "The request is not valid HTTP/1.1."},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.reason);
    EXPECT_EQ(RefusalReason(c.refusal), c.reason);
    HttpResponse response = RefusalResponse(c.refusal, "req-1");
    EXPECT_EQ(response.status, c.status);
    EXPECT_EQ(response.content_type, "text/xml");
    ASSERT_NE(Header(response, "x-amzn-RequestId"), nullptr);
    EXPECT_EQ(*Header(response, "x-amzn-RequestId"), "req-1");
    ASSERT_NE(Header(response, "connection"), nullptr);
    EXPECT_EQ(*Header(response, "connection"), "close");
    EXPECT_EQ(response.body, "<ErrorResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\"><Error><Type>" +
                                 c.type + "</Type><Code>" + c.code + "</Code><Message>" + c.message +
                                 "</Message></Error><RequestId>req-1</RequestId></ErrorResponse>");
  }
  EXPECT_EQ(RefusalReason(Refusal::kIdle), "idle");
}

TEST(ServiceHttpRefusalLog, LogsOneLinePerKeyAndPeriodAndCountsTheRest) {
  RefusalLog log;
  Clock::time_point t0{};
  EXPECT_EQ(log.Line("timeout", "first", t0), "first");
  EXPECT_EQ(log.Line("timeout", "second", t0 + seconds(1)), std::nullopt);
  EXPECT_EQ(log.Line("timeout", "third", t0 + seconds(9)), std::nullopt);
  // Another key has its own period.
  EXPECT_EQ(log.Line("header_size", "other", t0 + seconds(9)), "other");
  EXPECT_EQ(log.Line("timeout", "fourth", t0 + seconds(10)),
            "fourth (2 more timeout since the last such line, not logged)");
  EXPECT_EQ(log.Line("timeout", "fifth", t0 + seconds(25)), "fifth");
}

TEST(ServiceHttpHeaders, FindsTheFirstValueIgnoringCase) {
  std::vector<std::pair<std::string, std::string>> headers = {{"Host", "a"}, {"X-Amz-Date", "1"}, {"x-amz-date", "2"}};
  ASSERT_NE(FindHeader(headers, "x-AMZ-date"), nullptr);
  EXPECT_EQ(*FindHeader(headers, "x-AMZ-date"), "1");
  EXPECT_EQ(FindHeader(headers, "Authorization"), nullptr);
  // Bytes above 127 are compared as they are, never through <cctype>.
  headers.emplace_back("X-\xc3\xa9", "3");
  EXPECT_EQ(*FindHeader(headers, "x-\xc3\xa9"), "3");
  EXPECT_EQ(FindHeader(headers, "X-\xc3\x89"), nullptr);
}

class ServiceHttpRoutes : public ::testing::Test {
 protected:
  ServiceHttpRoutes() : auth_(&config_), routes_(nullptr, &auth_, &metrics_, nullptr) {
    config_.region = "us-east-1";
    config_.access_keys.push_back({"AKIAEXPORTADMIN", "admin-secret"});
  }

  HttpResponse Handle(const std::string& method, const std::string& target, std::string body = "") {
    HttpRequest request;
    request.method = method;
    request.target = target;
    if (method == "POST") request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    request.body = std::move(body);
    request.remote_address = "127.0.0.1";
    return routes_.Handle(request);
  }

  ServiceConfig config_;
  RequestAuthenticator auth_;
  ServiceMetrics metrics_;
  HttpRoutes routes_;  // no API or task manager: these tests never reach them
};

TEST_F(ServiceHttpRoutes, AnswersHealthOnTheIoThread) {
  HttpRequest health{"GET", "/healthz", {}, "", ""};
  EXPECT_TRUE(HttpRoutes::IsCheap(health));
  health.method = "HEAD";
  EXPECT_TRUE(HttpRoutes::IsCheap(health));
  EXPECT_FALSE(HttpRoutes::IsCheap(HttpRequest{"POST", "/healthz", {}, "", ""}));
  EXPECT_FALSE(HttpRoutes::IsCheap(HttpRequest{"GET", "/metrics", {}, "", ""}));
  EXPECT_FALSE(HttpRoutes::IsCheap(HttpRequest{"GET", "/", {}, "", ""}));

  HttpResponse response = Handle("GET", "/healthz?probe=1");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "text/plain");
  EXPECT_EQ(response.body, "ok\n");
}

TEST_F(ServiceHttpRoutes, AnswersUnknownPathsAndMethods) {
  EXPECT_EQ(Handle("GET", "/nowhere").status, 404);
  EXPECT_EQ(Handle("GET", "/%zz").status, 404);
  HttpResponse response = Handle("DELETE", "/");
  EXPECT_EQ(response.status, 405);
  ASSERT_NE(Header(response, "Allow"), nullptr);
  EXPECT_EQ(*Header(response, "Allow"), "GET, HEAD, POST");
  response = Handle("POST", "/metrics");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(*Header(response, "Allow"), "GET, HEAD");
}

TEST_F(ServiceHttpRoutes, VerifiesApiRequestsAndTagsThemWithARequestId) {
  HttpResponse response = Handle("POST", "/", "Action=DescribeExportTasks&Version=2014-10-31");
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(response.content_type, "text/xml");
  const std::string* request_id = Header(response, "x-amzn-RequestId");
  ASSERT_NE(request_id, nullptr);
  EXPECT_EQ(request_id->size(), 36u);
  EXPECT_NE(response.body.find("<Code>MissingAuthenticationToken</Code>"), std::string::npos);
  EXPECT_NE(response.body.find("<RequestId>" + *request_id + "</RequestId>"), std::string::npos);

  response = Handle("POST", "/", "Action=%zz");
  EXPECT_EQ(response.status, 404);
  EXPECT_NE(response.body.find("<Code>MalformedQueryString</Code>"), std::string::npos);
  EXPECT_NE(metrics_.Render({}).find(
                "dbexport_api_requests_total{action=\"DescribeExportTasks\",code=\"MissingAuthenticationToken\"} 1\n"),
            std::string::npos);
}


TEST_F(ServiceHttpRoutes, ServesTheConsoleWithStrictHeaders) {
  HttpResponse response = Handle("GET", "/console");
  EXPECT_EQ(response.status, 301);
  ASSERT_NE(Header(response, "Location"), nullptr);
  EXPECT_EQ(*Header(response, "Location"), "/console/");

  for (const auto& [target, type] : std::vector<std::pair<std::string, std::string>>{
           {"/console/", "text/html; charset=utf-8"},
           {"/console/index.html", "text/html; charset=utf-8"},
           {"/console/app.js", "text/javascript; charset=utf-8"},
           {"/console/console.css", "text/css; charset=utf-8"}}) {
    SCOPED_TRACE(target);
    response = Handle("GET", target);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.content_type, type);
    EXPECT_FALSE(response.body.empty());
    ASSERT_NE(Header(response, "Content-Security-Policy"), nullptr);
    EXPECT_EQ(Header(response, "Content-Security-Policy")->rfind("default-src 'self';", 0), 0u);
    EXPECT_EQ(*Header(response, "X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(*Header(response, "X-Frame-Options"), "DENY");
    EXPECT_EQ(*Header(response, "Cache-Control"), "no-cache");
  }
  EXPECT_EQ(Handle("GET", "/console/").body.rfind("<!doctype html>", 0), 0u);
}

TEST_F(ServiceHttpRoutes, TellsTheConsoleTheRegionWithoutAuthentication) {
  HttpResponse response = Handle("GET", "/console/config.json");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, "{\"region\":\"us-east-1\"}\n");
  EXPECT_EQ(*Header(response, "Cache-Control"), "no-store");
}

TEST_F(ServiceHttpRoutes, RefusesUnknownConsoleFilesAndMethods) {
  HttpResponse response = Handle("GET", "/console/secret.txt");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(*Header(response, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(Handle("GET", "/console/../healthz").status, 404);
  response = Handle("POST", "/console/");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(*Header(response, "Allow"), "GET, HEAD");
}

}  // namespace
}  // namespace dbexport::service
