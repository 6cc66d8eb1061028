#include "storage/s3/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace dbexport::s3 {
namespace {

// Idle connections kept for reuse; beyond this, handles are closed on
// release. Sized for workers x parts in flight plus the control calls.
constexpr size_t kMaxIdleHandles = 64;

void GlobalInitOnce() {
  static const bool initialized = [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return true;
  }();
  (void)initialized;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<HttpHeaders*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    headers->clear();  // a new response (after 100 Continue or a redirect)
    return size * count;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string name(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  headers->emplace_back(std::move(name), std::string(value));
  return size * count;
}

}  // namespace

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return "";
}

HttpClient::HttpClient(HttpClientOptions options) : options_(options) { GlobalInitOnce(); }

HttpClient::~HttpClient() {
  for (void* handle : idle_handles_) curl_easy_cleanup(static_cast<CURL*>(handle));
}

void* HttpClient::AcquireHandle() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_handles_.empty()) {
      void* handle = idle_handles_.back();
      idle_handles_.pop_back();
      return handle;
    }
  }
  return curl_easy_init();
}

void HttpClient::ReleaseHandle(void* handle) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_handles_.size() < kMaxIdleHandles) {
      idle_handles_.push_back(handle);
      return;
    }
  }
  curl_easy_cleanup(static_cast<CURL*>(handle));
}

HttpResponse HttpClient::Send(const HttpRequest& request) {
  HttpResponse response;
  CURL* curl = static_cast<CURL*>(AcquireHandle());
  if (curl == nullptr) {
    response.curl_code = CURLE_FAILED_INIT;
    response.transport_error = "curl_easy_init failed";
    return response;
  }
  curl_easy_reset(curl);  // keeps the connection cache

  char error_buffer[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  // The path goes out exactly as it was signed: no dot-segment removal,
  // which could move a request into another bucket or prefix.
  curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, options_.connect_timeout_s);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, options_.low_speed_bytes_per_s);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, options_.low_speed_time_s);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  if (request.fresh_connection) curl_easy_setopt(curl, CURLOPT_FRESH_CONNECT, 1L);
  if (request.timeout.count() > 0) {
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);

  const std::string& m = request.method;
  bool has_body = !(m == "GET" || m == "HEAD" || m == "DELETE");
  if (m == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (has_body) {
    // POSTFIELDS does not copy: the body is the caller's buffer.
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data() ? request.body.data() : "");
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    if (m != "POST") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, m.c_str());
  } else if (m != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, m.c_str());
  }

  curl_slist* header_list = nullptr;
  bool has_content_type = false;
  for (const auto& [k, v] : request.headers) {
    std::string line = k + ": " + v;
    if (v.empty()) line = k + ";";  // curl's syntax for a header with an empty value
    header_list = curl_slist_append(header_list, line.c_str());
    if (strcasecmp(k.c_str(), "content-type") == 0) has_content_type = true;
  }
  // No "Expect: 100-continue" round trip; no form content type on bodies.
  header_list = curl_slist_append(header_list, "Expect:");
  if (has_body && !has_content_type) header_list = curl_slist_append(header_list, "Content-Type:");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list);

  CURLcode code = curl_easy_perform(curl);
  response.curl_code = static_cast<int>(code);
  if (code == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
  } else {
    response.status = 0;
    response.transport_error = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
  }
  curl_slist_free_all(header_list);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  ReleaseHandle(curl);
  return response;
}

}  // namespace dbexport::s3
