// The HTTP/1.1 front on Boost.Beast (http_server.h says why Beast). The only
// file that includes Boost.
//
// Threads: one I/O thread runs the io_context: the acceptor and every
// connection's reads, writes and deadline. A connection's state is touched on
// that thread only, so it needs no lock. A request for the API or /metrics is
// handed to the handler pool; its answer is posted back to the I/O thread.
//
// A connection's life, one request at a time:
//   1. ReadRequest: arm the request deadline (kRequestTimeout), read the
//      header (Beast enforces kMaxHeaderBytes, and refuses a Content-Length
//      above kMaxBodyBytes), check field count and codings, answer
//      "100 Continue" if asked, read the body (Beast stops at kMaxBodyBytes,
//      chunked or not; nothing is decompressed).
//   2. Dispatch: /healthz is answered here; anything else goes to a handler
//      thread.
//   3. Respond: write the answer under kWriteTimeout; keep-alive goes back
//      to 1.
// A refusal answers the <ErrorResponse> with "Connection: close", then
// lingers: shuts down its sending side and discards input for up to
// kLingerTimeout, so a client still sending its body reads the answer
// rather than a reset.
// A connection over kMaxConnections, or over kMaxConnectionsPerAddress from
// one address, is answered 503 with one non-blocking write and closed at
// accept.
// The deadline is the connection's own timer: when it fires it cancels the
// socket's operations, and the cancelled read answers 408 (Beast's
// tcp_stream timeouts close the socket, leaving no way to answer).

#include "service/http_server.h"

#define BOOST_BEAST_USE_STD_STRING_VIEW 1

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <future>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "common/ascii.h"
#include "common/uuid.h"
#include "service/http_internal.h"
#include "service/log.h"

namespace dbexport::service {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

// The read buffer holds a header while it is parsed and, for a body, what
// one read brings in; above kMaxHeaderBytes so that Beast's header_limit is
// what stops a long header.
constexpr size_t kReadBufferBytes = kMaxHeaderBytes + 8192;
// Wait before accepting again after accept() failed (out of descriptors).
constexpr std::chrono::milliseconds kAcceptRetry{100};
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The refusal a request header earns, if any: field count, Content-Encoding
// other than identity, a transfer coding other than chunked alone.
std::optional<Refusal> CheckHeader(const http::request<http::string_body>& header) {
  size_t fields = 0;
  for (const auto& field : header) {
    if (++fields > kMaxHeaderFields) return Refusal::kHeaderCount;
    std::string_view value = TrimOws(field.value());
    if (field.name() == http::field::content_encoding) {
      if (!value.empty() && !EqualsIgnoreAsciiCase(value, "identity")) return Refusal::kContentEncoding;
    } else if (field.name() == http::field::transfer_encoding) {
      if (!EqualsIgnoreAsciiCase(value, "chunked")) return Refusal::kTransferEncoding;
    }
  }
  return std::nullopt;
}

bool ExpectsContinue(const http::request<http::string_body>& header) {
  auto it = header.find(http::field::expect);
  return it != header.end() && header.version() >= 11 && EqualsIgnoreAsciiCase(TrimOws(it->value()), "100-continue");
}

std::string RemoteAddress(const tcp::socket& socket) {
  error_code ec;
  tcp::endpoint endpoint = socket.remote_endpoint(ec);
  if (ec) return "an unknown address";
  std::string address = endpoint.address().to_string(ec);
  return ec ? "an unknown address" : address;
}

// A whole HTTP/1.1 answer as bytes (for the connection refused at accept).
std::string Serialize(const HttpResponse& response) {
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " +
                    std::string(http::obsolete_reason(static_cast<http::status>(response.status))) + "\r\n";
  out += "Content-Type: " + response.content_type + "\r\n";
  for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
  out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n\r\n" + response.body;
  return out;
}

// kMaxConnections, or fewer when the descriptor limit cannot hold them and
// kReservedFileDescriptors. Raises the soft limit towards the hard one first.
int MaxConnections() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return kMaxConnections;
  const rlim_t wanted = kMaxConnections + kReservedFileDescriptors;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= wanted) return kMaxConnections;
  int usable = static_cast<int>(limit.rlim_cur) - kReservedFileDescriptors;
  return std::max(usable, 16);
}

class Connection;

}  // namespace

// What the connections share. Members are declared in destruction order:
// the io_context goes last, after the timers, acceptor and handler pool, and
// the connection registry outlives it (connections still queued in it are
// destroyed with it and unregister themselves).
class ApiServer::Impl {
 public:
  Impl(const QueryApi* api, const RequestAuthenticator* auth, ServiceMetrics* metrics, const TaskManager* manager,
       int max_connections)
      : routes(api, auth, metrics, manager),
        metrics(metrics),
        max_connections(max_connections),
        max_connections_per_address(std::max(1, max_connections * kMaxConnectionsPerAddress / kMaxConnections)) {}
  ~Impl() { destroying = true; }

  void Accept();
  void RefuseConnection(Refusal refusal, tcp::socket socket, const std::string& remote);
  // Counts and (rate-limited) logs a refusal.
  void Refused(Refusal refusal, const std::string& remote);
  void Opened(Connection* connection, const std::string& remote);
  void Closed(Connection* connection, const std::string& remote);
  // Stops accepting and closes connections waiting for a request.
  void BeginShutdown();

  const HttpRoutes routes;
  ServiceMetrics* const metrics;
  const int max_connections;
  const int max_connections_per_address;
  RefusalLog refusal_log;
  // I/O thread only (or the destructor, once the I/O thread has ended).
  std::unordered_set<Connection*> connections;
  std::unordered_map<std::string, int> connections_per_address;
  bool stopping = false;
  bool destroying = false;
  // Lingering reads land here; their bytes are dropped, and only the I/O
  // thread reads, so every connection shares it.
  std::array<char, 16384> discard;

  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  asio::steady_timer accept_retry{ioc};
  asio::steady_timer shutdown_grace{ioc};
  asio::thread_pool handlers{kHandlerThreads};
};

namespace {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(ApiServer::Impl* server, tcp::socket socket, std::string remote)
      : server_(server), socket_(std::move(socket)), deadline_(server->ioc), remote_(std::move(remote)) {
    server_->Opened(this, remote_);
  }
  ~Connection() { server_->Closed(this, remote_); }

  void Start() { ReadRequest(); }

  // The server is stopping: a connection waiting for (or reading) a request
  // is closed; one whose request is being handled or answered finishes that.
  void OnServerStopping() {
    if (phase_ == Phase::kReading) Close();
  }

 private:
  enum class Phase { kReading, kHandling, kWriting, kLingering, kClosed };

  // Cancels the socket's operations after `timeout` (the completion handlers
  // see timed_out_). Re-arming replaces the previous deadline.
  void Arm(std::chrono::steady_clock::duration timeout) {
    timed_out_ = false;
    deadline_.expires_after(timeout);
    deadline_.async_wait([self = shared_from_this(), generation = ++generation_](error_code ec) {
      if (ec || generation != self->generation_) return;
      self->timed_out_ = true;
      error_code ignored;
      self->socket_.cancel(ignored);
    });
  }

  void Disarm() {
    ++generation_;
    deadline_.cancel();
  }

  void ReadRequest() {
    phase_ = Phase::kReading;
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(kMaxBodyBytes);
    Arm(kRequestTimeout);
    http::async_read_header(socket_, buffer_, *parser_,
                            [self = shared_from_this()](error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(error_code ec) {
    if (timed_out_) return OnReadTimeout();
    if (ec) return OnReadError(ec);
    if (std::optional<Refusal> refusal = CheckHeader(parser_->get())) return Refuse(*refusal);
    if (parser_->is_done()) return Dispatch();
    if (ExpectsContinue(parser_->get())) {
      asio::async_write(socket_, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = shared_from_this()](error_code ec, size_t) {
                          if (self->timed_out_) return self->OnReadTimeout();
                          if (ec) return self->Close();
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(socket_, buffer_, *parser_, [self = shared_from_this()](error_code ec, size_t) {
      if (self->timed_out_) return self->OnReadTimeout();
      if (ec) return self->OnReadError(ec);
      self->Dispatch();
    });
  }

  void OnReadTimeout() {
    if (parser_->got_some() || buffer_.size() > 0) return Refuse(Refusal::kTimeout);
    // Nothing of a request arrived: an idle keep-alive connection ends
    // quietly; a new connection that never sent a byte is counted.
    if (requests_ == 0) server_->Refused(Refusal::kIdle, remote_);
    Close();
  }

  void OnReadError(error_code ec) {
    if (ec == http::error::header_limit) return Refuse(Refusal::kHeaderSize);
    if (ec == http::error::body_limit) return Refuse(Refusal::kBodyTooLarge);
    if (ec == http::error::buffer_overflow) {
      return Refuse(parser_->is_header_done() ? Refusal::kBadRequest : Refusal::kHeaderSize);
    }
    bool parse_error = &ec.category() == &http::make_error_code(http::error::bad_method).category() &&
                       ec != http::error::end_of_stream && ec != http::error::partial_message;
    if (parse_error) return Refuse(Refusal::kBadRequest);
    Close();  // the client closed or reset the connection
  }

  void Dispatch() {
    Disarm();
    if (server_->stopping) return Close();
    phase_ = Phase::kHandling;
    ++requests_;
    http::request<http::string_body> message = parser_->release();
    parser_.reset();
    version_ = message.version();
    head_ = message.method() == http::verb::head;
    keep_alive_ = message.keep_alive();
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message) {
      request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(message.body());
    request.remote_address = remote_;
    if (HttpRoutes::IsCheap(request)) return Respond(server_->routes.Handle(request));
    asio::post(server_->handlers, [self = shared_from_this(), request = std::move(request)]() mutable {
      HttpResponse response = Handle(self->server_->routes, request);
      asio::io_context& ioc = self->server_->ioc;
      // The I/O thread holds the only reference from here on, so the
      // connection is never destroyed on a handler thread.
      asio::post(ioc, [self = std::move(self), response = std::move(response)]() mutable {
        self->Respond(std::move(response));
      });
    });
  }

  // Runs a handler on a handler thread; an exception becomes a 500.
  static HttpResponse Handle(const HttpRoutes& routes, const HttpRequest& request) {
    try {
      return routes.Handle(request);
    } catch (const std::exception& e) {
      std::string request_id = NewUuid();
      LogError("http: request " + request_id + " from " + request.remote_address + " failed: " + e.what());
      return XmlErrorResponse(api_error::kInternalFailure, "The request processing has failed.", request_id);
    }
  }

  void Refuse(Refusal refusal) {
    server_->Refused(refusal, remote_);
    refusing_ = true;
    version_ = parser_ && parser_->is_header_done() ? parser_->get().version() : 11;
    head_ = false;
    keep_alive_ = false;
    Respond(RefusalResponse(refusal, NewUuid()));
  }

  void Respond(HttpResponse response) {
    bool keep_alive = keep_alive_ && !refusing_ && !server_->stopping;
    response_ = {};
    response_.version(version_ < 10 ? 11 : version_);
    response_.result(static_cast<unsigned>(response.status));
    if (!response.content_type.empty()) response_.set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) response_.set(name, value);
    response_.keep_alive(keep_alive);
    response_.content_length(response.body.size());
    if (!head_) response_.body() = std::move(response.body);
    phase_ = Phase::kWriting;
    Arm(refusing_ ? kLingerTimeout : kWriteTimeout);
    http::async_write(socket_, response_, [self = shared_from_this(), keep_alive](error_code ec, size_t) {
      if (self->timed_out_ || ec) return self->Close();
      if (keep_alive) return self->ReadRequest();
      self->Linger();
    });
  }

  // Closes after the answer: the sending side first, then reads and drops
  // what the client still sends until it closes or kLingerTimeout passes.
  void Linger() {
    phase_ = Phase::kLingering;
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    Arm(kLingerTimeout);
    Discard();
  }

  void Discard() {
    socket_.async_read_some(asio::buffer(server_->discard), [self = shared_from_this()](error_code ec, size_t) {
      if (ec || self->timed_out_) return self->Close();
      self->Discard();
    });
  }

  void Close() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kClosed;
    Disarm();
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  ApiServer::Impl* const server_;
  tcp::socket socket_;
  asio::steady_timer deadline_;
  uint64_t generation_ = 0;
  bool timed_out_ = false;
  const std::string remote_;
  Phase phase_ = Phase::kReading;
  beast::flat_buffer buffer_{kReadBufferBytes};
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;  // alive while it is written
  int64_t requests_ = 0;
  unsigned version_ = 11;
  bool head_ = false;
  bool keep_alive_ = false;
  bool refusing_ = false;
};

}  // namespace

void ApiServer::Impl::Accept() {
  acceptor.async_accept([this](error_code ec, tcp::socket socket) {
    if (stopping || ec == asio::error::operation_aborted) return;
    if (ec == asio::error::connection_aborted) return Accept();
    if (ec) {
      // Out of descriptors or memory: wait a little rather than spin.
      std::optional<std::string> line = refusal_log.Line(
          "accept", "http: accepting a connection failed: " + ec.message(), std::chrono::steady_clock::now());
      if (line) LogWarning(*line);
      accept_retry.expires_after(kAcceptRetry);
      accept_retry.async_wait([this](error_code ec) {
        if (!ec && !stopping) Accept();
      });
      return;
    }
    std::string remote = RemoteAddress(socket);
    if (static_cast<int>(connections.size()) >= max_connections) {
      RefuseConnection(Refusal::kConnections, std::move(socket), remote);
    } else if (auto it = connections_per_address.find(remote);
               it != connections_per_address.end() && it->second >= max_connections_per_address) {
      RefuseConnection(Refusal::kAddressConnections, std::move(socket), remote);
    } else {
      std::make_shared<Connection>(this, std::move(socket), std::move(remote))->Start();
    }
    Accept();
  });
}

void ApiServer::Impl::RefuseConnection(Refusal refusal, tcp::socket socket, const std::string& remote) {
  Refused(refusal, remote);
  // One attempt to write the answer, without waiting: the point is to shed
  // the connection.
  std::string answer = Serialize(RefusalResponse(refusal, NewUuid()));
  error_code ignored;
  socket.non_blocking(true, ignored);
  socket.write_some(asio::buffer(answer), ignored);
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

void ApiServer::Impl::Refused(Refusal refusal, const std::string& remote) {
  std::string reason(RefusalReason(refusal));
  metrics->CountHttpRefusal(reason);
  bool connection = refusal == Refusal::kConnections || refusal == Refusal::kAddressConnections;
  std::string what = connection ? "a connection" : "a request";
  std::optional<std::string> line = refusal_log.Line(
      reason, "http: refused " + what + " from " + remote + ": " + reason + ": " + RefusalMessage(refusal),
      std::chrono::steady_clock::now());
  if (line) LogWarning(*line);
}

void ApiServer::Impl::Opened(Connection* connection, const std::string& remote) {
  connections.insert(connection);
  ++connections_per_address[remote];
  metrics->SetHttpOpenConnections(static_cast<int64_t>(connections.size()));
}

void ApiServer::Impl::Closed(Connection* connection, const std::string& remote) {
  connections.erase(connection);
  if (auto it = connections_per_address.find(remote); it != connections_per_address.end() && --it->second <= 0) {
    connections_per_address.erase(it);
  }
  metrics->SetHttpOpenConnections(static_cast<int64_t>(connections.size()));
  if (stopping && connections.empty() && !destroying) shutdown_grace.cancel();
}

void ApiServer::Impl::BeginShutdown() {
  stopping = true;
  error_code ignored;
  acceptor.close(ignored);
  accept_retry.cancel();
  for (Connection* connection : connections) connection->OnServerStopping();
  if (connections.empty()) return;
  shutdown_grace.expires_after(kShutdownGrace);
  shutdown_grace.async_wait([this](error_code ec) {
    if (!ec) ioc.stop();
  });
}

Result<std::unique_ptr<ApiServer>> ApiServer::Start(const ServiceConfig* config, const QueryApi* api,
                                                    const RequestAuthenticator* auth, ServiceMetrics* metrics,
                                                    const TaskManager* manager) {
  std::unique_ptr<ApiServer> server(new ApiServer());
  server->impl_ = std::make_unique<Impl>(api, auth, metrics, manager, MaxConnections());
  Impl& impl = *server->impl_;
  if (impl.max_connections < kMaxConnections) {
    LogWarning("http: the file descriptor limit allows " + std::to_string(impl.max_connections) + " connections, not " +
               std::to_string(kMaxConnections) + " (raise `ulimit -n`)");
  }

  const std::string where = config->listen_host + ":" + std::to_string(config->listen_port);
  error_code ec;
  tcp::resolver resolver(impl.ioc);
  tcp::resolver::results_type endpoints = resolver.resolve(config->listen_host, std::to_string(config->listen_port),
                                                           tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return IoError("listening on " + where + ": cannot resolve the host (" + ec.message() + ")");
  }
  // The first address of the host that binds, as getaddrinfo orders them.
  error_code bind_error;
  for (const auto& entry : endpoints) {
    error_code ignored;
    impl.acceptor.close(ignored);
    impl.acceptor.open(entry.endpoint().protocol(), bind_error);
    if (bind_error) continue;
    impl.acceptor.set_option(asio::socket_base::reuse_address(true), ignored);
    impl.acceptor.bind(entry.endpoint(), bind_error);
    if (!bind_error) break;
  }
  if (bind_error) {
    return IoError("listening on " + where + ": cannot bind (" + bind_error.message() +
                   "; address in use, or not an address of this machine)");
  }
  impl.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return IoError("listening on " + where + ": " + ec.message());
  server->port_ = impl.acceptor.local_endpoint(ec).port();
  if (ec) return IoError("listening on " + where + ": " + ec.message());

  impl.Accept();
  server->thread_ = std::thread([&impl] {
    for (;;) {
      try {
        impl.ioc.run();
        return;
      } catch (const std::exception& e) {
        LogError(std::string("http: the I/O loop failed and goes on: ") + e.what());
      }
    }
  });
  return server;
}

ApiServer::~ApiServer() { Stop(); }

void ApiServer::Stop() {
  if (!thread_.joinable()) return;
  std::promise<void> begun;
  asio::post(impl_->ioc, [this, &begun] {
    impl_->BeginShutdown();
    begun.set_value();
  });
  begun.get_future().wait();
  // Handlers already running finish and post their answers; no new ones
  // start once stopping is set.
  impl_->handlers.join();
  thread_.join();
}

}  // namespace dbexport::service
