// One HTTP exchange with a deadline, over TCP or TLS. The operations are
// asynchronous only so that a single io_context::run_for() can bound the
// whole exchange (resolve, connect, TLS handshake, write, read); the
// function itself blocks. Every Boost exception is caught here.
#include "client/http_transport.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>

namespace govchain::client::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

Result<HttpEndpoint> parse_node_url(std::string_view url) {
  bool tls = url.substr(0, 8) == "https://";
  if (!tls && url.substr(0, 7) != "http://")
    return error(Code::invalid_argument,
                 "node URL must start with http:// or https://, e.g. http://127.0.0.1:26657 or "
                 "https://node.example.de");
  std::string_view rest = url.substr(tls ? 8 : 7);
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string prefix = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (authority.empty()) return error(Code::invalid_argument, "node URL has no host: " + std::string(url));
  HttpEndpoint endpoint;
  endpoint.tls = tls;
  endpoint.path_prefix = prefix;
  size_t colon = authority.rfind(':');
  bool bracketed = !authority.empty() && authority.front() == '[';
  if (colon != std::string_view::npos && (!bracketed || authority.find(']') < colon)) {
    endpoint.host = std::string(authority.substr(0, colon));
    endpoint.port = std::string(authority.substr(colon + 1));
  } else {
    endpoint.host = std::string(authority);
    endpoint.port = tls ? "443" : "80";
  }
  if (bracketed && endpoint.host.size() >= 2) endpoint.host = endpoint.host.substr(1, endpoint.host.size() - 2);
  if (endpoint.host.empty() || endpoint.port.empty() || endpoint.port.size() > 5 ||
      endpoint.port.find_first_not_of("0123456789") != std::string::npos || std::stoul(endpoint.port) > 65535 ||
      endpoint.host.find_first_of(" \t\r\n@") != std::string::npos)
    return error(Code::invalid_argument, "node URL needs host and a port 1..65535: " + std::string(url));
  return endpoint;
}

Result<HttpEndpoint> endpoint_for(std::string_view url, std::string_view ca_file) {
  GOVCHAIN_ASSIGN_OR_RETURN(HttpEndpoint endpoint, parse_node_url(url));
  if (!ca_file.empty() && !endpoint.tls)
    return error(Code::invalid_argument, "a CA file is for https:// node URLs; " + std::string(url) +
                                             " is plain http (use https://, or drop the CA file)");
  endpoint.ca_file = std::string(ca_file);
  return endpoint;
}

namespace {

constexpr size_t tls_contexts_max = 16;

// The TLS settings for one CA file (empty: the system's store), made once:
// loading a CA bundle costs milliseconds. OpenSSL allows many connections
// to share one configured context.
Result<std::shared_ptr<ssl::context>> tls_context(const std::string& ca_file) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<ssl::context>> contexts;
  std::lock_guard lock(mutex);
  if (auto found = contexts.find(ca_file); found != contexts.end()) return found->second;
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  context->set_verify_mode(ssl::verify_peer);
  beast::error_code code;
  if (ca_file.empty())
    context->set_default_verify_paths(code);
  else
    context->load_verify_file(ca_file, code);
  if (code)
    return error(Code::not_found, (ca_file.empty() ? std::string("cannot load the system's CA certificates")
                                                   : "cannot read the CA file " + ca_file) +
                                      ": " + code.message());
  if (contexts.size() < tls_contexts_max) contexts.emplace(ca_file, context);
  return context;
}

// Sends the host name (SNI) and has OpenSSL check that the certificate
// names the host: a DNS name, or an IP address for an address literal.
void expect_host(SSL* connection, const std::string& host) {
  X509_VERIFY_PARAM* parameters = SSL_get0_param(connection);
  beast::error_code not_an_address;
  asio::ip::make_address(host, not_an_address);
  if (!not_an_address) {
    X509_VERIFY_PARAM_set1_ip_asc(parameters, host.c_str());
    return;
  }
  SSL_set_tlsext_host_name(connection, host.c_str());
  X509_VERIFY_PARAM_set_hostflags(parameters, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  X509_VERIFY_PARAM_set1_host(parameters, host.c_str(), host.size());
}

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// State of one exchange; lives on the heap for its whole duration. `Stream`
// is beast::tcp_stream or TlsStream.
template <class Stream>
struct Exchange {
  static constexpr bool tls = std::is_same_v<Stream, TlsStream>;
  asio::io_context io_context;
  tcp::resolver resolver{io_context};
  Stream stream;
  http::request<http::string_body> request;
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  beast::error_code failure;
  std::string stage = "resolve";
  bool done = false;

  template <class... Arguments>
  explicit Exchange(Arguments&... arguments) : stream(io_context, arguments...) {}

  void finish(const beast::error_code& code, const char* at) {
    failure = code;
    stage = at;
    done = true;
  }

  void start(const HttpEndpoint& endpoint, std::chrono::milliseconds timeout) {
    resolver.async_resolve(
        endpoint.host, endpoint.port, [this, timeout](beast::error_code code, tcp::resolver::results_type results) {
          if (code) return finish(code, "resolve");
          beast::get_lowest_layer(stream).expires_after(timeout);
          beast::get_lowest_layer(stream).async_connect(
              results, [this](beast::error_code connect_code, const tcp::endpoint&) {
                if (connect_code) return finish(connect_code, "connect");
                if constexpr (tls) {
                  stream.async_handshake(ssl::stream_base::client, [this](beast::error_code handshake_code) {
                    if (handshake_code) return finish(handshake_code, "TLS handshake");
                    send();
                  });
                } else {
                  send();
                }
              });
        });
  }

  void send() {
    http::async_write(stream, request, [this](beast::error_code write_code, size_t) {
      if (write_code) return finish(write_code, "send");
      http::async_read(stream, buffer, parser,
                       [this](beast::error_code read_code, size_t) { finish(read_code, "receive"); });
    });
  }
};

Status transport_error(const HttpEndpoint& endpoint, const std::string& stage, const beast::error_code& code,
                       long certificate_result) {
  std::string where = endpoint.origin();
  if (code == beast::error::timeout)
    return error(Code::timeout, "no answer from " + where + " in time (during " + stage + ")");
  if (code == http::error::body_limit)
    return error(Code::too_large, "the answer from " + where + " exceeds the response size limit");
  if (certificate_result != X509_V_OK)
    return error(Code::unavailable,
                 "the TLS certificate of " + where +
                     " is not accepted: " + X509_verify_cert_error_string(certificate_result) +
                     (endpoint.ca_file.empty() ? " (checked against the system's CA certificates; give the CA that "
                                                 "signed it with --ca-file)"
                                               : " (checked against the CA file " + endpoint.ca_file + ")"));
  return error(Code::unavailable, "cannot " + stage + " " + where + ": " + code.message());
}

template <class Stream>
Result<HttpAnswer> run_exchange(Exchange<Stream>& exchange, const HttpEndpoint& endpoint, std::string_view method,
                                std::string_view target, std::string_view body, const HttpLimits& limits) {
  http::verb verb = http::string_to_verb(std::string(method));
  if (verb == http::verb::unknown) return error(Code::invalid_argument, "unknown HTTP method " + std::string(method));
  exchange.request = http::request<http::string_body>(verb, endpoint.path_prefix + std::string(target), 11);
  exchange.request.set(http::field::host, endpoint.host + ":" + endpoint.port);
  exchange.request.set(http::field::user_agent, "govchain-client/0.1");
  exchange.request.set(http::field::connection, "close");
  if (!body.empty() || verb == http::verb::post) {
    exchange.request.set(http::field::content_type, "application/json");
    exchange.request.body() = std::string(body);
  }
  exchange.request.prepare_payload();
  exchange.parser.body_limit(limits.response_size_bytes_max);
  exchange.parser.header_limit(64 * 1024);
  const auto timeout = std::chrono::milliseconds(limits.timeout_ms);
  exchange.start(endpoint, timeout);
  exchange.io_context.run_for(timeout);
  beast::error_code ignored;
  if (!exchange.done) {
    // The deadline passed during resolution (the stream timer covers the
    // rest): cancel and let the handlers finish before the state goes away.
    exchange.resolver.cancel();
    beast::get_lowest_layer(exchange.stream).socket().close(ignored);
    exchange.io_context.restart();
    exchange.io_context.run_for(std::chrono::seconds(2));
    return transport_error(endpoint, exchange.stage, beast::error::timeout, X509_V_OK);
  }
  long certificate_result = X509_V_OK;
  if constexpr (Exchange<Stream>::tls) certificate_result = SSL_get_verify_result(exchange.stream.native_handle());
  if (exchange.failure) return transport_error(endpoint, exchange.stage, exchange.failure, certificate_result);
  // The whole answer is in (its length was known); the server closes the
  // connection, so no TLS close_notify exchange is awaited.
  beast::get_lowest_layer(exchange.stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
  HttpAnswer answer;
  answer.status = exchange.parser.get().result_int();
  answer.body = std::move(exchange.parser.get().body());
  answer.retry_after_s = retry_after_seconds(std::string(exchange.parser.get()[http::field::retry_after]));
  return answer;
}

}  // namespace

uint64_t retry_after_seconds(std::string_view header_value) {
  uint64_t seconds = 0;
  if (header_value.empty() || header_value.size() > 9) return 0;
  for (char digit : header_value) {
    if (digit < '0' || digit > '9') return 0;
    seconds = seconds * 10 + static_cast<uint64_t>(digit - '0');
  }
  return seconds;
}

Result<HttpAnswer> retry_when_rate_limited(const HttpLimits& limits,
                                           const std::function<Result<HttpAnswer>()>& exchange_once) {
  auto answer = exchange_once();
  for (uint64_t retry = 0; retry < limits.rate_limited_retries_max; ++retry) {
    // Only a 429 that names a time to come back is sent again: the node's
    // per-address request rate. A refusal without Retry-After (e.g. an
    // account's queue of future nonces is full) would be refused again.
    if (!answer.ok() || answer->status != 429 || answer->retry_after_s == 0) break;
    const uint64_t wait_s = std::min(answer->retry_after_s, std::max<uint64_t>(1, limits.rate_limited_wait_s_max));
    std::this_thread::sleep_for(std::chrono::seconds(wait_s));
    answer = exchange_once();
  }
  return answer;
}

Result<HttpAnswer> http_exchange(const HttpEndpoint& endpoint, std::string_view method, std::string_view target,
                                 std::string_view body, const HttpLimits& limits) {
  return retry_when_rate_limited(limits, [&] { return http_exchange_once(endpoint, method, target, body, limits); });
}

Result<HttpAnswer> http_exchange_once(const HttpEndpoint& endpoint, std::string_view method, std::string_view target,
                                      std::string_view body, const HttpLimits& limits) {
  try {
    if (!endpoint.tls) {
      auto exchange = std::make_unique<Exchange<beast::tcp_stream>>();
      return run_exchange(*exchange, endpoint, method, target, body, limits);
    }
    GOVCHAIN_ASSIGN_OR_RETURN(auto context, tls_context(endpoint.ca_file));
    auto exchange = std::make_unique<Exchange<TlsStream>>(*context);
    expect_host(exchange->stream.native_handle(), endpoint.host);
    return run_exchange(*exchange, endpoint, method, target, body, limits);
  } catch (const std::exception& failure) {
    return error(Code::internal, std::string("HTTP client failed: ") + failure.what());
  }
}

}  // namespace govchain::client::detail
