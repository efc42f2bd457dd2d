#include "http_connection.h"

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/beast/websocket.hpp>

namespace govchain::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

struct HttpConnection::Impl {
  std::string host;
  std::string port;
  asio::io_context io;
  std::unique_ptr<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
};

HttpConnection::HttpConnection(std::string host, std::string port) : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = std::move(port);
}

HttpConnection::~HttpConnection() = default;

Result<HttpReply> HttpConnection::request(const std::string& method, const std::string& target,
                                          const std::string& body) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      if (!impl_->stream) {
        tcp::resolver resolver(impl_->io);
        impl_->stream = std::make_unique<beast::tcp_stream>(impl_->io);
        impl_->stream->connect(resolver.resolve(impl_->host, impl_->port));
      }
      beast::http::request<beast::http::string_body> request{beast::http::string_to_verb(method), target, 11};
      request.set(beast::http::field::host, impl_->host);
      request.set(beast::http::field::content_type, "application/json");
      request.body() = body;
      request.prepare_payload();
      impl_->stream->expires_after(std::chrono::seconds(60));
      beast::http::write(*impl_->stream, request);
      beast::http::response_parser<beast::http::string_body> parser;
      parser.body_limit(512 * 1024 * 1024);
      beast::http::read(*impl_->stream, impl_->buffer, parser);
      auto response = parser.release();
      HttpReply reply{response.result_int(), std::move(response.body())};
      if (!response.keep_alive()) impl_->stream.reset();
      return reply;
    } catch (const std::exception& failure) {
      impl_->stream.reset();
      if (attempt == 1) return error(Code::unavailable, std::string("HTTP request failed: ") + failure.what());
    }
  }
  return error(Code::unavailable, "HTTP request failed");
}

Status read_websocket(const std::string& host, const std::string& port, const std::string& path,
                      const std::function<void(const std::string&)>& on_message,
                      const std::function<bool()>& keep_going) {
  try {
    asio::io_context io;
    tcp::resolver resolver(io);
    beast::websocket::stream<beast::tcp_stream> socket(io);
    beast::get_lowest_layer(socket).connect(resolver.resolve(host, port));
    socket.read_message_max(256 * 1024 * 1024);
    socket.handshake(host, path);
    beast::get_lowest_layer(socket).expires_never();
    beast::flat_buffer buffer;
    beast::error_code read_error;
    bool reading = false;
    std::function<void()> start_read = [&] {
      reading = true;
      socket.async_read(buffer, [&](beast::error_code error_code, size_t) {
        reading = false;
        if (error_code) {
          read_error = error_code;
          return;
        }
        on_message(beast::buffers_to_string(buffer.data()));
        buffer.consume(buffer.size());
        start_read();
      });
    };
    start_read();
    while (keep_going() && !read_error) {
      io.run_for(std::chrono::milliseconds(100));
      if (io.stopped()) io.restart();
    }
    if (read_error && keep_going()) return error(Code::unavailable, "event stream ended: " + read_error.message());
    beast::get_lowest_layer(socket).close();
    io.run_for(std::chrono::milliseconds(100));
  } catch (const std::exception& failure) {
    return error(Code::unavailable, std::string("event stream failed: ") + failure.what());
  }
  return Status();
}

Result<std::pair<std::string, std::string>> split_url(const std::string& url) {
  std::string rest = url;
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  auto colon = rest.rfind(':');
  if (colon == std::string::npos) return error(Code::invalid_argument, "node URL needs host:port, got " + url);
  return std::make_pair(rest.substr(0, colon), rest.substr(colon + 1));
}

}  // namespace govchain::bench
