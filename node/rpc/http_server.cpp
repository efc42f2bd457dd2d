// The HttpServer facade and its lifecycle: configuration checks, the
// io_context and its threads, the acceptor, and admission of each accepted
// connection against the connection budget (client_limits.h). The request
// pipeline lives in server_core.*, the sessions in http_session.* and
// websocket_session.*, routing in router.*.
//
// Threads: one io_context runs on config.threads threads. Every connection
// lives on its own strand, so a session's handlers never run concurrently.
// The acceptor has its own strand too. Worker-pool handlers run on the
// pool's threads.
//
// Lifetime: sessions are owned by the handlers pending in the io_context and
// by queued pool jobs (shared_from_this). stop() closes the subscriber set,
// stops the io_context and joins its threads, stops the pool (dropping the
// queued jobs, waiting for the running ones), and then destroys the
// io_context, which destroys every pending handler and with it every session
// and socket. The ServerCore outlives all of them, so sessions may hold a
// plain reference to it.
//
// Exceptions: Beast and Asio calls use error_code overloads. Handler calls,
// response building and the io_context run loop are wrapped in try/catch, so
// nothing escapes to the embedder and no thread dies.
#include "rpc/http_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <charconv>
#include <mutex>
#include <thread>

#include "rpc/client_limits.h"
#include "rpc/http_session.h"
#include "rpc/metrics.h"
#include "rpc/server_core.h"

namespace govchain::rpc {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr uint64_t threads_max = 64;

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
  if (config.threads == 0 || config.threads > threads_max || config.worker_threads == 0 ||
      config.worker_threads > threads_max) {
    return error(Code::invalid_argument, "threads and worker_threads must be 1.." + std::to_string(threads_max));
  }
  const std::pair<const char*, uint64_t> positive[] = {
      {"body_size_bytes_max", config.body_size_bytes_max},
      {"header_size_bytes_max", config.header_size_bytes_max},
      {"connections_max", config.connections_max},
      {"connections_per_address_max", config.connections_per_address_max},
      {"header_timeout_ms", config.header_timeout_ms},
      {"timeout_ms", config.timeout_ms},
      {"worker_queue_max", config.worker_queue_max},
      {"worker_jobs_per_address_max", config.worker_jobs_per_address_max},
      {"worker_queue_wait_ms_max", config.worker_queue_wait_ms_max},
      {"json_shape.depth_max", config.json_shape.depth_max},
      {"json_shape.values_max", config.json_shape.values_max},
      {"websocket_subscribers_per_address_max", config.websocket_subscribers_per_address_max},
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
  if (config.bodies_in_flight_size_bytes_max < config.body_size_bytes_max) {
    return error(Code::invalid_argument, "bodies_in_flight_size_bytes_max must be at least body_size_bytes_max");
  }
  if (config.requests_per_second_per_address > 1'000'000 ||
      (config.requests_per_second_per_address > 0 && config.request_burst_per_address == 0)) {
    return error(Code::invalid_argument,
                 "requests_per_second_per_address must be at most 1000000, with a burst of at least 1");
  }
  return Status::ok_status();
}

}  // namespace

// ---------------------------------------------------------------------------
// Impl: lifecycle and admission

class HttpServer::Impl {
 public:
  Impl(HttpServerConfig config, std::shared_ptr<Metrics> metrics) : core(std::move(config), std::move(metrics)) {}

  // Declared first, destroyed last: sessions refer to it.
  ServerCore core;

  Status start();
  void stop();
  bool started() const;
  uint16_t port() const { return bound_port_.load(); }
  std::string handle_raw(std::string_view request_bytes);

 private:
  Status listen(const tcp::endpoint& endpoint);
  void do_accept();
  void on_accept(const beast::error_code& accept_error, tcp::socket socket);
  void admit(tcp::socket socket);
  void run_thread();
  // Stops and joins; the caller holds lifecycle_mutex_.
  void shut_down_locked();

  mutable std::mutex lifecycle_mutex_;
  enum class State { created, running, stopped } state_ = State::created;
  std::unique_ptr<net::io_context> io_context_;
  std::optional<tcp::acceptor> acceptor_;
  // Delays the next accept after an error such as "too many open files", so
  // that the acceptor does not spin.
  std::optional<net::steady_timer> accept_retry_timer_;
  std::vector<std::thread> threads_;
  std::atomic<uint16_t> bound_port_{0};
};

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

// A connection takes a slot of the HTTP connection budget of its address.
// When all slots are taken, the longest waiter for a request header makes
// room. Without a slot a connection gets a short 503 or 429, or, while many
// such answers are being written already, is closed at once: even an answer
// costs a socket.
void HttpServer::Impl::admit(tcp::socket socket) {
  beast::error_code endpoint_error;
  const auto endpoint = socket.remote_endpoint(endpoint_error);
  if (endpoint_error) return;  // reset before we got to it; the socket closes
  std::string address_key = client_address_key(endpoint.address().to_string());
  ClientSlot slot;
  Admission admission = core.limits.acquire(ClientBudget::connection, address_key, &slot);
  if (admission == Admission::over_total) {
    // Every slot is taken: make room by closing the connection that has
    // waited longest for a request header (HeaderWaiters).
    if (const auto idle =
            core.header_waiters.take_oldest(std::chrono::milliseconds(core.config.idle_evictable_after_ms))) {
      idle->evict();
      core.count_idle_eviction();
      admission = core.limits.acquire(ClientBudget::connection, address_key, &slot, true);
    }
  }
  if (admission == Admission::admitted) {
    std::make_shared<HttpSession>(core, std::move(socket), std::move(address_key), std::move(slot))->run();
    return;
  }
  const Refusal refusal = admission == Admission::over_total ? Refusal::connections : Refusal::connections_per_address;
  core.count_refusal(refusal);
  if (!core.begin_refusal_answer()) {
    beast::error_code ignored;
    socket.close(ignored);
    return;
  }
  auto session = std::make_shared<HttpSession>(core, std::move(socket), std::move(address_key), ClientSlot{});
  session->reject(core.refusal_response(refusal));
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

Status HttpServer::Impl::listen(const tcp::endpoint& endpoint) {
  beast::error_code bind_error;
  acceptor_->open(endpoint.protocol(), bind_error);
  if (!bind_error) acceptor_->set_option(net::socket_base::reuse_address(true), bind_error);
  if (!bind_error) acceptor_->bind(endpoint, bind_error);
  if (!bind_error) acceptor_->listen(net::socket_base::max_listen_connections, bind_error);
  const auto local_endpoint = bind_error ? tcp::endpoint() : acceptor_->local_endpoint(bind_error);
  if (bind_error) {
    return error(Code::io_error, "cannot listen on " + core.config.listen_address + ": " + bind_error.message());
  }
  bound_port_ = local_endpoint.port();
  return Status::ok_status();
}

Status HttpServer::Impl::start() {
  std::lock_guard lock(lifecycle_mutex_);
  if (state_ != State::created) return error(Code::invalid, "the server was already started; create a new one");
  GOVCHAIN_TRY(validate_config(core.config));
  GOVCHAIN_ASSIGN_OR_RETURN(const tcp::endpoint endpoint, parse_listen_address(core.config.listen_address));
  io_context_ = std::make_unique<net::io_context>(static_cast<int>(core.config.threads));
  acceptor_.emplace(net::make_strand(*io_context_));
  accept_retry_timer_.emplace(acceptor_->get_executor());
  if (Status listening = listen(endpoint); !listening.ok()) {
    accept_retry_timer_.reset();
    acceptor_.reset();
    io_context_.reset();
    return listening;
  }
  Status pool_started = core.pool.start();
  if (pool_started.ok()) do_accept();
  try {
    for (uint32_t index = 0; pool_started.ok() && index < core.config.threads; ++index) {
      threads_.emplace_back([this] { run_thread(); });
    }
  } catch (const std::exception& exception) {
    pool_started = error(Code::resource_exhausted, std::string("cannot start server threads: ") + exception.what());
  }
  if (!pool_started.ok()) {
    shut_down_locked();
    return pool_started;
  }
  state_ = State::running;
  return Status::ok_status();
}

void HttpServer::Impl::shut_down_locked() {
  core.subscribers.close();
  io_context_->stop();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
  // Running handlers finish and post their answers into the stopped
  // io_context, where they are destroyed with it below.
  core.pool.stop();
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

std::string HttpServer::Impl::handle_raw(std::string_view request_bytes) {
  try {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(core.config.header_size_bytes_max));
    parser.body_limit(core.config.body_size_bytes_max);
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
    if (parse_error) return serialize(core.parse_error_response(parse_error));
    BeastRequest request = parser.release();
    Dispatch dispatched = core.dispatch(request, "");
    if (dispatched.call) return serialize(core.run_call(*dispatched.call, SteadyClock::now()));
    return serialize(*dispatched.response);
  } catch (...) {
    return serialize(internal_error_response());
  }
}

// ---------------------------------------------------------------------------
// HttpServer

HttpServer::HttpServer(HttpServerConfig config, std::shared_ptr<Metrics> metrics)
    : impl_(std::make_shared<Impl>(std::move(config), std::move(metrics))) {}

HttpServer::~HttpServer() { impl_->stop(); }

Status HttpServer::add_route(std::string_view method, std::string_view pattern, HttpHandler handler,
                             RouteOptions options) {
  if (impl_->started()) return error(Code::invalid, "routes must be added before start()");
  return impl_->core.router.add(method, pattern, std::move(handler), options);
}

Status HttpServer::add_websocket(std::string_view path, WebSocketMessageHandler on_message) {
  if (impl_->started()) return error(Code::invalid, "the WebSocket endpoint must be added before start()");
  if (!impl_->core.websocket_path.empty()) {
    return error(Code::already_exists, "the WebSocket endpoint is already " + impl_->core.websocket_path);
  }
  std::string parameter_prefix;
  GOVCHAIN_TRY(validate_pattern(path, &parameter_prefix));
  if (!parameter_prefix.empty()) {
    return error(Code::invalid_argument, "the WebSocket path must be exact, without {parameter}");
  }
  impl_->core.websocket_path = std::string(path);
  impl_->core.websocket_on_message = std::move(on_message);
  return Status::ok_status();
}

Status HttpServer::start() { return impl_->start(); }
void HttpServer::stop() { impl_->stop(); }
uint16_t HttpServer::port() const { return impl_->port(); }
size_t HttpServer::broadcast(std::string_view text) {
  try {
    return impl_->core.subscribers.broadcast(text);
  } catch (...) {
    return 0;  // only allocation can fail; no subscriber got the message
  }
}
Status HttpServer::send_to(uint64_t subscriber_id, std::string_view text) {
  try {
    return impl_->core.subscribers.send_to(subscriber_id, text);
  } catch (...) {
    return error(Code::resource_exhausted, "out of memory while queueing the message");
  }
}
size_t HttpServer::subscriber_count() const { return impl_->core.subscribers.count(); }
std::string HttpServer::handle_raw(std::string_view request_bytes) { return impl_->handle_raw(request_bytes); }

}  // namespace govchain::rpc
