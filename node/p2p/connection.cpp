#include "p2p/connection.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "core/clock.h"

namespace govchain::p2p {

namespace {

int64_t unix_now_ms() { return system_clock().wall_ms(); }

Status io_status(std::string_view what, const boost::system::error_code& error_code) {
  if (error_code == asio::error::eof)
    return error(Code::unavailable, std::string(what) + ": peer closed the connection");
  return error(Code::io_error, std::string(what) + ": " + error_code.message());
}

Bytes encode_u64(uint64_t value) {
  Bytes bytes(8);
  for (int index = 0; index < 8; ++index) bytes[index] = static_cast<uint8_t>(value >> (56 - 8 * index));
  return bytes;
}

uint64_t decode_u64(ByteView bytes) {
  uint64_t value = 0;
  for (uint8_t byte : bytes) value = (value << 8) | byte;
  return value;
}

}  // namespace

Connection::Connection(asio::io_context& io_context, ConnectionOwner& owner, ConnectionSettings settings,
                       HandshakeIdentity identity, std::optional<PublicKey> expected_key)
    : owner_(owner),
      settings_(settings),
      identity_(std::move(identity)),
      expected_key_(expected_key),
      strand_(asio::make_strand(io_context)),
      socket_(strand_),
      resolver_(strand_),
      handshake_timer_(strand_),
      keepalive_timer_(strand_),
      read_pause_timer_(strand_) {}

Connection::~Connection() = default;

std::string Connection::remote_address() const {
  std::lock_guard lock(send_mutex_);
  return remote_address_;
}

// ---- Connect and accept ------------------------------------------------

void Connection::start_handshake_timer() {
  handshake_timer_.expires_after(std::chrono::milliseconds(settings_.handshake_timeout_ms));
  handshake_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& error_code) {
    if (error_code || self->closed_ || self->opener_) return;
    self->close_on_strand(error(Code::timeout, "handshake did not complete within " +
                                                   std::to_string(self->settings_.handshake_timeout_ms) + " ms"),
                          false);
  });
}

void Connection::start_outbound(std::string host, uint16_t port) {
  asio::dispatch(strand_, [self = shared_from_this(), host = std::move(host), port] {
    if (self->closed_) return;  // closed (transport stopping) before it started
    {
      std::lock_guard lock(self->send_mutex_);
      self->remote_address_ = host + ":" + std::to_string(port);
    }
    self->initiator_.emplace(self->identity_);
    self->start_handshake_timer();
    self->resolver_.async_resolve(
        host, std::to_string(port),
        [self](const boost::system::error_code& error_code, tcp::resolver::results_type endpoints) {
          self->on_resolved(error_code, std::move(endpoints));
        });
  });
}

void Connection::on_resolved(const boost::system::error_code& error_code, tcp::resolver::results_type endpoints) {
  if (closed_) return;
  if (error_code) return close_on_strand(io_status("resolving the peer address failed", error_code), false);
  asio::async_connect(socket_, endpoints,
                      [self = shared_from_this()](const boost::system::error_code& connect_error,
                                                  const tcp::endpoint&) { self->on_connected(connect_error); });
}

void Connection::on_connected(const boost::system::error_code& error_code) {
  if (closed_) return;
  if (error_code) return close_on_strand(io_status("connecting failed", error_code), false);
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  write_handshake(initiator_->hello(), false);
  read_frame();
}

void Connection::start_inbound() {
  asio::dispatch(strand_, [self = shared_from_this()] {
    if (self->closed_) return;
    boost::system::error_code error_code;
    auto endpoint = self->socket_.remote_endpoint(error_code);
    if (error_code) return self->close_on_strand(io_status("accepted socket has no peer", error_code), false);
    {
      std::lock_guard lock(self->send_mutex_);
      self->remote_address_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
    }
    self->socket_.set_option(tcp::no_delay(true), error_code);
    self->responder_.emplace(self->identity_);
    self->start_handshake_timer();
    self->read_frame();
  });
}

// ---- Handshake -----------------------------------------------------------

void Connection::write_handshake(Bytes message, bool then_establish) {
  auto frame = std::make_shared<Bytes>(encode_frame_header(static_cast<uint32_t>(message.size())));
  frame->insert(frame->end(), message.begin(), message.end());
  asio::async_write(socket_, asio::buffer(*frame),
                    [self = shared_from_this(), frame, then_establish](const boost::system::error_code& error_code,
                                                                       size_t size_bytes) {
                      if (self->closed_) return;
                      if (error_code)
                        return self->close_on_strand(io_status("handshake write failed", error_code), false);
                      self->counters_.bytes_sent += size_bytes;
                      if (!then_establish) return;
                      const SessionSecrets secrets = self->initiator_->secrets();
                      self->establish(secrets);
                    });
}

void Connection::on_handshake_message() {
  ByteView message(body_buffer_);
  const PeerKeyCheck check = [this](const PublicKey& peer_key) { return owner_.check_peer_key(*this, peer_key); };
  if (initiator_) {
    auto finish = initiator_->on_reply(message, check);
    if (!finish.ok()) return close_on_strand(finish.status().with_context("handshake refused"), false);
    // The session starts once the finish message is on its way; reading
    // continues in establish() so that the first frame is not misread.
    write_handshake(std::move(finish).value(), true);
    return;
  }
  assert(responder_);
  if (!hello_received_) {
    hello_received_ = true;
    auto reply = responder_->on_hello(message);
    if (!reply.ok()) return close_on_strand(reply.status().with_context("handshake refused"), false);
    write_handshake(std::move(reply).value(), false);
    return read_frame();
  }
  auto secrets = responder_->on_finish(message, check);
  if (!secrets.ok()) return close_on_strand(secrets.status().with_context("handshake refused"), false);
  establish(*secrets);
}

void Connection::establish(const SessionSecrets& secrets) {
  handshake_timer_.cancel();
  peer_key_ = secrets.peer_key;
  opener_.emplace(secrets.receive_key);
  const uint64_t now_ms = steady_now_ms();
  message_bucket_.emplace(settings_.receive_messages_per_second_max, now_ms);
  byte_bucket_.emplace(settings_.receive_bytes_per_second_max, now_ms);
  last_receive_ms_ = now_ms;
  {
    std::lock_guard lock(send_mutex_);
    sealer_.emplace(secrets.send_key);
    established_ = true;
  }
  counters_.connected_since_unix_ms = unix_now_ms();
  initiator_.reset();
  responder_.reset();
  Status admitted = owner_.on_established(shared_from_this());
  if (!admitted.ok()) return close_on_strand(admitted, false);
  // An immediate ping proves to the peer that we accepted it (see
  // ConnectionOwner::on_first_frame) and measures the round trip.
  (void)enqueue_frame(message_type_ping, encode_u64(now_ms), false);
  arm_keepalive();
  read_frame();
}

// ---- Reading -----------------------------------------------------------

void Connection::read_frame() {
  asio::async_read(socket_, asio::buffer(header_buffer_),
                   [self = shared_from_this()](const boost::system::error_code& error_code, size_t) {
                     self->on_header(error_code);
                   });
}

void Connection::on_header(const boost::system::error_code& error_code) {
  if (closed_) return;
  if (error_code) return close_on_strand(io_status("read failed", error_code), false);
  const uint32_t limit_bytes = opener_ ? settings_.frame_size_bytes_max : handshake_message_size_bytes_max;
  auto body_size_bytes = decode_frame_header(header_buffer_, limit_bytes);
  if (!body_size_bytes.ok()) return close_on_strand(body_size_bytes.status().with_context("invalid frame"), true);
  body_buffer_.resize(*body_size_bytes);
  asio::async_read(socket_, asio::buffer(body_buffer_),
                   [self = shared_from_this()](const boost::system::error_code& body_error, size_t size_bytes) {
                     self->on_body(body_error, size_bytes);
                   });
}

void Connection::on_body(const boost::system::error_code& error_code, size_t size_bytes) {
  if (closed_) return;
  if (error_code) return close_on_strand(io_status("read failed", error_code), false);
  counters_.bytes_received += frame_header_size_bytes + size_bytes;
  last_receive_ms_ = steady_now_ms();
  if (!opener_) return on_handshake_message();
  deliver();
}

void Connection::deliver() {
  auto message = opener_->open(header_buffer_, body_buffer_);
  if (!message.ok()) return close_on_strand(message.status().with_context("invalid frame"), true);
  counters_.messages_received++;
  const uint64_t now_ms = steady_now_ms();
  message_bucket_->spend(1, now_ms);
  byte_bucket_->spend(frame_header_size_bytes + body_buffer_.size(), now_ms);
  if (!first_frame_seen_) {
    first_frame_seen_ = true;
    owner_.on_first_frame(shared_from_this());
  }
  dispatch_message(std::move(message).value());
  if (closed_) return;
  pause_then_read();
}

void Connection::dispatch_message(Message message) {
  if (is_embedder_message_type(message.type)) return owner_.on_message(shared_from_this(), std::move(message));
  if (message.type == message_type_ping || message.type == message_type_pong) {
    if (message.payload.size() != 8)
      return close_on_strand(error(Code::malformed, "keepalive payload must be 8 bytes"), true);
    if (message.type == message_type_ping) {
      (void)enqueue_frame(message_type_pong, message.payload, false);
    } else {
      round_trip_ms_ = steady_now_ms() - std::min(steady_now_ms(), decode_u64(message.payload));
    }
    return;
  }
  close_on_strand(error(Code::invalid, "message type " + std::to_string(message.type) +
                                           " is reserved for the transport and unknown to this version"),
                  true);
}

// A peer over its rate is not punished: reading pauses until its buckets
// refill, TCP flow control then slows the sender.
void Connection::pause_then_read() {
  const uint64_t now_ms = steady_now_ms();
  const uint64_t wait_ms = std::max(message_bucket_->wait_ms(now_ms), byte_bucket_->wait_ms(now_ms));
  if (wait_ms == 0) return read_frame();
  read_pause_timer_.expires_after(std::chrono::milliseconds(wait_ms));
  read_pause_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& error_code) {
    if (error_code || self->closed_) return;
    self->read_frame();
  });
}

// ---- Writing -----------------------------------------------------------

Status Connection::enqueue(MessageType type, ByteView payload, bool low_priority) {
  if (!is_embedder_message_type(type))
    return error(Code::invalid_argument, "message type " + std::to_string(type) + " is reserved for the transport");
  return enqueue_frame(type, payload, low_priority);
}

Status Connection::enqueue_frame(MessageType type, ByteView payload, bool low_priority) {
  std::unique_lock lock(send_mutex_);
  if (!established_ || send_closed_) return error(Code::unavailable, "session is not established or closing");
  const uint64_t frame_size_bytes = frame_header_size_bytes + frame_overhead_bytes + payload.size();
  const bool over_half = send_queue_.size() >= settings_.send_queue_messages_max / 2 ||
                         send_queue_size_bytes_ + frame_size_bytes > settings_.send_queue_size_bytes_max / 2;
  const bool over_limit = send_queue_.size() + 1 > settings_.send_queue_messages_max ||
                          send_queue_size_bytes_ + frame_size_bytes > settings_.send_queue_size_bytes_max;
  if (low_priority && over_half) {
    counters_.messages_dropped++;
    return error(Code::resource_exhausted, "send queue of the peer is half full; low-priority message dropped");
  }
  if (over_limit) {
    lock.unlock();
    Status full = error(Code::resource_exhausted, "send queue of the peer is full: it cannot keep up");
    close(full);
    return full;
  }
  auto frame = sealer_->seal(type, payload, settings_.frame_size_bytes_max);
  if (!frame.ok()) return frame.status();
  send_queue_size_bytes_ += frame->size();
  counters_.send_queue_size_bytes = send_queue_size_bytes_;
  send_queue_.push_back(std::move(frame).value());
  if (!writing_) {
    writing_ = true;
    asio::post(strand_, [self = shared_from_this()] { self->write_next(); });
  }
  return Status::ok_status();
}

void Connection::write_next() {
  if (closed_) return;
  {
    std::lock_guard lock(send_mutex_);
    if (send_queue_.empty()) {
      writing_ = false;
      return;
    }
    write_buffer_ = std::move(send_queue_.front());
    send_queue_.pop_front();
  }
  asio::async_write(socket_, asio::buffer(write_buffer_),
                    [self = shared_from_this()](const boost::system::error_code& error_code, size_t size_bytes) {
                      self->on_written(error_code, size_bytes);
                    });
}

void Connection::on_written(const boost::system::error_code& error_code, size_t size_bytes) {
  if (closed_) return;
  if (error_code) return close_on_strand(io_status("write failed", error_code), false);
  {
    std::lock_guard lock(send_mutex_);
    send_queue_size_bytes_ -= write_buffer_.size();
    counters_.send_queue_size_bytes = send_queue_size_bytes_;
  }
  counters_.bytes_sent += size_bytes;
  counters_.messages_sent++;
  write_next();
}

// ---- Keepalive and closing -----------------------------------------------

void Connection::arm_keepalive() {
  keepalive_timer_.expires_after(std::chrono::milliseconds(settings_.keepalive_interval_ms));
  keepalive_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& error_code) {
    if (error_code || self->closed_) return;
    self->on_keepalive();
  });
}

void Connection::on_keepalive() {
  const uint64_t now_ms = steady_now_ms();
  if (now_ms - last_receive_ms_ > settings_.idle_timeout_ms)
    return close_on_strand(error(Code::timeout, "nothing received for " + std::to_string(now_ms - last_receive_ms_) +
                                                    " ms (idle timeout)"),
                           false);
  (void)enqueue_frame(message_type_ping, encode_u64(now_ms), false);
  arm_keepalive();
}

void Connection::close(Status reason, bool penalize) {
  // Posted, never run inline, so that a caller inside a callback of this
  // connection does not see on_closed re-entrantly.
  asio::post(strand_, [self = shared_from_this(), reason = std::move(reason), penalize] {
    self->close_on_strand(reason, penalize);
  });
}

void Connection::close_on_strand(const Status& reason, bool penalize) {
  if (closed_) return;
  closed_ = true;
  {
    std::lock_guard lock(send_mutex_);
    send_closed_ = true;
    send_queue_.clear();
    send_queue_size_bytes_ = 0;
    counters_.send_queue_size_bytes = 0;
  }
  boost::system::error_code ignored;
  handshake_timer_.cancel();
  keepalive_timer_.cancel();
  read_pause_timer_.cancel();
  resolver_.cancel();
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  owner_.on_closed(shared_from_this(), reason, penalize);
}

}  // namespace govchain::p2p
