#include "p2p/transport.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <list>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "p2p/address.h"
#include "p2p/connection.h"
#include "p2p/log_throttle.h"
#include "p2p/seen_cache.h"

namespace govchain::p2p {

namespace {

using Clock = std::chrono::steady_clock;

// Kinds of unauthenticated inbound events, each logged at most once per
// refusal_log_interval_ms (LogThrottle).
constexpr std::string_view inbound_refused_category = "inbound connections closed at accept";
constexpr std::string_view inbound_evicted_category = "pending inbound handshakes closed to make room";
constexpr std::string_view inbound_failed_category = "inbound handshakes ended without a session";
// Addresses whose inbound connection rate is tracked at once.
constexpr size_t inbound_rate_entries_max = 4096;

uint64_t steady_now_ms() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count());
}

// Enough of a key for a log line.
std::string short_key(const PublicKey& key) { return key.hex().substr(0, 16); }

Status validate_config(const TransportConfig& config) {
  auto invalid = [](const std::string& message) { return error(Code::invalid_argument, "p2p config: " + message); };
  if (config.chain_id.empty() || config.chain_id.size() > chain_id_size_bytes_max)
    return invalid("chain_id must be 1 to 64 bytes");
  if (!crypto::is_valid_public_key(config.key_pair.public_key)) return invalid("key_pair has no valid public key");
  if (config.threads == 0 || config.threads > 64) return invalid("threads must be 1 to 64");
  if (config.frame_size_bytes_max <= frame_overhead_bytes) return invalid("frame_size_bytes_max is too small");
  if (config.handshake_timeout_ms == 0) return invalid("handshake_timeout_ms must be positive");
  if (config.keepalive_interval_ms == 0 || config.idle_timeout_ms <= config.keepalive_interval_ms)
    return invalid("idle_timeout_ms must exceed keepalive_interval_ms, which must be positive");
  if (config.inbound_handshakes_max == 0 || config.inbound_handshakes_per_address_max == 0 ||
      config.inbound_connections_per_second_per_address == 0 || config.refusal_log_interval_ms == 0)
    return invalid(
        "inbound handshake limits, the inbound connection rate and the refusal log interval must be positive");
  if (config.send_queue_messages_max < 2 || config.send_queue_size_bytes_max < config.frame_size_bytes_max)
    return invalid("send queue must hold at least 2 messages and one frame of frame_size_bytes_max");
  if (config.receive_messages_per_second_max == 0 || config.receive_bytes_per_second_max == 0 ||
      config.receive_messages_per_second_max >= (1ull << 40) || config.receive_bytes_per_second_max >= (1ull << 40))
    return invalid("receive rates must be between 1 and 2^40 per second");
  if (config.reconnect_delay_ms_min == 0 || config.reconnect_delay_ms_max < config.reconnect_delay_ms_min)
    return invalid("reconnect delays must satisfy 0 < min <= max");
  if (config.gossip_seen_entries_max == 0) return invalid("gossip_seen_entries_max must be positive");
  for (const auto& peer : config.peers) GOVCHAIN_TRY(parse_host_port(peer.address).status().with_context("peer"));
  if (!config.listen_address.empty()) GOVCHAIN_TRY(parse_host_port(config.listen_address).status());
  for (MessageType type : config.gossip_message_types)
    if (!is_embedder_message_type(type)) return invalid("gossip_message_types holds a reserved type");
  return Status::ok_status();
}

ConnectionSettings settings_from(const TransportConfig& config) {
  ConnectionSettings settings;
  settings.frame_size_bytes_max = config.frame_size_bytes_max;
  settings.handshake_timeout_ms = config.handshake_timeout_ms;
  settings.keepalive_interval_ms = config.keepalive_interval_ms;
  settings.idle_timeout_ms = config.idle_timeout_ms;
  settings.send_queue_messages_max = config.send_queue_messages_max;
  settings.send_queue_size_bytes_max = config.send_queue_size_bytes_max;
  settings.receive_messages_per_second_max = config.receive_messages_per_second_max;
  settings.receive_bytes_per_second_max = config.receive_bytes_per_second_max;
  return settings;
}

}  // namespace

// A configured peer and the state of dialing it. Guarded by Impl::mutex_.
struct DialState {
  PeerAddress peer;
  HostPort host_port;
  std::unique_ptr<asio::steady_timer> timer;
  std::shared_ptr<Connection> connection;  // the dial in progress, if any
  uint64_t attempts = 0;                   // failures since the last good session
  std::string last_error;
  bool parked = false;  // the key is not allowed; set_allowed_keys() resumes dialing
};

class Transport::Impl : public ConnectionOwner {
 public:
  Impl(TransportConfig config, TransportCallbacks callbacks)
      : config_(std::move(config)),
        callbacks_(std::move(callbacks)),
        settings_(settings_from(config_)),
        acceptor_(io_context_),
        accept_retry_timer_(io_context_),
        log_flush_timer_(io_context_),
        seen_(std::max<uint64_t>(config_.gossip_seen_entries_max, 1)),
        inbound_rate_(std::max<uint64_t>(config_.inbound_connections_per_second_per_address, 1),
                      inbound_rate_entries_max),
        log_throttle_(std::max<uint64_t>(config_.refusal_log_interval_ms, 1)),
        random_(std::random_device{}()) {
    allowed_keys_.insert(config_.allowed_keys.begin(), config_.allowed_keys.end());
    gossip_types_.insert(config_.gossip_message_types.begin(), config_.gossip_message_types.end());
    low_priority_types_.insert(config_.low_priority_message_types.begin(), config_.low_priority_message_types.end());
  }

  Status start();
  void stop();
  uint16_t port() const { return port_; }
  void set_allowed_keys(std::vector<PublicKey> keys);
  Status send(const PublicKey& peer, MessageType type, ByteView payload);
  size_t broadcast(MessageType type, ByteView payload, const std::optional<PublicKey>& except);
  size_t gossip(MessageType type, ByteView payload, const std::optional<PublicKey>& except);
  void penalize(const PublicKey& peer, const std::string& reason);
  std::vector<PeerStatus> peers() const;
  TransportStats stats() const;

  // ConnectionOwner
  Status check_peer_key(const Connection& connection, const PublicKey& peer_key) override;
  Status on_established(const std::shared_ptr<Connection>& connection) override;
  void on_first_frame(const std::shared_ptr<Connection>& connection) override;
  void on_message(const std::shared_ptr<Connection>& connection, Message message) override;
  void on_closed(const std::shared_ptr<Connection>& connection, const Status& reason, bool penalize) override;

 private:
  enum class State { created, running, stopping, stopped };

  Status listen();
  void accept_next_locked();
  void on_accepted(const std::shared_ptr<Connection>& connection, const boost::system::error_code& error_code);
  void admit_inbound_locked(const std::shared_ptr<Connection>& connection);
  void make_room_locked(const std::string& address_key);
  void remove_pending_locked(const Connection* connection);
  void log_throttled(std::string_view category, const std::string& line);
  void arm_log_flush_locked();
  void flush_logs();
  void schedule_dial_locked(DialState& dial, uint64_t delay_ms);
  void dial(const PublicKey& key);
  Status admit_locked(const PublicKey& peer_key, const std::optional<PublicKey>& expected_key) const;
  bool penalized_locked(const PublicKey& peer_key, uint64_t* remaining_ms) const;
  uint64_t redial_delay_locked(DialState& dial);
  std::shared_ptr<Connection> new_connection_locked(std::optional<PublicKey> expected_key);
  void log_refusal(const Connection& connection, const Status& reason) const;
  void note_closed_dial_locked(const std::shared_ptr<Connection>& connection, const PublicKey& key, bool was_session,
                               const Status& reason);
  void prune_penalties_locked();
  PeerStatus status_of(const Connection& connection) const;
  template <typename Callback, typename... Arguments>
  void invoke(const char* name, const Callback& callback, Arguments&&... arguments) const;

  const TransportConfig config_;
  const TransportCallbacks callbacks_;
  const ConnectionSettings settings_;
  // Declared before everything that holds sockets or timers: destroyed last.
  asio::io_context io_context_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_guard_;
  std::vector<std::thread> threads_;
  std::atomic<uint16_t> port_{0};

  mutable std::mutex mutex_;
  std::condition_variable connections_closed_;
  State state_ = State::created;
  tcp::acceptor acceptor_;
  asio::steady_timer accept_retry_timer_;
  asio::steady_timer log_flush_timer_;
  std::set<PublicKey> allowed_keys_;
  std::set<MessageType> gossip_types_;
  std::set<MessageType> low_priority_types_;
  std::set<std::shared_ptr<Connection>> connections_;          // every live connection
  std::map<PublicKey, std::shared_ptr<Connection>> sessions_;  // established, one per key
  std::map<PublicKey, DialState> dials_;
  std::map<PublicKey, Clock::time_point> penalized_until_;
  SeenCache seen_;
  // Inbound connections whose handshake has not completed, oldest first,
  // and how many each client address holds.
  struct PendingInbound {
    std::shared_ptr<Connection> connection;
    std::string address_key;
  };
  std::list<PendingInbound> pending_inbound_;
  std::map<std::string, uint32_t> pending_per_address_;
  AddressRateLimiter inbound_rate_;
  LogThrottle log_throttle_;
  uint64_t inbound_refused_total_ = 0;
  uint64_t inbound_evicted_total_ = 0;
  uint64_t inbound_failed_total_ = 0;
  std::mt19937_64 random_;
};

template <typename Callback, typename... Arguments>
void Transport::Impl::invoke(const char* name, const Callback& callback, Arguments&&... arguments) const {
  if (!callback) return;
  try {
    callback(std::forward<Arguments>(arguments)...);
  } catch (const std::exception& exception) {
    spdlog::error("p2p: {} callback threw: {}", name, exception.what());
  } catch (...) {
    spdlog::error("p2p: {} callback threw a non-standard exception", name);
  }
}

// ---- Start and stop ------------------------------------------------------

Status Transport::Impl::start() {
  GOVCHAIN_TRY(validate_config(config_));
  if (!callbacks_.on_message) return error(Code::invalid_argument, "p2p: on_message callback is required");
  std::lock_guard lock(mutex_);
  if (state_ != State::created) return error(Code::invalid, "p2p: transport was already started");
  if (!config_.listen_address.empty()) GOVCHAIN_TRY(listen());
  state_ = State::running;
  for (const auto& peer : config_.peers) {
    if (peer.public_key == config_.key_pair.public_key) continue;
    DialState& dial = dials_[peer.public_key];
    dial.peer = peer;
    dial.host_port = *parse_host_port(peer.address);
    dial.timer = std::make_unique<asio::steady_timer>(io_context_);
    schedule_dial_locked(dial, 0);
  }
  arm_log_flush_locked();
  work_guard_.emplace(io_context_.get_executor());
  for (uint32_t index = 0; index < config_.threads; ++index)
    threads_.emplace_back([this] {
      try {
        io_context_.run();
      } catch (const std::exception& exception) {
        spdlog::critical("p2p: transport thread stopped by an exception: {}", exception.what());
      }
    });
  spdlog::info("p2p: started node {} on chain '{}', listening on port {}, {} configured peers",
               short_key(config_.key_pair.public_key), config_.chain_id, port_.load(), dials_.size());
  return Status::ok_status();
}

Status Transport::Impl::listen() {
  auto host_port = parse_host_port(config_.listen_address);
  boost::system::error_code error_code;
  auto address = asio::ip::make_address(host_port->host, error_code);
  if (error_code)
    return error(Code::invalid_argument, "p2p: listen address '" + host_port->host + "' is not an IP address");
  tcp::endpoint endpoint(address, host_port->port);
  acceptor_.open(endpoint.protocol(), error_code);
  if (!error_code) acceptor_.set_option(tcp::acceptor::reuse_address(true), error_code);
  if (!error_code) acceptor_.bind(endpoint, error_code);
  if (!error_code) acceptor_.listen(asio::socket_base::max_listen_connections, error_code);
  if (error_code)
    return error(Code::io_error, "p2p: cannot listen on " + config_.listen_address + ": " + error_code.message());
  port_ = acceptor_.local_endpoint(error_code).port();
  accept_next_locked();
  return Status::ok_status();
}

void Transport::Impl::stop() {
  std::vector<std::shared_ptr<Connection>> open_connections;
  {
    std::lock_guard lock(mutex_);
    if (state_ != State::running) {
      state_ = State::stopped;
      return;
    }
    state_ = State::stopping;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    accept_retry_timer_.cancel();
    log_flush_timer_.cancel();
    for (auto& [key, dial] : dials_) dial.timer->cancel();
    open_connections.assign(connections_.begin(), connections_.end());
  }
  for (auto& connection : open_connections) connection->close(error(Code::unavailable, "transport stopping"));
  {
    // Closing is asynchronous; give the connections a moment to report.
    std::unique_lock lock(mutex_);
    connections_closed_.wait_for(lock, std::chrono::seconds(2), [this] { return connections_.empty(); });
  }
  work_guard_.reset();
  io_context_.stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  std::lock_guard lock(mutex_);
  state_ = State::stopped;
  connections_.clear();
  sessions_.clear();
  dials_.clear();
  pending_inbound_.clear();
  pending_per_address_.clear();
  spdlog::info("p2p: stopped node {}", short_key(config_.key_pair.public_key));
}

// ---- Accepting and dialing -----------------------------------------------

std::shared_ptr<Connection> Transport::Impl::new_connection_locked(std::optional<PublicKey> expected_key) {
  HandshakeIdentity identity{config_.chain_id, config_.genesis_hash, config_.key_pair};
  return std::make_shared<Connection>(io_context_, *this, settings_, std::move(identity), expected_key);
}

void Transport::Impl::accept_next_locked() {
  auto connection = new_connection_locked(std::nullopt);
  acceptor_.async_accept(
      connection->socket_for_accept(),
      [this, connection](const boost::system::error_code& error_code) { on_accepted(connection, error_code); });
}

void Transport::Impl::on_accepted(const std::shared_ptr<Connection>& connection,
                                  const boost::system::error_code& error_code) {
  std::unique_lock lock(mutex_);
  if (state_ != State::running) return;
  if (error_code) {
    // E.g. out of file descriptors: retry after a pause instead of spinning.
    spdlog::warn("p2p: accept failed: {}; retrying in 100 ms", error_code.message());
    accept_retry_timer_.expires_after(std::chrono::milliseconds(100));
    accept_retry_timer_.async_wait([this](const boost::system::error_code& timer_error) {
      std::lock_guard retry_lock(mutex_);
      if (!timer_error && state_ == State::running) accept_next_locked();
    });
    return;
  }
  admit_inbound_locked(connection);
  accept_next_locked();
}

// An inbound connection is unauthenticated until its handshake completes:
// it is rate limited per address and takes a pending-handshake slot, making
// room by closing the oldest pending one when its address or the whole
// node is at the bound. Sessions and outbound dials are never touched.
void Transport::Impl::admit_inbound_locked(const std::shared_ptr<Connection>& connection) {
  boost::system::error_code error_code;
  const auto endpoint = connection->socket_for_accept().remote_endpoint(error_code);
  if (error_code) {
    connection->socket_for_accept().close(error_code);
    return;
  }
  const std::string address = endpoint.address().to_string();
  std::string address_key = inbound_address_key(address);
  if (!inbound_rate_.try_take(address_key, steady_now_ms())) {
    inbound_refused_total_++;
    connection->socket_for_accept().close(error_code);
    log_throttled(inbound_refused_category, "inbound connection from " + address + " closed at once: more than " +
                                                std::to_string(config_.inbound_connections_per_second_per_address) +
                                                " new connections per second from " + address_key);
    return;
  }
  make_room_locked(address_key);
  pending_per_address_[address_key]++;
  pending_inbound_.push_back(PendingInbound{connection, std::move(address_key)});
  connections_.insert(connection);
  connection->start_inbound();
}

void Transport::Impl::make_room_locked(const std::string& address_key) {
  auto victim = pending_inbound_.end();
  const auto held = pending_per_address_.find(address_key);
  if (held != pending_per_address_.end() && held->second >= config_.inbound_handshakes_per_address_max) {
    victim = std::find_if(pending_inbound_.begin(), pending_inbound_.end(),
                          [&](const PendingInbound& pending) { return pending.address_key == address_key; });
  } else if (pending_inbound_.size() >= config_.inbound_handshakes_max) {
    victim = pending_inbound_.begin();
  }
  if (victim == pending_inbound_.end()) return;
  const std::shared_ptr<Connection> evicted = victim->connection;
  remove_pending_locked(evicted.get());
  inbound_evicted_total_++;
  evicted->close(error(Code::resource_exhausted, "pending handshake closed to make room for a newer connection"));
  log_throttled(inbound_evicted_category, "closed the oldest pending inbound handshake (from " +
                                              evicted->remote_address() + ") to make room for a newer one");
}

void Transport::Impl::remove_pending_locked(const Connection* connection) {
  const auto found = std::find_if(pending_inbound_.begin(), pending_inbound_.end(), [&](const PendingInbound& pending) {
    return pending.connection.get() == connection;
  });
  if (found == pending_inbound_.end()) return;
  auto held = pending_per_address_.find(found->address_key);
  if (held != pending_per_address_.end() && --held->second == 0) pending_per_address_.erase(held);
  pending_inbound_.erase(found);
}

// ---- Throttled logging -----------------------------------------------------

void Transport::Impl::log_throttled(std::string_view category, const std::string& line) {
  const uint64_t events = log_throttle_.note(category, steady_now_ms(), line);
  if (events == 1) spdlog::warn("p2p: {}", line);
  if (events > 1) {
    spdlog::warn("p2p: {} ({} {} in the last {} s, this one included)", line, events, category,
                 std::max<uint64_t>(config_.refusal_log_interval_ms / 1000, 1));
  }
}

void Transport::Impl::arm_log_flush_locked() {
  log_flush_timer_.expires_after(std::chrono::milliseconds(config_.refusal_log_interval_ms));
  log_flush_timer_.async_wait([this](const boost::system::error_code& error_code) {
    if (!error_code) flush_logs();
  });
}

// Held-back events get their summary line when their interval ends, even
// when no further event comes to carry it.
void Transport::Impl::flush_logs() {
  for (const auto& pending : log_throttle_.flush(steady_now_ms())) {
    spdlog::warn("p2p: {} {} in the last {} s; the latest: {}", pending.events, pending.category,
                 std::max<uint64_t>(config_.refusal_log_interval_ms / 1000, 1), pending.example);
  }
  std::lock_guard lock(mutex_);
  if (state_ == State::running) arm_log_flush_locked();
}

void Transport::Impl::schedule_dial_locked(DialState& dial, uint64_t delay_ms) {
  const PublicKey key = dial.peer.public_key;
  dial.timer->expires_after(std::chrono::milliseconds(delay_ms));
  dial.timer->async_wait([this, key](const boost::system::error_code& error_code) {
    if (!error_code) this->dial(key);
  });
}

void Transport::Impl::dial(const PublicKey& key) {
  std::lock_guard lock(mutex_);
  auto found = dials_.find(key);
  if (state_ != State::running || found == dials_.end()) return;
  DialState& dial = found->second;
  if (dial.connection || sessions_.count(key)) return;
  uint64_t penalty_ms = 0;
  if (!allowed_keys_.count(key)) {
    // Dialing resumes from set_allowed_keys() once the key is allowed.
    dial.last_error = "node key is not in the allowed set";
    dial.parked = true;
    return;
  }
  if (penalized_locked(key, &penalty_ms)) {
    schedule_dial_locked(dial, std::max(penalty_ms, redial_delay_locked(dial)));
    return;
  }
  dial.connection = new_connection_locked(key);
  connections_.insert(dial.connection);
  dial.connection->start_outbound(dial.host_port.host, dial.host_port.port);
}

uint64_t Transport::Impl::redial_delay_locked(DialState& dial) {
  const uint64_t delay_ms =
      reconnect_delay_ms(dial.attempts, config_.reconnect_delay_ms_min, config_.reconnect_delay_ms_max, random_());
  dial.attempts++;
  return delay_ms;
}

// ---- Admission -------------------------------------------------------------

bool Transport::Impl::penalized_locked(const PublicKey& peer_key, uint64_t* remaining_ms) const {
  auto found = penalized_until_.find(peer_key);
  if (found == penalized_until_.end()) return false;
  const auto now = Clock::now();
  if (found->second <= now) return false;
  *remaining_ms =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(found->second - now).count() + 1);
  return true;
}

Status Transport::Impl::admit_locked(const PublicKey& peer_key, const std::optional<PublicKey>& expected_key) const {
  if (state_ != State::running) return error(Code::unavailable, "transport is stopping");
  if (peer_key == config_.key_pair.public_key) return error(Code::invalid, "peer presented our own node key");
  if (expected_key && peer_key != *expected_key)
    return error(Code::unauthorized,
                 "dialed " + short_key(*expected_key) + " but the peer proved key " + short_key(peer_key));
  if (!allowed_keys_.count(peer_key))
    return error(Code::unauthorized, "node key " + peer_key.hex() + " is not in the allowed set");
  uint64_t remaining_ms = 0;
  if (penalized_locked(peer_key, &remaining_ms))
    return error(Code::unauthorized, "node key " + short_key(peer_key) + " is penalised for another " +
                                         std::to_string(remaining_ms) + " ms");
  return Status::ok_status();
}

Status Transport::Impl::check_peer_key(const Connection& connection, const PublicKey& peer_key) {
  std::lock_guard lock(mutex_);
  return admit_locked(peer_key, connection.expected_key());
}

void Transport::Impl::log_refusal(const Connection& connection, const Status& reason) const {
  spdlog::warn("p2p: {} connection {} {} refused: {}", connection.outbound() ? "outbound" : "inbound",
               connection.outbound() ? "to" : "from", connection.remote_address(), reason.to_string());
}

// ---- Sessions --------------------------------------------------------------

// Both ends of a doubly dialed pair keep the connection opened by the smaller
// node key; a newer connection opened by the same side as the existing one
// replaces it (the old one is most likely dead, e.g. the peer restarted).
Status Transport::Impl::on_established(const std::shared_ptr<Connection>& connection) {
  const PublicKey key = connection->peer_key();
  std::shared_ptr<Connection> replaced;
  bool first_session = false;
  Status result;
  {
    std::lock_guard lock(mutex_);
    // Authenticated now: it leaves the pending-handshake budget either way.
    remove_pending_locked(connection.get());
    result = admit_locked(key, connection->expected_key());
    auto found = sessions_.find(key);
    if (result.ok() && found == sessions_.end()) {
      sessions_.emplace(key, connection);
      first_session = true;
    } else if (result.ok()) {
      const PublicKey& own = config_.key_pair.public_key;
      const PublicKey opener_new = connection->outbound() ? own : key;
      const PublicKey opener_existing = found->second->outbound() ? own : key;
      if (opener_new <= opener_existing) {
        replaced = found->second;
        found->second = connection;
      } else {
        result = error(Code::already_exists, "a session with " + short_key(key) +
                                                 " exists; keeping the connection opened by the smaller key");
      }
    }
  }
  if (replaced) replaced->close(error(Code::already_exists, "replaced by another session with the same peer"));
  if (!result.ok()) {
    log_refusal(*connection, result);
    return result;
  }
  if (first_session) {
    spdlog::info("p2p: session with {} at {} established ({})", short_key(key), connection->remote_address(),
                 connection->outbound() ? "outbound" : "inbound");
    invoke("on_peer_connected", callbacks_.on_peer_connected, key, connection->remote_address(),
           connection->outbound());
  }
  return Status::ok_status();
}

void Transport::Impl::on_first_frame(const std::shared_ptr<Connection>& connection) {
  std::lock_guard lock(mutex_);
  auto found = dials_.find(connection->peer_key());
  if (found == dials_.end()) return;
  found->second.attempts = 0;
  found->second.last_error.clear();
}

void Transport::Impl::on_message(const std::shared_ptr<Connection>& connection, Message message) {
  const PublicKey& key = connection->peer_key();
  {
    std::lock_guard lock(mutex_);
    // A connection that lost a tie-break after the fact (it is being
    // replaced) still delivers what is in flight; one whose key was
    // removed or penalised delivers nothing more.
    uint64_t penalty_ms = 0;
    if (!allowed_keys_.count(key) || penalized_locked(key, &penalty_ms) || state_ != State::running) return;
    if (gossip_types_.count(message.type) && !seen_.insert(gossip_message_hash(message.type, message.payload))) return;
  }
  invoke("on_message", callbacks_.on_message, key, message.type, std::move(message.payload));
}

void Transport::Impl::on_closed(const std::shared_ptr<Connection>& connection, const Status& reason, bool penalize) {
  const bool established = connection->counters().connected_since_unix_ms != 0;
  const PublicKey key = established ? connection->peer_key() : connection->expected_key().value_or(PublicKey{});
  bool was_session = false;
  bool running = false;
  {
    std::lock_guard lock(mutex_);
    running = state_ == State::running;
    connections_.erase(connection);
    remove_pending_locked(connection.get());
    if (!established && !connection->outbound()) inbound_failed_total_++;
    auto found = sessions_.find(key);
    if (established && found != sessions_.end() && found->second == connection) {
      sessions_.erase(found);
      was_session = true;
    }
    if (established && penalize) {
      prune_penalties_locked();
      penalized_until_[key] = Clock::now() + std::chrono::milliseconds(config_.penalty_duration_ms);
    }
    if (established || connection->outbound()) note_closed_dial_locked(connection, key, was_session, reason);
    connections_closed_.notify_all();
  }
  if (was_session) {
    spdlog::info("p2p: session with {} closed: {}", short_key(key), reason.to_string());
    invoke("on_peer_disconnected", callbacks_.on_peer_disconnected, key, reason);
  } else if (!established && !connection->outbound()) {
    // Unauthenticated: anyone can cause these, so they are throttled.
    // Evictions were logged when they were decided; closing them all at
    // stop is no news.
    if (reason.code() == Code::resource_exhausted || !running) return;
    const bool network_failure = reason.code() == Code::io_error || reason.code() == Code::unavailable;
    // One kind per reason, so that a flood of idle sockets (timeouts) never
    // hides the one refusal of a misconfigured peer (unauthorized).
    log_throttled(std::string(inbound_failed_category) + " (" + std::string(code_name(reason.code())) + ")",
                  "inbound connection from " + connection->remote_address() +
                      (network_failure ? " ended during the handshake: " : " refused: ") + reason.to_string());
  } else if (!established) {
    const bool network_failure = reason.code() == Code::io_error || reason.code() == Code::unavailable;
    if (network_failure) {
      spdlog::info("p2p: connection {} {} ended during the handshake: {}", connection->outbound() ? "to" : "from",
                   connection->remote_address(), reason.to_string());
    } else {
      log_refusal(*connection, reason);
    }
  }
}

// Redials a configured peer whose session or dial ended, after backoff.
void Transport::Impl::note_closed_dial_locked(const std::shared_ptr<Connection>& connection, const PublicKey& key,
                                              bool was_session, const Status& reason) {
  auto found = dials_.find(key);
  if (found == dials_.end()) return;
  DialState& dial = found->second;
  const bool was_dial = dial.connection == connection;
  if (was_dial) dial.connection.reset();
  if (!was_dial && !was_session) return;
  if (sessions_.count(key)) return;  // e.g. this dial lost the tie-break
  dial.last_error = reason.to_string();
  if (state_ != State::running || dial.connection) return;
  uint64_t penalty_ms = 0;
  penalized_locked(key, &penalty_ms);
  schedule_dial_locked(dial, std::max(penalty_ms, redial_delay_locked(dial)));
}

void Transport::Impl::prune_penalties_locked() {
  const auto now = Clock::now();
  std::erase_if(penalized_until_, [now](const auto& entry) { return entry.second <= now; });
}

// ---- Embedder API ----------------------------------------------------------

void Transport::Impl::set_allowed_keys(std::vector<PublicKey> keys) {
  std::vector<std::shared_ptr<Connection>> removed;
  {
    std::lock_guard lock(mutex_);
    allowed_keys_ = std::set<PublicKey>(keys.begin(), keys.end());
    for (const auto& [key, connection] : sessions_)
      if (!allowed_keys_.count(key)) removed.push_back(connection);
    for (auto& [key, dial] : dials_) {
      if (!dial.parked || !allowed_keys_.count(key) || state_ != State::running) continue;
      dial.parked = false;
      schedule_dial_locked(dial, 0);
    }
  }
  for (auto& connection : removed) {
    spdlog::warn("p2p: closing session with {}: its key left the allowed set", short_key(connection->peer_key()));
    connection->close(error(Code::unauthorized, "node key removed from the allowed set"));
  }
}

Status Transport::Impl::send(const PublicKey& peer, MessageType type, ByteView payload) {
  if (!is_embedder_message_type(type))
    return error(Code::invalid_argument, "message type " + std::to_string(type) + " is reserved for the transport");
  std::shared_ptr<Connection> connection;
  {
    std::lock_guard lock(mutex_);
    auto found = sessions_.find(peer);
    if (found == sessions_.end()) return error(Code::not_found, "no session with " + short_key(peer));
    connection = found->second;
  }
  return connection->enqueue(type, payload, low_priority_types_.count(type) != 0);
}

size_t Transport::Impl::broadcast(MessageType type, ByteView payload, const std::optional<PublicKey>& except) {
  if (!is_embedder_message_type(type)) return 0;
  std::vector<std::shared_ptr<Connection>> targets;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [key, connection] : sessions_)
      if (!except || key != *except) targets.push_back(connection);
  }
  const bool low_priority = low_priority_types_.count(type) != 0;
  size_t queued = 0;
  for (auto& connection : targets) queued += connection->enqueue(type, payload, low_priority).ok() ? 1 : 0;
  return queued;
}

size_t Transport::Impl::gossip(MessageType type, ByteView payload, const std::optional<PublicKey>& except) {
  {
    std::lock_guard lock(mutex_);
    seen_.insert(gossip_message_hash(type, payload));
  }
  return broadcast(type, payload, except);
}

void Transport::Impl::penalize(const PublicKey& peer, const std::string& reason) {
  std::shared_ptr<Connection> connection;
  {
    std::lock_guard lock(mutex_);
    prune_penalties_locked();
    penalized_until_[peer] = Clock::now() + std::chrono::milliseconds(config_.penalty_duration_ms);
    auto found = sessions_.find(peer);
    if (found != sessions_.end()) connection = found->second;
  }
  spdlog::warn("p2p: penalising {} for {} ms: {}", short_key(peer), config_.penalty_duration_ms, reason);
  if (connection) connection->close(error(Code::invalid, "penalised: " + reason), true);
}

TransportStats Transport::Impl::stats() const {
  std::lock_guard lock(mutex_);
  TransportStats stats;
  stats.inbound_handshakes_pending = pending_inbound_.size();
  stats.inbound_refused_total = inbound_refused_total_;
  stats.inbound_evicted_total = inbound_evicted_total_;
  stats.inbound_handshakes_failed_total = inbound_failed_total_;
  return stats;
}

PeerStatus Transport::Impl::status_of(const Connection& connection) const {
  const ConnectionCounters& counters = connection.counters();
  PeerStatus status;
  status.public_key = connection.peer_key();
  status.address = connection.remote_address();
  status.connected = true;
  status.outbound = connection.outbound();
  status.connected_since_unix_ms = counters.connected_since_unix_ms;
  status.bytes_received = counters.bytes_received;
  status.bytes_sent = counters.bytes_sent;
  status.messages_received = counters.messages_received;
  status.messages_sent = counters.messages_sent;
  status.messages_dropped = counters.messages_dropped;
  status.send_queue_size_bytes = counters.send_queue_size_bytes;
  status.round_trip_ms = connection.round_trip_ms();
  return status;
}

std::vector<PeerStatus> Transport::Impl::peers() const {
  std::lock_guard lock(mutex_);
  std::vector<PeerStatus> result;
  for (const auto& [key, connection] : sessions_) result.push_back(status_of(*connection));
  for (const auto& [dial_key, dial] : dials_) {
    const PublicKey key = dial_key;
    auto found =
        std::find_if(result.begin(), result.end(), [&](const PeerStatus& peer) { return peer.public_key == key; });
    if (found == result.end()) {
      result.push_back(PeerStatus{});
      found = result.end() - 1;
      found->public_key = key;
      found->address = dial.peer.address;
    }
    found->reconnect_attempts = dial.attempts;
    found->last_error = dial.last_error;
  }
  return result;
}

// ---- Transport -------------------------------------------------------------

Transport::Transport(TransportConfig config, TransportCallbacks callbacks)
    : impl_(std::make_shared<Impl>(std::move(config), std::move(callbacks))) {}
Transport::~Transport() { stop(); }
Status Transport::start() {
  try {
    return impl_->start();
  } catch (const std::exception& exception) {
    return error(Code::internal, std::string("p2p: start failed: ") + exception.what());
  }
}
void Transport::stop() { impl_->stop(); }
uint16_t Transport::port() const { return impl_->port(); }
void Transport::set_allowed_keys(std::vector<PublicKey> keys) { impl_->set_allowed_keys(std::move(keys)); }
Status Transport::send(const PublicKey& peer, MessageType type, ByteView payload) {
  return impl_->send(peer, type, payload);
}
size_t Transport::broadcast(MessageType type, ByteView payload, std::optional<PublicKey> except) {
  return impl_->broadcast(type, payload, except);
}
size_t Transport::gossip(MessageType type, ByteView payload, std::optional<PublicKey> except) {
  return impl_->gossip(type, payload, except);
}
void Transport::penalize(const PublicKey& peer, const std::string& reason) { impl_->penalize(peer, reason); }
std::vector<PeerStatus> Transport::peers() const { return impl_->peers(); }
TransportStats Transport::stats() const { return impl_->stats(); }

}  // namespace govchain::p2p
