// A minimal blocking HTTP/1.1 keep-alive connection and a WebSocket reader
// for the load tool and the benchmarks. Not for production clients (those
// use sdk/client): no TLS, no redirects, one request at a time.
// Not thread-safe; use one per thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/status.h"

namespace govchain::bench {

struct HttpReply {
  unsigned status = 0;
  std::string body;
};

class HttpConnection {
 public:
  HttpConnection(std::string host, std::string port);
  ~HttpConnection();
  Result<HttpReply> request(const std::string& method, const std::string& target, const std::string& body = "");

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads WebSocket text messages from ws://host:port/path and hands each to
// `on_message` until `keep_going` returns false or the connection ends.
Status read_websocket(const std::string& host, const std::string& port, const std::string& path,
                      const std::function<void(const std::string&)>& on_message,
                      const std::function<bool()>& keep_going);

// Splits "http://host:port" into host and port.
Result<std::pair<std::string, std::string>> split_url(const std::string& url);

}  // namespace govchain::bench
