#include "rpc/http_session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/websocket.hpp>

#include "rpc/http_text.h"
#include "rpc/websocket_session.h"

namespace govchain::rpc {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

namespace {

// After an error response the server reads and discards what the client
// still sends, so that the close does not reset the connection before the
// client has read the answer. Bounded in time and bytes; memory is constant.
constexpr uint64_t linger_ms_max = 2000;
constexpr uint64_t linger_size_bytes_max = 64ull * 1024 * 1024;
constexpr uint64_t refusal_timeout_ms_max = 1000;

uint64_t steady_now_ms() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now().time_since_epoch()).count());
}

// A request for the worker pool with everything it holds until answered.
struct PoolJob {
  std::shared_ptr<HttpSession> session;
  PooledCall call;
  ClientSlot job_slot;
  SteadyClock::time_point queued_at = SteadyClock::now();
};

}  // namespace

HttpSession::HttpSession(ServerCore& server, tcp::socket socket, std::string address_key, ClientSlot connection_slot)
    : server_(server),
      stream_(std::move(socket)),
      address_key_(std::move(address_key)),
      connection_slot_(std::move(connection_slot)) {
  beast::error_code ignored;
  const auto endpoint = stream_.socket().remote_endpoint(ignored);
  if (!ignored) remote_address_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

HttpSession::~HttpSession() {
  if (header_waiter_id_ != 0) server_.header_waiters.remove(header_waiter_id_);
  if (refusal_only_) server_.end_refusal_answer();
}

void HttpSession::evict() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    // The pending header read completes with operation_aborted and the
    // session ends; its connection slot goes back when it is destroyed.
    self->close();
  });
}

void HttpSession::run() {
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read_header(); });
}

void HttpSession::reject(BeastResponse response) {
  refusal_only_ = true;
  net::dispatch(stream_.get_executor(), [self = shared_from_this(), response = std::move(response)]() mutable {
    self->send(std::move(response), true, std::min(self->server_.config.timeout_ms, refusal_timeout_ms_max));
  });
}

void HttpSession::do_read_header() {
  parser_.emplace();
  parser_->header_limit(static_cast<uint32_t>(server_.config.header_size_bytes_max));
  parser_->body_limit(server_.config.body_size_bytes_max);
  // The header has a deadline of its own: a client that trickles header
  // lines (slowloris) holds its slot for header_timeout_ms at most, however
  // steadily it sends. The same deadline is the keep-alive idle time.
  request_started_ = SteadyClock::now();
  header_waiter_id_ = server_.header_waiters.add(weak_from_this());
  stream_.expires_after(
      std::chrono::milliseconds(std::min(server_.config.header_timeout_ms, server_.config.timeout_ms)));
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](const beast::error_code& read_error, size_t) { self->on_read_header(read_error); });
}

void HttpSession::on_read_header(const beast::error_code& read_error) {
  server_.header_waiters.remove(header_waiter_id_);
  header_waiter_id_ = 0;
  if (read_error) return on_read_error(read_error);
  RequestContext context;
  context.version = parser_->get().version();
  context.origin = std::string(parser_->get()[http::field::origin].substr(0, 256));
  if (!admit_request(context)) return;
  // The whole request, body included, must arrive within timeout_ms of the
  // start of the read.
  stream_.expires_at(request_started_ + std::chrono::milliseconds(server_.config.timeout_ms));
  const auto expect = parser_->get()[http::field::expect];
  if (!equals_ignore_case(expect, "100-continue")) return do_read_body();
  // The body fits the limits (the parser checked Content-Length), so ask
  // the client to send it now instead of after its own delay.
  continue_response_.emplace(http::status::continue_, parser_->get().version());
  http::async_write(stream_, *continue_response_,
                    [self = shared_from_this()](const beast::error_code& write_error, size_t) {
                      if (write_error) return self->close();
                      self->do_read_body();
                    });
}

// Checks made once the header is in and before the body is read: the
// address's request rate and the in-flight body budget.
bool HttpSession::admit_request(const RequestContext& context) {
  if (!server_.limits.take_request_token(address_key_, steady_now_ms())) {
    server_.count_refusal(Refusal::rate);
    send(server_.refusal_response(Refusal::rate, context), true, server_.config.timeout_ms);
    return false;
  }
  const auto content_length = parser_->content_length();
  const uint64_t body_size_bytes =
      content_length ? *content_length : (parser_->chunked() ? server_.config.body_size_bytes_max : 0);
  auto reservation = server_.reserve_body(body_size_bytes);
  if (!reservation) {
    server_.count_refusal(Refusal::bodies_in_flight);
    send(server_.refusal_response(Refusal::bodies_in_flight, context), true, server_.config.timeout_ms);
    return false;
  }
  body_reservation_ = std::move(*reservation);
  return true;
}

void HttpSession::do_read_body() {
  http::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](const beast::error_code& read_error, size_t) { self->on_read_body(read_error); });
}

void HttpSession::on_read_error(const beast::error_code& read_error) {
  if (read_error == beast::error::timeout) server_.count_timeout();
  const bool parse_failure = read_error.category() == http::make_error_code(http::error::bad_target).category() &&
                             read_error != http::error::end_of_stream && read_error != http::error::partial_message;
  if (!parse_failure) return close();
  send(server_.parse_error_response(read_error), true, server_.config.timeout_ms);
}

void HttpSession::on_read_body(const beast::error_code& read_error) {
  if (read_error) return on_read_error(read_error);
  BeastRequest request = parser_->release();
  if (beast::websocket::is_upgrade(request) && !server_.websocket_path.empty() &&
      request.target().substr(0, request.target().find('?')) == server_.websocket_path) {
    return upgrade(std::move(request));
  }
  Dispatch dispatched = server_.dispatch(request, remote_address_);
  if (dispatched.call) return run_on_pool(std::move(*dispatched.call));
  const bool close_after = !dispatched.response->keep_alive();
  send(std::move(*dispatched.response), close_after, server_.config.timeout_ms);
}

// The session waits without a thread while a worker runs the handler; the
// answer is posted back to the session's strand.
void HttpSession::run_on_pool(PooledCall call) {
  auto job = std::make_shared<PoolJob>();
  const Admission admission = server_.limits.acquire(ClientBudget::job, address_key_, &job->job_slot);
  if (admission != Admission::admitted) {
    server_.count_refusal(Refusal::workers_per_address);
    return send(server_.refusal_response(Refusal::workers_per_address, call.context), true, server_.config.timeout_ms);
  }
  const RequestContext context = call.context;
  job->session = shared_from_this();
  job->call = std::move(call);
  const bool queued = server_.pool.try_submit([job] {
    BeastResponse response = job->session->server_.run_call(job->call, job->queued_at);
    job->job_slot.release();
    const auto session = job->session;
    net::post(session->stream_.get_executor(), [session, response = std::move(response)]() mutable {
      const bool close_after = !response.keep_alive();
      session->send(std::move(response), close_after, session->server_.config.timeout_ms);
    });
  });
  if (queued) return;
  server_.count_refusal(Refusal::workers);
  send(server_.refusal_response(Refusal::workers, context), true, server_.config.timeout_ms);
}

// The connection leaves the HTTP budget and joins the subscriber budget.
void HttpSession::upgrade(BeastRequest request) {
  ClientSlot subscriber_slot;
  const Admission admission = server_.limits.acquire(ClientBudget::subscriber, address_key_, &subscriber_slot);
  if (admission != Admission::admitted) {
    const Refusal refusal =
        admission == Admission::over_total ? Refusal::subscribers : Refusal::subscribers_per_address;
    server_.count_refusal(refusal);
    return send(server_.refusal_response(refusal), true, server_.config.timeout_ms);
  }
  // The WebSocket stream has its own handshake and idle timeouts.
  stream_.expires_never();
  auto session = std::make_shared<WebSocketSession>(server_, stream_.release_socket(), std::move(subscriber_slot));
  connection_slot_.release();
  body_reservation_.release();
  const auto subscriber_id = server_.subscribers.add(session);
  // Without an id (the server is stopping) the session is dropped here and
  // closes the socket.
  if (!subscriber_id) return;
  session->set_id(*subscriber_id);
  server_.record_request(server_.websocket_path, "GET", 101, SteadyClock::duration::zero());
  session->accept(std::move(request));
}

void HttpSession::send(BeastResponse response, bool close_after, uint64_t timeout_ms) {
  response_ = std::make_shared<BeastResponse>(std::move(response));
  if (close_after) response_->keep_alive(false);
  stream_.expires_after(std::chrono::milliseconds(timeout_ms));
  http::async_write(stream_, *response_,
                    [self = shared_from_this(), close_after](const beast::error_code& write_error, size_t) {
                      self->body_reservation_.release();
                      if (write_error) return self->close();
                      if (close_after) return self->linger();
                      self->do_read_header();
                    });
}

// Half-closes, then reads and discards what the client still sends (for
// example the rest of a rejected 10 MB body) until it closes, the bytes or
// the time run out, so the client gets to read the answer.
void HttpSession::linger() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  const uint64_t linger_ms = refusal_only_ ? refusal_timeout_ms_max : linger_ms_max;
  stream_.expires_after(std::chrono::milliseconds(std::min(server_.config.timeout_ms, linger_ms)));
  do_drain();
}

void HttpSession::do_drain() {
  stream_.async_read_some(net::buffer(drain_buffer_),
                          [self = shared_from_this()](const beast::error_code& read_error, size_t size_bytes) {
                            self->drained_size_bytes_ += size_bytes;
                            if (read_error || self->drained_size_bytes_ > linger_size_bytes_max) return self->close();
                            self->do_drain();
                          });
}

void HttpSession::close() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
}

}  // namespace govchain::rpc
