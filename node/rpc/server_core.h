// Internal to govchain_rpc (includes Beast; never include it from outside
// node/rpc). ServerCore is the state the HTTP server's sessions share: the
// configuration, the router, the client limits, the worker pool, the
// subscriber set and the metrics; and the request pipeline that turns a
// parsed request into a response or into a handler call for the worker
// pool.
//
// Ownership: HttpServer::Impl owns the ServerCore and destroys it only after
// the io_context (and with it every session) is gone, so sessions hold a
// plain reference.
//
// Thread-safety: the configuration, router and WebSocket endpoint are set
// before start() and read-only afterwards. Every other member function is
// thread-safe (ClientLimits, WorkerPool, SubscriberSet and Metrics are).
#pragma once

#include <atomic>
#include <boost/beast/http.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "rpc/client_limits.h"
#include "rpc/http_server.h"
#include "rpc/metrics.h"
#include "rpc/router.h"
#include "rpc/websocket_session.h"
#include "rpc/worker_pool.h"

namespace govchain::rpc {

namespace http = boost::beast::http;
using BeastRequest = http::request<http::string_body>;
using BeastResponse = http::response<http::string_body>;
using SteadyClock = std::chrono::steady_clock;

// Why the server refused a connection or request before any handler ran.
// Each is a label value of govchain_rpc_refused_total{reason}.
enum class Refusal {
  connections,              // 503: all HTTP connection slots are taken
  connections_per_address,  // 429: this address holds its share
  subscribers,              // 503: all WebSocket subscriber slots are taken
  subscribers_per_address,  // 429
  rate,                     // 429: over the request rate of the address
  workers,                  // 503: the worker pool's queue is full
  workers_per_address,      // 429
  worker_queue_wait,        // 503: waited too long for a worker
  bodies_in_flight,         // 503: too many body bytes held at once
  json_shape,               // 413: JSON too deep or too many values
};
std::string_view refusal_label(Refusal refusal);

// What the pipeline knows about a request when it builds the response.
struct RequestContext {
  std::string route_label = "unmatched";  // metric label: pattern or fixed word
  std::string method;
  unsigned version = 11;
  bool keep_alive = true;
  bool head = false;
  bool cross_origin = false;  // the matched route allows cross-origin calls
  std::string origin;         // the request's Origin header, if any
  SteadyClock::time_point start = SteadyClock::now();
};

// A request whose handler must run on the worker pool.
struct PooledCall {
  const Route* route = nullptr;
  HttpRequest request;
  RequestContext context;
};

// The pipeline's result: an answer now, or a call for the pool.
struct Dispatch {
  std::optional<BeastResponse> response;
  std::optional<PooledCall> call;
};

// Bytes of request bodies held at once; see
// HttpServerConfig::bodies_in_flight_size_bytes_max. Move-only; gives the
// bytes back when destroyed.
class BodyReservation {
 public:
  BodyReservation() = default;
  BodyReservation(std::atomic<uint64_t>* in_flight, uint64_t size_bytes)
      : in_flight_(in_flight), size_bytes_(size_bytes) {}
  ~BodyReservation() { release(); }
  BodyReservation(BodyReservation&& other) noexcept
      : in_flight_(std::exchange(other.in_flight_, nullptr)), size_bytes_(other.size_bytes_) {}
  BodyReservation& operator=(BodyReservation&& other) noexcept {
    if (this != &other) {
      release();
      in_flight_ = std::exchange(other.in_flight_, nullptr);
      size_bytes_ = other.size_bytes_;
    }
    return *this;
  }
  void release() {
    if (in_flight_ != nullptr) in_flight_->fetch_sub(size_bytes_);
    in_flight_ = nullptr;
  }

 private:
  std::atomic<uint64_t>* in_flight_ = nullptr;
  uint64_t size_bytes_ = 0;
};

class HttpSession;

// HTTP connections waiting for a request header: new ones, and keep-alive
// ones between requests. When every connection slot is taken, the server
// closes the one that has waited longest (if it has waited at least a
// second) to admit a new connection: an honest client sends its header
// within a round trip of connecting, so the longest waiter is most likely a
// slowloris socket or an idle keep-alive connection, and neither can keep
// others out while the pool of addresses is large enough to fill the total.
// Thread-safe (one mutex; at most connections_max entries).
class HeaderWaiters {
 public:
  uint64_t add(std::weak_ptr<HttpSession> session);
  void remove(uint64_t waiter_id);
  // Removes and returns the oldest live waiter that has waited at least
  // `age_min`; null when there is none.
  std::shared_ptr<HttpSession> take_oldest(SteadyClock::duration age_min);

 private:
  struct Waiter {
    std::weak_ptr<HttpSession> session;
    SteadyClock::time_point since;
  };
  std::mutex mutex_;
  std::map<uint64_t, Waiter> waiters_;  // by id, which grows with time
  uint64_t next_id_ = 1;
};

class ServerCore {
 public:
  ServerCore(HttpServerConfig config, std::shared_ptr<Metrics> metrics);

  const HttpServerConfig config;
  Router router;
  std::string websocket_path;
  WebSocketMessageHandler websocket_on_message;
  ClientLimits limits;
  WorkerPool pool;
  SubscriberSet subscribers;
  HeaderWaiters header_waiters;

  // The pipeline for a complete request: routing, decoding, the JSON shape
  // check, io_thread handlers. `request`'s body is moved into the call.
  Dispatch dispatch(BeastRequest& request, const std::string& remote_address);
  // Runs a pooled call's handler (on a worker) and builds its response;
  // answers 503 instead when the call waited longer than allowed.
  BeastResponse run_call(PooledCall& call, SteadyClock::time_point queued_at);
  // The response for a request that could not be parsed.
  BeastResponse parse_error_response(const boost::system::error_code& parse_error);
  // The answer for a refusal; `context` may carry the request's Origin.
  BeastResponse refusal_response(Refusal refusal, const RequestContext& context = {});

  // Reserves `size_bytes` of the in-flight body budget; nullopt when full.
  std::optional<BodyReservation> reserve_body(uint64_t size_bytes);

  // Counts a refusal, a timeout or a slow subscriber in the metrics.
  void count_refusal(Refusal refusal);
  void count_timeout();
  void count_slow_subscriber();
  void count_idle_eviction();
  // The bound on refusal answers being written at once; false when the
  // caller should close the connection without an answer.
  bool begin_refusal_answer();
  void end_refusal_answer();

  // Hands a subscriber's text message to the embedder's callback.
  void deliver_message(uint64_t subscriber_id, std::string_view text);
  // Counts one request in govchain_rpc_requests_total and its latency.
  void record_request(const std::string& route_label, std::string_view method, unsigned status,
                      SteadyClock::duration elapsed);

 private:
  HttpResponse route(BeastRequest& request, const std::string& remote_address, RequestContext& context,
                     std::optional<PooledCall>& call);
  HttpResponse route_metrics(std::string_view method);
  HttpResponse preflight(const BeastRequest& request, const RouteMatch& match, std::string_view path);
  Result<HttpRequest> request_view(const Route& route, std::string_view path, std::string_view parameter,
                                   std::string_view query, BeastRequest& request, const std::string& remote_address);
  HttpResponse call_handler(const Route& route, const HttpRequest& request);
  BeastResponse finish(const HttpResponse& response, const RequestContext& context);
  std::optional<std::string> allowed_origin(std::string_view origin) const;
  void refresh_gauges();
  void increment(std::string_view name, std::string_view help, const MetricLabels* labels = nullptr);

  std::shared_ptr<Metrics> metrics_;
  std::atomic<uint64_t> bodies_in_flight_size_bytes_{0};
  std::atomic<uint64_t> refusal_answers_open_{0};
};

// Builds a Beast response from a handler's response (never throws except
// std::bad_alloc); drops reserved and malformed header fields.
BeastResponse to_beast_response(const HttpResponse& response, unsigned version, bool keep_alive);
// The last resort when building a response failed (only allocation can).
BeastResponse internal_error_response();
std::string serialize(const BeastResponse& response);

}  // namespace govchain::rpc
