// Internal: one TCP connection of the transport, from connect or accept
// through the handshake to an established, encrypted session.
//
// A Connection runs all socket work on its own strand: the handshake, the
// read loop (frame header, body, open, dispatch, rate pause) and the write
// loop. enqueue() and close() are thread-safe; everything else is called on
// the strand. The owner (Transport::Impl) keeps a shared_ptr while the
// connection is alive and learns of every state change through
// ConnectionOwner, always on the connection's strand. Not part of the
// public API; Boost types stay inside the p2p library.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/status.h"
#include "p2p/frame.h"
#include "p2p/handshake.h"
#include "p2p/peer_limits.h"

namespace govchain::p2p {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class Connection;

// Callbacks from a connection to its owner; all run on the connection's strand.
class ConnectionOwner {
 public:
  virtual ~ConnectionOwner() = default;
  // During the handshake: may this (authenticated) key hold a session?
  virtual Status check_peer_key(const Connection& connection, const PublicKey& peer_key) = 0;
  // The handshake completed; ok registers the session, an error refuses it.
  virtual Status on_established(const std::shared_ptr<Connection>& connection) = 0;
  // The first authenticated frame arrived: the peer accepted us as well.
  virtual void on_first_frame(const std::shared_ptr<Connection>& connection) = 0;
  // A message of an embedder type.
  virtual void on_message(const std::shared_ptr<Connection>& connection, Message message) = 0;
  // The connection ended (once per connection). `penalize` asks the owner
  // to refuse the key for a while (the peer broke the protocol).
  virtual void on_closed(const std::shared_ptr<Connection>& connection, const Status& reason, bool penalize) = 0;
};

struct ConnectionSettings {
  uint32_t frame_size_bytes_max = frame_size_bytes_max_default;
  uint64_t handshake_timeout_ms = 5000;
  uint64_t keepalive_interval_ms = 10000;
  uint64_t idle_timeout_ms = 30000;
  uint64_t send_queue_messages_max = 4096;
  uint64_t send_queue_size_bytes_max = 64ull * 1024 * 1024;
  uint64_t receive_messages_per_second_max = 5000;
  uint64_t receive_bytes_per_second_max = 64ull * 1024 * 1024;
};

// Counters for PeerStatus; read from any thread.
struct ConnectionCounters {
  std::atomic<uint64_t> bytes_received{0};
  std::atomic<uint64_t> bytes_sent{0};
  std::atomic<uint64_t> messages_received{0};
  std::atomic<uint64_t> messages_sent{0};
  std::atomic<uint64_t> messages_dropped{0};
  std::atomic<uint64_t> send_queue_size_bytes{0};
  std::atomic<int64_t> connected_since_unix_ms{0};
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `expected_key` is set for outbound connections: the key that was dialed.
  Connection(asio::io_context& io_context, ConnectionOwner& owner, ConnectionSettings settings,
             HandshakeIdentity identity, std::optional<PublicKey> expected_key);
  ~Connection();

  // Resolves, connects and runs the initiator's handshake.
  void start_outbound(std::string host, uint16_t port);
  // The socket an acceptor accepts into (before start_inbound()).
  tcp::socket& socket_for_accept() { return socket_; }
  // Runs the responder's handshake on the accepted socket.
  void start_inbound();

  // Seals and queues one message (thread-safe); see Transport::send().
  Status enqueue(MessageType type, ByteView payload, bool low_priority);
  // Ends the connection (thread-safe, asynchronous, idempotent).
  void close(Status reason, bool penalize = false);

  bool outbound() const { return expected_key_.has_value(); }
  const std::optional<PublicKey>& expected_key() const { return expected_key_; }
  // Valid once the handshake completed (on_established and later).
  const PublicKey& peer_key() const { return peer_key_; }
  // "ip:port" once connected (or accepted); the dialed address before.
  std::string remote_address() const;
  const ConnectionCounters& counters() const { return counters_; }
  // Last keepalive round trip; 0 before the first pong.
  uint64_t round_trip_ms() const { return round_trip_ms_; }

 private:
  void start_handshake_timer();
  void on_resolved(const boost::system::error_code& error_code, tcp::resolver::results_type endpoints);
  void on_connected(const boost::system::error_code& error_code);
  void write_handshake(Bytes message, bool then_establish);
  void read_frame();
  void on_header(const boost::system::error_code& error_code);
  void on_body(const boost::system::error_code& error_code, size_t size_bytes);
  void on_handshake_message();
  void establish(const SessionSecrets& secrets);
  void deliver();
  void dispatch_message(Message message);
  void pause_then_read();
  void write_next();
  void on_written(const boost::system::error_code& error_code, size_t size_bytes);
  void arm_keepalive();
  void on_keepalive();
  Status enqueue_frame(MessageType type, ByteView payload, bool low_priority);
  void close_on_strand(const Status& reason, bool penalize);

  ConnectionOwner& owner_;
  const ConnectionSettings settings_;
  const HandshakeIdentity identity_;
  const std::optional<PublicKey> expected_key_;
  asio::strand<asio::io_context::executor_type> strand_;
  tcp::socket socket_;
  tcp::resolver resolver_;
  asio::steady_timer handshake_timer_;
  asio::steady_timer keepalive_timer_;
  asio::steady_timer read_pause_timer_;

  // Strand only.
  std::optional<InitiatorHandshake> initiator_;
  std::optional<ResponderHandshake> responder_;
  std::optional<FrameOpener> opener_;
  std::optional<TokenBucket> message_bucket_;
  std::optional<TokenBucket> byte_bucket_;
  Bytes header_buffer_ = Bytes(frame_header_size_bytes);
  Bytes body_buffer_;
  Bytes write_buffer_;
  bool closed_ = false;
  bool first_frame_seen_ = false;
  bool hello_received_ = false;
  uint64_t last_receive_ms_ = 0;
  std::atomic<uint64_t> round_trip_ms_{0};
  PublicKey peer_key_;

  // Guarded by send_mutex_: the send side is shared with other threads.
  mutable std::mutex send_mutex_;
  std::optional<FrameSealer> sealer_;
  std::deque<Bytes> send_queue_;
  uint64_t send_queue_size_bytes_ = 0;
  bool established_ = false;
  bool send_closed_ = false;
  bool writing_ = false;
  std::string remote_address_;

  ConnectionCounters counters_;
};

}  // namespace govchain::p2p
