// HttpServer: the HTTP/1.1 + WebSocket server on which the node's JSON API sits.
//
// What it does: accepts TCP connections on one listen address, parses requests
// with Boost.Beast under fixed limits (header bytes, body bytes, connections,
// read/idle timeout), routes each request by method and path pattern to a
// handler that the embedder registered, and writes the handler's response.
// One path may be registered as a WebSocket endpoint; the server keeps the set
// of subscribers there and fans out `broadcast()` text to each of them through
// a bounded per-subscriber queue. A subscriber that cannot keep up is
// disconnected; memory never grows with a slow reader. When a Metrics object
// is attached, the server counts requests and latencies per route pattern and
// serves GET /metrics in the Prometheus text format.
//
// Errors produced by the server itself are JSON bodies (see json_error.h):
// unknown path 404 `not_found`, wrong method 405 `method_not_allowed`, body
// over the limit 413 `too_large`, header over the limit 431
// `header_too_large`, too many connections 503 `unavailable`, malformed HTTP
// 400 `malformed`, handler exception 500 `internal`. A client that is too
// slow to send its request (slowloris) or idle longer than the timeout is
// disconnected without a response.
//
// Ownership: the embedder owns the HttpServer. The server owns its io_context,
// its threads, every connection and a copy of every handler. Boost types do
// not appear in this header.
//
// Thread-safety: add_route(), add_websocket() and the constructor are for set-up
// and must be called before start() from one thread. start(), stop(),
// broadcast(), port(), subscriber_count() and handle_raw() are thread-safe.
// Handlers run on the server's threads, possibly on several at once: they must
// be thread-safe and must not block for long (they hold a server thread).
// No exception leaves this module: handler exceptions become 500 responses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/limits.h"
#include "core/status.h"

namespace govchain::rpc {

class Metrics;

struct HttpServerConfig {
  // "host:port" with an IPv4 address or a bracketed IPv6 address
  // ("[::1]:8080"). Port 0 picks a free port; see HttpServer::port().
  std::string listen_address = "127.0.0.1:0";
  // Threads that run the server's io_context (and therefore the handlers).
  uint32_t threads = 2;
  uint64_t body_size_bytes_max = limits::rpc_body_size_bytes_max;
  // Request line plus all header fields.
  uint64_t header_size_bytes_max = 16 * 1024;
  // Open TCP connections, HTTP and WebSocket together. One more is answered
  // with 503 and closed; beyond twice this number connections are closed
  // without an answer.
  uint64_t connections_max = limits::rpc_connections_max;
  // Time a client has to send one complete request, and the longest idle
  // time of a keep-alive connection; also bounds writing a response.
  uint64_t timeout_ms = limits::rpc_timeout_ms;
  uint64_t websocket_subscribers_max = 1024;
  // Per-subscriber send queue. A broadcast that would exceed either bound
  // disconnects that subscriber instead of queueing.
  uint64_t websocket_queue_messages_max = 1024;
  uint64_t websocket_queue_size_bytes_max = 16 * 1024 * 1024;
  // Largest message a subscriber may send to the server.
  uint64_t websocket_message_size_bytes_max = 64 * 1024;
  // A subscriber that sends nothing (not even a pong) for this long is
  // disconnected; the server pings it after half of this time.
  uint64_t websocket_idle_timeout_ms = 60000;
};

// One request as a handler sees it. The server owns it; it lives for the
// duration of the handler call only, so copy what must outlive the call.
struct HttpRequest {
  std::string method;  // upper case, as sent: "GET", "POST", ...
  std::string target;  // raw request target: path and query, percent-encoded
  std::string path;    // path of the target, without the query, not decoded
  // Pattern of the matched route, e.g. "/v1/txs/{hash}".
  std::string route_pattern;
  // Percent-decoded value of the trailing {parameter}; empty for exact routes.
  std::string path_parameter;
  // Percent-decoded query parameters in order of appearance; "+" means space.
  std::vector<std::pair<std::string, std::string>> query_parameters;
  // Header fields with lower-case names, in order of appearance.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_address;  // "ip:port" of the peer; empty in handle_raw()

  // First query parameter named `name`, if any.
  std::optional<std::string_view> query(std::string_view name) const;
  // True when the query parameter is present as "1", "true" or "yes"
  // (`?proof=true`), false when absent or anything else.
  bool query_flag(std::string_view name) const;
  // First header field named `name` (case-insensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Extra header fields, e.g. {"Cache-Control", "no-store"}. Content-Type,
  // Content-Length, Connection and Server are set by the server; fields with
  // CR or LF in name or value are dropped.
  std::vector<std::pair<std::string, std::string>> headers;
};

// A JSON error response; see json_error.h for the body shape.
HttpResponse json_error(unsigned http_status, std::string_view code, std::string_view message);
// A JSON error response for a non-ok Status: HTTP status from
// http_status_for(), code from code_name(), the Status message as message.
HttpResponse json_error(const Status& status);
// A 200 (or `http_status`) response with a JSON body the caller serialised.
HttpResponse json_response(std::string body, unsigned http_status = 200);

// Must be thread-safe (see the header comment). Exceptions are caught.
using HttpHandler = std::function<HttpResponse(const HttpRequest& request)>;
// Called for each text message a WebSocket subscriber sends (e.g. a filter).
// Runs on a server thread; must be thread-safe. Exceptions are caught.
using WebSocketMessageHandler = std::function<void(uint64_t subscriber_id, std::string_view text)>;

class HttpServer {
 public:
  // `metrics` may be null; when set, the server registers its own metric
  // families there and serves GET /metrics. The server shares ownership.
  explicit HttpServer(HttpServerConfig config, std::shared_ptr<Metrics> metrics = nullptr);
  // Stops the server (see stop()).
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Registers `handler` for `method` ("GET", "POST", ...) and `pattern`.
  // A pattern is either an exact path ("/v1/status") or a path whose last
  // segment is one parameter ("/v1/txs/{hash}"); the parameter matches one
  // non-empty segment without "/". Exact patterns win over parameter
  // patterns. Fails with invalid_argument for a malformed pattern or method,
  // already_exists for a duplicate, and invalid if the server was started.
  Status add_route(std::string_view method, std::string_view pattern, HttpHandler handler);

  // Makes `path` (exact, e.g. "/v1/events") the WebSocket endpoint: a GET
  // with an Upgrade: websocket header there becomes a subscriber. At most one
  // endpoint; same failure rules as add_route(). `on_message` may be empty.
  Status add_websocket(std::string_view path, WebSocketMessageHandler on_message = nullptr);

  // Binds, listens and starts the threads. Fails with invalid_argument for
  // a bad config, io_error if the address cannot be bound, and invalid if
  // called twice. A stopped server cannot be started again.
  Status start();

  // Closes the listener and every connection, and joins the threads. Safe to
  // call twice and without start(); must not be called from a handler.
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
  // /metrics and error responses), and returns the serialised response.
  // Needs no start() and no sockets; for fuzzing and tests. A WebSocket
  // upgrade request is answered as a plain request to that path would be.
  std::string handle_raw(std::string_view request_bytes);

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace govchain::rpc
