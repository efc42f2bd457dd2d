// Transport: the node's peer-to-peer network. TCP (Boost.Asio) sessions that
// are mutually authenticated with node keys and encrypted (handshake.h,
// frame.h), carrying typed messages whose payloads it treats as opaque bytes.
//
// What it does:
// - listens for inbound connections and dials the configured peers, with
//   reconnection after exponential backoff (capped, with jitter);
// - admits only peers whose node key is in the allowed set (validators and
//   registered observers), which the embedder may replace at any time;
//   sessions of keys that leave the set are closed;
// - keeps at most one session per peer key; when two nodes dial each other
//   at once, both keep the connection opened by the smaller node key;
// - bounds everything per peer: frame size, send queue (messages and bytes),
//   inbound messages and bytes per second (reading pauses when exceeded),
//   handshake time, idle time (keepalive ping/pong);
// - bounds unauthenticated inbound connections separately from sessions and
//   dials: pending handshakes in total and per client address (the oldest
//   makes room for a newer one) and new connections per second per address,
//   and logs their refusals at most once per interval, with a count;
// - closes a peer that sends an invalid frame, and one that the embedder
//   penalize()s; either is then refused for `penalty_duration_ms`;
// - deduplicates gossip: messages of `gossip_message_types` are delivered to
//   the handler only the first time their hash is seen (by a bounded
//   SeenCache), and gossip() marks what it sends as seen. The transport never
//   relays on its own: the embedder validates first and then calls gossip()
//   to pass a message on (see docs/p2p.md).
//
// Delivery is best effort and ordered per session: messages to one peer
// arrive in the order sent while the session lasts; queued messages are lost
// when it ends. Consensus and catch-up must tolerate loss (they retransmit).
//
// Ownership: the embedder owns the Transport; the Transport owns its
// io_context, threads, sockets and copies of the callbacks. Boost types do
// not appear in this header.
//
// Thread-safety: every public member function is thread-safe. Callbacks run
// on the transport's threads: on_message for one peer is called serially in
// arrival order, but different peers' messages may arrive concurrently on
// different threads. Callbacks must be thread-safe and quick (post the work
// to the embedder's own event loop); they may call send(), broadcast(),
// gossip(), penalize(), set_allowed_keys() and peers(), but never stop().
// No exception leaves this module; callback exceptions are caught and logged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "crypto/schnorr.h"
#include "p2p/frame.h"

namespace govchain::p2p {

// A peer to dial: "host:port" (IPv4, bracketed IPv6 or a DNS name) and the
// node key it must prove.
struct PeerAddress {
  std::string address;
  PublicKey public_key;
};

struct TransportConfig {
  // "ip:port" to listen on, IPv4 or bracketed IPv6; port 0 picks a free
  // port (see Transport::port()). Empty: do not listen (dial only).
  std::string listen_address = "127.0.0.1:0";
  crypto::KeyPair key_pair;
  // Bound into every handshake: peers on another chain are refused.
  std::string chain_id;
  Hash genesis_hash;
  // Dialed at start() and redialed whenever their session ends.
  std::vector<PeerAddress> peers;
  // Node keys that may hold a session (the node's own key is ignored).
  std::vector<PublicKey> allowed_keys;
  // Threads that run the io_context and therefore the callbacks.
  uint32_t threads = 2;

  // Largest frame body: type byte, payload and 16-byte tag.
  uint32_t frame_size_bytes_max = frame_size_bytes_max_default;
  // Time from the start of a dial (resolve and connect included), or from
  // accept, to a completed handshake.
  uint64_t handshake_timeout_ms = 5000;
  // A ping goes to every peer this often (the pong gives round_trip_ms)...
  uint64_t keepalive_interval_ms = 10000;
  // ...and a peer from which nothing arrived for this long is closed. Must
  // exceed keepalive_interval_ms.
  uint64_t idle_timeout_ms = 30000;
  // Inbound connections whose handshake has not completed (their key is
  // unknown), in total and per client address (an IPv4 address or an IPv6
  // /64). Sessions need an allowed key, at most one each, and outbound
  // dials go only to configured peers, so neither counts here: unknown
  // sockets can never take the slots of validators and observers. A new
  // inbound connection over either bound makes room by closing the oldest
  // pending handshake (of its own address when that address is at its
  // bound), so idle sockets cannot keep a peer out for longer than one
  // handshake takes.
  uint32_t inbound_handshakes_max = 64;
  uint32_t inbound_handshakes_per_address_max = 8;
  // New inbound connections per second of one client address (a burst of
  // one second's worth); more are closed at once.
  uint32_t inbound_connections_per_second_per_address = 20;
  // Refusals and failures of unauthenticated inbound connections are logged
  // at most once per kind (and, for failed handshakes, per reason code) and
  // interval, with the number of events.
  uint64_t refusal_log_interval_ms = 10000;
  // Per peer. A message that would exceed either bound closes the peer,
  // unless it is of a low-priority type: those are dropped (and counted)
  // once the queue holds half of either bound.
  uint64_t send_queue_messages_max = 4096;
  uint64_t send_queue_size_bytes_max = 64ull * 1024 * 1024;
  std::vector<MessageType> low_priority_message_types;
  // Per peer, token buckets with a one-second burst: reading from a peer
  // pauses while it is over either rate (TCP then slows the sender).
  uint64_t receive_messages_per_second_max = 5000;
  uint64_t receive_bytes_per_second_max = 64ull * 1024 * 1024;
  // Reconnection backoff for configured peers: the delay doubles after each
  // failed attempt from min to max; each delay is drawn from [delay/2, delay].
  uint64_t reconnect_delay_ms_min = 500;
  uint64_t reconnect_delay_ms_max = 30000;
  // How long a penalised or misbehaving peer is refused.
  uint64_t penalty_duration_ms = 60000;
  // Types deduplicated on receipt (consensus votes, proposals, txs, ...).
  std::vector<MessageType> gossip_message_types;
  uint64_t gossip_seen_entries_max = 65536;
};

// Status of one peer, for /v1/status and /metrics. Configured peers appear
// even when not connected; inbound peers only while connected.
struct PeerStatus {
  PublicKey public_key;
  std::string address;  // remote "ip:port", or the configured address
  bool connected = false;
  bool outbound = false;                // of the current session
  int64_t connected_since_unix_ms = 0;  // 0 when not connected
  uint64_t bytes_received = 0;          // of the current session, wire bytes
  uint64_t bytes_sent = 0;
  uint64_t messages_received = 0;  // keepalive ping/pong included
  uint64_t messages_sent = 0;
  uint64_t messages_dropped = 0;  // low-priority messages not queued
  uint64_t send_queue_size_bytes = 0;
  uint64_t round_trip_ms = 0;       // last keepalive round trip; 0 before one
  uint64_t reconnect_attempts = 0;  // failed dials since the last session
  std::string last_error;           // why the last session or dial ended
};

// Counters of unauthenticated inbound connections, for /metrics.
struct TransportStats {
  uint64_t inbound_handshakes_pending = 0;
  // Closed at accept: over the connection rate of their address.
  uint64_t inbound_refused_total = 0;
  // Pending handshakes closed to make room for a newer connection.
  uint64_t inbound_evicted_total = 0;
  // Inbound connections that ended without a session (timeout, refusal,
  // close, eviction).
  uint64_t inbound_handshakes_failed_total = 0;
};

// Called for every message of an embedder type that passed deduplication.
// `payload` is the embedder's to keep.
using MessageHandler = std::function<void(const PublicKey& peer, MessageType type, Bytes payload)>;
// Called once a peer's first session is established (after the tie-break).
// A session that replaces another one of the same peer (doubly dialed pair,
// peer restarted) calls neither handler: the peer stays connected. Every
// on_peer_connected is eventually followed by one on_peer_disconnected,
// at the latest during stop().
using PeerConnectedHandler = std::function<void(const PublicKey& peer, const std::string& address, bool outbound)>;
// Called when an established session ends, with the reason.
using PeerDisconnectedHandler = std::function<void(const PublicKey& peer, const Status& reason)>;

struct TransportCallbacks {
  MessageHandler on_message;                     // required
  PeerConnectedHandler on_peer_connected;        // optional
  PeerDisconnectedHandler on_peer_disconnected;  // optional
};

class Transport {
 public:
  Transport(TransportConfig config, TransportCallbacks callbacks);
  // Stops the transport (see stop()).
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Validates the config, binds the listener, starts the threads and dials
  // the peers. Fails with invalid_argument for a bad config, io_error when
  // the address cannot be bound, invalid when called twice. A stopped
  // transport cannot be started again.
  Status start();
  // Closes every connection (calling on_peer_disconnected) and the listener,
  // and joins the threads. Safe to call twice and without start(); must not
  // be called from a callback.
  void stop();
  // The bound listen port after a successful start(), otherwise 0.
  uint16_t port() const;

  // Replaces the allowed set. Sessions whose key left it are closed; dialing
  // resumes for configured peers whose key joined it.
  void set_allowed_keys(std::vector<PublicKey> keys);

  // Queues one message for one connected peer. Fails with invalid_argument
  // for a reserved type, too_large over the frame limit, not_found when the
  // peer has no session, and resource_exhausted when its queue is full (a
  // low-priority message is then dropped; any other closes the peer).
  Status send(const PublicKey& peer, MessageType type, ByteView payload);
  // Queues one message for every connected peer except `except`; returns
  // for how many peers it was queued.
  size_t broadcast(MessageType type, ByteView payload, std::optional<PublicKey> except = std::nullopt);
  // Marks the message as seen (so copies coming back are not delivered)
  // and broadcasts it. The embedder calls this to originate a gossip
  // message and to relay one it received and validated.
  size_t gossip(MessageType type, ByteView payload, std::optional<PublicKey> except = std::nullopt);

  // Closes the peer's session, logs `reason` and refuses the key for
  // `penalty_duration_ms`. For invalid messages found by higher layers.
  void penalize(const PublicKey& peer, const std::string& reason);

  std::vector<PeerStatus> peers() const;
  TransportStats stats() const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace govchain::p2p
