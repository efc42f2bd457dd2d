// HttpServer: the HTTP/1.1 + WebSocket server on which the node's JSON API sits.
//
// What it does: accepts TCP connections on one listen address, parses requests
// with Boost.Beast under fixed limits, routes each request by method and path
// pattern (router.h) to a handler that the embedder registered, and writes the
// handler's response. Slow handlers run on a bounded worker pool
// (worker_pool.h), never on the threads that accept connections, read
// requests and answer /healthz, /readyz and /metrics. One path may be
// registered as a WebSocket endpoint; the server keeps the set of subscribers
// there and fans out `broadcast()` text to each of them through a bounded
// per-subscriber queue. A subscriber that cannot keep up is disconnected;
// memory never grows with a slow reader. When a Metrics object is attached,
// the server counts requests, latencies and refusals and serves GET /metrics
// in the Prometheus text format.
//
// Limits, each checked where the input enters (docs/decisions/rpc-server.md):
//   - HTTP connections in total and per client address, and WebSocket
//     subscribers in total and per address, as separate budgets
//     (client_limits.h): idle subscribers never take HTTP slots;
//   - requests per second per address (token bucket);
//   - header bytes, body bytes, the bytes of all bodies in flight, and the
//     nesting depth and value count of JSON bodies (json_shape.h), checked
//     before a handler parses anything;
//   - a header deadline (slowloris), a whole-request deadline, and a write
//     deadline; the worker pool's queue, in total and per address.
//
// Errors produced by the server itself are JSON bodies (see json_error.h):
// unknown path 404 `not_found`, wrong method 405 `method_not_allowed`, body
// or JSON over a limit 413 `too_large`, header over the limit 431
// `header_too_large`, too many connections, requests or queued requests of
// one address 429 `resource_exhausted`, a full server or worker pool 503
// `unavailable`, malformed HTTP 400 `malformed`, handler exception 500
// `internal`. A client that is too slow to send its request header
// (slowloris), its request, or to read its response is disconnected without
// an answer.
//
// Ownership: the embedder owns the HttpServer. The server owns its io_context,
// its threads, its worker pool, every connection and a copy of every handler.
// Boost types do not appear in this header.
//
// Thread-safety: add_route(), add_websocket() and the constructor are for set-up
// and must be called before start() from one thread. start(), stop(),
// broadcast(), send_to(), port(), subscriber_count() and handle_raw() are
// thread-safe. Handlers run on the server's threads, possibly on several at
// once: they must be thread-safe. Handlers of io_thread routes must not block.
// No exception leaves this module: handler exceptions become 500 responses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/limits.h"
#include "core/status.h"
#include "rpc/http_types.h"
#include "rpc/json_shape.h"
#include "rpc/router.h"

namespace govchain::rpc {

class Metrics;

struct HttpServerConfig {
  // "host:port" with an IPv4 address or a bracketed IPv6 address
  // ("[::1]:8080"). Port 0 picks a free port; see HttpServer::port().
  std::string listen_address = "127.0.0.1:0";
  // Threads that accept connections, read requests, write responses and run
  // io_thread routes (/healthz, /readyz, /metrics).
  uint32_t threads = 2;
  // Threads that run worker_pool routes (the default for add_route()), and
  // how many requests may wait for one; one more is answered 503 at once.
  uint32_t worker_threads = 2;
  uint64_t worker_queue_max = 64;
  // Requests of one client address waiting for or running on the pool; one
  // more is answered 429.
  uint64_t worker_jobs_per_address_max = 16;
  // A request that waited longer than this for a worker is answered 503
  // instead of being run: its client has most likely given up.
  uint64_t worker_queue_wait_ms_max = 10000;

  uint64_t body_size_bytes_max = limits::rpc_body_size_bytes_max;
  // Bytes of request bodies the server holds at once over all connections,
  // counted from a request's header (its Content-Length, or
  // body_size_bytes_max for a chunked body) until its response is written.
  // A request that would exceed it is answered 503 before its body is read.
  uint64_t bodies_in_flight_size_bytes_max = 64ull * 1024 * 1024;
  // Checked on every request body before a handler sees it.
  JsonShapeLimits json_shape;
  // Request line plus all header fields.
  uint64_t header_size_bytes_max = 16 * 1024;

  // Open HTTP connections (WebSocket subscribers have their own budget),
  // in total and per client address (an IPv4 address or an IPv6 /64).
  // One more connection is answered 503 (total) or 429 (per address) and
  // closed; while 64 such answers are being written, further ones are closed
  // without an answer.
  uint64_t connections_max = limits::rpc_connections_max;
  uint64_t connections_per_address_max = 32;
  // When every connection slot is taken, a new connection closes the one
  // that has waited longest for a request header, if that one has waited at
  // least this long (an honest client sends its header within a round trip;
  // slowloris sockets and idle keep-alive connections wait).
  uint64_t idle_evictable_after_ms = 1000;
  // Token bucket per client address; 0 turns the rate limit off. A request
  // over the rate is answered 429 with Retry-After.
  uint64_t requests_per_second_per_address = 1000;
  uint64_t request_burst_per_address = 1000;

  // Time a client has to send the request line and headers, counted from
  // the connection's start or the end of the previous response; also the
  // longest idle time of a keep-alive connection.
  uint64_t header_timeout_ms = 5000;
  // Time a client has to send one whole request, header and body, counted
  // from the same start; also bounds writing a response.
  uint64_t timeout_ms = limits::rpc_timeout_ms;

  uint64_t websocket_subscribers_max = 1024;
  uint64_t websocket_subscribers_per_address_max = 32;
  // Per-subscriber send queue. A broadcast that would exceed either bound
  // disconnects that subscriber instead of queueing.
  uint64_t websocket_queue_messages_max = 1024;
  uint64_t websocket_queue_size_bytes_max = 16 * 1024 * 1024;
  // Largest message a subscriber may send to the server.
  uint64_t websocket_message_size_bytes_max = 64 * 1024;
  // A subscriber that sends nothing (not even a pong) for this long is
  // disconnected; the server pings it after half of this time.
  uint64_t websocket_idle_timeout_ms = 60000;

  // Origins whose browser pages may call cross-origin routes (GET routes
  // and those registered with CrossOrigin::allow): "*" for any origin,
  // otherwise exact origins such as "https://portal.soest.de". Empty turns
  // CORS off.
  std::vector<std::string> cors_allowed_origins = {"*"};

  // With a Metrics object attached, whether GET /metrics is served here
  // (false: the server only counts into it, and another listener serves it).
  bool serve_metrics = true;
};

class HttpServer {
 public:
  // `metrics` may be null; when set, the server registers its own metric
  // families there and serves GET /metrics. The server shares ownership.
  explicit HttpServer(HttpServerConfig config, std::shared_ptr<Metrics> metrics = nullptr);
  // Stops the server (see stop()).
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Registers `handler` for `method` ("GET", "POST", ...) and `pattern` (see
  // router.h for patterns, execution and cross-origin options). Fails with
  // invalid_argument for a malformed pattern or method, already_exists for a
  // duplicate, and invalid if the server was started.
  Status add_route(std::string_view method, std::string_view pattern, HttpHandler handler, RouteOptions options = {});

  // Makes `path` (exact, e.g. "/v1/events") the WebSocket endpoint: a GET
  // with an Upgrade: websocket header there becomes a subscriber. At most one
  // endpoint; same failure rules as add_route(). `on_message` may be empty.
  Status add_websocket(std::string_view path, WebSocketMessageHandler on_message = nullptr);

  // Binds, listens and starts the threads. Fails with invalid_argument for
  // a bad config, io_error if the address cannot be bound, and invalid if
  // called twice. A stopped server cannot be started again.
  Status start();

  // Closes the listener and every connection, drops queued requests, waits
  // for running handlers and joins the threads. Safe to call twice and
  // without start(); must not be called from a handler.
  void stop();

  // The bound port after a successful start(), otherwise 0.
  uint16_t port() const;

  // Queues `text` for every current subscriber; returns how many subscribers
  // it was queued for. Subscribers whose queue is full are disconnected.
  size_t broadcast(std::string_view text);

  // Sends `text` to one subscriber; not_found if it is gone, and
  // resource_exhausted (and disconnection) if its queue is full.
  Status send_to(uint64_t subscriber_id, std::string_view text);

  size_t subscriber_count() const;

  // Parses `request_bytes` as one HTTP/1.1 request under the configured
  // limits, routes it exactly like a request from the network (including
  // /metrics and error responses; worker_pool routes run on the calling
  // thread), and returns the serialised response. Needs no start() and no
  // sockets; for fuzzing and tests. Connection and rate limits, which need
  // a client address, do not apply. A WebSocket upgrade request is answered
  // as a plain request to that path would be.
  std::string handle_raw(std::string_view request_bytes);

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace govchain::rpc
