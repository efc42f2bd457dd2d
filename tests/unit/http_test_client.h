// A blocking HTTP/1.1 test client over POSIX sockets, shared by the RPC unit
// tests: it sends raw bytes (so tests can send what no honest client would),
// reads Content-Length framed responses with a deadline (so a broken server
// fails a test instead of hanging it), and can bind its socket to another
// loopback address (127.0.0.2, ...) to act as a second client address.
// Header-only; not thread-safe (one client per thread).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace govchain::test {

struct ClientResponse {
  unsigned status = 0;  // 0: no complete response (closed or timed out)
  std::string head;     // status line and header fields
  std::string body;

  std::string header(std::string name) const {
    std::string lower_head = head;
    for (char& character : lower_head) character = static_cast<char>(std::tolower(character));
    for (char& character : name) character = static_cast<char>(std::tolower(character));
    const size_t start = lower_head.find("\r\n" + name + ":");
    if (start == std::string::npos) return "";
    const size_t value_start = head.find_first_not_of(' ', start + name.size() + 3);
    return head.substr(value_start, head.find("\r\n", value_start) - value_start);
  }
  std::string error_code() const {
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_discarded() || !json.contains("error")) return "";
    return json["error"]["code"].get<std::string>();
  }
};

class TestClient {
 public:
  using Clock = std::chrono::steady_clock;

  // Connects to 127.0.0.1:port from `source_address` (any 127.0.0.0/8
  // address is loopback on Linux).
  explicit TestClient(uint16_t port, const char* source_address = "127.0.0.1") {
    socket_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in source{};
    source.sin_family = AF_INET;
    ::inet_pton(AF_INET, source_address, &source.sin_addr);
    if (::bind(socket_, reinterpret_cast<sockaddr*>(&source), sizeof(source)) != 0) return;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(socket_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~TestClient() { ::close(socket_); }
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  bool connected() const { return connected_; }

  bool send_all(std::string_view data) {
    while (!data.empty()) {
      const ssize_t sent = ::send(socket_, data.data(), data.size(), MSG_NOSIGNAL);
      if (sent <= 0) return false;
      data.remove_prefix(static_cast<size_t>(sent));
    }
    return true;
  }

  // Reads until one complete response (Content-Length framed) is buffered.
  ClientResponse read_response(int timeout_ms = 5000) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    ClientResponse response;
    while (Clock::now() < deadline) {
      const size_t head_end = buffer_.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        response.head = buffer_.substr(0, head_end + 2);
        const std::string length_text = response.header("content-length");
        const size_t length = length_text.empty() ? 0 : std::stoul(length_text);
        if (buffer_.size() >= head_end + 4 + length) {
          response.body = buffer_.substr(head_end + 4, length);
          response.status = static_cast<unsigned>(std::stoul(buffer_.substr(9, 3)));
          buffer_.erase(0, head_end + 4 + length);
          return response;
        }
      }
      if (receive_some(deadline) <= 0) break;
    }
    return ClientResponse{};
  }

  // Raw bytes until `needle` occurs `count` times (or the time runs out).
  std::string read_until(int count, const std::string& needle, int timeout_ms = 3000) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    auto occurrences = [&] {
      int found = 0;
      for (size_t at = buffer_.find(needle); at != std::string::npos; at = buffer_.find(needle, at + 1)) ++found;
      return found;
    };
    while (occurrences() < count && receive_some(deadline) > 0) {
    }
    return buffer_;
  }

  // True if the server closes the connection (EOF or reset) within the time.
  bool wait_closed(int timeout_ms) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Clock::now() < deadline) {
      const ssize_t received = receive_some(deadline);
      if (received == 0 || (received < 0 && errno != EAGAIN)) return true;
    }
    return false;
  }

  // >0 bytes read, 0 closed, -1 error or timeout (errno EAGAIN).
  ssize_t receive_some(Clock::time_point deadline) {
    const auto remaining_ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd descriptor{socket_, POLLIN, 0};
    if (remaining_ms <= 0 || ::poll(&descriptor, 1, static_cast<int>(remaining_ms)) <= 0) {
      errno = EAGAIN;
      return -1;
    }
    char chunk[65536];
    const ssize_t received = ::recv(socket_, chunk, sizeof(chunk), 0);
    if (received > 0) buffer_.append(chunk, static_cast<size_t>(received));
    return received;
  }

 private:
  int socket_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

inline std::string get_request(const std::string& target, const std::string& extra_headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers + "Connection: close\r\n\r\n";
}

// One request on a fresh connection; status 0 when none came back.
inline ClientResponse http_exchange(uint16_t port, const std::string& request, const char* source_address = "127.0.0.1",
                                    int timeout_ms = 5000) {
  TestClient client(port, source_address);
  if (!client.connected() || !client.send_all(request)) return ClientResponse{};
  return client.read_response(timeout_ms);
}

}  // namespace govchain::test
