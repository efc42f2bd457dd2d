// Tests of node/p2p: the frame cipher, the handshake and the limit helpers
// as pure code (no sockets), then the Transport over real sockets on
// 127.0.0.1 with port 0: sessions between two and three nodes, refusals
// (unknown key, wrong chain, tampered or replayed handshake), limits,
// reconnection, allowed-set changes and penalties. Every wait is bounded.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "crypto/hash.h"
#include "p2p/address.h"
#include "p2p/frame.h"
#include "p2p/handshake.h"
#include "p2p/log_throttle.h"
#include "p2p/peer_limits.h"
#include "p2p/seen_cache.h"
#include "p2p/transport.h"

using namespace govchain;
using namespace govchain::p2p;
using namespace std::chrono_literals;

namespace {

const std::string test_chain_id = "govchain-test";
const Hash test_genesis_hash = crypto::sha256(std::string_view("test genesis"));

crypto::KeyPair key_from_seed(uint8_t seed) {
  crypto::SecretKey secret;
  secret.data.fill(seed);
  return *crypto::key_pair_from_secret(secret);
}

HandshakeIdentity identity_for(const crypto::KeyPair& key_pair, std::string chain_id = test_chain_id,
                               Hash genesis_hash = test_genesis_hash) {
  return HandshakeIdentity{std::move(chain_id), genesis_hash, key_pair};
}

PeerKeyCheck allow_only(const PublicKey& key) {
  return [key](const PublicKey& peer_key) {
    if (peer_key == key) return Status::ok_status();
    return error(Code::unauthorized, "unknown key");
  };
}

bool contains_bytes(ByteView haystack, ByteView needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

// The three handshake messages of one run, and both sides' results.
struct HandshakeRun {
  Bytes hello, reply, finish;
  Status status;
  std::optional<SessionSecrets> initiator, responder;
};

// Runs a handshake in memory; `tamper` may change each message in flight.
HandshakeRun run_handshake(const HandshakeIdentity& initiator_identity, const HandshakeIdentity& responder_identity,
                           const std::function<void(int message, Bytes&)>& tamper = nullptr) {
  HandshakeRun run;
  InitiatorHandshake initiator(initiator_identity);
  ResponderHandshake responder(responder_identity);
  run.hello = initiator.hello();
  if (tamper) tamper(1, run.hello);
  auto reply = responder.on_hello(run.hello);
  if (!reply.ok()) return run.status = reply.status(), run;
  run.reply = *reply;
  if (tamper) tamper(2, run.reply);
  auto finish = initiator.on_reply(run.reply, allow_only(responder_identity.key_pair.public_key));
  if (!finish.ok()) return run.status = finish.status(), run;
  run.initiator = initiator.secrets();
  run.finish = *finish;
  if (tamper) tamper(3, run.finish);
  auto secrets = responder.on_finish(run.finish, allow_only(initiator_identity.key_pair.public_key));
  if (!secrets.ok()) return run.status = secrets.status(), run;
  run.responder = *secrets;
  return run;
}

}  // namespace

// ---- Frames ------------------------------------------------------------------

TEST_CASE("frame header: length, empty body and limit") {
  CHECK(*decode_frame_header(encode_frame_header(300), 1000) == 300);
  CHECK(decode_frame_header(encode_frame_header(0), 1000).status().code() == Code::malformed);
  CHECK(decode_frame_header(encode_frame_header(1001), 1000).status().code() == Code::too_large);
  CHECK(decode_frame_header(Bytes{0, 0, 1}, 1000).status().code() == Code::malformed);
  CHECK(decode_frame_header(Bytes{0xff, 0xff, 0xff, 0xff}, frame_size_bytes_max_default).status().code() ==
        Code::too_large);
}

TEST_CASE("frame cipher: round trip, ciphertext hides the plaintext, tampering and replay fail") {
  CipherKey key = crypto::random_32();
  FrameSealer sealer(key);
  FrameOpener opener(key);
  const Bytes plaintext = to_bytes("the quick brown fox proposes block 42 to the municipalities");
  auto frame = sealer.seal(7, plaintext, 1024);
  REQUIRE(frame.ok());
  CHECK(frame->size() == frame_header_size_bytes + frame_overhead_bytes + plaintext.size());
  CHECK_FALSE(contains_bytes(*frame, to_bytes("quick brown fox")));
  CHECK_FALSE(contains_bytes(*frame, to_bytes("municipalities")));
  ByteView header = ByteView(*frame).first(frame_header_size_bytes);
  ByteView body = ByteView(*frame).subspan(frame_header_size_bytes);
  auto message = opener.open(header, body);
  REQUIRE(message.ok());
  CHECK(message->type == 7);
  CHECK(message->payload == plaintext);

  SUBCASE("replaying the same frame fails (the nonce moved on)") {
    CHECK(opener.open(header, body).status().code() == Code::bad_signature);
  }
  SUBCASE("every flipped bit fails authentication") {
    auto second = sealer.seal(8, plaintext, 1024);
    REQUIRE(second.ok());
    for (size_t index = 0; index < second->size(); ++index) {
      Bytes tampered = *second;
      tampered[index] ^= 0x01;
      FrameOpener fresh(key);
      REQUIRE(fresh.open(header, body).ok());
      CHECK_FALSE(fresh.open(ByteView(tampered).first(4), ByteView(tampered).subspan(4)).ok());
    }
  }
  SUBCASE("a failed opener stays failed") {
    Bytes tampered(body.begin(), body.end());
    tampered[0] ^= 1;
    auto second = sealer.seal(8, plaintext, 1024);
    CHECK_FALSE(opener.open(header, tampered).ok());
    CHECK_FALSE(opener.open(ByteView(*second).first(4), ByteView(*second).subspan(4)).ok());
  }
  SUBCASE("another key cannot open") {
    FrameOpener other(crypto::random_32());
    CHECK(other.open(header, body).status().code() == Code::bad_signature);
  }
  SUBCASE("oversized payloads are refused before sealing") {
    CHECK(sealer.seal(1, Bytes(1024 - frame_overhead_bytes + 1), 1024).status().code() == Code::too_large);
    CHECK(sealer.seal(1, Bytes(1024 - frame_overhead_bytes), 1024).ok());
  }
  SUBCASE("a body shorter than a tag is malformed") {
    FrameOpener fresh(key);
    CHECK(fresh.open(header, Bytes(aead_tag_size_bytes)).status().code() == Code::malformed);
  }
}

// ---- Handshake ---------------------------------------------------------------

TEST_CASE("handshake: both sides agree on keys and transcript, and the session encrypts") {
  auto alice = key_from_seed(1), bob = key_from_seed(2);
  HandshakeRun run = run_handshake(identity_for(alice), identity_for(bob));
  REQUIRE(run.status.ok());
  REQUIRE(run.initiator);
  REQUIRE(run.responder);
  CHECK(run.initiator->peer_key == bob.public_key);
  CHECK(run.responder->peer_key == alice.public_key);
  CHECK(run.initiator->transcript_hash == run.responder->transcript_hash);
  CHECK(run.initiator->send_key == run.responder->receive_key);
  CHECK(run.initiator->receive_key == run.responder->send_key);
  CHECK(run.initiator->send_key != run.initiator->receive_key);
  // Node keys travel sealed: neither appears in clear on the wire.
  for (const Bytes* message : {&run.hello, &run.reply, &run.finish}) {
    CHECK_FALSE(contains_bytes(*message, alice.public_key.view()));
    CHECK_FALSE(contains_bytes(*message, bob.public_key.view()));
  }
  FrameSealer sealer(run.initiator->send_key);
  FrameOpener opener(run.responder->receive_key);
  auto frame = sealer.seal(3, to_bytes("vote"), 1024);
  auto message = opener.open(ByteView(*frame).first(4), ByteView(*frame).subspan(4));
  REQUIRE(message.ok());
  CHECK(to_string(message->payload) == "vote");
}

TEST_CASE("handshake: two runs between the same keys yield different session keys") {
  auto alice = key_from_seed(1), bob = key_from_seed(2);
  HandshakeRun first = run_handshake(identity_for(alice), identity_for(bob));
  HandshakeRun second = run_handshake(identity_for(alice), identity_for(bob));
  REQUIRE(first.initiator);
  REQUIRE(second.initiator);
  CHECK(first.initiator->send_key != second.initiator->send_key);
  CHECK(first.initiator->transcript_hash != second.initiator->transcript_hash);
}

TEST_CASE("handshake: an unknown key is refused on both sides") {
  auto alice = key_from_seed(1), bob = key_from_seed(2), mallory = key_from_seed(3);
  SUBCASE("responder does not know the initiator") {
    InitiatorHandshake initiator(identity_for(mallory));
    ResponderHandshake responder(identity_for(bob));
    auto reply = responder.on_hello(initiator.hello());
    REQUIRE(reply.ok());
    auto finish = initiator.on_reply(*reply, allow_only(bob.public_key));
    REQUIRE(finish.ok());
    CHECK(responder.on_finish(*finish, allow_only(alice.public_key)).status().code() == Code::unauthorized);
  }
  SUBCASE("initiator dialed someone else") {
    InitiatorHandshake initiator(identity_for(alice));
    ResponderHandshake responder(identity_for(mallory));
    auto reply = responder.on_hello(initiator.hello());
    REQUIRE(reply.ok());
    CHECK(initiator.on_reply(*reply, allow_only(bob.public_key)).status().code() == Code::unauthorized);
  }
}

TEST_CASE("handshake: wrong chain id or genesis hash is refused with a clear reason") {
  auto alice = key_from_seed(1), bob = key_from_seed(2);
  HandshakeRun chain = run_handshake(identity_for(alice, "other-chain"), identity_for(bob));
  CHECK(chain.status.code() == Code::wrong_chain);
  CHECK(chain.status.message().find("other-chain") != std::string::npos);
  HandshakeRun genesis =
      run_handshake(identity_for(alice), identity_for(bob, test_chain_id, crypto::sha256(std::string_view("x"))));
  CHECK(genesis.status.code() == Code::wrong_chain);
  CHECK(genesis.status.message().find("genesis") != std::string::npos);
}

TEST_CASE("handshake: flipping any byte of any message makes the handshake fail") {
  auto alice = key_from_seed(1), bob = key_from_seed(2);
  HandshakeRun clean = run_handshake(identity_for(alice), identity_for(bob));
  REQUIRE(clean.status.ok());
  const size_t sizes[3] = {clean.hello.size(), clean.reply.size(), clean.finish.size()};
  size_t failures = 0, total = 0;
  for (int target = 1; target <= 3; ++target) {
    for (size_t index = 0; index < sizes[target - 1]; ++index) {
      HandshakeRun run = run_handshake(identity_for(alice), identity_for(bob), [&](int message, Bytes& bytes) {
        if (message == target) bytes[index] ^= 0x20;
      });
      ++total;
      if (!run.status.ok()) ++failures;
      // Even where a flip slips past one side, the two never agree on keys.
      if (run.status.ok()) CHECK(run.initiator->send_key != run.responder->receive_key);
    }
  }
  CHECK(failures == total);
}

TEST_CASE("handshake: a replayed hello and finish do not complete against a fresh responder") {
  auto alice = key_from_seed(1), bob = key_from_seed(2);
  HandshakeRun recorded = run_handshake(identity_for(alice), identity_for(bob));
  REQUIRE(recorded.status.ok());
  ResponderHandshake responder(identity_for(bob));
  REQUIRE(responder.on_hello(recorded.hello).ok());  // a hello carries no proof yet
  auto replayed = responder.on_finish(recorded.finish, allow_only(alice.public_key));
  CHECK(replayed.status().code() == Code::bad_signature);

  // A recorded reply does not complete against a fresh initiator either.
  InitiatorHandshake initiator(identity_for(alice));
  (void)initiator.hello();
  CHECK(initiator.on_reply(recorded.reply, allow_only(bob.public_key)).status().code() == Code::bad_signature);
}

TEST_CASE("handshake: messages out of order and trailing bytes are refused") {
  auto alice = key_from_seed(1), bob = key_from_seed(2);
  ResponderHandshake responder(identity_for(bob));
  InitiatorHandshake initiator(identity_for(alice));
  Bytes hello = initiator.hello();
  CHECK(responder.on_finish(hello, nullptr).status().code() == Code::invalid);
  Bytes long_hello = hello;
  long_hello.push_back(0);
  CHECK(decode_hello(long_hello).status().code() == Code::malformed);
  CHECK(decode_hello(Bytes(hello.begin() + 1, hello.end())).status().code() == Code::malformed);
  CHECK(decode_reply(hello).status().code() == Code::malformed);
  CHECK(decode_finish(Bytes{}).status().code() == Code::malformed);
  auto decoded = decode_hello(hello);
  REQUIRE(decoded.ok());
  CHECK(encode_hello(*decoded) == hello);
  CHECK(decoded->chain_id == test_chain_id);
}

TEST_CASE("handshake: a small-order ephemeral key is refused") {
  auto bob = key_from_seed(2);
  HelloMessage hello{handshake_version, test_chain_id, test_genesis_hash, X25519Key{}};  // the zero point
  ResponderHandshake responder(identity_for(bob));
  CHECK(responder.on_hello(encode_hello(hello)).status().code() == Code::invalid);
}

// ---- Limits and gossip helpers -------------------------------------------

TEST_CASE("seen cache: deduplicates and forgets the oldest beyond its bound") {
  SeenCache cache(3);
  Hash hashes[4];
  for (int index = 0; index < 4; ++index) hashes[index] = gossip_message_hash(1, Bytes{uint8_t(index)});
  CHECK(cache.insert(hashes[0]));
  CHECK_FALSE(cache.insert(hashes[0]));
  CHECK(cache.insert(hashes[1]));
  CHECK(cache.insert(hashes[2]));
  CHECK(cache.insert(hashes[3]));
  CHECK(cache.size() == 3);
  CHECK_FALSE(cache.contains(hashes[0]));
  CHECK(cache.contains(hashes[3]));
  CHECK(gossip_message_hash(1, Bytes{1}) != gossip_message_hash(2, Bytes{1}));
}

TEST_CASE("token bucket: burst of one second, then waits in proportion to the debt") {
  TokenBucket bucket(100, 0);
  bucket.spend(100, 0);
  CHECK(bucket.wait_ms(0) == 0);
  bucket.spend(50, 0);
  CHECK(bucket.wait_ms(0) == 500);
  CHECK(bucket.wait_ms(250) == 250);
  CHECK(bucket.wait_ms(500) == 0);
  CHECK(bucket.wait_ms(100000) == 0);  // refills up to the burst only
  bucket.spend(150, 100000);
  CHECK(bucket.wait_ms(100000) == 500);
}

TEST_CASE("reconnect delay: doubles, caps, and jitters within [delay/2, delay]") {
  CHECK(reconnect_delay_ms(0, 100, 1000, 0) == 50);
  CHECK(reconnect_delay_ms(0, 100, 1000, 50) == 100);
  CHECK(reconnect_delay_ms(1, 100, 1000, 100) == 200);
  CHECK(reconnect_delay_ms(3, 100, 1000, 400) == 800);
  CHECK(reconnect_delay_ms(10, 100, 1000, 500) == 1000);
  CHECK(reconnect_delay_ms(1000000, 100, 1000, 0) == 500);
  CHECK(reconnect_delay_ms(200, 1, UINT64_MAX, 7) >= 1);
  for (uint64_t random = 0; random < 1000; random += 37) {
    uint64_t delay_ms = reconnect_delay_ms(2, 100, 1000, random);
    CHECK(delay_ms >= 200);
    CHECK(delay_ms <= 400);
  }
}

// ---- Transport over sockets --------------------------------------------------

namespace {

// Captures the transport's log lines so that tests can check the reasons.
std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> log_sink() {
  static auto sink = [] {
    auto created = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(4096);
    spdlog::default_logger()->sinks().push_back(created);
    spdlog::set_level(spdlog::level::info);
    return created;
  }();
  return sink;
}

size_t log_count(const std::string& needle) {
  size_t count = 0;
  for (const auto& line : log_sink()->last_formatted()) count += line.find(needle) != std::string::npos ? 1 : 0;
  return count;
}

bool log_contains(const std::string& needle) { return log_count(needle) > 0; }

template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout = 5000ms) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return predicate();
}

uint16_t free_port() {
  int socket_fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  ::bind(socket_fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  ::getsockname(socket_fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(socket_fd);
  return ntohs(address.sin_port);
}

struct Received {
  PublicKey peer;
  MessageType type;
  std::string payload;
};

// One transport with recorded callbacks.
class TestNode {
 public:
  explicit TestNode(uint8_t seed, uint16_t port = 0) : key(key_from_seed(seed)) {
    config.listen_address = "127.0.0.1:" + std::to_string(port);
    config.key_pair = key;
    config.chain_id = test_chain_id;
    config.genesis_hash = test_genesis_hash;
    config.threads = 1;
    config.handshake_timeout_ms = 1000;
    config.keepalive_interval_ms = 200;
    config.idle_timeout_ms = 3000;
    config.reconnect_delay_ms_min = 50;
    config.reconnect_delay_ms_max = 400;
    config.gossip_message_types = {1};
  }
  ~TestNode() { stop(); }

  void allow(const TestNode& other) { config.allowed_keys.push_back(other.key.public_key); }
  void dial(const TestNode& other) {
    config.peers.push_back(PeerAddress{"127.0.0.1:" + std::to_string(other.port), other.key.public_key});
  }

  Status start() {
    TransportCallbacks callbacks;
    callbacks.on_message = [this](const PublicKey& peer, MessageType type, Bytes payload) {
      std::lock_guard lock(mutex);
      received.push_back(Received{peer, type, to_string(payload)});
    };
    callbacks.on_peer_connected = [this](const PublicKey& peer, const std::string&, bool) {
      std::lock_guard lock(mutex);
      connected_events++;
      last_connected = peer;
    };
    callbacks.on_peer_disconnected = [this](const PublicKey&, const Status& reason) {
      std::lock_guard lock(mutex);
      disconnect_reasons.push_back(reason.to_string());
    };
    transport = std::make_unique<Transport>(config, callbacks);
    Status status = transport->start();
    if (status.ok()) port = transport->port();
    return status;
  }
  void stop() {
    if (transport) transport->stop();
  }

  bool connected_to(const TestNode& other) const {
    for (const auto& peer : transport->peers())
      if (peer.public_key == other.key.public_key && peer.connected) return true;
    return false;
  }
  size_t connected_count() const {
    size_t count = 0;
    for (const auto& peer : transport->peers()) count += peer.connected ? 1 : 0;
    return count;
  }
  size_t received_count(const std::string& payload) {
    std::lock_guard lock(mutex);
    return std::count_if(received.begin(), received.end(), [&](const Received& r) { return r.payload == payload; });
  }
  size_t disconnect_count() {
    std::lock_guard lock(mutex);
    return disconnect_reasons.size();
  }
  bool disconnected_with(const std::string& needle) {
    std::lock_guard lock(mutex);
    for (const auto& reason : disconnect_reasons)
      if (reason.find(needle) != std::string::npos) return true;
    return false;
  }

  crypto::KeyPair key;
  TransportConfig config;
  std::unique_ptr<Transport> transport;
  uint16_t port = 0;
  std::mutex mutex;
  std::vector<Received> received;
  std::vector<std::string> disconnect_reasons;
  size_t connected_events = 0;
  PublicKey last_connected;
};

// A blocking client with a receive timeout that speaks frames by hand, to
// send what an honest transport never would.
class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    socket_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{2, 0};
    ::setsockopt(socket_fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    connected_ = ::connect(socket_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~RawClient() { ::close(socket_fd_); }

  bool connected() const { return connected_; }
  bool send_raw(ByteView bytes) {
    return ::send(socket_fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  bool send_frame(ByteView body) {
    Bytes frame = encode_frame_header(static_cast<uint32_t>(body.size()));
    frame.insert(frame.end(), body.begin(), body.end());
    return send_raw(frame);
  }
  std::optional<Bytes> read_frame() {
    Bytes header(4);
    if (!read_exactly(header)) return std::nullopt;
    auto size_bytes = decode_frame_header(header, frame_size_bytes_max_default);
    if (!size_bytes.ok()) return std::nullopt;
    Bytes body(*size_bytes);
    if (!read_exactly(body)) return std::nullopt;
    return body;
  }
  // True when the server closes the connection within the receive timeout
  // (anything it still sends first is skipped).
  bool closed_by_peer() {
    uint8_t buffer[4096];
    for (int reads = 0; reads < 1000; ++reads) {
      ssize_t result = ::recv(socket_fd_, buffer, sizeof(buffer), 0);
      if (result == 0) return true;
      if (result < 0) return errno == ECONNRESET;
    }
    return false;
  }

 private:
  bool read_exactly(Bytes& buffer) {
    size_t done = 0;
    while (done < buffer.size()) {
      ssize_t result = ::recv(socket_fd_, buffer.data() + done, buffer.size() - done, 0);
      if (result <= 0) return false;
      done += static_cast<size_t>(result);
    }
    return true;
  }
  int socket_fd_ = -1;
  bool connected_ = false;
};

// Runs the initiator's side of a handshake over a RawClient; returns the
// messages sent, for replaying, or nullopt if the server refused.
struct RawSession {
  Bytes hello, finish;
  SessionSecrets secrets;
};

std::optional<RawSession> raw_handshake(RawClient& client, const crypto::KeyPair& key, const PublicKey& server) {
  InitiatorHandshake initiator(identity_for(key));
  RawSession session;
  session.hello = initiator.hello();
  if (!client.send_frame(session.hello)) return std::nullopt;
  auto reply = client.read_frame();
  if (!reply) return std::nullopt;
  auto finish = initiator.on_reply(*reply, allow_only(server));
  if (!finish.ok()) return std::nullopt;
  session.finish = *finish;
  if (!client.send_frame(session.finish)) return std::nullopt;
  session.secrets = initiator.secrets();
  return session;
}

}  // namespace

TEST_CASE("transport: two nodes connect and exchange messages both ways") {
  (void)log_sink();
  TestNode alice(1), bob(2);
  alice.allow(bob);
  bob.allow(alice);
  REQUIRE(bob.start().ok());
  alice.dial(bob);
  REQUIRE(alice.start().ok());
  REQUIRE(eventually([&] { return alice.connected_to(bob) && bob.connected_to(alice); }));
  CHECK(alice.transport->send(bob.key.public_key, 5, to_bytes("to bob")).ok());
  CHECK(bob.transport->send(alice.key.public_key, 6, to_bytes("to alice")).ok());
  CHECK(eventually([&] { return bob.received_count("to bob") == 1 && alice.received_count("to alice") == 1; }));
  {
    std::lock_guard lock(bob.mutex);
    REQUIRE(!bob.received.empty());
    CHECK(bob.received.front().peer == alice.key.public_key);
    CHECK(bob.received.front().type == 5);
  }
  auto statuses = alice.transport->peers();
  REQUIRE(statuses.size() == 1);
  CHECK(statuses[0].public_key == bob.key.public_key);
  CHECK(statuses[0].outbound);
  CHECK(statuses[0].connected_since_unix_ms > 0);
  CHECK(statuses[0].bytes_sent > 0);
  CHECK(statuses[0].bytes_received > 0);
  CHECK(statuses[0].address == "127.0.0.1:" + std::to_string(bob.port));

  SUBCASE("send refuses reserved types, oversized payloads and unknown peers") {
    CHECK(alice.transport->send(bob.key.public_key, message_type_ping, Bytes{}).code() == Code::invalid_argument);
    CHECK(alice.transport->send(key_from_seed(9).public_key, 5, Bytes{}).code() == Code::not_found);
    Bytes huge(alice.config.frame_size_bytes_max);
    CHECK(alice.transport->send(bob.key.public_key, 5, huge).code() == Code::too_large);
  }
  SUBCASE("gossip is delivered once; plain sends every time") {
    CHECK(alice.transport->gossip(1, to_bytes("gossip")) == 1);
    CHECK(alice.transport->gossip(1, to_bytes("gossip")) == 1);
    CHECK(alice.transport->send(bob.key.public_key, 2, to_bytes("plain")).ok());
    CHECK(alice.transport->send(bob.key.public_key, 2, to_bytes("plain")).ok());
    CHECK(eventually([&] { return bob.received_count("plain") == 2; }));
    CHECK(bob.received_count("gossip") == 1);
    // What Bob has seen is not delivered back to him when Alice relays it.
    CHECK(bob.transport->gossip(1, to_bytes("from bob")) == 1);
    CHECK(eventually([&] { return alice.received_count("from bob") == 1; }));
    CHECK(alice.transport->gossip(1, to_bytes("from bob")) == 1);
    std::this_thread::sleep_for(100ms);
    CHECK(bob.received_count("from bob") == 0);
  }
}

TEST_CASE("transport: three nodes that all dial each other keep one session per pair") {
  (void)log_sink();
  TestNode nodes[3] = {TestNode(1, free_port()), TestNode(2, free_port()), TestNode(3, free_port())};
  for (auto& node : nodes) node.port = static_cast<uint16_t>(std::stoi(node.config.listen_address.substr(10)));
  for (int self = 0; self < 3; ++self)
    for (int other = 0; other < 3; ++other)
      if (self != other) {
        nodes[self].allow(nodes[other]);
        nodes[self].dial(nodes[other]);
      }
  for (auto& node : nodes) REQUIRE(node.start().ok());
  REQUIRE(eventually([&] {
    return nodes[0].connected_count() == 2 && nodes[1].connected_count() == 2 && nodes[2].connected_count() == 2;
  }));
  // Simultaneous dials settle within milliseconds on one host; a message
  // sent on the losing connection meanwhile may be lost (best effort).
  std::this_thread::sleep_for(200ms);
  for (int index = 0; index < 3; ++index) {
    std::string text = "broadcast from " + std::to_string(index);
    CHECK(nodes[index].transport->broadcast(7, to_bytes(text)) == 2);
  }
  CHECK(eventually([&] {
    for (int receiver = 0; receiver < 3; ++receiver)
      for (int sender = 0; sender < 3; ++sender)
        if (sender != receiver && nodes[receiver].received_count("broadcast from " + std::to_string(sender)) != 1)
          return false;
    return true;
  }));
  CHECK(nodes[0].transport->broadcast(7, to_bytes("except"), nodes[1].key.public_key) == 1);
  CHECK(eventually([&] { return nodes[2].received_count("except") == 1; }));
  CHECK(nodes[1].received_count("except") == 0);
  for (auto& node : nodes) CHECK(node.transport->peers().size() == 2);
}

TEST_CASE("transport: an unknown key is refused and the reason logged") {
  TestNode bob(2), mallory(3);
  bob.allow(TestNode(1));
  mallory.allow(bob);
  REQUIRE(bob.start().ok());
  mallory.dial(bob);
  REQUIRE(mallory.start().ok());
  CHECK(eventually([&] { return log_contains("is not in the allowed set"); }));
  std::this_thread::sleep_for(200ms);
  CHECK(bob.connected_count() == 0);
  CHECK(bob.connected_events == 0);
}

TEST_CASE("transport: a peer on another chain is refused with wrong_chain") {
  TestNode bob(2), stranger(1);
  bob.allow(stranger);
  stranger.allow(bob);
  stranger.config.chain_id = "another-chain";
  REQUIRE(bob.start().ok());
  stranger.dial(bob);
  REQUIRE(stranger.start().ok());
  CHECK(eventually([&] { return log_contains("peer is on chain 'another-chain'"); }));
  CHECK(eventually([&] {
    auto peers = stranger.transport->peers();
    // The refusing side logs the reason; the dialer only sees the close.
    return peers.size() == 1 && !peers[0].connected && !peers[0].last_error.empty();
  }));
  CHECK(bob.connected_count() == 0);
  CHECK(stranger.connected_count() == 0);
}

TEST_CASE("transport: tampered and replayed handshakes over the wire are refused") {
  TestNode bob(2);
  auto alice = key_from_seed(1);
  bob.config.allowed_keys = {alice.public_key};
  REQUIRE(bob.start().ok());

  SUBCASE("a flipped byte in the finish message") {
    RawClient client(bob.port);
    REQUIRE(client.connected());
    InitiatorHandshake initiator(identity_for(alice));
    REQUIRE(client.send_frame(initiator.hello()));
    auto reply = client.read_frame();
    REQUIRE(reply);
    auto finish = initiator.on_reply(*reply, allow_only(bob.key.public_key));
    REQUIRE(finish.ok());
    Bytes tampered = *finish;
    tampered[tampered.size() / 2] ^= 0x01;
    REQUIRE(client.send_frame(tampered));
    CHECK(client.closed_by_peer());
    CHECK(eventually([&] { return log_contains("sealed identity failed authentication"); }));
    CHECK(bob.connected_count() == 0);
  }
  SUBCASE("a replayed hello and finish of a completed handshake") {
    const size_t refusals_before = log_count("refused: bad_signature: handshake refused: sealed identity");
    RawClient first(bob.port);
    auto recorded = raw_handshake(first, alice, bob.key.public_key);
    REQUIRE(recorded);
    REQUIRE(eventually([&] { return bob.connected_count() == 1; }));
    RawClient replay(bob.port);
    REQUIRE(replay.send_frame(recorded->hello));
    REQUIRE(replay.read_frame());  // a fresh reply, which the replayer cannot use
    REQUIRE(replay.send_frame(recorded->finish));
    CHECK(replay.closed_by_peer());
    CHECK(eventually([&] {
      return log_count("refused: bad_signature: handshake refused: sealed identity") == refusals_before + 1;
    }));
  }
  SUBCASE("a client that never completes the handshake is closed after the timeout") {
    RawClient silent(bob.port);
    REQUIRE(silent.connected());
    CHECK(silent.closed_by_peer());
    CHECK(eventually([&] { return log_contains("handshake did not complete within 1000 ms"); }));
  }
  SUBCASE("garbage instead of a hello") {
    RawClient client(bob.port);
    REQUIRE(client.send_frame(to_bytes("GET / HTTP/1.1\r\n\r\n")));
    CHECK(client.closed_by_peer());
    CHECK(eventually([&] { return log_contains("wrong magic"); }));
  }
}

TEST_CASE("transport: an oversized or forged frame disconnects the peer") {
  TestNode bob(2);
  auto alice = key_from_seed(1);
  bob.config.allowed_keys = {alice.public_key};
  bob.config.frame_size_bytes_max = 4096;
  bob.config.send_queue_size_bytes_max = 8192;
  REQUIRE(bob.start().ok());
  RawClient client(bob.port);
  auto session = raw_handshake(client, alice, bob.key.public_key);
  REQUIRE(session);
  REQUIRE(eventually([&] { return bob.connected_count() == 1; }));
  SUBCASE("oversized") {
    REQUIRE(client.send_raw(encode_frame_header(4097)));
    CHECK(client.closed_by_peer());
    CHECK(eventually([&] { return bob.disconnected_with("too_large"); }));
  }
  SUBCASE("forged: not sealed with the session key") {
    FrameSealer forger(crypto::random_32());
    auto frame = forger.seal(5, to_bytes("forged"), 4096);
    REQUIRE(client.send_raw(*frame));
    CHECK(client.closed_by_peer());
    CHECK(eventually([&] { return bob.disconnected_with("bad_signature"); }));
  }
  SUBCASE("what Bob sends is ciphertext on the wire and opens with the session key") {
    REQUIRE(bob.transport->send(alice.public_key, 4, to_bytes("plaintext never on the wire")).ok());
    FrameOpener opener(session->secrets.receive_key);
    for (int frames = 0; frames < 10; ++frames) {
      auto body = client.read_frame();
      REQUIRE(body);
      CHECK_FALSE(contains_bytes(*body, to_bytes("never on the wire")));
      auto message = opener.open(encode_frame_header(static_cast<uint32_t>(body->size())), *body);
      REQUIRE(message.ok());
      if (message->type == message_type_ping) continue;  // Bob's first frame is a keepalive
      CHECK(message->type == 4);
      CHECK(to_string(message->payload) == "plaintext never on the wire");
      break;
    }
  }
  SUBCASE("a properly sealed message is delivered") {
    FrameSealer sealer(session->secrets.send_key);
    auto frame = sealer.seal(5, to_bytes("hand made"), 4096);
    REQUIRE(client.send_raw(*frame));
    CHECK(eventually([&] { return bob.received_count("hand made") == 1; }));
  }
  CHECK(bob.connected_count() <= 1);
}

TEST_CASE("transport: reconnects after the peer restarts") {
  auto bob = std::make_unique<TestNode>(2);
  TestNode alice(1);
  alice.allow(*bob);
  bob->allow(alice);
  REQUIRE(bob->start().ok());
  const uint16_t port = bob->port;
  alice.dial(*bob);
  REQUIRE(alice.start().ok());
  REQUIRE(eventually([&] { return alice.connected_to(*bob); }));
  bob.reset();
  REQUIRE(eventually([&] { return alice.disconnect_count() == 1; }));
  bob = std::make_unique<TestNode>(2, port);
  bob->allow(alice);
  REQUIRE(bob->start().ok());
  CHECK(eventually([&] { return alice.connected_to(*bob) && bob->connected_to(alice); }));
  CHECK(alice.transport->send(bob->key.public_key, 3, to_bytes("again")).ok());
  CHECK(eventually([&] { return bob->received_count("again") == 1; }));
}

TEST_CASE("transport: removing a key from the allowed set disconnects it; adding it back reconnects") {
  TestNode alice(1), bob(2);
  alice.allow(bob);
  bob.allow(alice);
  REQUIRE(bob.start().ok());
  alice.dial(bob);
  REQUIRE(alice.start().ok());
  REQUIRE(eventually([&] { return alice.connected_to(bob) && bob.connected_to(alice); }));
  bob.transport->set_allowed_keys({});
  CHECK(eventually([&] { return bob.disconnected_with("removed from the allowed set"); }));
  CHECK(eventually([&] { return !alice.connected_to(bob); }));
  std::this_thread::sleep_for(300ms);
  CHECK_FALSE(bob.connected_to(alice));
  bob.transport->set_allowed_keys({alice.key.public_key});
  CHECK(eventually([&] { return alice.connected_to(bob) && bob.connected_to(alice); }));
}

TEST_CASE("transport: penalize disconnects the peer and refuses it for a while") {
  TestNode alice(1), bob(2);
  alice.allow(bob);
  bob.allow(alice);
  REQUIRE(bob.start().ok());
  alice.dial(bob);
  REQUIRE(alice.start().ok());
  REQUIRE(eventually([&] { return alice.connected_to(bob); }));
  bob.transport->penalize(alice.key.public_key, "sent an invalid block");
  CHECK(eventually([&] { return bob.disconnected_with("sent an invalid block"); }));
  CHECK(eventually([&] { return log_contains("is penalised for another"); }));
  CHECK_FALSE(bob.connected_to(alice));
}

TEST_CASE("transport: a slow reader loses low-priority messages first, then its session") {
  TestNode alice(1), bob(2);
  alice.allow(bob);
  bob.allow(alice);
  alice.config.low_priority_message_types = {9};
  alice.config.send_queue_size_bytes_max = 1024 * 1024;
  alice.config.frame_size_bytes_max = 128 * 1024;
  bob.config.frame_size_bytes_max = 128 * 1024;
  bob.config.receive_bytes_per_second_max = 64 * 1024;  // Bob reads slowly
  REQUIRE(bob.start().ok());
  alice.dial(bob);
  REQUIRE(alice.start().ok());
  REQUIRE(eventually([&] { return alice.connected_to(bob); }));
  const Bytes chunk(100 * 1024, 0x42);
  size_t dropped = 0;
  for (int index = 0; index < 200 && dropped == 0; ++index)
    if (alice.transport->send(bob.key.public_key, 9, chunk).code() == Code::resource_exhausted) ++dropped;
  CHECK(dropped == 1);
  CHECK(alice.connected_to(bob));
  CHECK(alice.transport->peers()[0].messages_dropped == 1);
  Status status;
  for (int index = 0; index < 400 && status.ok(); ++index) status = alice.transport->send(bob.key.public_key, 8, chunk);
  CHECK(status.code() == Code::resource_exhausted);
  CHECK(eventually([&] { return alice.disconnected_with("cannot keep up"); }));
}

TEST_CASE("transport: configuration errors are reported by start()") {
  TestNode node(1);
  node.config.chain_id = "";
  CHECK(node.start().code() == Code::invalid_argument);
  TestNode other(2);
  other.config.listen_address = "not-an-address";
  CHECK(other.start().code() == Code::invalid_argument);
  TestNode third(3);
  REQUIRE(third.start().ok());
  CHECK(third.transport->start().code() == Code::invalid);
}

TEST_CASE("transport: a peer that goes silent is closed after the idle timeout") {
  TestNode bob(2);
  auto alice = key_from_seed(1);
  bob.config.allowed_keys = {alice.public_key};
  bob.config.keepalive_interval_ms = 100;
  bob.config.idle_timeout_ms = 400;
  REQUIRE(bob.start().ok());
  RawClient client(bob.port);
  REQUIRE(raw_handshake(client, alice, bob.key.public_key));  // and then never answers a ping
  REQUIRE(eventually([&] { return bob.connected_count() == 1; }));
  CHECK(eventually([&] { return bob.disconnected_with("idle timeout"); }, 3000ms));
}

TEST_CASE("transport: idle inbound sockets take no session slot; the oldest make room and logs stay short") {
  const size_t eviction_lines_before = log_count("closed the oldest pending inbound handshake");
  TestNode alice(1), bob(2);
  alice.allow(bob);
  bob.allow(alice);
  bob.config.inbound_handshakes_max = 4;
  bob.config.inbound_handshakes_per_address_max = 3;
  bob.config.inbound_connections_per_second_per_address = 1000;
  bob.config.handshake_timeout_ms = 3000;
  REQUIRE(bob.start().ok());
  // Twenty sockets that never send a byte, from one address.
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int index = 0; index < 20; ++index) idle.push_back(std::make_unique<RawClient>(bob.port));
  REQUIRE(eventually([&] { return bob.transport->stats().inbound_evicted_total >= 17; }));
  CHECK(bob.transport->stats().inbound_handshakes_pending <= 3);
  // An allowed peer still gets its session at once, from the same address,
  // while the idle sockets stay open on their side.
  alice.dial(bob);
  REQUIRE(alice.start().ok());
  CHECK(eventually([&] { return alice.connected_to(bob) && bob.connected_to(alice); }, 2000ms));
  CHECK(alice.transport->send(bob.key.public_key, 5, to_bytes("through")).ok());
  CHECK(eventually([&] { return bob.received_count("through") == 1; }));
  // Seventeen evictions within the log interval, one line about them.
  CHECK(log_count("closed the oldest pending inbound handshake") - eviction_lines_before == 1);
}

TEST_CASE("transport: new inbound connections over the rate of an address are closed at once") {
  TestNode bob(2);
  bob.config.inbound_connections_per_second_per_address = 5;
  bob.config.handshake_timeout_ms = 5000;
  REQUIRE(bob.start().ok());
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int index = 0; index < 12; ++index) clients.push_back(std::make_unique<RawClient>(bob.port));
  CHECK(eventually([&] { return bob.transport->stats().inbound_refused_total >= 6; }));
  // The last one was over the rate and is closed at once; the first waits
  // for its handshake (it outlives the client's two-second read timeout).
  CHECK(clients.back()->closed_by_peer());
  CHECK_FALSE(clients.front()->closed_by_peer());
  CHECK(bob.transport->stats().inbound_handshakes_pending >= 4);
}

TEST_CASE("log throttle: the first event at once, then one line per interval with a count") {
  LogThrottle throttle(1000);
  CHECK(throttle.note("refused", 0, "a") == 1);
  CHECK(throttle.note("refused", 10, "b") == 0);
  CHECK(throttle.note("refused", 20, "c") == 0);
  CHECK(throttle.note("other", 20, "x") == 1);
  CHECK(throttle.flush(500).empty());
  const auto due = throttle.flush(1000);
  REQUIRE(due.size() == 1);
  CHECK(due[0].category == "refused");
  CHECK(due[0].events == 2);
  CHECK(due[0].example == "c");
  CHECK(throttle.note("refused", 1500, "d") == 0);
  CHECK(throttle.note("refused", 2000, "e") == 2);
  CHECK(throttle.flush(5000).empty());
}

TEST_CASE("address rate limiter: a burst per address, refill, and bounded memory") {
  AddressRateLimiter limiter(3, 2);
  CHECK(limiter.try_take("a", 0));
  CHECK(limiter.try_take("a", 0));
  CHECK(limiter.try_take("a", 0));
  CHECK_FALSE(limiter.try_take("a", 0));
  CHECK(limiter.try_take("b", 0));
  CHECK(limiter.try_take("a", 400));  // a third of a second: one token back
  CHECK_FALSE(limiter.try_take("a", 400));
  // A third address while both entries are busy shares one bucket.
  CHECK(limiter.entries() == 2);
  CHECK(limiter.try_take("c", 400));
  CHECK(limiter.entries() == 2);
  // Idle for a second, the old entries are forgotten to make room.
  CHECK(limiter.try_take("d", 2000));
  CHECK(limiter.entries() <= 2);
}

TEST_CASE("inbound address keys: IPv4, IPv4-mapped and IPv6 /64") {
  CHECK(inbound_address_key("203.0.113.7") == "203.0.113.7");
  CHECK(inbound_address_key("::ffff:203.0.113.7") == "203.0.113.7");
  CHECK(inbound_address_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd") == "2001:db8:1:2::/64");
  CHECK(inbound_address_key("2001:db8:1:2::1") == inbound_address_key("2001:db8:1:2:ffff::9"));
  CHECK(inbound_address_key("2001:db8:1:3::1") != inbound_address_key("2001:db8:1:2::1"));
  CHECK(inbound_address_key("not an address") == "not an address");
}
