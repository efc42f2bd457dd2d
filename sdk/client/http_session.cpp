// A kept-alive HTTP/1.1 connection. As in http_transport.cpp the operations
// are asynchronous only so that io_context::run_for() bounds each step.
#include "client/http_session.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <exception>

namespace govchain::client::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpSession::State {
  asio::io_context io_context;
  beast::tcp_stream stream{io_context};
  beast::flat_buffer buffer;
  bool connected = false;

  void disconnect() {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.socket().close(ignored);
    buffer.clear();
    connected = false;
  }

  // Runs the posted operations until `done` or the deadline; on the
  // deadline the socket is closed and the handlers drained.
  bool run_until(const bool& done, std::chrono::milliseconds timeout) {
    io_context.restart();
    io_context.run_for(timeout);
    if (done) return true;
    beast::error_code ignored;
    stream.socket().close(ignored);
    io_context.restart();
    io_context.run_for(std::chrono::seconds(1));
    connected = false;
    return false;
  }
};

HttpSession::HttpSession(HttpEndpoint endpoint) : endpoint_(std::move(endpoint)), state_(std::make_unique<State>()) {}
HttpSession::~HttpSession() = default;
HttpSession::HttpSession(HttpSession&&) noexcept = default;
HttpSession& HttpSession::operator=(HttpSession&&) noexcept = default;

namespace {

Status failed(const HttpEndpoint& endpoint, const char* stage, const beast::error_code& code) {
  const std::string where = "http://" + endpoint.host + ":" + endpoint.port;
  if (code == beast::error::timeout) return error(Code::timeout, "no answer from " + where + " in time");
  if (code == http::error::body_limit) return error(Code::too_large, "the answer from " + where + " is too large");
  return error(Code::unavailable, std::string("cannot ") + stage + " " + where + ": " + code.message());
}

}  // namespace

namespace {

http::request<http::string_body> make_request(const HttpEndpoint& endpoint, std::string_view method,
                                              std::string_view target, std::string_view body) {
  http::request<http::string_body> request(http::string_to_verb(std::string(method)),
                                           endpoint.path_prefix + std::string(target), 11);
  request.set(http::field::host, endpoint.host + ":" + endpoint.port);
  request.set(http::field::user_agent, "govchain-client/0.1");
  request.keep_alive(true);
  if (!body.empty()) {
    request.set(http::field::content_type, "application/json");
    request.body() = std::string(body);
  }
  request.prepare_payload();
  return request;
}

}  // namespace

Status HttpSession::connect(std::chrono::milliseconds timeout) {
  beast::error_code failure;
  tcp::resolver resolver(state_->io_context);
  auto results = resolver.resolve(endpoint_.host, endpoint_.port, failure);
  if (failure) return failed(endpoint_, "resolve", failure);
  bool done = false;
  state_->stream.expires_after(timeout);
  state_->stream.async_connect(results, [&](beast::error_code code, const tcp::endpoint&) {
    failure = code;
    done = true;
  });
  if (!state_->run_until(done, timeout)) return failed(endpoint_, "connect", beast::error::timeout);
  if (failure) return failed(endpoint_, "connect", failure);
  state_->connected = true;
  return Status();
}

Result<HttpAnswer> HttpSession::exchange(std::string_view method, std::string_view target, std::string_view body,
                                         const HttpLimits& limits) {
  return retry_when_rate_limited(limits, [&] { return exchange_once(method, target, body, limits); });
}

Result<HttpAnswer> HttpSession::exchange_once(std::string_view method, std::string_view target, std::string_view body,
                                              const HttpLimits& limits) {
  // An https node gets one TLS connection per exchange (http_transport.cpp
  // checks its certificate); only plain connections are kept alive here.
  if (endpoint_.tls) return http_exchange_once(endpoint_, method, target, body, limits);
  try {
    const auto timeout = std::chrono::milliseconds(limits.timeout_ms);
    for (int attempt = 0; attempt < 2; ++attempt) {
      const bool reused = state_->connected;
      if (!state_->connected) GOVCHAIN_TRY(connect(timeout));
      auto request = make_request(endpoint_, method, target, body);
      http::response_parser<http::string_body> parser;
      parser.body_limit(limits.response_size_bytes_max);
      parser.header_limit(64 * 1024);
      beast::error_code failure;
      bool done = false;
      state_->stream.expires_after(timeout);
      http::async_write(state_->stream, request, [&](beast::error_code write_code, size_t) {
        if (write_code) {
          failure = write_code;
          done = true;
          return;
        }
        http::async_read(state_->stream, state_->buffer, parser, [&](beast::error_code read_code, size_t) {
          failure = read_code;
          done = true;
        });
      });
      if (!state_->run_until(done, timeout)) return failed(endpoint_, "receive", beast::error::timeout);
      if (failure || !parser.get().keep_alive()) state_->disconnect();
      // A kept-alive connection the server closed meanwhile: once more.
      if (failure && reused) continue;
      if (failure) return failed(endpoint_, "exchange with", failure);
      const uint64_t retry_after_s = retry_after_seconds(std::string(parser.get()[http::field::retry_after]));
      return HttpAnswer{parser.get().result_int(), std::move(parser.get().body()), retry_after_s};
    }
    return error(Code::unavailable, "the node closed the connection twice");
  } catch (const std::exception& failure) {
    return error(Code::internal, std::string("HTTP session failed: ") + failure.what());
  }
}

}  // namespace govchain::client::detail
