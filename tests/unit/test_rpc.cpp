// Tests of node/rpc: routing, limits and errors through real sockets on
// 127.0.0.1 (port 0), WebSocket fan-out and slow subscribers, metrics, and
// the in-process handle_raw() path that the fuzzer uses. The limits that
// protect the edge from hostile clients (per address, worker pool, JSON
// shape, CORS, health) are tested in test_rpc_edge.cpp.
#define BOOST_BEAST_USE_STD_STRING_VIEW 1

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <cerrno>
#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>

#include "crypto/hash.h"
#include "http_test_client.h"
#include "rpc/api.h"
#include "rpc/http_server.h"
#include "rpc/json_error.h"
#include "rpc/json_format.h"
#include "rpc/metrics.h"

using namespace govchain;
using namespace govchain::rpc;
using Clock = std::chrono::steady_clock;

namespace {

using test::ClientResponse;
using test::get_request;
using test::http_exchange;
using test::TestClient;

HttpServerConfig test_config() {
  HttpServerConfig config;
  config.listen_address = "127.0.0.1:0";
  config.threads = 2;
  config.body_size_bytes_max = 1024 * 1024;
  config.header_size_bytes_max = 8 * 1024;
  config.connections_max = 16;
  config.timeout_ms = 2000;
  return config;
}

// Echoes what the handler saw, as JSON.
HttpResponse echo(const HttpRequest& request) {
  nlohmann::json query = nlohmann::json::object();
  for (const auto& [name, value] : request.query_parameters) query[name] = value;
  const nlohmann::json body = {{"method", request.method},
                               {"path", request.path},
                               {"pattern", request.route_pattern},
                               {"parameter", request.path_parameter},
                               {"query", query},
                               {"proof", request.query_flag("proof")},
                               {"body", request.body},
                               {"agent", request.header("User-Agent").value_or("")}};
  return json_response(body.dump());
}

void add_test_routes(HttpServer& server) {
  REQUIRE(server.add_route("GET", "/v1/status", echo).ok());
  REQUIRE(server.add_route("GET", "/v1/txs/{hash}", echo).ok());
  REQUIRE(server.add_route("POST", "/v1/txs", echo).ok());
  REQUIRE(server.add_route("GET", "/v1/blocks/{id}", echo).ok());
  REQUIRE(server.add_route("GET", "/v1/blocks/latest", echo).ok());
  REQUIRE(server.add_route("GET", "/v1/state/{key}", echo).ok());
  REQUIRE(
      server.add_route("GET", "/v1/throw", [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("boom"); })
          .ok());
  REQUIRE(server
              .add_route("GET", "/v1/status-error",
                         [](const HttpRequest&) { return json_error(error(Code::not_found, "no block at height 7")); })
              .ok());
}

nlohmann::json body_json(const ClientResponse& response) { return nlohmann::json::parse(response.body); }

}  // namespace

TEST_CASE("json_error bodies and status mapping") {
  const auto body = nlohmann::json::parse(json_error_body("not_found", "no such tx \xff"));
  CHECK(body["error"]["code"] == "not_found");
  CHECK(body["error"]["message"].get<std::string>().starts_with("no such tx"));
  CHECK(http_status_for(Code::not_found) == 404);
  CHECK(http_status_for(Code::too_large) == 413);
  CHECK(http_status_for(Code::malformed) == 400);
  CHECK(http_status_for(Code::unavailable) == 503);
  CHECK(http_status_for(Code::internal) == 500);
  const HttpResponse response = json_error(error(Code::nonce_too_low, "nonce 3 was used"));
  CHECK(response.status == 409);
  CHECK(nlohmann::json::parse(response.body)["error"]["code"] == "nonce_too_low");
}

TEST_CASE("metrics register, reject bad names, and render text") {
  Metrics metrics;
  auto height = metrics.gauge("govchain_chain_height", "Height of the last final block");
  REQUIRE(height.ok());
  (*height)->Set(42);
  auto again = metrics.gauge("govchain_chain_height", "ignored");
  REQUIRE(again.ok());
  CHECK(*again == *height);
  auto txs = metrics.counter("govchain_txs_total", "Transactions", {{"kind", "anchor"}});
  REQUIRE(txs.ok());
  (*txs)->Increment(3);
  CHECK_FALSE(metrics.counter("bad name", "x").ok());
  CHECK_FALSE(metrics.counter("govchain_chain_height", "other type").ok());
  auto latency = metrics.histogram("govchain_latency_seconds", "x", Metrics::latency_buckets_seconds());
  REQUIRE(latency.ok());
  (*latency)->Observe(0.002);
  const std::string text = metrics.render();
  CHECK(text.find("govchain_chain_height 42") != std::string::npos);
  CHECK(text.find("govchain_txs_total{kind=\"anchor\"} 3") != std::string::npos);
  CHECK(text.find("govchain_latency_seconds_bucket") != std::string::npos);
}

TEST_CASE("route registration is validated") {
  HttpServer server(test_config());
  CHECK(server.add_route("GET", "/v1/txs/{hash}", echo).ok());
  CHECK(server.add_route("GET", "/v1/txs/{hash}", echo).code() == Code::already_exists);
  CHECK(server.add_route("GET", "v1/no-slash", echo).code() == Code::invalid_argument);
  CHECK(server.add_route("GET", "/v1/{a}/b", echo).code() == Code::invalid_argument);
  CHECK(server.add_route("GET", "/v1/x{a}", echo).code() == Code::invalid_argument);
  CHECK(server.add_route("G ET", "/v1/y", echo).code() == Code::invalid_argument);
  CHECK(server.add_route("GET", "/v1/z", nullptr).code() == Code::invalid_argument);
  CHECK(server.add_websocket("/v1/events").ok());
  CHECK(server.add_websocket("/v1/other").code() == Code::already_exists);
  HttpServerConfig bad = test_config();
  bad.listen_address = "localhost";
  HttpServer bad_server(bad);
  CHECK(bad_server.start().code() == Code::invalid_argument);
}

TEST_CASE("handle_raw routes, parses queries and reports errors without sockets") {
  auto metrics = std::make_shared<Metrics>();
  HttpServer server(test_config(), metrics);
  add_test_routes(server);
  auto ok = server.handle_raw("GET /v1/txs/ab%20cd?proof=true&x=1+2 HTTP/1.1\r\nHost: a\r\n\r\n");
  CHECK(ok.starts_with("HTTP/1.1 200 OK"));
  const auto body = nlohmann::json::parse(ok.substr(ok.find("\r\n\r\n") + 4));
  CHECK(body["pattern"] == "/v1/txs/{hash}");
  CHECK(body["parameter"] == "ab cd");
  CHECK(body["proof"] == true);
  CHECK(body["query"]["x"] == "1 2");
  CHECK(server.handle_raw("GET /v1/nothing HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404"));
  CHECK(server.handle_raw("DELETE /v1/status HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405"));
  CHECK(server.handle_raw("GET /v1/txs/%zz HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 400"));
  CHECK(server.handle_raw("garbage\r\n\r\n").starts_with("HTTP/1.1 400"));
  CHECK(server.handle_raw("").starts_with("HTTP/1.1 400"));
  CHECK(server.handle_raw("GET /v1/status? HTTP/1.1\r\n\r\n").find("\"path\":\"/v1/status\"") != std::string::npos);
  CHECK(server.handle_raw("GET /v1/status HTTP/1.1\r\nHost: a\r\n").starts_with("HTTP/1.1 400"));
  CHECK(server.handle_raw("GET /v1/throw HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 500"));
  CHECK(server.handle_raw("GET /v1/status-error HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404"));
  const std::string big = "POST /v1/txs HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n";
  CHECK(server.handle_raw(big).starts_with("HTTP/1.1 413"));
  CHECK(server.handle_raw("GET /v1/status HTTP/1.1\r\nX: " + std::string(9000, 'a') + "\r\n\r\n")
            .starts_with("HTTP/1.1 431"));
  const std::string metrics_text = server.handle_raw("GET /metrics HTTP/1.1\r\n\r\n");
  CHECK(metrics_text.find("govchain_rpc_requests_total{method=\"GET\",route=\"/v1/txs/{hash}\",status=\"200\"} 1") !=
        std::string::npos);
}

TEST_CASE("server routes requests, path parameters and queries over sockets") {
  HttpServer server(test_config());
  add_test_routes(server);
  REQUIRE(server.start().ok());
  const uint16_t port = server.port();
  REQUIRE(port != 0);

  auto response = http_exchange(port, get_request("/v1/state/k%2Fey?proof=true"));
  REQUIRE(response.status == 200);
  CHECK(response.header("content-type") == "application/json");
  CHECK(body_json(response)["parameter"] == "k/ey");
  CHECK(body_json(response)["proof"] == true);

  response = http_exchange(port, get_request("/v1/blocks/latest"));
  CHECK(body_json(response)["pattern"] == "/v1/blocks/latest");
  response = http_exchange(port, get_request("/v1/blocks/17"));
  CHECK(body_json(response)["pattern"] == "/v1/blocks/{id}");
  CHECK(body_json(response)["parameter"] == "17");

  response =
      http_exchange(port, "POST /v1/txs HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
  CHECK(body_json(response)["body"] == "hello");
  response = http_exchange(port,
                           "POST /v1/txs HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                           "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  CHECK(body_json(response)["body"] == "abcde");

  response = http_exchange(port, get_request("/v1/unknown"));
  CHECK(response.status == 404);
  CHECK(response.error_code() == "not_found");
  response = http_exchange(port, "POST /v1/status HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
  CHECK(response.status == 405);
  CHECK(response.error_code() == "method_not_allowed");
  CHECK(response.header("allow") == "GET");
  response = http_exchange(port, get_request("/v1/txs/"));
  CHECK(response.status == 404);
  // HEAD: the length of the body that is left out, and no body on the wire,
  // so that the next response on the connection is still framed right.
  REQUIRE(server.add_route("HEAD", "/v1/late", echo).code() == Code::invalid);
  {
    TestClient client(port);
    REQUIRE(client.send_all("HEAD /v1/nothing HTTP/1.1\r\nHost: a\r\n\r\nGET /v1/status HTTP/1.1\r\nHost: a\r\n\r\n"));
    const std::string raw = client.read_until(2, "\r\n\r\n");
    REQUIRE(raw.starts_with("HTTP/1.1 404"));
    CHECK(raw.find("Content-Length: 0") == std::string::npos);
    CHECK(raw.substr(raw.find("\r\n\r\n") + 4).starts_with("HTTP/1.1 200"));
  }
  server.stop();
  server.stop();
  CHECK(server.port() == 0);
}

TEST_CASE("keep-alive serves several requests on one connection and honours Connection: close") {
  HttpServer server(test_config());
  add_test_routes(server);
  REQUIRE(server.start().ok());
  TestClient client(server.port());
  for (int index = 0; index < 3; ++index) {
    REQUIRE(client.send_all("GET /v1/status HTTP/1.1\r\nHost: a\r\n\r\n"));
    const auto response = client.read_response();
    REQUIRE(response.status == 200);
    CHECK(response.header("connection") != "close");
  }
  REQUIRE(client.send_all("GET /v1/status HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
  const auto last = client.read_response();
  CHECK(last.status == 200);
  CHECK(last.header("connection") == "close");
  CHECK(client.wait_closed(2000));
}

TEST_CASE("oversized bodies get 413 and the server keeps serving") {
  HttpServer server(test_config());
  add_test_routes(server);
  REQUIRE(server.start().ok());
  const uint16_t port = server.port();
  {
    TestClient client(port);
    const std::string body(10 * 1024 * 1024, 'x');
    REQUIRE(client.send_all("POST /v1/txs HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::to_string(body.size()) +
                            "\r\n\r\n"));
    std::thread sender([&] { client.send_all(body); });
    const auto response = client.read_response();
    sender.join();
    CHECK(response.status == 413);
    CHECK(response.error_code() == "too_large");
    CHECK(response.header("connection") == "close");
  }
  {
    TestClient client(port);
    REQUIRE(client.send_all("POST /v1/txs HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"));
    const std::string chunk(64 * 1024, 'y');
    std::thread sender([&] {
      char size_line[32];
      std::snprintf(size_line, sizeof(size_line), "%zx\r\n", chunk.size());
      for (int index = 0; index < 40; ++index) {
        if (!client.send_all(std::string(size_line) + chunk + "\r\n")) break;
      }
    });
    const auto response = client.read_response();
    sender.join();
    CHECK(response.status == 413);
  }
  CHECK(http_exchange(port, get_request("/v1/status")).status == 200);
}

TEST_CASE("malformed requests get 400 and oversized headers 431") {
  HttpServer server(test_config());
  add_test_routes(server);
  REQUIRE(server.start().ok());
  const uint16_t port = server.port();
  auto response = http_exchange(port, "NOT HTTP AT ALL\r\n\r\n");
  CHECK(response.status == 400);
  CHECK(response.error_code() == "malformed");
  response = http_exchange(port, "GET /v1/status HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n");
  CHECK(response.status == 400);
  response =
      http_exchange(port, "GET /v1/status HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(16 * 1024, 'h') + "\r\n\r\n");
  CHECK(response.status == 431);
  CHECK(response.error_code() == "header_too_large");
  CHECK(http_exchange(port, get_request("/v1/status")).status == 200);
}

TEST_CASE("a handler exception becomes 500 and the server keeps serving") {
  HttpServer server(test_config());
  add_test_routes(server);
  REQUIRE(server.start().ok());
  for (int index = 0; index < 3; ++index) {
    const auto response = http_exchange(server.port(), get_request("/v1/throw"));
    CHECK(response.status == 500);
    CHECK(response.error_code() == "internal");
  }
  CHECK(http_exchange(server.port(), get_request("/v1/status")).status == 200);
}

TEST_CASE("connections over the limit get 503 and are closed") {
  HttpServerConfig config = test_config();
  config.connections_max = 2;
  // The two open connections must not be closed to make room for the third.
  config.idle_evictable_after_ms = 60000;
  HttpServer server(config);
  add_test_routes(server);
  REQUIRE(server.start().ok());
  const uint16_t port = server.port();
  {
    TestClient first(port);
    TestClient second(port);
    REQUIRE(first.connected());
    REQUIRE(second.connected());
    // Both are counted once the server has accepted them; a request proves it.
    REQUIRE(first.send_all("GET /v1/status HTTP/1.1\r\nHost: a\r\n\r\n"));
    REQUIRE(first.read_response().status == 200);
    REQUIRE(second.send_all("GET /v1/status HTTP/1.1\r\nHost: a\r\n\r\n"));
    REQUIRE(second.read_response().status == 200);
    TestClient third(port);
    const auto response = third.read_response();
    CHECK(response.status == 503);
    CHECK(response.error_code() == "unavailable");
    CHECK(third.wait_closed(2000));
  }
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; ++attempt) {
    served = http_exchange(port, get_request("/v1/status")).status == 200;
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(served);
}

TEST_CASE("a slow client (slowloris) is dropped after the timeout") {
  HttpServerConfig config = test_config();
  config.timeout_ms = 400;
  HttpServer server(config);
  add_test_routes(server);
  REQUIRE(server.start().ok());
  TestClient client(server.port());
  REQUIRE(client.send_all("GET /v1/status HTTP/1.1\r\nHost: a\r\n"));
  const auto start = Clock::now();
  bool closed = false;
  // Trickle one header line every 100 ms, as a slowloris client would.
  while (!closed && Clock::now() - start < std::chrono::seconds(3)) {
    closed = !client.send_all("X-Slow: 1\r\n") || client.wait_closed(100);
  }
  const auto elapsed = Clock::now() - start;
  CHECK(closed);
  CHECK(elapsed < std::chrono::milliseconds(1500));
  TestClient idle(server.port());
  CHECK(idle.wait_closed(1500));
  CHECK(http_exchange(server.port(), get_request("/v1/status")).status == 200);
}

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

struct WebSocketClient {
  net::io_context io_context;
  websocket::stream<beast::tcp_stream> stream{io_context};

  void connect(uint16_t port, const std::string& path) {
    beast::get_lowest_layer(stream).connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    stream.handshake("127.0.0.1", path);
  }

  // One text message, or "" if none arrives in time.
  std::string read(int timeout_ms = 3000) {
    beast::flat_buffer buffer;
    std::string message;
    stream.async_read(buffer, [&](const beast::error_code& read_error, size_t) {
      if (!read_error) message = beast::buffers_to_string(buffer.data());
    });
    io_context.restart();
    io_context.run_for(std::chrono::milliseconds(timeout_ms));
    return message;
  }
};

}  // namespace

TEST_CASE("WebSocket subscribers receive broadcasts") {
  auto metrics = std::make_shared<Metrics>();
  HttpServer server(test_config(), metrics);
  add_test_routes(server);
  std::atomic<int> received_messages{0};
  REQUIRE(server
              .add_websocket("/v1/events",
                             [&](uint64_t, std::string_view text) {
                               if (text == "{\"filter\":\"blocks\"}") ++received_messages;
                             })
              .ok());
  REQUIRE(server.start().ok());
  WebSocketClient first;
  WebSocketClient second;
  first.connect(server.port(), "/v1/events");
  second.connect(server.port(), "/v1/events");
  CHECK(server.subscriber_count() == 2);
  CHECK(server.broadcast("{\"height\":1}") == 2);
  CHECK(server.broadcast("{\"height\":2}") == 2);
  CHECK(first.read() == "{\"height\":1}");
  CHECK(first.read() == "{\"height\":2}");
  CHECK(second.read() == "{\"height\":1}");
  first.stream.write(net::buffer(std::string("{\"filter\":\"blocks\"}")));
  for (int attempt = 0; attempt < 100 && received_messages == 0; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(received_messages == 1);
  // A plain GET on the WebSocket path is told to upgrade.
  CHECK(http_exchange(server.port(), get_request("/v1/events")).status == 426);
  first.stream.close(websocket::close_code::normal);
  for (int attempt = 0; attempt < 100 && server.subscriber_count() != 1; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(server.subscriber_count() == 1);
  server.stop();
  CHECK(server.subscriber_count() == 0);
  CHECK(server.broadcast("late") == 0);
}

TEST_CASE("a subscriber that does not read is disconnected; others keep receiving") {
  auto metrics = std::make_shared<Metrics>();
  HttpServerConfig config = test_config();
  config.websocket_queue_messages_max = 8;
  config.websocket_queue_size_bytes_max = 1024 * 1024;
  HttpServer server(config, metrics);
  REQUIRE(server.add_websocket("/v1/events").ok());
  REQUIRE(server.start().ok());
  WebSocketClient slow;
  slow.connect(server.port(), "/v1/events");
  REQUIRE(server.subscriber_count() == 1);
  const std::string message(64 * 1024, 'm');
  int broadcasts = 0;
  // 1000 x 64 KiB = 64 MiB, far more than socket buffers and the queue bound.
  while (broadcasts < 1000 && server.broadcast(message) == 1) ++broadcasts;
  CHECK(broadcasts < 1000);
  CHECK(server.subscriber_count() == 0);
  CHECK(metrics->render().find("govchain_rpc_websocket_slow_disconnects_total 1") != std::string::npos);

  WebSocketClient healthy;
  healthy.connect(server.port(), "/v1/events");
  CHECK(server.broadcast("after") == 1);
  CHECK(healthy.read() == "after");
}

TEST_CASE("/metrics reports request counts per route pattern") {
  auto metrics = std::make_shared<Metrics>();
  auto height = metrics->gauge("govchain_chain_height", "Height of the last final block");
  REQUIRE(height.ok());
  (*height)->Set(12);
  HttpServer server(test_config(), metrics);
  add_test_routes(server);
  REQUIRE(server.start().ok());
  for (int index = 0; index < 3; ++index) http_exchange(server.port(), get_request("/v1/txs/aa"));
  http_exchange(server.port(), get_request("/v1/missing"));
  const auto response = http_exchange(server.port(), get_request("/metrics"));
  REQUIRE(response.status == 200);
  CHECK(response.header("content-type").starts_with("text/plain"));
  CHECK(response.body.find("govchain_rpc_requests_total{method=\"GET\",route=\"/v1/txs/{hash}\",status=\"200\"} 3") !=
        std::string::npos);
  CHECK(response.body.find("route=\"unmatched\",status=\"404\"} 1") != std::string::npos);
  CHECK(response.body.find("govchain_rpc_request_duration_seconds_count{route=\"/v1/txs/{hash}\"} 3") !=
        std::string::npos);
  CHECK(response.body.find("govchain_chain_height 12") != std::string::npos);
  CHECK(response.body.find("govchain_rpc_connections_open") != std::string::npos);
}

TEST_CASE("validator governance actions and proposals as JSON") {
  PublicKey node_key;
  node_key.data[0] = 7;
  PublicKey admin;
  admin.data[0] = 9;
  chain::Action add =
      chain::ValidatorProposal{chain::ValidatorChangeKind::add, "bielefeld", "Bielefeld", admin, node_key};
  auto json = action_to_json(add);
  CHECK(json["type"] == "validator_proposal");
  CHECK(json["change"] == "add");
  CHECK(json["municipality"] == "bielefeld");
  CHECK(json["name"] == "Bielefeld");
  CHECK(json["admin"] == admin.hex());
  CHECK(json["node_key"] == node_key.hex());
  auto remove = action_to_json(chain::ValidatorProposal{chain::ValidatorChangeKind::remove, "soest", "", {}, {}});
  CHECK(remove["change"] == "remove");
  CHECK(remove["node_key"].is_null());
  CHECK(remove["name"].is_null());
  auto vote = action_to_json(chain::ValidatorVote{3, false});
  CHECK(vote["type"] == "validator_vote");
  CHECK(vote["proposal_id"] == 3);
  CHECK(vote["approve"] == false);

  execution::ValidatorProposalRecord record;
  record.id = 3;
  record.change = std::get<chain::ValidatorProposal>(add);
  record.proposer = admin;
  record.proposed_height = 12;
  record.expires_height = 10012;
  record.approvals = {"aachen", "soest"};
  record.rejections = {"paderborn"};
  // Open: more than two thirds of 5 members is 4, of 6 it is 5.
  auto open = validator_proposal_to_json(record, 5);
  CHECK(open["status"] == "open");
  CHECK(open["approvals_needed"] == 4);
  CHECK(validator_proposal_to_json(record, 6)["approvals_needed"] == 5);
  CHECK(validator_proposal_to_json(record, 3)["approvals_needed"] == 3);
  CHECK(open["approvals"].size() == 2);
  CHECK(open["rejections"][0] == "paderborn");
  CHECK(open["proposer"] == admin.hex());
  record.status = execution::ProposalStatus::approved;
  record.decided_height = 14;
  record.activation_height = 24;
  auto approved = validator_proposal_to_json(record, 5);
  CHECK(approved["status"] == "approved");
  CHECK(approved["activation_height"] == 24);
  CHECK_FALSE(approved.contains("approvals_needed"));
  auto entry = validator_entry_to_json({node_key, "bielefeld"});
  CHECK(entry["public_key"] == node_key.hex());
  CHECK(entry["municipality"] == "bielefeld");
}

// ---- the API's transaction route: one admission, statuses from one mapping ---

namespace {

// A NodeService whose submit() answers what the test says.
struct SubmitProbe final : NodeService {
  Result<Hash> answer = Hash{};
  std::vector<Bytes> offered;
  std::string chain_id() const override { return "test-chain"; }
  ChainHead head() const override { return {}; }
  std::vector<PublicKey> validators() const override { return {}; }
  size_t mempool_size() const override { return 0; }
  Result<Hash> submit(Bytes encoded_tx) override {
    offered.push_back(std::move(encoded_tx));
    return answer;
  }
  bool is_pending(const Hash&) const override { return false; }
  Result<chain::Block> block(uint64_t) const override { return error(Code::not_found, "none"); }
  Result<chain::CommitCertificate> commit(uint64_t) const override { return error(Code::not_found, "none"); }
  Result<chain::Receipt> receipt(const Hash&) const override { return error(Code::not_found, "none"); }
  Result<ProvenState> prove(ByteView, std::optional<uint64_t>) const override { return error(Code::not_found, "none"); }
  Result<uint64_t> next_nonce(const PublicKey&) const override { return uint64_t{0}; }
  Result<uint64_t> pending_nonce(const PublicKey&) const override { return uint64_t{0}; }
  std::unique_ptr<execution::StateReader> state_at(const ChainHead&) const override {
    return std::make_unique<execution::EmptyState>();
  }
  std::string genesis_json() const override { return "{}"; }
  Hash genesis_hash() const override { return {}; }
  Result<chain::Receipt> query(const chain::ContractCall&, const PublicKey&, uint64_t) const override {
    return error(Code::unavailable, "none");
  }
};

std::string post_txs(HttpServer& server, const std::string& body) {
  return server.handle_raw("POST /v1/txs HTTP/1.1\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                           body);
}

}  // namespace

TEST_CASE("a refused transaction gets the HTTP status of its reason code, as docs/api.md lists them") {
  SubmitProbe service;
  HttpServer server(test_config());
  REQUIRE(register_api(server, service).ok());
  service.answer = crypto::sha256(std::string("accepted"));
  std::string accepted = post_txs(server, R"({"tx": "0a0b"})");
  CHECK(accepted.starts_with("HTTP/1.1 202"));
  CHECK(accepted.find(crypto::sha256(std::string("accepted")).hex()) != std::string::npos);
  REQUIRE(service.offered.size() == 1);
  CHECK(service.offered[0] == Bytes{0x0a, 0x0b});

  const std::vector<std::pair<Code, std::string>> expected = {
      {Code::malformed, "400"},          {Code::wrong_chain, "400"},   {Code::nonce_too_high, "400"},
      {Code::out_of_gas, "400"},         {Code::bad_signature, "401"}, {Code::unauthorized, "403"},
      {Code::already_exists, "409"},     {Code::nonce_too_low, "409"}, {Code::too_large, "413"},
      {Code::resource_exhausted, "429"}, {Code::unavailable, "503"}};
  for (const auto& entry : expected) {
    const Code code = entry.first;
    const std::string& status = entry.second;
    service.answer = error(code, "refused by the test");
    std::string response = post_txs(server, R"({"tx": "00"})");
    CHECK_MESSAGE(response.starts_with("HTTP/1.1 " + status), code_name(code));
    CHECK(response.find("\"code\":\"" + std::string(code_name(code)) + "\"") != std::string::npos);
    CHECK(std::to_string(http_status_for(code)) == status);
  }
  CHECK(post_txs(server, R"({"tx": "zz"})").starts_with("HTTP/1.1 400"));
  CHECK(post_txs(server, R"({"tx": 5})").starts_with("HTTP/1.1 400"));

  // An array answers 202 with a result for each entry.
  service.answer = error(Code::bad_signature, "refused by the test");
  std::string batch = post_txs(server, R"([{"tx": "00"}, {"tx": "zz"}])");
  CHECK(batch.starts_with("HTTP/1.1 202"));
  auto body = nlohmann::json::parse(batch.substr(batch.find("\r\n\r\n") + 4));
  CHECK(body["accepted"] == 0);
  CHECK(body["results"][0]["error"]["code"] == "bad_signature");
  CHECK(body["results"][1]["error"]["code"] == "invalid_argument");
}

TEST_CASE("stored text that is not UTF-8 never breaks a JSON answer or a block event") {
  // The attack: a role grant for the municipality FF FE was committed (the
  // chain's text rules now refuse it at admission, chain/text.h), and every
  // route showing that block answered 500 and its WebSocket event was lost.
  // Whatever is stored, the JSON views serialise.
  const std::string bad("\xFF\xFE", 2);
  chain::Block block;
  block.header.chain_id = "govchain-dev";
  chain::Tx tx;
  tx.chain_id = "govchain-dev";
  tx.action = chain::RoleGrant{bad, "archive", PublicKey{}};
  block.txs.push_back(tx);
  chain::Receipt receipt;
  receipt.message = "abort: " + bad;
  receipt.events.push_back({"dogpermit", "topic" + bad, Bytes{1, 2}});
  std::string block_text;
  CHECK_NOTHROW(block_text = dump_json(block_to_json(block, chain::CommitCertificate{})));
  CHECK(block_text.find("\xEF\xBF\xBD") != std::string::npos);  // U+FFFD
  CHECK_FALSE(nlohmann::json::parse(block_text, nullptr, false).is_discarded());
  std::string event_text;
  CHECK_NOTHROW(event_text = block_event_json(block, {receipt}));
  CHECK_FALSE(nlohmann::json::parse(event_text, nullptr, false).is_discarded());
  CHECK_NOTHROW(receipt_to_json(receipt).dump());
  // Even a document built without the views serialises.
  CHECK_NOTHROW(dump_json(nlohmann::json{{"raw", bad}}));
}

TEST_CASE("numeric request fields are unsigned integers in range, never converted floats") {
  auto field = [](std::string_view body) {
    return unsigned_field(nlohmann::json::parse(body), "gas_limit", 7, 1'000'000);
  };
  CHECK(*field(R"({})") == 7);
  CHECK(*field(R"({"gas_limit": 500})") == 500);
  CHECK(field(R"({"gas_limit": 1e300})").status().code() == Code::invalid_argument);
  CHECK(field(R"({"gas_limit": 5.0})").status().code() == Code::invalid_argument);
  CHECK(field(R"({"gas_limit": -1})").status().code() == Code::invalid_argument);
  CHECK(field(R"({"gas_limit": "500"})").status().code() == Code::invalid_argument);
  CHECK(field(R"({"gas_limit": 1000001})").status().code() == Code::invalid_argument);
  CHECK(field(R"({"gas_limit": 18446744073709551616})").status().code() == Code::invalid_argument);
}

TEST_CASE("shared contracts and their proposals as JSON") {
  execution::ContractRecord record;
  record.municipality = "aachen";
  record.shared = true;
  record.abi_json = R"({"abi_version": 1})";
  record.history.push_back({Hash{}, 0, 0});
  auto shared = contract_to_json("dogpermit", record, true);
  CHECK(shared["owner"] == "consortium");
  CHECK(shared["shared"] == true);
  CHECK(shared["municipality"] == "aachen");
  CHECK(shared["abi"]["abi_version"] == 1);
  record.shared = false;
  record.abi_json = std::string(100, '[') + std::string(100, ']');  // too deep to parse here
  auto own = contract_to_json("aachen.parking", record, true);
  CHECK(own["owner"] == "aachen");
  CHECK(own["abi"].is_null());

  execution::ContractProposalRecord proposal;
  proposal.id = 2;
  proposal.kind = chain::ContractChangeKind::owner;
  proposal.contract = "dogpermit";
  proposal.owner = "";
  proposal.approvals = {"aachen"};
  auto open = contract_proposal_to_json(proposal, 5);
  CHECK(open["change"] == "owner");
  CHECK(open["owner"] == "consortium");
  CHECK(open["approvals_needed"] == 4);
  proposal.status = execution::ContractProposalStatus::failed;
  proposal.failure = "already_exists: contract 'x' was deployed meanwhile";
  CHECK(contract_proposal_to_json(proposal, 5)["failure"] == proposal.failure);
  auto action =
      action_to_json(chain::ContractProposal{chain::ContractChangeKind::upgrade, "dogpermit", Bytes{1, 2, 3}, "", ""});
  CHECK(action["type"] == "contract_proposal");
  CHECK(action["code_size_bytes"] == 3);
  CHECK(action_to_json(chain::ContractVote{2, true})["type"] == "contract_vote");
}
