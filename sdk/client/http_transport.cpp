// One HTTP exchange with a deadline. The operations are asynchronous only so
// that a single io_context::run_for() can bound the whole exchange (resolve,
// connect, write, read); the function itself blocks. Every Boost exception
// is caught here.
#include "client/http_transport.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <exception>
#include <memory>

namespace govchain::client::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

Result<HttpEndpoint> parse_node_url(std::string_view url) {
  constexpr std::string_view scheme = "http://";
  if (url.substr(0, scheme.size()) != scheme) {
    if (url.substr(0, 8) == "https://")
      return error(Code::invalid_argument,
                   "https is not supported by this client yet; use http:// (for example "
                   "behind a local TLS-terminating proxy)");
    return error(Code::invalid_argument, "node URL must start with http://, e.g. http://127.0.0.1:26657");
  }
  std::string_view rest = url.substr(scheme.size());
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string prefix = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (authority.empty()) return error(Code::invalid_argument, "node URL has no host: " + std::string(url));
  HttpEndpoint endpoint;
  endpoint.path_prefix = prefix;
  size_t colon = authority.rfind(':');
  bool bracketed = !authority.empty() && authority.front() == '[';
  if (colon != std::string_view::npos && (!bracketed || authority.find(']') < colon)) {
    endpoint.host = std::string(authority.substr(0, colon));
    endpoint.port = std::string(authority.substr(colon + 1));
  } else {
    endpoint.host = std::string(authority);
    endpoint.port = "80";
  }
  if (bracketed && endpoint.host.size() >= 2) endpoint.host = endpoint.host.substr(1, endpoint.host.size() - 2);
  if (endpoint.host.empty() || endpoint.port.empty() || endpoint.port.size() > 5 ||
      endpoint.port.find_first_not_of("0123456789") != std::string::npos || std::stoul(endpoint.port) > 65535)
    return error(Code::invalid_argument, "node URL needs host and a port 1..65535: " + std::string(url));
  return endpoint;
}

namespace {

// State of one exchange; lives on the caller's stack for its whole duration.
struct Exchange {
  asio::io_context io_context;
  tcp::resolver resolver{io_context};
  beast::tcp_stream stream{io_context};
  http::request<http::string_body> request;
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  beast::error_code failure;
  std::string stage = "resolve";
  bool done = false;

  void finish(const beast::error_code& code, const char* at) {
    failure = code;
    stage = at;
    done = true;
  }

  void start(const HttpEndpoint& endpoint, std::chrono::milliseconds timeout) {
    resolver.async_resolve(
        endpoint.host, endpoint.port, [this, timeout](beast::error_code code, tcp::resolver::results_type results) {
          if (code) return finish(code, "resolve");
          stream.expires_after(timeout);
          stream.async_connect(results, [this](beast::error_code connect_code, const tcp::endpoint&) {
            if (connect_code) return finish(connect_code, "connect");
            http::async_write(stream, request, [this](beast::error_code write_code, size_t) {
              if (write_code) return finish(write_code, "send");
              http::async_read(stream, buffer, parser,
                               [this](beast::error_code read_code, size_t) { finish(read_code, "receive"); });
            });
          });
        });
  }
};

Status transport_error(const HttpEndpoint& endpoint, const std::string& stage, const beast::error_code& code) {
  std::string where = "http://" + endpoint.host + ":" + endpoint.port;
  if (code == beast::error::timeout)
    return error(Code::timeout, "no answer from " + where + " in time (during " + stage + ")");
  if (code == http::error::body_limit)
    return error(Code::too_large, "the answer from " + where + " exceeds the response size limit");
  return error(Code::unavailable, "cannot " + stage + " " + where + ": " + code.message());
}

}  // namespace

Result<HttpAnswer> http_exchange(const HttpEndpoint& endpoint, std::string_view method, std::string_view target,
                                 std::string_view body, const HttpLimits& limits) {
  try {
    auto exchange = std::make_unique<Exchange>();
    http::verb verb = http::string_to_verb(std::string(method));
    if (verb == http::verb::unknown) return error(Code::invalid_argument, "unknown HTTP method " + std::string(method));
    exchange->request = http::request<http::string_body>(verb, endpoint.path_prefix + std::string(target), 11);
    exchange->request.set(http::field::host, endpoint.host + ":" + endpoint.port);
    exchange->request.set(http::field::user_agent, "govchain-client/0.1");
    exchange->request.set(http::field::connection, "close");
    if (!body.empty() || verb == http::verb::post) {
      exchange->request.set(http::field::content_type, "application/json");
      exchange->request.body() = std::string(body);
    }
    exchange->request.prepare_payload();
    exchange->parser.body_limit(limits.response_size_bytes_max);
    exchange->parser.header_limit(64 * 1024);
    const auto timeout = std::chrono::milliseconds(limits.timeout_ms);
    exchange->start(endpoint, timeout);
    exchange->io_context.run_for(timeout);
    if (!exchange->done) {
      // The deadline passed during resolution (the stream timer covers the
      // rest): cancel and let the handlers finish before the state goes away.
      exchange->resolver.cancel();
      beast::error_code ignored;
      exchange->stream.socket().close(ignored);
      exchange->io_context.restart();
      exchange->io_context.run_for(std::chrono::seconds(2));
      return transport_error(endpoint, exchange->stage, beast::error::timeout);
    }
    if (exchange->failure) return transport_error(endpoint, exchange->stage, exchange->failure);
    beast::error_code ignored;
    exchange->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    HttpAnswer answer;
    answer.status = exchange->parser.get().result_int();
    answer.body = std::move(exchange->parser.get().body());
    return answer;
  } catch (const std::exception& failure) {
    return error(Code::internal, std::string("HTTP client failed: ") + failure.what());
  }
}

}  // namespace govchain::client::detail
