// Internal to govchain_client: one blocking HTTP/1.1 exchange over TCP or
// TLS with an overall deadline (Boost.Beast, OpenSSL). Not part of the
// public API; the Client is the interface. Boost and OpenSSL types stay
// inside http_transport.cpp.
//
// TLS: the server's certificate is always checked, against the CA
// certificates of `ca_file` when given (only those), else against the
// system's store (/etc/ssl/certs); the certificate must name the URL's host
// (a DNS name, or an IP address in its subjectAltName). There is no option
// to skip the check.
//
// Each call opens its own connection and io_context, so concurrent calls from
// several threads are safe and share nothing but the TLS settings of one
// CA file, which are loaded once per process and read-only afterwards.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace govchain::client::detail {

struct HttpEndpoint {
  std::string host;
  std::string port;         // decimal text, as the resolver wants it
  std::string path_prefix;  // "" or "/something" without a trailing slash
  bool tls = false;         // https
  std::string ca_file;      // PEM CA certificates to trust for https; empty: the system's
  // "http://host:port" or "https://host:port", for messages.
  std::string origin() const { return (tls ? "https://" : "http://") + host + ":" + port; }
};

// Parses "http://host:port[/prefix]" (port defaults to 80) or
// "https://host:port[/prefix]" (port defaults to 443). Other schemes are
// Code::invalid_argument.
Result<HttpEndpoint> parse_node_url(std::string_view url);
// parse_node_url() with the CA file for https; a CA file with an http URL
// is refused (it would suggest a protection that is not there).
Result<HttpEndpoint> endpoint_for(std::string_view url, std::string_view ca_file);

struct HttpAnswer {
  unsigned status = 0;
  std::string body;
  uint64_t retry_after_s = 0;  // the Retry-After header in seconds; 0 when absent or not a number
};

struct HttpLimits {
  uint64_t timeout_ms = 10000;                          // connect + TLS handshake + send + receive
  uint64_t response_size_bytes_max = 32 * 1024 * 1024;  // body
  // A 429 answer with Retry-After (the node's per-address request rate) is
  // sent again after it (at most rate_limited_wait_s_max seconds per wait), at
  // most this many times; then the 429 is returned. 0: never sent again.
  uint64_t rate_limited_retries_max = 3;
  uint64_t rate_limited_wait_s_max = 5;
};

// Reads a Retry-After header value given in seconds (an HTTP date or other
// text gives 0).
uint64_t retry_after_seconds(std::string_view header_value);

// Runs `exchange_once` and, while it answers 429 with a Retry-After in
// seconds and retries are left, waits that long (capped by the limits) and
// runs it again; a 429 without Retry-After is returned at once. Every request the SDK sends is safe to repeat: reads,
// and a signed transaction that a 429 answer did not admit.
Result<HttpAnswer> retry_when_rate_limited(const HttpLimits& limits,
                                           const std::function<Result<HttpAnswer>()>& exchange_once);

// Sends `method` `target` (path and query, appended to the prefix) with
// `body` (JSON when not empty) and returns the status and body of the answer.
// Failures: Code::unavailable (cannot resolve or connect, connection broken,
// TLS handshake or certificate check failed: the message says why),
// Code::timeout (deadline passed), Code::too_large (answer over the limit),
// Code::not_found (the CA file cannot be read). A 429 answer is sent again
// as retry_when_rate_limited() says.
Result<HttpAnswer> http_exchange(const HttpEndpoint& endpoint, std::string_view method, std::string_view target,
                                 std::string_view body, const HttpLimits& limits);
// http_exchange() without sending a 429 answer again.
Result<HttpAnswer> http_exchange_once(const HttpEndpoint& endpoint, std::string_view method, std::string_view target,
                                      std::string_view body, const HttpLimits& limits);

}  // namespace govchain::client::detail
