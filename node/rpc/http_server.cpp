// Implementation notes.
//
// Threads: one io_context runs on config.threads threads. Every connection
// lives on its own strand, so a session's handlers never run concurrently.
// The acceptor has its own strand too.
//
// Lifetime: sessions are owned by the handlers pending in the io_context
// (shared_from_this). stop() stops the io_context, joins the threads and then
// destroys the io_context, which destroys every pending handler and with it
// every session and socket. Sessions therefore may hold a plain reference to
// the Impl, which outlives the io_context.
//
// Subscribers: the Impl keeps weak pointers to WebSocket sessions under
// subscribers_mutex_. Lock order: subscribers_mutex_ before a session's
// queue mutex; a session never calls into the Impl while it holds its own
// queue mutex, and a session's destructor takes no lock of the Impl.
//
// Exceptions: Beast and Asio calls use error_code overloads. Handler calls,
// response building and the io_context run loop are wrapped in try/catch, so
// nothing escapes to the embedder and no thread dies.
#include "rpc/http_server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <charconv>
#include <chrono>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "rpc/json_error.h"
#include "rpc/metrics.h"

namespace govchain::rpc {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;
using BeastRequest = http::request<http::string_body>;
using BeastResponse = http::response<http::string_body>;
using RequestParser = http::request_parser<http::string_body>;

namespace {

constexpr std::string_view server_name = "govchain";
constexpr uint64_t threads_max = 64;
// After an error response the server reads and discards what the client
// still sends, so that the close does not reset the connection before the
// client has read the answer. Bounded in time and bytes; memory is constant.
constexpr uint64_t linger_ms_max = 2000;
constexpr uint64_t linger_size_bytes_max = 64ull * 1024 * 1024;
constexpr uint64_t reject_timeout_ms_max = 1000;
constexpr size_t query_parameters_max = 256;

std::string ascii_lower(std::string_view text) {
  std::string lower(text);
  for (char& character : lower) {
    if (character >= 'A' && character <= 'Z') character = static_cast<char>(character - 'A' + 'a');
  }
  return lower;
}

bool equals_ignore_case(std::string_view left, std::string_view right) {
  return left.size() == right.size() && ascii_lower(left) == ascii_lower(right);
}

int hex_digit_value(char character) {
  if (character >= '0' && character <= '9') return character - '0';
  if (character >= 'a' && character <= 'f') return character - 'a' + 10;
  if (character >= 'A' && character <= 'F') return character - 'A' + 10;
  return -1;
}

// Decodes %XX escapes (and "+" as space in query strings); nullopt for a
// truncated or non-hex escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string decoded;
  decoded.reserve(text.size());
  for (size_t index = 0; index < text.size(); ++index) {
    const char character = text[index];
    if (character == '+' && plus_is_space) {
      decoded.push_back(' ');
    } else if (character != '%') {
      decoded.push_back(character);
    } else {
      if (index + 2 >= text.size()) return std::nullopt;
      const int high = hex_digit_value(text[index + 1]);
      const int low = hex_digit_value(text[index + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      decoded.push_back(static_cast<char>(high * 16 + low));
      index += 2;
    }
  }
  return decoded;
}

using QueryParameters = std::vector<std::pair<std::string, std::string>>;

Result<QueryParameters> parse_query(std::string_view query) {
  QueryParameters parameters;
  while (!query.empty()) {
    const size_t end = std::min(query.find('&'), query.size());
    const std::string_view pair = query.substr(0, end);
    query.remove_prefix(std::min(end + 1, query.size()));
    if (pair.empty()) continue;
    if (parameters.size() == query_parameters_max) {
      return error(Code::too_large, "more than " + std::to_string(query_parameters_max) + " query parameters");
    }
    const size_t equals = std::min(pair.find('='), pair.size());
    auto name = percent_decode(pair.substr(0, equals), true);
    auto value = percent_decode(pair.substr(std::min(equals + 1, pair.size())), true);
    if (!name || !value) {
      return error(Code::malformed,
                   "query parameter '" + std::string(pair) + "' has an invalid %-escape; use %XX with two hex digits");
    }
    parameters.emplace_back(std::move(*name), std::move(*value));
  }
  return parameters;
}

bool is_token(std::string_view text) {
  if (text.empty()) return false;
  return std::all_of(text.begin(), text.end(), [](char character) {
    const bool alphanumeric = (character >= 'a' && character <= 'z') || (character >= 'A' && character <= 'Z') ||
                              (character >= '0' && character <= '9');
    return alphanumeric || std::string_view("!#$%&'*+-.^_`|~").find(character) != std::string_view::npos;
  });
}

bool has_line_break(std::string_view text) { return text.find_first_of("\r\n") != std::string_view::npos; }

// Methods become a metric label; anything else is "other" so that a client
// cannot create unbounded label sets.
std::string method_label(std::string_view method) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    if (method == known) return std::string(known);
  }
  return "other";
}

Result<tcp::endpoint> parse_listen_address(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return error(Code::invalid_argument, "listen address '" + std::string(text) + "' must look like 127.0.0.1:8080");
  }
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  const auto [end, parse_error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (parse_error != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return error(Code::invalid_argument, "listen address '" + std::string(text) + "' has no port 0-65535");
  }
  boost::system::error_code address_error;
  const auto address = net::ip::make_address(std::string(host), address_error);
  if (address_error) {
    return error(Code::invalid_argument,
                 "listen address '" + std::string(text) + "' has no IP address: " + address_error.message());
  }
  return tcp::endpoint(address, static_cast<uint16_t>(port));
}

Status validate_config(const HttpServerConfig& config) {
  if (config.threads == 0 || config.threads > threads_max) {
    return error(Code::invalid_argument, "threads must be 1.." + std::to_string(threads_max));
  }
  const std::pair<const char*, uint64_t> positive[] = {
      {"body_size_bytes_max", config.body_size_bytes_max},
      {"header_size_bytes_max", config.header_size_bytes_max},
      {"connections_max", config.connections_max},
      {"timeout_ms", config.timeout_ms},
      {"websocket_queue_messages_max", config.websocket_queue_messages_max},
      {"websocket_queue_size_bytes_max", config.websocket_queue_size_bytes_max},
      {"websocket_message_size_bytes_max", config.websocket_message_size_bytes_max},
      {"websocket_idle_timeout_ms", config.websocket_idle_timeout_ms},
  };
  for (const auto& [name, value] : positive) {
    if (value == 0) return error(Code::invalid_argument, std::string(name) + " must be greater than 0");
  }
  if (config.header_size_bytes_max > UINT32_MAX) {
    return error(Code::invalid_argument, "header_size_bytes_max must fit in 32 bits");
  }
  return Status::ok_status();
}

// ---------------------------------------------------------------------------
// Routing

struct Route {
  std::string method;
  std::string pattern;
  // For "/v1/txs/{hash}": "/v1/txs/". Empty for exact patterns.
  std::string parameter_prefix;
  HttpHandler handler;
};

struct RouteMatch {
  const Route* route = nullptr;
  std::string_view parameter;
  // Methods registered for the path, for 405 and its Allow field.
  std::string allowed_methods;
};

Status validate_pattern(std::string_view pattern, std::string* parameter_prefix) {
  const std::string shape = "pattern '" + std::string(pattern) + "' ";
  if (pattern.empty() || pattern.front() != '/' || pattern.find_first_of("?# \t\r\n") != std::string_view::npos) {
    return error(Code::invalid_argument, shape + "must start with / and contain no ?, # or whitespace");
  }
  const size_t open = pattern.find('{');
  if (open == std::string_view::npos) {
    if (pattern.find('}') != std::string_view::npos) return error(Code::invalid_argument, shape + "has a stray }");
    parameter_prefix->clear();
    return Status::ok_status();
  }
  const std::string_view name = pattern.substr(open + 1, pattern.size() - open - 2);
  const bool name_ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char character) {
    return (character >= 'a' && character <= 'z') || (character >= '0' && character <= '9') || character == '_';
  });
  if (pattern[open - 1] != '/' || pattern.back() != '}' || !name_ok) {
    return error(Code::invalid_argument, shape + "may have one parameter, as its whole last segment: /v1/txs/{hash}");
  }
  *parameter_prefix = std::string(pattern.substr(0, open));
  return Status::ok_status();
}

class Router {
 public:
  Status add(std::string_view method, std::string_view pattern, HttpHandler handler) {
    if (!is_token(method))
      return error(Code::invalid_argument, "method '" + std::string(method) + "' is not an HTTP token");
    if (!handler) return error(Code::invalid_argument, "handler for " + std::string(pattern) + " is empty");
    Route route{std::string(method), std::string(pattern), {}, std::move(handler)};
    GOVCHAIN_TRY(validate_pattern(pattern, &route.parameter_prefix));
    for (const Route& existing : routes_) {
      if (existing.method == route.method && existing.pattern == route.pattern) {
        return error(Code::already_exists, route.method + " " + route.pattern + " is already registered");
      }
    }
    routes_.push_back(std::move(route));
    return Status::ok_status();
  }

  // Exact patterns win: a path that equals an exact pattern never falls
  // through to a parameter pattern, even when the method differs.
  RouteMatch match(std::string_view method, std::string_view path) const {
    RouteMatch exact = match_where(method, path, false);
    if (exact.route != nullptr || !exact.allowed_methods.empty()) return exact;
    return match_where(method, path, true);
  }

 private:
  RouteMatch match_where(std::string_view method, std::string_view path, bool with_parameter) const {
    RouteMatch match;
    for (const Route& route : routes_) {
      if (route.parameter_prefix.empty() == with_parameter) continue;
      std::string_view parameter;
      if (!with_parameter && route.pattern != path) continue;
      if (with_parameter) {
        if (!path.starts_with(route.parameter_prefix)) continue;
        parameter = path.substr(route.parameter_prefix.size());
        if (parameter.empty() || parameter.find('/') != std::string_view::npos) continue;
      }
      match.allowed_methods += (match.allowed_methods.empty() ? "" : ", ") + route.method;
      if (route.method == method && match.route == nullptr) {
        match.route = &route;
        match.parameter = parameter;
      }
    }
    return match;
  }

  std::vector<Route> routes_;
};

// ---------------------------------------------------------------------------
// Responses

HttpResponse with_close(HttpResponse response) {
  response.headers.emplace_back("Connection", "close");
  return response;
}

bool is_reserved_field(std::string_view name) {
  for (std::string_view reserved : {"content-length", "content-type", "connection", "transfer-encoding", "server"}) {
    if (equals_ignore_case(name, reserved)) return true;
  }
  return false;
}

BeastResponse to_beast_response(const HttpResponse& response, unsigned version, bool keep_alive) {
  BeastResponse beast_response{http::int_to_status(response.status) == http::status::unknown
                                   ? http::status::internal_server_error
                                   : static_cast<http::status>(response.status),
                               version};
  beast_response.set(http::field::server, server_name);
  beast_response.set(http::field::content_type,
                     has_line_break(response.content_type) ? "application/octet-stream" : response.content_type);
  bool close = !keep_alive;
  for (const auto& [name, value] : response.headers) {
    if (equals_ignore_case(name, "connection") && equals_ignore_case(value, "close")) close = true;
    if (!is_token(name) || has_line_break(value) || is_reserved_field(name)) continue;
    beast_response.insert(name, value);
  }
  const bool bodyless = response.status < 200 || response.status == 204 || response.status == 304;
  if (!bodyless) beast_response.body() = response.body;
  beast_response.keep_alive(!close);
  beast_response.prepare_payload();
  return beast_response;
}

// The last resort when building a response failed (only allocation can).
BeastResponse internal_error_response() {
  BeastResponse response{http::status::internal_server_error, 11};
  response.set(http::field::content_type, "application/json");
  response.body() = R"({"error":{"code":"internal","message":"the response could not be built"}})";
  response.keep_alive(false);
  response.prepare_payload();
  return response;
}

std::string serialize(const BeastResponse& response) {
  std::ostringstream stream;
  stream << response;
  return stream.str();
}

}  // namespace

// ---------------------------------------------------------------------------
// HttpRequest, helpers

std::optional<std::string_view> HttpRequest::query(std::string_view name) const {
  for (const auto& [key, value] : query_parameters) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

bool HttpRequest::query_flag(std::string_view name) const {
  const auto value = query(name);
  return value && (*value == "1" || *value == "true" || *value == "yes");
}

std::optional<std::string_view> HttpRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (equals_ignore_case(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

HttpResponse json_error(unsigned http_status, std::string_view code, std::string_view message) {
  return HttpResponse{http_status, "application/json", json_error_body(code, message), {}};
}

HttpResponse json_error(const Status& status) {
  return json_error(http_status_for(status.code()), code_name(status.code()), status.message());
}

HttpResponse json_response(std::string body, unsigned http_status) {
  return HttpResponse{http_status, "application/json", std::move(body), {}};
}

// ---------------------------------------------------------------------------
// Impl: configuration, routing, metrics, lifecycle, subscribers

class WebSocketSession;

class HttpServer::Impl {
 public:
  Impl(HttpServerConfig config, std::shared_ptr<Metrics> metrics);

  const HttpServerConfig config_;
  Router router_;
  std::string websocket_path_;
  WebSocketMessageHandler websocket_on_message_;

  Status start();
  void stop();
  bool started() const;
  uint16_t port() const { return bound_port_.load(); }

  // Full request -> response, for the network path and handle_raw().
  BeastResponse respond(BeastRequest& request, const std::string& remote_address);
  // The response for a request that could not be parsed.
  BeastResponse parse_error_response(const beast::error_code& parse_error);
  // 503 for a full `resource` ("connections", "WebSocket subscribers").
  BeastResponse busy_response(std::string_view resource);
  void record_request(const std::string& route_label, std::string_view method, unsigned status,
                      std::chrono::steady_clock::duration elapsed);
  std::string handle_raw(std::string_view request_bytes);

  // Connections.
  uint64_t open_connection();  // returns the count including this one
  void close_connection();
  void count_timeout();

  // Subscribers.
  bool subscriber_slot_available() const;
  std::optional<uint64_t> add_subscriber(const std::shared_ptr<WebSocketSession>& session);
  void remove_subscriber(uint64_t subscriber_id);
  size_t broadcast(std::string_view text);
  Status send_to(uint64_t subscriber_id, std::string_view text);
  size_t subscriber_count() const;
  void count_slow_subscriber();
  void deliver_message(uint64_t subscriber_id, std::string_view text);

 private:
  HttpResponse route(BeastRequest& request, const std::string& remote_address, std::string* route_label);
  HttpResponse route_metrics(std::string_view method);
  HttpResponse call_handler(const Route& route, std::string_view path, std::string_view parameter,
                            std::string_view query, BeastRequest& request, const std::string& remote_address);
  void set_gauge(std::string_view name, std::string_view help, double value);
  void increment(std::string_view name, std::string_view help);
  void do_accept();
  void on_accept(const beast::error_code& accept_error, tcp::socket socket);
  void admit(tcp::socket socket);
  void run_thread();
  // Stops and joins; the caller holds lifecycle_mutex_.
  void shut_down_locked();

  std::shared_ptr<Metrics> metrics_;

  mutable std::mutex lifecycle_mutex_;
  enum class State { created, running, stopped } state_ = State::created;
  std::unique_ptr<net::io_context> io_context_;
  std::optional<tcp::acceptor> acceptor_;
  // Delays the next accept after an error such as "too many open files", so
  // that the acceptor does not spin.
  std::optional<net::steady_timer> accept_retry_timer_;
  std::vector<std::thread> threads_;
  std::atomic<uint16_t> bound_port_{0};
  std::atomic<uint64_t> connections_open_{0};

  mutable std::mutex subscribers_mutex_;
  std::map<uint64_t, std::weak_ptr<WebSocketSession>> subscribers_;
  uint64_t subscriber_id_next_ = 1;
  bool subscribers_closed_ = false;
};

namespace {

// Counts one open TCP connection for as long as it lives; moves from the HTTP
// session to the WebSocket session on upgrade.
class ConnectionSlot {
 public:
  explicit ConnectionSlot(HttpServer::Impl& server) : server_(server) {}
  ~ConnectionSlot() { server_.close_connection(); }
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;

 private:
  HttpServer::Impl& server_;
};

}  // namespace

// ---------------------------------------------------------------------------
// WebSocketSession: one subscriber. Its handlers run on its strand; enqueue()
// may be called from any thread.

class WebSocketSession : public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(HttpServer::Impl& server, tcp::socket socket, std::shared_ptr<ConnectionSlot> slot)
      : server_(server), stream_(std::move(socket)), slot_(std::move(slot)) {}

  void set_id(uint64_t subscriber_id) { id_ = subscriber_id; }

  void accept(BeastRequest request) {
    upgrade_request_ = std::move(request);
    configure();
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->stream_.async_accept(self->upgrade_request_,
                                 [self](const beast::error_code& accept_error) { self->on_accept(accept_error); });
    });
  }

  // Queues `message` unless that would exceed a queue bound, in which case
  // the subscriber is disconnected and resource_exhausted returned; the
  // caller then removes it from the subscriber set. Thread-safe; takes no
  // lock of the Impl, so the Impl may call it under subscribers_mutex_.
  Status enqueue(const std::shared_ptr<const std::string>& message) {
    const HttpServerConfig& config = server_.config_;
    bool start_write = false;
    bool too_slow = false;
    {
      std::lock_guard lock(mutex_);
      if (closing_) return error(Code::not_found, "subscriber is disconnecting");
      too_slow = queue_.size() + 1 > config.websocket_queue_messages_max ||
                 queued_size_bytes_ + message->size() > config.websocket_queue_size_bytes_max;
      if (too_slow) {
        closing_ = true;
        queue_.clear();
        queued_size_bytes_ = 0;
      } else {
        queue_.push_back(message);
        queued_size_bytes_ += message->size();
        start_write = accepted_ && !writing_;
        writing_ = writing_ || start_write;
      }
    }
    if (too_slow) return disconnect_slow();
    if (start_write) net::post(stream_.get_executor(), [self = shared_from_this()] { self->do_write(); });
    return Status::ok_status();
  }

 private:
  void configure() {
    const HttpServerConfig& config = server_.config_;
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::milliseconds(config.timeout_ms);
    timeouts.idle_timeout = std::chrono::milliseconds(config.websocket_idle_timeout_ms);
    timeouts.keep_alive_pings = true;
    stream_.set_option(timeouts);
    stream_.read_message_max(config.websocket_message_size_bytes_max);
    stream_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& response) { response.set(http::field::server, server_name); }));
  }

  Status disconnect_slow() {
    server_.count_slow_subscriber();
    // Closing the socket, not sending a close frame: a subscriber that does
    // not read would never let a close frame through either.
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      beast::get_lowest_layer(self->stream_).socket().close(ignored);
    });
    return error(Code::resource_exhausted, "subscriber could not keep up and was disconnected");
  }

  void on_accept(const beast::error_code& accept_error) {
    if (accept_error) return finish();
    bool start_write = false;
    {
      std::lock_guard lock(mutex_);
      accepted_ = true;
      start_write = !queue_.empty() && !writing_ && !closing_;
      writing_ = writing_ || start_write;
    }
    if (start_write) do_write();
    do_read();
  }

  void do_read() {
    stream_.async_read(read_buffer_, [self = shared_from_this()](const beast::error_code& read_error, size_t) {
      self->on_read(read_error);
    });
  }

  void on_read(const beast::error_code& read_error) {
    if (read_error) return finish();
    if (stream_.got_text()) server_.deliver_message(id_, beast::buffers_to_string(read_buffer_.data()));
    read_buffer_.consume(read_buffer_.size());
    do_read();
  }

  void do_write() {
    std::shared_ptr<const std::string> message;
    {
      std::lock_guard lock(mutex_);
      if (queue_.empty() || closing_) {
        writing_ = false;
        return;
      }
      message = queue_.front();
    }
    stream_.text(true);
    stream_.async_write(net::buffer(*message),
                        [self = shared_from_this(), message](const beast::error_code& write_error, size_t) {
                          self->on_write(write_error, message->size());
                        });
  }

  void on_write(const beast::error_code& write_error, size_t message_size_bytes) {
    if (write_error) return finish();
    {
      std::lock_guard lock(mutex_);
      // Disconnecting cleared the queue; the message just written is gone.
      if (closing_) return;
      queue_.pop_front();
      queued_size_bytes_ -= message_size_bytes;
    }
    do_write();
  }

  void finish() {
    {
      std::lock_guard lock(mutex_);
      closing_ = true;
      queue_.clear();
      queued_size_bytes_ = 0;
    }
    server_.remove_subscriber(id_);
  }

  HttpServer::Impl& server_;
  websocket::stream<beast::tcp_stream> stream_;
  std::shared_ptr<ConnectionSlot> slot_;
  uint64_t id_ = 0;
  BeastRequest upgrade_request_;
  beast::flat_buffer read_buffer_;

  std::mutex mutex_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  uint64_t queued_size_bytes_ = 0;
  bool writing_ = false;
  bool accepted_ = false;
  bool closing_ = false;
};

// ---------------------------------------------------------------------------
// HttpSession: one HTTP connection, keep-alive, until close or upgrade.

namespace {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(HttpServer::Impl& server, tcp::socket socket, std::shared_ptr<ConnectionSlot> slot)
      : server_(server), stream_(std::move(socket)), slot_(std::move(slot)) {
    beast::error_code ignored;
    const auto endpoint = stream_.socket().remote_endpoint(ignored);
    if (!ignored) remote_address_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  }

  void run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read_header(); });
  }

  // Answers 503 without reading a request, then closes.
  void reject_busy() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->send(self->server_.busy_response("connections"), true,
                 std::min<uint64_t>(self->server_.config_.timeout_ms, reject_timeout_ms_max));
    });
  }

 private:
  const HttpServerConfig& config() const { return server_.config_; }

  void do_read_header() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(config().header_size_bytes_max));
    parser_->body_limit(config().body_size_bytes_max);
    // One deadline for the whole request: a client that trickles bytes
    // (slowloris) is cut off when it passes, however steadily it sends.
    stream_.expires_after(std::chrono::milliseconds(config().timeout_ms));
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](const beast::error_code& read_error, size_t) { self->on_read_header(read_error); });
  }

  void on_read_header(const beast::error_code& read_error) {
    if (read_error) return on_read_error(read_error);
    const auto expect = parser_->get()[http::field::expect];
    if (!equals_ignore_case(expect, "100-continue")) return do_read_body();
    // The body fits the limit (the parser checked Content-Length), so ask
    // the client to send it now instead of after its own delay.
    continue_response_.emplace(http::status::continue_, parser_->get().version());
    http::async_write(stream_, *continue_response_,
                      [self = shared_from_this()](const beast::error_code& write_error, size_t) {
                        if (write_error) return self->close();
                        self->do_read_body();
                      });
  }

  void do_read_body() {
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](const beast::error_code& read_error, size_t) { self->on_read_body(read_error); });
  }

  void on_read_error(const beast::error_code& read_error) {
    if (read_error == beast::error::timeout) server_.count_timeout();
    const bool parse_failure = read_error.category() == http::make_error_code(http::error::bad_target).category() &&
                               read_error != http::error::end_of_stream && read_error != http::error::partial_message;
    if (!parse_failure) return close();
    send(server_.parse_error_response(read_error), true, config().timeout_ms);
  }

  void on_read_body(const beast::error_code& read_error) {
    if (read_error) return on_read_error(read_error);
    BeastRequest request = parser_->release();
    if (websocket::is_upgrade(request) && !server_.websocket_path_.empty() &&
        request.target().substr(0, request.target().find('?')) == server_.websocket_path_) {
      return upgrade(std::move(request));
    }
    const bool keep_alive = request.keep_alive();
    BeastResponse response = server_.respond(request, remote_address_);
    const bool close_after = !keep_alive || !response.keep_alive();
    send(std::move(response), close_after, config().timeout_ms);
  }

  void upgrade(BeastRequest request) {
    if (!server_.subscriber_slot_available()) {
      return send(server_.busy_response("WebSocket subscribers"), true, config().timeout_ms);
    }
    // The WebSocket stream has its own handshake and idle timeouts.
    stream_.expires_never();
    auto session = std::make_shared<WebSocketSession>(server_, stream_.release_socket(), slot_);
    const auto subscriber_id = server_.add_subscriber(session);
    // Without an id (the last slot went to a concurrent upgrade, or the
    // server is stopping) the session is dropped here and closes the socket.
    if (!subscriber_id) return;
    session->set_id(*subscriber_id);
    server_.record_request(server_.websocket_path_, "GET", 101, std::chrono::steady_clock::duration::zero());
    session->accept(std::move(request));
  }

  void send(BeastResponse response, bool close_after, uint64_t timeout_ms) {
    response_ = std::make_shared<BeastResponse>(std::move(response));
    if (close_after) response_->keep_alive(false);
    stream_.expires_after(std::chrono::milliseconds(timeout_ms));
    http::async_write(stream_, *response_,
                      [self = shared_from_this(), close_after](const beast::error_code& write_error, size_t) {
                        if (write_error) return self->close();
                        if (close_after) return self->linger();
                        self->do_read_header();
                      });
  }

  // Half-closes, then reads and discards what the client still sends (for
  // example the rest of a rejected 10 MB body) until it closes, the bytes or
  // the time run out, so the client gets to read the answer.
  void linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::milliseconds(std::min(config().timeout_ms, linger_ms_max)));
    do_drain();
  }

  void do_drain() {
    stream_.async_read_some(net::buffer(drain_buffer_),
                            [self = shared_from_this()](const beast::error_code& read_error, size_t size_bytes) {
                              self->drained_size_bytes_ += size_bytes;
                              if (read_error || self->drained_size_bytes_ > linger_size_bytes_max) return self->close();
                              self->do_drain();
                            });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  HttpServer::Impl& server_;
  beast::tcp_stream stream_;
  std::shared_ptr<ConnectionSlot> slot_;
  std::string remote_address_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  std::optional<http::response<http::empty_body>> continue_response_;
  std::shared_ptr<BeastResponse> response_;
  std::array<char, 16 * 1024> drain_buffer_{};
  uint64_t drained_size_bytes_ = 0;
};

}  // namespace

// ---------------------------------------------------------------------------
// Impl: requests

HttpServer::Impl::Impl(HttpServerConfig config, std::shared_ptr<Metrics> metrics)
    : config_(std::move(config)), metrics_(std::move(metrics)) {}

BeastResponse HttpServer::Impl::respond(BeastRequest& request, const std::string& remote_address) {
  const auto start = std::chrono::steady_clock::now();
  std::string route_label = "unmatched";
  const std::string method(request.method_string());
  try {
    const HttpResponse response = route(request, remote_address, &route_label);
    BeastResponse beast_response = to_beast_response(response, request.version(), request.keep_alive());
    if (request.method() == http::verb::head) {
      // A HEAD answer carries the length of the body it leaves out.
      const size_t body_size_bytes = beast_response.body().size();
      beast_response.body().clear();
      beast_response.content_length(body_size_bytes);
    }
    record_request(route_label, method, beast_response.result_int(), std::chrono::steady_clock::now() - start);
    return beast_response;
  } catch (...) {
    record_request(route_label, method, 500, std::chrono::steady_clock::now() - start);
    return internal_error_response();
  }
}

HttpResponse HttpServer::Impl::route(BeastRequest& request, const std::string& remote_address,
                                     std::string* route_label) {
  const std::string_view target = request.target();
  if (target.empty() || target.front() != '/') {
    return json_error(
        400, "malformed",
        "request target must be a path such as /v1/status, not '" + std::string(target.substr(0, 64)) + "'");
  }
  const size_t question_mark = std::min(target.find('?'), target.size());
  const std::string_view path = target.substr(0, question_mark);
  const std::string_view query = target.substr(std::min(question_mark + 1, target.size()));
  const std::string_view method = request.method_string();
  if (metrics_ && path == "/metrics") {
    *route_label = "/metrics";
    return route_metrics(method);
  }
  if (!websocket_path_.empty() && path == websocket_path_) {
    *route_label = websocket_path_;
    return json_error(426, "upgrade_required",
                      websocket_path_ + " is a WebSocket endpoint; connect with a WebSocket client");
  }
  const RouteMatch match = router_.match(method, path);
  if (match.route == nullptr && match.allowed_methods.empty()) {
    return json_error(404, "not_found",
                      "no route for path " + std::string(path.substr(0, 256)) + "; see the API documentation");
  }
  if (match.route == nullptr) {
    HttpResponse response = json_error(405, "method_not_allowed",
                                       std::string(method.substr(0, 32)) + " is not allowed on " +
                                           std::string(path.substr(0, 256)) + "; use " + match.allowed_methods);
    response.headers.emplace_back("Allow", match.allowed_methods);
    return response;
  }
  *route_label = match.route->pattern;
  return call_handler(*match.route, path, match.parameter, query, request, remote_address);
}

HttpResponse HttpServer::Impl::route_metrics(std::string_view method) {
  if (method != "GET") {
    HttpResponse response = json_error(405, "method_not_allowed", "/metrics supports only GET");
    response.headers.emplace_back("Allow", "GET");
    return response;
  }
  return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", metrics_->render(), {}};
}

HttpResponse HttpServer::Impl::call_handler(const Route& route, std::string_view path, std::string_view parameter,
                                            std::string_view query, BeastRequest& request,
                                            const std::string& remote_address) {
  HttpRequest view;
  auto decoded_parameter = percent_decode(parameter, false);
  if (!decoded_parameter) {
    return json_error(400, "malformed", "path parameter has an invalid %-escape; use %XX with two hex digits");
  }
  auto query_parameters = parse_query(query);
  if (!query_parameters.ok())
    return json_error(400, code_name(query_parameters.status().code()), query_parameters.status().message());
  view.method = std::string(request.method_string());
  view.target = std::string(request.target());
  view.path = std::string(path);
  view.route_pattern = route.pattern;
  view.path_parameter = std::move(*decoded_parameter);
  view.query_parameters = std::move(query_parameters).value();
  for (const auto& field : request)
    view.headers.emplace_back(ascii_lower(field.name_string()), std::string(field.value()));
  view.body = std::move(request.body());
  view.remote_address = remote_address;
  try {
    return route.handler(view);
  } catch (const std::exception& exception) {
    spdlog::error("rpc: handler for {} {} threw: {}", route.method, route.pattern, exception.what());
  } catch (...) {
    spdlog::error("rpc: handler for {} {} threw a non-standard exception", route.method, route.pattern);
  }
  return json_error(500, "internal",
                    "the handler for " + route.pattern + " failed; this is a bug in govchain, please report it");
}

BeastResponse HttpServer::Impl::parse_error_response(const beast::error_code& parse_error) {
  HttpResponse response;
  if (parse_error == http::error::body_limit) {
    response = json_error(
        413, "too_large",
        "request body is larger than " + std::to_string(config_.body_size_bytes_max) + " bytes; send a smaller body");
  } else if (parse_error == http::error::header_limit) {
    response = json_error(431, "header_too_large",
                          "request line and headers are larger than " + std::to_string(config_.header_size_bytes_max) +
                              " bytes; send fewer or shorter headers");
  } else {
    response = json_error(400, "malformed",
                          "malformed HTTP request (" + parse_error.message() +
                              "); send an HTTP/1.1 request with a valid request line and headers");
  }
  record_request("malformed", "other", response.status, std::chrono::steady_clock::duration::zero());
  try {
    return to_beast_response(response, 11, false);
  } catch (...) {
    return internal_error_response();
  }
}

BeastResponse HttpServer::Impl::busy_response(std::string_view resource) {
  increment("govchain_rpc_rejected_total", "Connections and upgrades refused with 503 because a limit was reached");
  const HttpResponse response = json_error(
      503, "unavailable", "too many open " + std::string(resource) + " on this node; retry later or use another node");
  try {
    return to_beast_response(with_close(response), 11, false);
  } catch (...) {
    return internal_error_response();
  }
}

std::string HttpServer::Impl::handle_raw(std::string_view request_bytes) {
  try {
    RequestParser parser;
    parser.header_limit(static_cast<uint32_t>(config_.header_size_bytes_max));
    parser.body_limit(config_.body_size_bytes_max);
    parser.eager(true);
    beast::error_code parse_error;
    size_t consumed_size_bytes = 0;
    // Each turn consumes at least one byte or stops, so the loop is bounded
    // by the input size.
    while (!parser.is_done() && consumed_size_bytes < request_bytes.size()) {
      const size_t used = parser.put(
          net::buffer(request_bytes.data() + consumed_size_bytes, request_bytes.size() - consumed_size_bytes),
          parse_error);
      consumed_size_bytes += used;
      if (parse_error == http::error::need_more) parse_error = {};
      if (parse_error || used == 0) break;
    }
    // put_eof() requires that the parser saw at least one byte.
    if (!parse_error && !parser.is_done() && parser.got_some()) parser.put_eof(parse_error);
    if (!parse_error && !parser.is_done()) parse_error = http::error::partial_message;
    if (parse_error) return serialize(parse_error_response(parse_error));
    BeastRequest request = parser.release();
    return serialize(respond(request, ""));
  } catch (...) {
    return serialize(internal_error_response());
  }
}

// ---------------------------------------------------------------------------
// Impl: metrics

void HttpServer::Impl::record_request(const std::string& route_label, std::string_view method, unsigned status,
                                      std::chrono::steady_clock::duration elapsed) {
  if (!metrics_) return;
  auto counter =
      metrics_->counter("govchain_rpc_requests_total", "HTTP requests by route pattern, method and status",
                        {{"route", route_label}, {"method", method_label(method)}, {"status", std::to_string(status)}});
  if (counter.ok()) (*counter)->Increment();
  auto histogram = metrics_->histogram("govchain_rpc_request_duration_seconds", "HTTP request latency by route pattern",
                                       Metrics::latency_buckets_seconds(), {{"route", route_label}});
  if (histogram.ok()) (*histogram)->Observe(std::chrono::duration<double>(elapsed).count());
}

void HttpServer::Impl::set_gauge(std::string_view name, std::string_view help, double value) {
  if (!metrics_) return;
  auto gauge = metrics_->gauge(name, help);
  if (gauge.ok()) (*gauge)->Set(value);
}

void HttpServer::Impl::increment(std::string_view name, std::string_view help) {
  if (!metrics_) return;
  auto counter = metrics_->counter(name, help);
  if (counter.ok()) (*counter)->Increment();
}

void HttpServer::Impl::count_timeout() {
  increment("govchain_rpc_timeouts_total", "Connections closed because a request or keep-alive idle time ran out");
}

void HttpServer::Impl::count_slow_subscriber() {
  increment("govchain_rpc_websocket_slow_disconnects_total",
            "WebSocket subscribers disconnected for a full send queue");
}

// ---------------------------------------------------------------------------
// Impl: connections and lifecycle

uint64_t HttpServer::Impl::open_connection() {
  const uint64_t open = connections_open_.fetch_add(1) + 1;
  set_gauge("govchain_rpc_connections_open", "Open TCP connections, HTTP and WebSocket", static_cast<double>(open));
  return open;
}

void HttpServer::Impl::close_connection() {
  const uint64_t open = connections_open_.fetch_sub(1) - 1;
  set_gauge("govchain_rpc_connections_open", "Open TCP connections, HTTP and WebSocket", static_cast<double>(open));
}

void HttpServer::Impl::do_accept() {
  acceptor_->async_accept(net::make_strand(*io_context_),
                          [this](const beast::error_code& accept_error, tcp::socket socket) {
                            on_accept(accept_error, std::move(socket));
                          });
}

void HttpServer::Impl::on_accept(const beast::error_code& accept_error, tcp::socket socket) {
  if (accept_error == net::error::operation_aborted || !acceptor_->is_open()) return;
  if (accept_error) {
    spdlog::warn("rpc: accept failed: {}; retrying in 100 ms", accept_error.message());
    accept_retry_timer_->expires_after(std::chrono::milliseconds(100));
    accept_retry_timer_->async_wait([this](const beast::error_code& wait_error) {
      if (!wait_error) do_accept();
    });
    return;
  }
  admit(std::move(socket));
  do_accept();
}

void HttpServer::Impl::admit(tcp::socket socket) {
  const uint64_t open = open_connection();
  auto slot = std::make_shared<ConnectionSlot>(*this);
  if (open > 2 * config_.connections_max) {
    // Far over the limit even a 503 costs too much; the slot closes it.
    beast::error_code ignored;
    socket.close(ignored);
    return;
  }
  auto session = std::make_shared<HttpSession>(*this, std::move(socket), std::move(slot));
  if (open > config_.connections_max) return session->reject_busy();
  session->run();
}

void HttpServer::Impl::run_thread() {
  // An exception from a completion handler would end io_context::run();
  // log it and keep serving instead of losing the thread.
  for (;;) {
    try {
      io_context_->run();
      return;
    } catch (const std::exception& exception) {
      spdlog::error("rpc: server thread caught: {}", exception.what());
    } catch (...) {
      spdlog::error("rpc: server thread caught a non-standard exception");
    }
  }
}

Status HttpServer::Impl::start() {
  std::lock_guard lock(lifecycle_mutex_);
  if (state_ != State::created) return error(Code::invalid, "the server was already started; create a new one");
  GOVCHAIN_TRY(validate_config(config_));
  GOVCHAIN_ASSIGN_OR_RETURN(const tcp::endpoint endpoint, parse_listen_address(config_.listen_address));
  io_context_ = std::make_unique<net::io_context>(static_cast<int>(config_.threads));
  acceptor_.emplace(net::make_strand(*io_context_));
  accept_retry_timer_.emplace(acceptor_->get_executor());
  beast::error_code bind_error;
  acceptor_->open(endpoint.protocol(), bind_error);
  if (!bind_error) acceptor_->set_option(net::socket_base::reuse_address(true), bind_error);
  if (!bind_error) acceptor_->bind(endpoint, bind_error);
  if (!bind_error) acceptor_->listen(net::socket_base::max_listen_connections, bind_error);
  const auto local_endpoint = bind_error ? tcp::endpoint() : acceptor_->local_endpoint(bind_error);
  if (bind_error) {
    accept_retry_timer_.reset();
    acceptor_.reset();
    io_context_.reset();
    return error(Code::io_error, "cannot listen on " + config_.listen_address + ": " + bind_error.message());
  }
  bound_port_ = local_endpoint.port();
  do_accept();
  try {
    for (uint32_t index = 0; index < config_.threads; ++index) threads_.emplace_back([this] { run_thread(); });
  } catch (const std::exception& exception) {
    shut_down_locked();
    return error(Code::resource_exhausted, std::string("cannot start server threads: ") + exception.what());
  }
  state_ = State::running;
  return Status::ok_status();
}

void HttpServer::Impl::shut_down_locked() {
  {
    std::lock_guard lock(subscribers_mutex_);
    subscribers_closed_ = true;
    subscribers_.clear();
  }
  io_context_->stop();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
  accept_retry_timer_.reset();
  acceptor_.reset();
  // Destroys every pending handler, and with them every session and socket.
  io_context_.reset();
  bound_port_ = 0;
  state_ = State::stopped;
}

void HttpServer::Impl::stop() {
  std::lock_guard lock(lifecycle_mutex_);
  for (const std::thread& thread : threads_) {
    if (thread.get_id() == std::this_thread::get_id()) {
      spdlog::error("rpc: stop() called from a server thread; call it from the thread that owns the server");
      return;
    }
  }
  if (state_ != State::running) {
    state_ = State::stopped;
    return;
  }
  shut_down_locked();
}

bool HttpServer::Impl::started() const {
  std::lock_guard lock(lifecycle_mutex_);
  return state_ != State::created;
}

// ---------------------------------------------------------------------------
// Impl: subscribers

bool HttpServer::Impl::subscriber_slot_available() const {
  std::lock_guard lock(subscribers_mutex_);
  return !subscribers_closed_ && subscribers_.size() < config_.websocket_subscribers_max;
}

std::optional<uint64_t> HttpServer::Impl::add_subscriber(const std::shared_ptr<WebSocketSession>& session) {
  std::lock_guard lock(subscribers_mutex_);
  if (subscribers_closed_ || subscribers_.size() >= config_.websocket_subscribers_max) return std::nullopt;
  const uint64_t subscriber_id = subscriber_id_next_++;
  subscribers_.emplace(subscriber_id, session);
  set_gauge("govchain_rpc_websocket_subscribers", "Connected WebSocket subscribers",
            static_cast<double>(subscribers_.size()));
  return subscriber_id;
}

void HttpServer::Impl::remove_subscriber(uint64_t subscriber_id) {
  std::lock_guard lock(subscribers_mutex_);
  subscribers_.erase(subscriber_id);
  set_gauge("govchain_rpc_websocket_subscribers", "Connected WebSocket subscribers",
            static_cast<double>(subscribers_.size()));
}

size_t HttpServer::Impl::broadcast(std::string_view text) {
  const auto message = std::make_shared<const std::string>(text);
  std::lock_guard lock(subscribers_mutex_);
  size_t queued_count = 0;
  // Bounded by websocket_subscribers_max entries.
  for (auto entry = subscribers_.begin(); entry != subscribers_.end();) {
    const auto session = entry->second.lock();
    const bool keep = session && session->enqueue(message).ok();
    queued_count += keep ? 1 : 0;
    entry = keep ? std::next(entry) : subscribers_.erase(entry);
  }
  set_gauge("govchain_rpc_websocket_subscribers", "Connected WebSocket subscribers",
            static_cast<double>(subscribers_.size()));
  return queued_count;
}

Status HttpServer::Impl::send_to(uint64_t subscriber_id, std::string_view text) {
  const auto message = std::make_shared<const std::string>(text);
  std::lock_guard lock(subscribers_mutex_);
  const auto entry = subscribers_.find(subscriber_id);
  const auto session = entry == subscribers_.end() ? nullptr : entry->second.lock();
  if (!session) return error(Code::not_found, "subscriber " + std::to_string(subscriber_id) + " is not connected");
  Status status = session->enqueue(message);
  if (!status.ok()) subscribers_.erase(entry);
  return status;
}

size_t HttpServer::Impl::subscriber_count() const {
  std::lock_guard lock(subscribers_mutex_);
  return static_cast<size_t>(std::count_if(subscribers_.begin(), subscribers_.end(),
                                           [](const auto& entry) { return !entry.second.expired(); }));
}

void HttpServer::Impl::deliver_message(uint64_t subscriber_id, std::string_view text) {
  if (!websocket_on_message_) return;
  try {
    websocket_on_message_(subscriber_id, text);
  } catch (const std::exception& exception) {
    spdlog::error("rpc: WebSocket message handler threw: {}", exception.what());
  } catch (...) {
    spdlog::error("rpc: WebSocket message handler threw a non-standard exception");
  }
}

// ---------------------------------------------------------------------------
// HttpServer

HttpServer::HttpServer(HttpServerConfig config, std::shared_ptr<Metrics> metrics)
    : impl_(std::make_shared<Impl>(std::move(config), std::move(metrics))) {}

HttpServer::~HttpServer() { impl_->stop(); }

Status HttpServer::add_route(std::string_view method, std::string_view pattern, HttpHandler handler) {
  if (impl_->started()) return error(Code::invalid, "routes must be added before start()");
  return impl_->router_.add(method, pattern, std::move(handler));
}

Status HttpServer::add_websocket(std::string_view path, WebSocketMessageHandler on_message) {
  if (impl_->started()) return error(Code::invalid, "the WebSocket endpoint must be added before start()");
  if (!impl_->websocket_path_.empty()) {
    return error(Code::already_exists, "the WebSocket endpoint is already " + impl_->websocket_path_);
  }
  std::string parameter_prefix;
  GOVCHAIN_TRY(validate_pattern(path, &parameter_prefix));
  if (!parameter_prefix.empty())
    return error(Code::invalid_argument, "the WebSocket path must be exact, without {parameter}");
  impl_->websocket_path_ = std::string(path);
  impl_->websocket_on_message_ = std::move(on_message);
  return Status::ok_status();
}

Status HttpServer::start() { return impl_->start(); }
void HttpServer::stop() { impl_->stop(); }
uint16_t HttpServer::port() const { return impl_->port(); }
size_t HttpServer::broadcast(std::string_view text) {
  try {
    return impl_->broadcast(text);
  } catch (...) {
    return 0;  // only allocation can fail; no subscriber got the message
  }
}
Status HttpServer::send_to(uint64_t subscriber_id, std::string_view text) {
  try {
    return impl_->send_to(subscriber_id, text);
  } catch (...) {
    return error(Code::resource_exhausted, "out of memory while queueing the message");
  }
}
size_t HttpServer::subscriber_count() const { return impl_->subscriber_count(); }
std::string HttpServer::handle_raw(std::string_view request_bytes) { return impl_->handle_raw(request_bytes); }

}  // namespace govchain::rpc
