// Internal to govchain_client: an HTTP/1.1 connection kept alive across
// exchanges (Boost.Beast), for callers that ask one node many times in a row
// (online verification, client::VerifySession). Not part of the public API.
// An https endpoint is served by http_exchange(), one checked TLS connection
// per exchange; only plain connections are kept alive.
//
// Ownership: the session owns its io_context and socket. Thread-safety: none;
// one session per thread. Nothing throws.
#pragma once

#include <chrono>
#include <memory>
#include <string_view>

#include "client/http_transport.h"

namespace govchain::client::detail {

class HttpSession {
 public:
  explicit HttpSession(HttpEndpoint endpoint);
  ~HttpSession();
  HttpSession(HttpSession&&) noexcept;
  HttpSession& operator=(HttpSession&&) noexcept;

  // One exchange on the kept-alive connection, connecting first when there
  // is none. A connection the server closed in between is reopened once.
  // Failures and 429 answers as http_exchange().
  Result<HttpAnswer> exchange(std::string_view method, std::string_view target, std::string_view body,
                              const HttpLimits& limits);

 private:
  struct State;
  Result<HttpAnswer> exchange_once(std::string_view method, std::string_view target, std::string_view body,
                                   const HttpLimits& limits);
  Status connect(std::chrono::milliseconds timeout);
  HttpEndpoint endpoint_;
  std::unique_ptr<State> state_;
};

}  // namespace govchain::client::detail
