// Tests of the HTTP edge's defences against hostile clients (node/rpc):
// the router and query parsing on their own, client limits, the worker pool,
// the JSON shape pre-scan and the readiness rules as pure code; then the
// server over real sockets, with 127.0.0.2 and further loopback addresses as
// other clients: per-address connection limits, the header deadline
// (slowloris), WebSocket subscribers on a budget of their own, the request
// rate, the bytes of bodies in flight, slow handlers on the worker pool
// while /healthz and /readyz stay fast, deep JSON, CORS, and the refusal
// metrics. Every wait is bounded.
#define BOOST_BEAST_USE_STD_STRING_VIEW 1

#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "client/http_transport.h"
#include "http_test_client.h"
#include "rpc/client_limits.h"
#include "rpc/health.h"
#include "rpc/http_server.h"
#include "rpc/json_shape.h"
#include "rpc/metrics.h"
#include "rpc/node_readiness.h"
#include "rpc/query_string.h"
#include "rpc/router.h"
#include "rpc/worker_pool.h"

using namespace govchain;
using namespace govchain::rpc;
using govchain::test::ClientResponse;
using govchain::test::get_request;
using govchain::test::http_exchange;
using govchain::test::TestClient;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

HttpResponse named(const std::string& name) { return json_response("{\"route\":\"" + name + "\"}"); }

template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout = 5000ms) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return predicate();
}

std::string body_of(const std::string& raw) { return raw.substr(raw.find("\r\n\r\n") + 4); }

// Routes for the socket tests; "/v1/slow" blocks until released.
class SlowGate {
 public:
  HttpResponse wait(const HttpRequest&) {
    std::unique_lock lock(mutex_);
    entered_++;
    changed_.notify_all();
    changed_.wait_for(lock, 15s, [this] { return open_; });
    return named("slow");
  }
  void release() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  bool wait_entered(int count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] { return entered_ >= count; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int entered_ = 0;
  bool open_ = false;
};

HttpServerConfig edge_config() {
  HttpServerConfig config;
  config.listen_address = "127.0.0.1:0";
  config.threads = 2;
  config.worker_threads = 2;
  config.timeout_ms = 5000;
  config.header_timeout_ms = 3000;
  return config;
}

class FakeReadiness final : public ReadinessProvider {
 public:
  ReadinessFacts readiness_facts() const override {
    std::lock_guard lock(mutex);
    return facts;
  }
  mutable std::mutex mutex;
  ReadinessFacts facts;
};

int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

// A WebSocket client whose socket is bound to a chosen loopback address.
struct WebSocketClient {
  net::io_context io_context;
  websocket::stream<beast::tcp_stream> stream{io_context};

  bool connect(uint16_t port, const char* source_address = "127.0.0.1") {
    auto& socket = beast::get_lowest_layer(stream).socket();
    beast::error_code failure;
    socket.open(net::ip::tcp::v4(), failure);
    if (!failure) socket.bind(net::ip::tcp::endpoint(net::ip::make_address(source_address), 0), failure);
    if (!failure) socket.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port), failure);
    if (!failure) stream.handshake("127.0.0.1", "/v1/events", failure);
    return !failure;
  }
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

// ---- Pure pieces ---------------------------------------------------------------

TEST_CASE("router: exact beats parameter, 405 lists methods, cross-origin methods per path") {
  Router router;
  REQUIRE(router.add("GET", "/v1/blocks/{id}", [](const HttpRequest&) { return named("by-id"); }).ok());
  REQUIRE(router.add("GET", "/v1/blocks/latest", [](const HttpRequest&) { return named("latest"); }).ok());
  REQUIRE(router.add("POST", "/v1/txs", [](const HttpRequest&) { return named("submit"); }).ok());
  REQUIRE(router
              .add("POST", "/v1/query", [](const HttpRequest&) { return named("query"); },
                   {RouteExecution::worker_pool, CrossOrigin::allow})
              .ok());
  REQUIRE(router
              .add("GET", "/healthz", [](const HttpRequest&) { return named("health"); },
                   {RouteExecution::io_thread, CrossOrigin::deny})
              .ok());
  CHECK(router.size() == 5);

  RouteMatch match = router.match("GET", "/v1/blocks/latest");
  REQUIRE(match.route != nullptr);
  CHECK(match.route->pattern == "/v1/blocks/latest");
  match = router.match("GET", "/v1/blocks/17");
  REQUIRE(match.route != nullptr);
  CHECK(match.route->pattern == "/v1/blocks/{id}");
  CHECK(match.parameter == "17");
  CHECK(match.route->execution == RouteExecution::worker_pool);
  CHECK(match.route->cross_origin);  // a GET route
  // An exact path known only with another method does not fall through.
  match = router.match("POST", "/v1/blocks/latest");
  CHECK(match.route == nullptr);
  CHECK(match.allowed_methods == "GET");
  CHECK(router.match("GET", "/v1/blocks/1/2").route == nullptr);
  CHECK(router.match("GET", "/v1/blocks/").allowed_methods.empty());
  match = router.match("OPTIONS", "/v1/txs");
  CHECK(match.route == nullptr);
  CHECK(match.allowed_methods == "POST");
  CHECK(match.cross_origin_methods.empty());  // the write route stays same-origin
  CHECK(router.match("OPTIONS", "/v1/query").cross_origin_methods == "POST");
  match = router.match("GET", "/healthz");
  REQUIRE(match.route != nullptr);
  CHECK(match.route->execution == RouteExecution::io_thread);
  CHECK_FALSE(match.route->cross_origin);

  CHECK(router.add("GET", "/v1/blocks/{id}", [](const HttpRequest&) { return named("x"); }).code() ==
        Code::already_exists);
  for (const char* bad : {"v1/x", "/v1/{a}/b", "/v1/x{a}", "/v1/{}", "/v1/{A}", "/v1/a?b", "/{"}) {
    CHECK_MESSAGE(
        router.add("GET", bad, [](const HttpRequest&) { return named("x"); }).code() == Code::invalid_argument, bad);
  }
  CHECK(router.add("G ET", "/v1/y", [](const HttpRequest&) { return named("x"); }).code() == Code::invalid_argument);
  CHECK(router.add("GET", "/v1/z", nullptr).code() == Code::invalid_argument);
}

TEST_CASE("query strings: escapes, plus as space, empty pairs, bounds") {
  auto parsed = parse_query("proof=true&x=1+2&&name=%41%2f&flag");
  REQUIRE(parsed.ok());
  REQUIRE(parsed->size() == 4);
  CHECK((*parsed)[1] == std::pair<std::string, std::string>{"x", "1 2"});
  CHECK((*parsed)[2].second == "A/");
  CHECK((*parsed)[3] == std::pair<std::string, std::string>{"flag", ""});
  CHECK(parse_query("a=%zz").status().code() == Code::malformed);
  CHECK(parse_query("a=%4").status().code() == Code::malformed);
  std::string many;
  for (size_t index = 0; index <= query_parameters_max; ++index) many += "p=1&";
  CHECK(parse_query(many).status().code() == Code::too_large);
  CHECK(percent_decode("a+b", false) == "a+b");
  CHECK(percent_decode("a%20b", false) == "a b");
  CHECK_FALSE(percent_decode("%", false));
}

TEST_CASE("client address keys: IPv4, IPv4-mapped IPv6, and IPv6 by its /64") {
  CHECK(client_address_key("127.0.0.2") == "127.0.0.2");
  CHECK(client_address_key("::ffff:127.0.0.2") == "127.0.0.2");
  CHECK(client_address_key("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64");
  CHECK(client_address_key("2001:db8:1:2::1") == client_address_key("2001:db8:1:2:ffff:ffff:ffff:ffff"));
  CHECK(client_address_key("2001:db8:1:3::1") != client_address_key("2001:db8:1:2::1"));
  CHECK(client_address_key("fe80::1%eth0") == "fe80::/64");
  CHECK(client_address_key("") == "");
}

TEST_CASE("client limits: per-address and total bounds per budget, slots given back") {
  ClientLimitsConfig config;
  config.connections_max = 3;
  config.connections_per_address_max = 2;
  config.subscribers_max = 2;
  config.subscribers_per_address_max = 1;
  ClientLimits limits(config);
  ClientSlot a1, a2, a3, b1, c1;
  CHECK(limits.acquire(ClientBudget::connection, "a", &a1) == Admission::admitted);
  CHECK(limits.acquire(ClientBudget::connection, "a", &a2) == Admission::admitted);
  CHECK(limits.acquire(ClientBudget::connection, "a", &a3) == Admission::over_per_address);
  CHECK_FALSE(a3.held());
  CHECK(limits.acquire(ClientBudget::connection, "b", &b1) == Admission::admitted);
  CHECK(limits.acquire(ClientBudget::connection, "c", &c1) == Admission::over_total);
  CHECK(limits.total(ClientBudget::connection) == 3);
  // Subscribers are a budget of their own: full connections do not matter.
  ClientSlot s1, s2, s3;
  CHECK(limits.acquire(ClientBudget::subscriber, "a", &s1) == Admission::admitted);
  CHECK(limits.acquire(ClientBudget::subscriber, "a", &s2) == Admission::over_per_address);
  CHECK(limits.acquire(ClientBudget::subscriber, "c", &s2) == Admission::admitted);
  CHECK(limits.acquire(ClientBudget::subscriber, "d", &s3) == Admission::over_total);
  {
    ClientSlot moved = std::move(a1);
    CHECK_FALSE(a1.held());
    CHECK(moved.held());
    CHECK(limits.held_by(ClientBudget::connection, "a") == 2);
  }
  CHECK(limits.held_by(ClientBudget::connection, "a") == 1);
  a2.release();
  b1.release();
  s1.release();
  s2.release();
  CHECK(limits.total(ClientBudget::connection) == 0);
  CHECK(limits.total(ClientBudget::subscriber) == 0);
  CHECK(limits.addresses_holding() == 0);
}

TEST_CASE("client limits: request rate per address with burst, refill and bounded entries") {
  ClientLimitsConfig config;
  config.requests_per_second_per_address = 10;
  config.request_burst_per_address = 3;
  config.rate_entries_max = 2;
  ClientLimits limits(config);
  for (int index = 0; index < 3; ++index) CHECK(limits.take_request_token("a", 1000));
  CHECK_FALSE(limits.take_request_token("a", 1000));
  CHECK(limits.take_request_token("b", 1000));  // another address has its own bucket
  CHECK_FALSE(limits.take_request_token("a", 1050));
  CHECK(limits.take_request_token("a", 1100));  // 100 ms: one token at 10/s
  CHECK_FALSE(limits.take_request_token("a", 1100));
  // A third address while both entries are busy: the shared overflow bucket.
  CHECK(limits.take_request_token("c", 1100));
  CHECK(limits.rate_entries() == 2);
  // Idle entries are forgotten when room is needed.
  CHECK(limits.take_request_token("d", 5000));
  CHECK(limits.rate_entries() <= 2);
  ClientLimitsConfig unlimited;
  unlimited.requests_per_second_per_address = 0;
  ClientLimits off(unlimited);
  for (int index = 0; index < 10000; ++index) REQUIRE(off.take_request_token("a", 0));
}

TEST_CASE("worker pool: runs jobs, refuses beyond its queue, drops queued jobs on stop") {
  WorkerPool pool(1, 2);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> ran{0};
  CHECK_FALSE(pool.try_submit([] {}));  // not started
  REQUIRE(pool.start().ok());
  CHECK(pool.start().code() == Code::invalid);
  REQUIRE(pool.try_submit([&] {
    released.wait_for(10s);
    ran++;
  }));
  REQUIRE(eventually([&] { return pool.running() == 1; }));
  CHECK(pool.try_submit([&] { ran++; }));
  CHECK(pool.try_submit([&] { ran++; }));
  CHECK_FALSE(pool.try_submit([&] { ran++; }));  // queue_max 2
  CHECK(pool.queued() == 2);
  release.set_value();
  CHECK(eventually([&] { return ran == 3; }));
  CHECK(pool.try_submit([] { throw std::runtime_error("a job that throws"); }));
  CHECK(pool.try_submit([&] { ran++; }));  // the thread survived
  CHECK(eventually([&] { return ran == 4; }));

  WorkerPool stopping(1, 8);
  REQUIRE(stopping.start().ok());
  std::promise<void> hold;
  std::shared_future<void> held = hold.get_future().share();
  auto witness = std::make_shared<int>(0);
  REQUIRE(stopping.try_submit([held] { held.wait_for(200ms); }));
  REQUIRE(stopping.try_submit([witness] {}));
  stopping.stop();
  CHECK(witness.use_count() == 1);  // the queued job was destroyed, not run
  CHECK_FALSE(stopping.try_submit([] {}));
}

TEST_CASE("JSON shape: depth and values are bounded before any parser runs") {
  const JsonShapeLimits limits{64, 1000};
  CHECK(check_json_shape(R"({"tx":"00ff"})", limits).ok());
  CHECK(check_json_shape(std::string(64, '[') + std::string(64, ']'), limits).ok());
  const Status deep = check_json_shape(std::string(65, '['), limits);
  CHECK(deep.code() == Code::too_large);
  CHECK(deep.message().find("deeper than 64") != std::string::npos);
  // Brackets inside strings, escaped quotes included, do not count.
  CHECK(check_json_shape("[\"" + std::string(500, '[') + "\\\"" + std::string(500, '{') + "\"]", limits).ok());
  std::string wide = "[";
  for (int index = 0; index < 1000; ++index) wide += "0,";
  CHECK(check_json_shape(wide + "0]", limits).code() == Code::too_large);
  // 4 MB of "[" is refused after 65 bytes, in well under a second.
  const std::string bomb(4'000'000, '[');
  const auto start = Clock::now();
  CHECK(check_json_shape(bomb, JsonShapeLimits{}).code() == Code::too_large);
  CHECK(Clock::now() - start < 1s);
}

TEST_CASE("readiness: stalled chain, lost quorum and catching up each make a node not ready") {
  const int64_t now_ms = 1'000'000;
  ReadinessFacts facts;
  facts.head_height = 40;
  facts.head_time_ms = now_ms - 900;
  facts.block_interval_ms = 1000;
  facts.validators = 3;
  facts.validators_reachable = 3;
  const ReadinessPolicy policy;  // 8 intervals, at least 6 s
  ReadinessVerdict verdict = judge_readiness(facts, policy, now_ms);
  CHECK(verdict.ready);
  CHECK(verdict.head_age_ms == 900);

  facts.head_time_ms = now_ms - 8001;
  verdict = judge_readiness(facts, policy, now_ms);
  CHECK_FALSE(verdict.ready);
  REQUIRE(verdict.reasons.size() == 1);
  CHECK(verdict.reasons[0].code == "stalled");
  facts.head_time_ms = now_ms - 7999;
  CHECK(judge_readiness(facts, policy, now_ms).ready);
  // A short interval still waits at least stale_after_ms_min.
  facts.block_interval_ms = 50;
  facts.head_time_ms = now_ms - 5000;
  CHECK(judge_readiness(facts, policy, now_ms).ready);
  facts.head_time_ms = now_ms - 6001;
  CHECK_FALSE(judge_readiness(facts, policy, now_ms).ready);
  facts.head_time_ms = now_ms;

  // Quorum is more than two thirds: 2 of 3 is not enough, 3 of 4 is.
  facts.validators_reachable = 2;
  verdict = judge_readiness(facts, policy, now_ms);
  CHECK_FALSE(verdict.ready);
  CHECK(verdict.reasons[0].code == "no_quorum");
  facts.validators = 4;
  facts.validators_reachable = 3;
  CHECK(judge_readiness(facts, policy, now_ms).ready);
  facts.catching_up = true;
  facts.best_peer_height = 90;
  verdict = judge_readiness(facts, policy, now_ms);
  CHECK(verdict.reasons.at(0).code == "catching_up");
  const auto body = nlohmann::json::parse(readiness_json(facts, verdict));
  CHECK(body["status"] == "not_ready");
  CHECK(body["error"]["code"] == "unavailable");
  CHECK(body["reasons"][0]["code"] == "catching_up");

  // An observer needs one validator, not a quorum.
  ReadinessFacts observer = facts;
  observer.catching_up = false;
  observer.is_validator = false;
  observer.validators_reachable = 1;
  CHECK(judge_readiness(observer, policy, now_ms).ready);
  observer.validators_reachable = 0;
  verdict = judge_readiness(observer, policy, now_ms);
  REQUIRE(verdict.reasons.size() == 1);
  CHECK(verdict.reasons[0].code == "no_validator");

  // A dev chain makes blocks on demand: an old head is fine there.
  ReadinessFacts dev;
  dev.head_time_ms = now_ms - 3'600'000;
  dev.validators = 1;
  dev.validators_reachable = 1;
  CHECK(judge_readiness(dev, policy, now_ms).ready);
}

namespace {

// A NodeService with a fixed head, validator set and peers.
class FakeNode final : public NodeService {
 public:
  std::string chain_id() const override { return "test"; }
  ChainHead head() const override { return chain_head; }
  std::vector<PublicKey> validators() const override { return validator_keys; }
  size_t mempool_size() const override { return 0; }
  Result<Hash> submit(Bytes) override { return error(Code::unavailable, "fake"); }
  bool is_pending(const Hash&) const override { return false; }
  Result<chain::Block> block(uint64_t) const override { return error(Code::not_found, "fake"); }
  Result<chain::CommitCertificate> commit(uint64_t) const override { return error(Code::not_found, "fake"); }
  Result<chain::Receipt> receipt(const Hash&) const override { return error(Code::not_found, "fake"); }
  Result<ProvenState> prove(ByteView, std::optional<uint64_t>) const override { return error(Code::not_found, "fake"); }
  Result<uint64_t> next_nonce(const PublicKey&) const override { return uint64_t{0}; }
  Result<uint64_t> pending_nonce(const PublicKey&) const override { return uint64_t{0}; }
  std::string genesis_json() const override { return "{}"; }
  Hash genesis_hash() const override { return Hash{}; }
  std::unique_ptr<execution::StateReader> state_at(const ChainHead&) const override {
    return std::make_unique<execution::EmptyState>();
  }
  Result<chain::Receipt> query(const chain::ContractCall&, const PublicKey&, uint64_t) const override {
    return error(Code::unavailable, "fake");
  }
  std::optional<ConsensusInfo> consensus_info() const override { return consensus; }

  ChainHead chain_head;
  std::vector<PublicKey> validator_keys;
  std::optional<ConsensusInfo> consensus;
};

PublicKey key_of(uint8_t seed) {
  PublicKey key;
  key.data.fill(seed);
  return key;
}

}  // namespace

TEST_CASE("node readiness: counts itself and connected validators, not observers") {
  FakeNode node;
  node.chain_head = {12, Hash{}, Hash{}, 777};
  node.validator_keys = {key_of(1), key_of(2), key_of(3), key_of(4)};
  node.consensus = ConsensusInfo{};
  node.consensus->peers = {{key_of(2), "a", true, true, 12, 1, ""},
                           {key_of(3), "b", false, false, 0, 0, "closed"},
                           {key_of(9), "observer", true, false, 12, 1, ""}};
  NodeReadiness readiness(node, {key_of(1), 1000, false});
  ReadinessFacts facts = readiness.readiness_facts();
  CHECK(facts.head_height == 12);
  CHECK(facts.head_time_ms == 777);
  CHECK(facts.block_interval_ms == 1000);
  CHECK(facts.validators == 4);
  CHECK(facts.validators_reachable == 2);  // itself and key 2
  node.consensus->peers[1].connected = true;
  node.consensus->catching_up = true;
  node.consensus->best_peer_height = 50;
  facts = readiness.readiness_facts();
  CHECK(facts.validators_reachable == 3);
  CHECK(facts.catching_up);
  CHECK(facts.best_peer_height == 50);
  // An observer counts only the validators it reaches.
  NodeReadiness observer(node, {key_of(9), 1000, false});
  CHECK(observer.readiness_facts().validators_reachable == 2);
  CHECK_FALSE(observer.readiness_facts().is_validator);
  CHECK(facts.is_validator);
  // Before consensus state exists a BFT node reaches only itself.
  node.consensus.reset();
  CHECK(readiness.readiness_facts().validators_reachable == 1);
  // A single-validator node decides alone.
  NodeReadiness alone(node, {key_of(1), 0, true});
  CHECK(alone.readiness_facts().validators_reachable == 4);
}

// ---- In-process pipeline (handle_raw) ---------------------------------------------

TEST_CASE("deep JSON is refused with 413 before a handler parses it") {
  std::atomic<int> handled{0};
  HttpServer server(edge_config(), std::make_shared<Metrics>());
  REQUIRE(server
              .add_route("POST", "/v1/txs",
                         [&](const HttpRequest&) {
                           handled++;
                           return named("submit");
                         })
              .ok());
  const std::string bomb(4'000'000, '[');
  const auto start = Clock::now();
  const std::string response =
      server.handle_raw("POST /v1/txs HTTP/1.1\r\nContent-Length: " + std::to_string(bomb.size()) + "\r\n\r\n" + bomb);
  CHECK(Clock::now() - start < 2s);
  CHECK(response.starts_with("HTTP/1.1 413"));
  CHECK(nlohmann::json::parse(body_of(response))["error"]["code"] == "too_large");
  CHECK(handled == 0);
  CHECK(server.handle_raw("POST /v1/txs HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}").starts_with("HTTP/1.1 200"));
  CHECK(handled == 1);
  const std::string metrics = server.handle_raw("GET /metrics HTTP/1.1\r\n\r\n");
  CHECK(metrics.find("govchain_rpc_refused_total{reason=\"json_shape\"} 1") != std::string::npos);
}

TEST_CASE("CORS: read routes and their preflight for any origin, the write route not") {
  HttpServer server(edge_config());
  REQUIRE(server.add_route("GET", "/v1/status", [](const HttpRequest&) { return named("status"); }).ok());
  REQUIRE(server.add_route("POST", "/v1/txs", [](const HttpRequest&) { return named("submit"); }).ok());
  REQUIRE(server
              .add_route("POST", "/v1/query", [](const HttpRequest&) { return named("query"); },
                         {RouteExecution::worker_pool, CrossOrigin::allow})
              .ok());
  const std::string origin = "Origin: https://portal.example\r\n";
  std::string response = server.handle_raw("GET /v1/status HTTP/1.1\r\n" + origin + "\r\n");
  CHECK(response.find("Access-Control-Allow-Origin: *") != std::string::npos);
  response =
      server.handle_raw("OPTIONS /v1/status HTTP/1.1\r\n" + origin + "Access-Control-Request-Method: GET\r\n\r\n");
  CHECK(response.starts_with("HTTP/1.1 204"));
  CHECK(response.find("Access-Control-Allow-Methods: GET") != std::string::npos);
  CHECK(response.find("Access-Control-Allow-Headers: Content-Type") != std::string::npos);
  response =
      server.handle_raw("OPTIONS /v1/query HTTP/1.1\r\n" + origin + "Access-Control-Request-Method: POST\r\n\r\n");
  CHECK(response.starts_with("HTTP/1.1 204"));
  CHECK(response.find("Access-Control-Allow-Methods: POST") != std::string::npos);
  // The write route: no preflight, no Allow-Origin on its answers.
  response = server.handle_raw("OPTIONS /v1/txs HTTP/1.1\r\n" + origin + "Access-Control-Request-Method: POST\r\n\r\n");
  CHECK(response.starts_with("HTTP/1.1 405"));
  CHECK(response.find("Access-Control-Allow-Origin") == std::string::npos);
  response = server.handle_raw("POST /v1/txs HTTP/1.1\r\n" + origin + "Content-Length: 2\r\n\r\n{}");
  CHECK(response.starts_with("HTTP/1.1 200"));
  CHECK(response.find("Access-Control-Allow-Origin") == std::string::npos);
  // A preflight for a method the path does not allow cross-origin.
  response =
      server.handle_raw("OPTIONS /v1/status HTTP/1.1\r\n" + origin + "Access-Control-Request-Method: DELETE\r\n\r\n");
  CHECK(response.starts_with("HTTP/1.1 403"));
}

TEST_CASE("CORS: a list of origins is echoed with Vary, others get nothing; an empty list turns CORS off") {
  HttpServerConfig config = edge_config();
  config.cors_allowed_origins = {"https://portal.soest.example"};
  HttpServer server(config);
  REQUIRE(server.add_route("GET", "/v1/status", [](const HttpRequest&) { return named("status"); }).ok());
  std::string response = server.handle_raw("GET /v1/status HTTP/1.1\r\nOrigin: https://portal.soest.example\r\n\r\n");
  CHECK(response.find("Access-Control-Allow-Origin: https://portal.soest.example") != std::string::npos);
  CHECK(response.find("Vary: Origin") != std::string::npos);
  response = server.handle_raw("GET /v1/status HTTP/1.1\r\nOrigin: https://evil.example\r\n\r\n");
  CHECK(response.starts_with("HTTP/1.1 200"));
  CHECK(response.find("Access-Control-Allow-Origin") == std::string::npos);
  response = server.handle_raw(
      "OPTIONS /v1/status HTTP/1.1\r\nOrigin: https://evil.example\r\nAccess-Control-Request-Method: GET\r\n\r\n");
  CHECK(response.starts_with("HTTP/1.1 403"));

  HttpServerConfig off = edge_config();
  off.cors_allowed_origins.clear();
  HttpServer closed(off);
  REQUIRE(closed.add_route("GET", "/v1/status", [](const HttpRequest&) { return named("status"); }).ok());
  response = closed.handle_raw("GET /v1/status HTTP/1.1\r\nOrigin: https://portal.example\r\n\r\n");
  CHECK(response.find("Access-Control-Allow-Origin") == std::string::npos);
}

TEST_CASE("health routes: /healthz always ok, /readyz 503 with reasons") {
  auto provider = std::make_shared<FakeReadiness>();
  provider->facts = {7, unix_now_ms(), 1000, 3, 3, true, false, 7};
  HttpServer server(edge_config());
  REQUIRE(register_health_routes(server, provider).ok());
  CHECK(register_health_routes(server, nullptr).code() == Code::invalid_argument);
  std::string response = server.handle_raw("GET /readyz HTTP/1.1\r\n\r\n");
  CHECK(response.starts_with("HTTP/1.1 200"));
  CHECK(nlohmann::json::parse(body_of(response))["status"] == "ready");
  {
    std::lock_guard lock(provider->mutex);
    provider->facts.validators_reachable = 1;
  }
  response = server.handle_raw("GET /readyz HTTP/1.1\r\n\r\n");
  CHECK(response.starts_with("HTTP/1.1 503"));
  CHECK(response.find("Cache-Control: no-store") != std::string::npos);
  const auto body = nlohmann::json::parse(body_of(response));
  CHECK(body["reasons"][0]["code"] == "no_quorum");
  CHECK(body["validators_reachable"] == 1);
  CHECK(server.handle_raw("GET /healthz HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 200"));
}

// ---- Over sockets -------------------------------------------------------------------

TEST_CASE("one address cannot take the connection slots of others") {
  HttpServerConfig config = edge_config();
  config.connections_max = 16;
  config.connections_per_address_max = 3;
  auto metrics = std::make_shared<Metrics>();
  HttpServer server(config, metrics);
  REQUIRE(server.add_route("GET", "/v1/status", [](const HttpRequest&) { return named("status"); }).ok());
  REQUIRE(server.start().ok());
  const uint16_t port = server.port();
  std::vector<std::unique_ptr<TestClient>> idle;
  for (int index = 0; index < 3; ++index) {
    idle.push_back(std::make_unique<TestClient>(port));
    REQUIRE(idle.back()->connected());
  }
  // The server counts a connection once it accepted it; give it a moment.
  std::this_thread::sleep_for(200ms);
  ClientResponse refused = http_exchange(port, get_request("/v1/status"));
  CHECK(refused.status == 429);
  CHECK(refused.error_code() == "resource_exhausted");
  CHECK(refused.header("retry-after") == "1");
  CHECK(http_exchange(port, get_request("/v1/status"), "127.0.0.2").status == 200);
  idle.pop_back();
  CHECK(eventually([&] { return http_exchange(port, get_request("/v1/status")).status == 200; }));
  CHECK(metrics->render().find("govchain_rpc_refused_total{reason=\"connections_per_address\"}") != std::string::npos);
}

TEST_CASE("when every slot is taken, the longest waiter for a header makes room for a new client") {
  HttpServerConfig config = edge_config();
  config.connections_max = 4;
  config.idle_evictable_after_ms = 800;
  config.header_timeout_ms = 10000;
  config.timeout_ms = 10000;
  auto metrics = std::make_shared<Metrics>();
  HttpServer server(config, metrics);
  REQUIRE(server.add_route("GET", "/v1/status", [](const HttpRequest&) { return named("status"); }).ok());
  REQUIRE(server.start().ok());
  const uint16_t port = server.port();
  // Four idle sockets from four addresses fill every slot (slowloris from
  // many addresses: no per-address bound is reached).
  std::vector<std::unique_ptr<TestClient>> idle;
  for (const char* address : {"127.0.0.11", "127.0.0.12", "127.0.0.13", "127.0.0.14"}) {
    idle.push_back(std::make_unique<TestClient>(port, address));
    REQUIRE(idle.back()->connected());
  }
  std::this_thread::sleep_for(100ms);
  // Nobody has waited long enough yet: the newcomer is refused.
  CHECK(http_exchange(port, get_request("/v1/status"), "127.0.0.2").status == 503);
  std::this_thread::sleep_for(1000ms);
  CHECK(http_exchange(port, get_request("/v1/status"), "127.0.0.2").status == 200);
  CHECK(idle.front()->wait_closed(2000));  // the oldest made room
  CHECK(metrics->render().find("govchain_rpc_idle_evictions_total 1") != std::string::npos);
}

TEST_CASE("slowloris: a trickled header is cut off at the header deadline") {
  HttpServerConfig config = edge_config();
  config.header_timeout_ms = 400;
  config.timeout_ms = 10000;
  HttpServer server(config);
  REQUIRE(server.add_route("GET", "/v1/status", [](const HttpRequest&) { return named("status"); }).ok());
  REQUIRE(server.start().ok());
  TestClient client(server.port());
  REQUIRE(client.send_all("GET /v1/status HTTP/1.1\r\nHost: a\r\n"));
  const auto start = Clock::now();
  bool closed = false;
  while (!closed && Clock::now() - start < 5s) {
    closed = !client.send_all("X-Slow: 1\r\n") || client.wait_closed(100);
  }
  CHECK(closed);
  CHECK(Clock::now() - start < 2500ms);
  // A keep-alive connection that goes idle is closed at the same deadline.
  TestClient keep_alive(server.port());
  REQUIRE(keep_alive.send_all("GET /v1/status HTTP/1.1\r\nHost: a\r\n\r\n"));
  CHECK(keep_alive.read_response().status == 200);
  CHECK(keep_alive.wait_closed(2500));
}

TEST_CASE("idle WebSocket subscribers never take HTTP slots; subscribers have per-address and total bounds") {
  HttpServerConfig config = edge_config();
  config.connections_max = 4;
  config.connections_per_address_max = 4;
  config.websocket_subscribers_max = 8;
  config.websocket_subscribers_per_address_max = 4;
  HttpServer server(config);
  REQUIRE(server.add_route("GET", "/v1/status", [](const HttpRequest&) { return named("status"); }).ok());
  REQUIRE(server.add_websocket("/v1/events").ok());
  REQUIRE(server.start().ok());
  const uint16_t port = server.port();
  std::vector<std::unique_ptr<WebSocketClient>> subscribers;
  for (const char* address : {"127.0.0.1", "127.0.0.2"}) {
    for (int index = 0; index < 4; ++index) {
      subscribers.push_back(std::make_unique<WebSocketClient>());
      REQUIRE(subscribers.back()->connect(port, address));
    }
  }
  CHECK(eventually([&] { return server.subscriber_count() == 8; }));
  // Eight idle subscribers, twice the HTTP budget: HTTP still answers.
  for (int index = 0; index < 6; ++index) CHECK(http_exchange(port, get_request("/v1/status")).status == 200);
  ClientResponse over = http_exchange(port,
                                      "GET /v1/events HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: "
                                      "Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                      "Sec-WebSocket-Version: 13\r\n\r\n");
  CHECK(over.status == 429);
  WebSocketClient third_address;
  CHECK_FALSE(third_address.connect(port, "127.0.0.3"));  // total of 8 reached: 503
  CHECK(server.broadcast("{\"height\":1}") == 8);
  CHECK(subscribers.front()->read() == "{\"height\":1}");
}

TEST_CASE("a subscriber that sends messages over its address's rate, or deep JSON, is disconnected") {
  HttpServerConfig config = edge_config();
  config.requests_per_second_per_address = 1;
  config.request_burst_per_address = 3;
  auto metrics = std::make_shared<Metrics>();
  HttpServer server(config, metrics);
  std::atomic<int> delivered{0};
  REQUIRE(server.add_websocket("/v1/events", [&](uint64_t, std::string_view) { delivered++; }).ok());
  REQUIRE(server.start().ok());
  WebSocketClient chatty;
  REQUIRE(chatty.connect(server.port()));  // the upgrade request took one token
  REQUIRE(eventually([&] { return server.subscriber_count() == 1; }));
  for (int index = 0; index < 4; ++index) {
    beast::error_code ignored;
    chatty.stream.write(net::buffer(std::string("{\"filter\":\"blocks\"}")), ignored);
  }
  CHECK(eventually([&] { return server.subscriber_count() == 0; }));
  // Two tokens were left after the upgrade (three if a second passed).
  const int delivered_before_refusal = delivered;
  CHECK(delivered_before_refusal >= 2);
  CHECK(delivered_before_refusal <= 3);
  CHECK(metrics->render().find("govchain_rpc_refused_total{reason=\"rate\"} 1") != std::string::npos);

  WebSocketClient deep;
  REQUIRE(deep.connect(server.port(), "127.0.0.2"));
  REQUIRE(eventually([&] { return server.subscriber_count() == 1; }));
  beast::error_code ignored;
  deep.stream.write(net::buffer(std::string(100, '[')), ignored);
  CHECK(eventually([&] { return server.subscriber_count() == 0; }));
  CHECK(delivered == delivered_before_refusal);
}

TEST_CASE("requests over the rate of an address get 429 with Retry-After; other addresses do not") {
  HttpServerConfig config = edge_config();
  config.requests_per_second_per_address = 1;
  config.request_burst_per_address = 5;
  auto metrics = std::make_shared<Metrics>();
  HttpServer server(config, metrics);
  REQUIRE(server.add_route("GET", "/v1/status", [](const HttpRequest&) { return named("status"); }).ok());
  REQUIRE(server.start().ok());
  TestClient client(server.port());
  for (int index = 0; index < 5; ++index) {
    REQUIRE(client.send_all("GET /v1/status HTTP/1.1\r\nHost: a\r\n\r\n"));
    CHECK(client.read_response().status == 200);
  }
  REQUIRE(client.send_all("GET /v1/status HTTP/1.1\r\nHost: a\r\n\r\n"));
  const ClientResponse limited = client.read_response();
  CHECK(limited.status == 429);
  CHECK(limited.header("retry-after") == "1");
  CHECK(limited.error_code() == "resource_exhausted");
  CHECK(http_exchange(server.port(), get_request("/v1/status"), "127.0.0.2").status == 200);
  std::this_thread::sleep_for(1100ms);
  CHECK(http_exchange(server.port(), get_request("/v1/status")).status == 200);
  CHECK(metrics->render().find("govchain_rpc_refused_total{reason=\"rate\"} 1") != std::string::npos);
}

TEST_CASE("the SDK sends a request again after the Retry-After of a 429, a bounded number of times") {
  HttpServerConfig config = edge_config();
  config.requests_per_second_per_address = 1;
  config.request_burst_per_address = 1;
  auto metrics = std::make_shared<Metrics>();
  HttpServer server(config, metrics);
  REQUIRE(server.add_route("GET", "/v1/status", [](const HttpRequest&) { return named("status"); }).ok());
  std::atomic<int> full_calls{0};
  REQUIRE(server
              .add_route("POST", "/v1/txs",
                         [&](const HttpRequest&) {
                           ++full_calls;
                           return json_error(429, "resource_exhausted", "the account's queue is full");
                         })
              .ok());
  REQUIRE(server.start().ok());
  auto endpoint = client::detail::parse_node_url("http://127.0.0.1:" + std::to_string(server.port()));
  REQUIRE(endpoint.ok());
  client::detail::HttpLimits patient;
  auto first = client::detail::http_exchange(*endpoint, "GET", "/v1/status", "", patient);
  REQUIRE_MESSAGE(first.ok(), first.status().message());
  CHECK(first->status == 200);
  // Over the rate: the first answer is 429 with Retry-After 1; the SDK waits
  // and gets 200.
  const auto started = Clock::now();
  auto waited = client::detail::http_exchange(*endpoint, "GET", "/v1/status", "", patient);
  REQUIRE(waited.ok());
  CHECK(waited->status == 200);
  CHECK(Clock::now() - started >= 900ms);
  // Without retries the 429 reaches the caller, with its Retry-After.
  client::detail::HttpLimits impatient;
  impatient.rate_limited_retries_max = 0;
  auto refused = client::detail::http_exchange(*endpoint, "GET", "/v1/status", "", impatient);
  REQUIRE(refused.ok());
  CHECK(refused->status == 429);
  CHECK(refused->retry_after_s == 1);
  // A 429 of a handler without Retry-After (a full queue, not the rate) is
  // returned at once, not sent again.
  std::this_thread::sleep_for(1100ms);
  auto full = client::detail::http_exchange(*endpoint, "POST", "/v1/txs", "{}", patient);
  REQUIRE(full.ok());
  CHECK(full->status == 429);
  CHECK(full->retry_after_s == 0);
  CHECK(full_calls == 1);
  CHECK(client::detail::retry_after_seconds("120") == 120);
  CHECK(client::detail::retry_after_seconds("Wed, 21 Oct 2026 07:28:00 GMT") == 0);
  CHECK(client::detail::retry_after_seconds("") == 0);
  CHECK(client::detail::retry_after_seconds("99999999999999999999") == 0);
}

TEST_CASE("slow handlers hold workers, not the I/O threads: health stays fast, a full pool answers 503 at once") {
  HttpServerConfig config = edge_config();
  config.threads = 1;
  config.worker_threads = 1;
  config.worker_queue_max = 1;
  HttpServer server(config, std::make_shared<Metrics>());
  SlowGate gate;
  REQUIRE(server.add_route("GET", "/v1/slow", [&](const HttpRequest& request) { return gate.wait(request); }).ok());
  auto provider = std::make_shared<FakeReadiness>();
  provider->facts = {1, unix_now_ms(), 0, 1, 1, true, false, 1};
  REQUIRE(register_health_routes(server, provider).ok());
  REQUIRE(server.start().ok());
  const uint16_t port = server.port();
  auto running = std::async(std::launch::async, [&] { return http_exchange(port, get_request("/v1/slow")); });
  REQUIRE(gate.wait_entered(1));
  auto queued =
      std::async(std::launch::async, [&] { return http_exchange(port, get_request("/v1/slow"), "127.0.0.2", 15000); });
  std::this_thread::sleep_for(300ms);  // the second request reaches the queue
  auto start = Clock::now();
  const ClientResponse full = http_exchange(port, get_request("/v1/slow"), "127.0.0.3");
  CHECK(full.status == 503);
  CHECK(full.error_code() == "unavailable");
  CHECK(Clock::now() - start < 1s);
  for (const char* path : {"/healthz", "/readyz"}) {
    start = Clock::now();
    CHECK(http_exchange(port, get_request(path), "127.0.0.4").status == 200);
    CHECK(Clock::now() - start < 1s);
  }
  gate.release();
  CHECK(running.get().status == 200);
  CHECK(queued.get().status == 200);
}

TEST_CASE("one address cannot fill the worker queue") {
  HttpServerConfig config = edge_config();
  config.worker_threads = 1;
  config.worker_queue_max = 8;
  config.worker_jobs_per_address_max = 1;
  HttpServer server(config);
  SlowGate gate;
  REQUIRE(server.add_route("GET", "/v1/slow", [&](const HttpRequest& request) { return gate.wait(request); }).ok());
  REQUIRE(server.start().ok());
  const uint16_t port = server.port();
  auto running = std::async(std::launch::async, [&] { return http_exchange(port, get_request("/v1/slow")); });
  REQUIRE(gate.wait_entered(1));
  const ClientResponse second = http_exchange(port, get_request("/v1/slow"));
  CHECK(second.status == 429);
  auto other =
      std::async(std::launch::async, [&] { return http_exchange(port, get_request("/v1/slow"), "127.0.0.2", 15000); });
  std::this_thread::sleep_for(200ms);
  gate.release();
  CHECK(running.get().status == 200);
  CHECK(other.get().status == 200);
}

TEST_CASE("bodies in flight are bounded over all connections, before the bodies are read") {
  HttpServerConfig config = edge_config();
  config.body_size_bytes_max = 1024 * 1024;
  config.bodies_in_flight_size_bytes_max = 2 * 1024 * 1024;
  HttpServer server(config);
  REQUIRE(server.add_route("POST", "/v1/txs", [](const HttpRequest&) { return named("submit"); }).ok());
  REQUIRE(server.start().ok());
  const uint16_t port = server.port();
  const std::string announce =
      "POST /v1/txs HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::to_string(1024 * 1024) + "\r\n\r\n";
  auto first = std::make_unique<TestClient>(port, "127.0.0.2");
  TestClient second(port, "127.0.0.3");
  REQUIRE(first->send_all(announce));
  REQUIRE(second.send_all(announce));
  std::this_thread::sleep_for(300ms);
  const ClientResponse refused =
      http_exchange(port, "POST /v1/txs HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
  CHECK(refused.status == 503);
  first.reset();  // its reservation goes back when the server sees the close
  CHECK(eventually([&] {
    return http_exchange(port, "POST /v1/txs HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
               .status == 200;
  }));
}

TEST_CASE("server configuration is checked at start") {
  HttpServerConfig config = edge_config();
  config.worker_threads = 0;
  CHECK(HttpServer(config).start().code() == Code::invalid_argument);
  config = edge_config();
  config.bodies_in_flight_size_bytes_max = config.body_size_bytes_max - 1;
  CHECK(HttpServer(config).start().code() == Code::invalid_argument);
  config = edge_config();
  config.connections_per_address_max = 0;
  CHECK(HttpServer(config).start().code() == Code::invalid_argument);
}
