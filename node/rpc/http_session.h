// Internal to govchain_rpc (includes Beast; never include it from outside
// node/rpc). HttpSession: one HTTP connection, from accept until it closes
// or becomes a WebSocket subscriber.
//
// The session reads one request at a time (keep-alive, no concurrent
// pipelined requests) under the deadlines of HttpServerConfig: the header
// must arrive within header_timeout_ms (slowloris) and the whole request
// within timeout_ms, both counted from the start of the read. When the
// header is complete it spends a request token of the client's address and
// reserves the body's bytes in the in-flight budget, and only then reads the
// body. A request for a worker_pool route takes a job slot of its address
// and waits for a worker while the session holds no thread; the answer comes
// back to the session's strand to be written. A session that only has to
// deliver a refusal (reject()) writes it and closes.
//
// Ownership: owned by the handlers pending on its strand and by its queued
// pool job (shared_from_this). It holds its client's connection slot and
// gives it back when destroyed or when it becomes a subscriber.
//
// Thread-safety: all work runs on the session's strand, except the handler
// call on a worker thread, which touches only its own PooledCall.
#pragma once

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>
#include <string>

#include "rpc/client_limits.h"
#include "rpc/server_core.h"

namespace govchain::rpc {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  // `address_key` is client_address_key() of the peer; `connection_slot`
  // is empty for a session that only delivers a refusal.
  HttpSession(ServerCore& server, boost::asio::ip::tcp::socket socket, std::string address_key,
              ClientSlot connection_slot);
  ~HttpSession();

  void run();
  // Writes `response` without reading a request, then closes. The caller
  // counted the answer with ServerCore::begin_refusal_answer().
  void reject(BeastResponse response);
  // Closes a session that waits for a request header, to make room
  // (HeaderWaiters). Thread-safe.
  void evict();

 private:
  using RequestParser = http::request_parser<http::string_body>;

  void do_read_header();
  void on_read_header(const boost::beast::error_code& read_error);
  bool admit_request(const RequestContext& context);
  void do_read_body();
  void on_read_error(const boost::beast::error_code& read_error);
  void on_read_body(const boost::beast::error_code& read_error);
  void run_on_pool(PooledCall call);
  void upgrade(BeastRequest request);
  void send(BeastResponse response, bool close_after, uint64_t timeout_ms);
  void linger();
  void do_drain();
  void close();

  ServerCore& server_;
  boost::beast::tcp_stream stream_;
  std::string address_key_;
  ClientSlot connection_slot_;
  std::string remote_address_;
  bool refusal_only_ = false;
  boost::beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  SteadyClock::time_point request_started_;
  uint64_t header_waiter_id_ = 0;  // while waiting for a header
  BodyReservation body_reservation_;
  std::optional<http::response<http::empty_body>> continue_response_;
  std::shared_ptr<BeastResponse> response_;
  std::array<char, 16 * 1024> drain_buffer_{};
  uint64_t drained_size_bytes_ = 0;
};

}  // namespace govchain::rpc
