// Internal to govchain_client: one blocking HTTP/1.1 exchange over plain TCP
// with an overall deadline (Boost.Beast). Not part of the public API; the
// Client is the interface. Boost types stay inside http_transport.cpp.
//
// Each call opens its own connection and io_context, so concurrent calls from
// several threads are safe and share nothing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace govchain::client::detail {

struct HttpEndpoint {
  std::string host;
  std::string port;         // decimal text, as the resolver wants it
  std::string path_prefix;  // "" or "/something" without a trailing slash
};

// Parses "http://host:port[/prefix]" (port defaults to 80). https and other
// schemes are Code::invalid_argument.
Result<HttpEndpoint> parse_node_url(std::string_view url);

struct HttpAnswer {
  unsigned status = 0;
  std::string body;
};

struct HttpLimits {
  uint64_t timeout_ms = 10000;                          // connect + send + receive
  uint64_t response_size_bytes_max = 32 * 1024 * 1024;  // body
};

// Sends `method` `target` (path and query, appended to the prefix) with
// `body` (JSON when not empty) and returns the status and body of the answer.
// Failures: Code::unavailable (cannot resolve or connect, connection broken),
// Code::timeout (deadline passed), Code::too_large (answer over the limit).
Result<HttpAnswer> http_exchange(const HttpEndpoint& endpoint, std::string_view method, std::string_view target,
                                 std::string_view body, const HttpLimits& limits);

}  // namespace govchain::client::detail
