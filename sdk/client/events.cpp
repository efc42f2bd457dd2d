// The WebSocket subscription. As in http_transport.cpp, the operations are
// asynchronous only so that one io_context::run_until() bounds the whole
// subscription; every exception is caught here.
#include "client/events.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <exception>
#include <memory>
#include <nlohmann/json.hpp>

#include "client/http_transport.h"

namespace govchain::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using json = nlohmann::json;

Result<BlockEvent> parse_block_event_json(std::string_view body) {
  try {
    json root = json::parse(body, nullptr, false);
    if (root.is_discarded() || !root.is_object()) return error(Code::malformed, "event is not a JSON object");
    if (root.value("type", std::string()) != "block") return error(Code::malformed, "event type is not 'block'");
    BlockEvent event;
    event.height = root.at("height").get<uint64_t>();
    auto hash = Hash::from_hex_string(root.at("hash").get<std::string>());
    auto state_root = Hash::from_hex_string(root.at("state_root").get<std::string>());
    if (!hash.ok() || !state_root.ok()) return error(Code::malformed, "event hash or state_root is not 64 hex digits");
    event.hash = *hash;
    event.state_root = *state_root;
    event.time_ms = root.at("time_ms").get<int64_t>();
    event.tx_count = root.at("tx_count").get<uint64_t>();
    for (const json& entry : root.at("results")) {
      auto receipt = parse_receipt_json(entry.dump());
      if (!receipt.ok()) return receipt.status().with_context("event");
      event.results.push_back(std::move(*receipt));
    }
    event.raw_json = std::string(body);
    return event;
  } catch (const std::exception& failure) {
    return error(Code::malformed, std::string("event: ") + failure.what());
  }
}

namespace {

constexpr uint64_t event_size_bytes_max = 64 * 1024 * 1024;

// State of one subscription; lives on the heap for its whole duration.
struct Subscription {
  asio::io_context io_context;
  tcp::resolver resolver{io_context};
  websocket::stream<beast::tcp_stream> stream{io_context};
  beast::flat_buffer buffer;
  const BlockEventHandler* on_event = nullptr;
  std::string host_field;
  std::string target;
  Status result;
  bool done = false;

  void finish(Status status) {
    if (done) return;
    result = std::move(status);
    done = true;
  }
  void failed(const char* stage, const beast::error_code& code) {
    finish(error(Code::unavailable, std::string("event subscription: cannot ") + stage + ": " + code.message()));
  }

  void start(const detail::HttpEndpoint& endpoint, std::chrono::milliseconds connect_timeout) {
    resolver.async_resolve(endpoint.host, endpoint.port,
                           [this, connect_timeout](beast::error_code code, tcp::resolver::results_type results) {
                             if (code) return failed("resolve", code);
                             beast::get_lowest_layer(stream).expires_after(connect_timeout);
                             beast::get_lowest_layer(stream).async_connect(
                                 results, [this](beast::error_code connect_code, const tcp::endpoint&) {
                                   if (connect_code) return failed("connect", connect_code);
                                   handshake();
                                 });
                           });
  }

  void handshake() {
    beast::get_lowest_layer(stream).expires_never();
    stream.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    stream.read_message_max(event_size_bytes_max);
    stream.async_handshake(host_field, target, [this](beast::error_code code) {
      if (code) return failed("open the WebSocket", code);
      read();
    });
  }

  void read() {
    stream.async_read(buffer, [this](beast::error_code code, size_t) {
      if (code) return failed("receive", code);
      auto event = parse_block_event_json(beast::buffers_to_string(buffer.data()));
      buffer.consume(buffer.size());
      if (!event.ok()) return finish(event.status());
      if (!(*on_event)(*event)) return finish(Status());
      read();
    });
  }
};

}  // namespace

Status subscribe_blocks(const Client& client, const BlockEventHandler& on_event, uint64_t duration_ms) {
  if (!on_event) return error(Code::invalid_argument, "subscribe_blocks needs an event handler");
  auto endpoint = detail::parse_node_url(client.options().node_url);
  if (!endpoint.ok()) return endpoint.status();
  if (endpoint->tls)
    return error(Code::invalid_argument,
                 "event subscriptions over https (wss://) are not supported by this client "
                 "yet; subscribe over http on the node's own host, or poll blocks");
  try {
    auto subscription = std::make_unique<Subscription>();
    subscription->on_event = &on_event;
    subscription->host_field = endpoint->host + ":" + endpoint->port;
    subscription->target = endpoint->path_prefix + "/v1/events";
    subscription->start(*endpoint, std::chrono::milliseconds(client.options().request_timeout_ms));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(duration_ms);
    while (!subscription->done && std::chrono::steady_clock::now() < deadline) {
      subscription->io_context.run_one_until(deadline);
      if (subscription->io_context.stopped()) break;
    }
    const bool ended = subscription->done;
    const Status result = subscription->result;
    // Stopped by the handler, the deadline or a failure: close, and let the
    // pending handlers run (bounded) before the state goes away.
    subscription->resolver.cancel();
    beast::error_code ignored;
    beast::get_lowest_layer(subscription->stream).socket().close(ignored);
    subscription->io_context.restart();
    subscription->io_context.run_for(std::chrono::seconds(2));
    return ended ? result : Status();  // not ended: the duration passed
  } catch (const std::exception& failure) {
    return error(Code::internal, std::string("event subscription failed: ") + failure.what());
  }
}

}  // namespace govchain::client
