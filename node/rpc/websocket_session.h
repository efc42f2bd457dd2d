// Internal to govchain_rpc (includes Beast; never include it from outside
// node/rpc). The WebSocket side of the HTTP server: one WebSocketSession per
// subscriber, and the SubscriberSet that fans broadcasts out to them.
//
// A subscriber holds a slot of the subscriber budget (client_limits.h), not
// one of the HTTP connection budget: the HTTP session that accepted the
// upgrade request gives its connection slot back. Each subscriber has a
// bounded send queue (messages and bytes); a broadcast that would exceed
// either bound disconnects that subscriber at once instead of queueing, so
// memory never grows with a client that does not read. Each message a
// subscriber sends costs a request token of its address and must pass the
// JSON shape check; a subscriber over either is disconnected.
//
// Ownership: a session is owned by the handlers pending on its strand
// (shared_from_this); the SubscriberSet holds weak pointers only. Sessions
// hold a plain reference to the ServerCore, which outlives them.
//
// Thread-safety: SubscriberSet is thread-safe. WebSocketSession::enqueue()
// may be called from any thread; everything else runs on the session's
// strand. Lock order: the SubscriberSet's mutex before a session's queue
// mutex; a session never calls into the set while holding its own mutex.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "rpc/client_limits.h"

namespace govchain::rpc {

class ServerCore;
class WebSocketSession;

class SubscriberSet {
 public:
  // Registers a session; nullopt once close() was called.
  std::optional<uint64_t> add(const std::shared_ptr<WebSocketSession>& session);
  void remove(uint64_t subscriber_id);
  // Queues `text` for every subscriber; returns how many got it. Those whose
  // queue is full are disconnected and removed.
  size_t broadcast(std::string_view text);
  Status send_to(uint64_t subscriber_id, std::string_view text);
  size_t count() const;
  // Refuses further subscribers and forgets the current ones (their sockets
  // close when the io_context goes away).
  void close();

 private:
  mutable std::mutex mutex_;
  std::map<uint64_t, std::weak_ptr<WebSocketSession>> sessions_;
  uint64_t next_id_ = 1;
  bool closed_ = false;
};

class WebSocketSession : public std::enable_shared_from_this<WebSocketSession> {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  WebSocketSession(ServerCore& server, boost::asio::ip::tcp::socket socket, ClientSlot subscriber_slot);

  void set_id(uint64_t subscriber_id) { id_ = subscriber_id; }
  // Answers the upgrade request and starts reading.
  void accept(Request request);
  // Queues `message` unless that would exceed a queue bound, in which case
  // the subscriber is disconnected and resource_exhausted returned; the
  // caller then removes it from the set. Takes no lock of the set.
  Status enqueue(const std::shared_ptr<const std::string>& message);

 private:
  void configure();
  Status disconnect_slow();
  void on_accept(const boost::beast::error_code& accept_error);
  void do_read();
  void on_read(const boost::beast::error_code& read_error);
  void do_write();
  void on_write(const boost::beast::error_code& write_error, size_t message_size_bytes);
  void close_socket();
  void finish();

  ServerCore& server_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> stream_;
  ClientSlot subscriber_slot_;
  uint64_t id_ = 0;
  Request upgrade_request_;
  boost::beast::flat_buffer read_buffer_;

  std::mutex mutex_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  uint64_t queued_size_bytes_ = 0;
  bool writing_ = false;
  bool accepted_ = false;
  bool closing_ = false;
};

}  // namespace govchain::rpc
