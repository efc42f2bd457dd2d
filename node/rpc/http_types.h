// The values the HTTP server hands to route handlers and gets back from them:
// one request (HttpRequest), one response (HttpResponse), the handler types,
// and helpers that build JSON responses in the one error shape of the API
// (see json_error.h).
//
// Ownership: plain values. A handler gets a const reference to a request that
// the server owns for the duration of the call only; it returns its response
// by value.
//
// Thread-safety: the types are plain values; the helper functions are pure
// and safe to call from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace govchain::rpc {

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

// Must be thread-safe: the server calls handlers from several threads at
// once. Exceptions are caught and become 500 responses.
using HttpHandler = std::function<HttpResponse(const HttpRequest& request)>;
// Called for each text message a WebSocket subscriber sends (e.g. a filter).
// Runs on a server thread; must be thread-safe. Exceptions are caught.
using WebSocketMessageHandler = std::function<void(uint64_t subscriber_id, std::string_view text)>;

}  // namespace govchain::rpc
