#include "rpc/websocket_session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include "rpc/json_shape.h"
#include "rpc/server_core.h"

namespace govchain::rpc {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;

// ---- SubscriberSet -------------------------------------------------------------

std::optional<uint64_t> SubscriberSet::add(const std::shared_ptr<WebSocketSession>& session) {
  std::lock_guard lock(mutex_);
  if (closed_) return std::nullopt;
  const uint64_t subscriber_id = next_id_++;
  sessions_.emplace(subscriber_id, session);
  return subscriber_id;
}

void SubscriberSet::remove(uint64_t subscriber_id) {
  std::lock_guard lock(mutex_);
  sessions_.erase(subscriber_id);
}

size_t SubscriberSet::broadcast(std::string_view text) {
  const auto message = std::make_shared<const std::string>(text);
  std::lock_guard lock(mutex_);
  size_t queued_count = 0;
  // Bounded by the subscriber budget.
  for (auto entry = sessions_.begin(); entry != sessions_.end();) {
    const auto session = entry->second.lock();
    const bool keep = session && session->enqueue(message).ok();
    queued_count += keep ? 1 : 0;
    entry = keep ? std::next(entry) : sessions_.erase(entry);
  }
  return queued_count;
}

Status SubscriberSet::send_to(uint64_t subscriber_id, std::string_view text) {
  const auto message = std::make_shared<const std::string>(text);
  std::lock_guard lock(mutex_);
  const auto entry = sessions_.find(subscriber_id);
  const auto session = entry == sessions_.end() ? nullptr : entry->second.lock();
  if (!session) return error(Code::not_found, "subscriber " + std::to_string(subscriber_id) + " is not connected");
  Status status = session->enqueue(message);
  if (!status.ok()) sessions_.erase(entry);
  return status;
}

size_t SubscriberSet::count() const {
  std::lock_guard lock(mutex_);
  size_t live = 0;
  for (const auto& [subscriber_id, session] : sessions_) live += session.expired() ? 0 : 1;
  return live;
}

void SubscriberSet::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  sessions_.clear();
}

// ---- WebSocketSession ------------------------------------------------------------

WebSocketSession::WebSocketSession(ServerCore& server, net::ip::tcp::socket socket, ClientSlot subscriber_slot)
    : server_(server), stream_(std::move(socket)), subscriber_slot_(std::move(subscriber_slot)) {}

void WebSocketSession::accept(Request request) {
  upgrade_request_ = std::move(request);
  configure();
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    self->stream_.async_accept(self->upgrade_request_,
                               [self](const beast::error_code& accept_error) { self->on_accept(accept_error); });
  });
}

void WebSocketSession::configure() {
  const HttpServerConfig& config = server_.config;
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::chrono::milliseconds(config.timeout_ms);
  timeouts.idle_timeout = std::chrono::milliseconds(config.websocket_idle_timeout_ms);
  timeouts.keep_alive_pings = true;
  stream_.set_option(timeouts);
  stream_.read_message_max(config.websocket_message_size_bytes_max);
  stream_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& response) { response.set(beast::http::field::server, "govchain"); }));
}

Status WebSocketSession::enqueue(const std::shared_ptr<const std::string>& message) {
  const HttpServerConfig& config = server_.config;
  bool start_write = false;
  bool too_slow = false;
  {
    std::lock_guard lock(mutex_);
    if (closing_) return error(Code::not_found, "subscriber is disconnecting");
    too_slow = queue_.size() + 1 > config.websocket_queue_messages_max ||
               queued_size_bytes_ + message->size() > config.websocket_queue_size_bytes_max;
    if (too_slow) {
      closing_ = true;
      queue_.clear();
      queued_size_bytes_ = 0;
    } else {
      queue_.push_back(message);
      queued_size_bytes_ += message->size();
      start_write = accepted_ && !writing_;
      writing_ = writing_ || start_write;
    }
  }
  if (too_slow) return disconnect_slow();
  if (start_write) net::post(stream_.get_executor(), [self = shared_from_this()] { self->do_write(); });
  return Status::ok_status();
}

Status WebSocketSession::disconnect_slow() {
  server_.count_slow_subscriber();
  // Closing the socket, not sending a close frame: a subscriber that does
  // not read would never let a close frame through either.
  net::post(stream_.get_executor(), [self = shared_from_this()] { self->close_socket(); });
  return error(Code::resource_exhausted, "subscriber could not keep up and was disconnected");
}

void WebSocketSession::close_socket() {
  beast::error_code ignored;
  beast::get_lowest_layer(stream_).socket().close(ignored);
}

void WebSocketSession::on_accept(const beast::error_code& accept_error) {
  if (accept_error) return finish();
  bool start_write = false;
  {
    std::lock_guard lock(mutex_);
    accepted_ = true;
    start_write = !queue_.empty() && !writing_ && !closing_;
    writing_ = writing_ || start_write;
  }
  if (start_write) do_write();
  do_read();
}

void WebSocketSession::do_read() {
  stream_.async_read(read_buffer_, [self = shared_from_this()](const beast::error_code& read_error, size_t) {
    self->on_read(read_error);
  });
}

void WebSocketSession::on_read(const beast::error_code& read_error) {
  if (read_error) return finish();
  // A message costs a request token of the subscriber's address, like an
  // HTTP request: a subscriber cannot keep an I/O thread busy for free.
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch());
  if (!server_.limits.take_request_token(subscriber_slot_.address_key(), static_cast<uint64_t>(now_ms.count()))) {
    server_.count_refusal(Refusal::rate);
    close_socket();
    return finish();
  }
  if (stream_.got_text()) {
    const std::string text = beast::buffers_to_string(read_buffer_.data());
    // The same JSON bounds as request bodies, before the embedder parses.
    if (!check_json_shape(text, server_.config.json_shape).ok()) {
      server_.count_refusal(Refusal::json_shape);
      close_socket();
      return finish();
    }
    server_.deliver_message(id_, text);
  }
  read_buffer_.consume(read_buffer_.size());
  do_read();
}

void WebSocketSession::do_write() {
  std::shared_ptr<const std::string> message;
  {
    std::lock_guard lock(mutex_);
    if (queue_.empty() || closing_) {
      writing_ = false;
      return;
    }
    message = queue_.front();
  }
  stream_.text(true);
  stream_.async_write(net::buffer(*message),
                      [self = shared_from_this(), message](const beast::error_code& write_error, size_t) {
                        self->on_write(write_error, message->size());
                      });
}

void WebSocketSession::on_write(const beast::error_code& write_error, size_t message_size_bytes) {
  if (write_error) return finish();
  {
    std::lock_guard lock(mutex_);
    // Disconnecting cleared the queue; the message just written is gone.
    if (closing_) return;
    queue_.pop_front();
    queued_size_bytes_ -= message_size_bytes;
  }
  do_write();
}

void WebSocketSession::finish() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
    queue_.clear();
    queued_size_bytes_ = 0;
  }
  server_.subscribers.remove(id_);
}

}  // namespace govchain::rpc
