// State sync in the node (app/state_sync.h, app/state_sync_server.h): the
// serving side's answers and bounds (rate per peer, queue), a syncing node
// facing a peer that never answers (it gives up with a clear error within
// its timeouts and leaves nothing behind), and the refusal of a folder
// that holds an unfinished sync.
#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "app/signing_guard.h"
#include "app/state_sync.h"
#include "app/state_sync_server.h"
#include "consensus/certificate.h"
#include "crypto/hash.h"
#include "state/state_tree.h"
#include "sync/protocol.h"

using namespace govchain;
using namespace govchain::app;

namespace {

crypto::KeyPair key_from_label(const std::string& label) {
  return *crypto::key_pair_from_secret(crypto::sha256(to_bytes(label)));
}

// A backend that serves the records of one small tree; everything a
// block producer needs is refused (the server never calls it).
class RecordsBackend : public ChainBackend {
 public:
  RecordsBackend() {
    std::vector<state::StateChange> changes;
    for (int index = 0; index < 100; ++index)
      changes.push_back({to_bytes("key/" + std::to_string(index)), to_bytes("value")});
    state::sort_changes(changes);
    storage::WriteBatch batch;
    root = *tree.apply(state::StateTree::empty_root(), changes, batch);
    REQUIRE(store->write(batch, true).ok());
  }
  uint64_t head_height() const override { return 5; }
  Result<Bytes> encoded_block(uint64_t) const override { return error(Code::not_found, "none"); }
  Result<chain::CommitCertificate> commit(uint64_t) const override { return error(Code::not_found, "none"); }
  chain::ChainHead head() const override { return {}; }
  Result<block::ExecutedBlock> build_block(int64_t, const PublicKey&, const chain::CommitCertificate&) override {
    return error(Code::unavailable, "not here");
  }
  Result<block::ExecutedBlock> execute_block(ByteView) override { return error(Code::unavailable, "not here"); }
  Status commit_executed(block::ExecutedBlock, const chain::CommitCertificate&) override {
    return error(Code::unavailable, "not here");
  }
  Status accept_peer_tx(ByteView) override { return error(Code::unavailable, "not here"); }
  void report_evidence(ByteView) override {}
  size_t mempool_size() const override { return 0; }
  std::vector<PublicKey> validators() const override { return {}; }
  std::vector<PublicKey> admitted_node_keys() const override { return {}; }
  Result<sync::SnapshotOffer> snapshot_offer(uint64_t) const override { return sync::SnapshotOffer{}; }
  Result<Bytes> state_record(state::RecordKind kind, const Hash& hash) const override {
    return state::read_state_record(*store, kind, hash);
  }

  std::unique_ptr<storage::KeyValueStore> store = storage::make_memory_store();
  state::StateTree tree{*store};
  Hash root;
};

// A peer on a real p2p transport that offers block 1 of a one-validator
// chain whose state is `backend`'s tree, with an honest certificate, and
// answers state requests as `mode` says.
struct FakePeer {
  enum class Mode { honest, silent, tampered, stops_after_two };
  FakePeer(Mode mode, const crypto::KeyPair& syncing, const std::string& label)
      : mode(mode), key(key_from_label(label)), signer(consensus::make_schnorr_signer(signer_key.secret)) {
    chain::Header header;
    header.chain_id = "chain-a";
    header.height = 1;
    header.state_root = backend.root;
    header.validator_set_hash = validators().hash();
    encoded_block = chain::encode_block(chain::Block{header, {}});
    block_hash = chain::block_hash(header);
    p2p::TransportConfig config;
    config.key_pair = key;
    config.chain_id = "chain-a";
    config.genesis_hash = crypto::sha256(to_bytes("genesis"));
    config.allowed_keys = {syncing.public_key};
    p2p::TransportCallbacks callbacks;
    callbacks.on_message = [this](const PublicKey& peer, p2p::MessageType type, Bytes payload) {
      answer(peer, type, payload);
    };
    callbacks.on_peer_connected = [](const PublicKey&, const std::string&, bool) {};
    callbacks.on_peer_disconnected = [](const PublicKey&, const Status&) {};
    transport = std::make_unique<p2p::Transport>(config, callbacks);
    REQUIRE(transport->start().ok());
  }
  ~FakePeer() { transport->stop(); }
  consensus::ValidatorSet validators() const { return *consensus::ValidatorSet::create({signer_key.public_key}); }
  p2p::PeerAddress address() const { return {"127.0.0.1:" + std::to_string(transport->port()), key.public_key}; }

  void answer(const PublicKey& peer, uint8_t type, const Bytes& payload) {
    if (type == sync::message_type::snapshot_request) {
      (void)transport->send(peer, sync::message_type::snapshot_offer,
                            sync::encode_snapshot_offer({1, block_hash, validators()}));
    } else if (type == sync::message_type::block_request) {
      sync::BlockResponse response;
      response.blocks.push_back({encoded_block, consensus::sign_commit_certificate("chain-a", 1, block_hash, *signer)});
      (void)transport->send(peer, sync::message_type::block_response, sync::encode_block_response(response));
    } else if (type == sync::message_type::state_request && mode != Mode::silent &&
               (mode != Mode::stops_after_two || answered_state_requests++ < 2)) {
      auto answered = StateSyncServer::answer_state_request(backend, payload);
      REQUIRE(answered.ok());
      auto response = *sync::decode_state_response(*answered);
      if (mode == Mode::tampered)
        for (auto& record : response.records)
          if (record) record->back() ^= 0x01;
      (void)transport->send(peer, sync::message_type::state_response, sync::encode_state_response(response));
    }
  }

  Mode mode;
  std::atomic<int> answered_state_requests{0};
  crypto::KeyPair key;
  crypto::KeyPair signer_key = key_from_label("the validator");
  std::unique_ptr<consensus::Signer> signer;
  RecordsBackend backend;
  Bytes encoded_block;
  Hash block_hash;
  std::unique_ptr<p2p::Transport> transport;
};

StateSyncContext context_for(const crypto::KeyPair& syncing, const consensus::ValidatorSet& genesis_set) {
  StateSyncContext context;
  context.settings.enabled = true;
  context.settings.request_timeout_ms = 1000;
  context.settings.offer_wait_ms = 1000;
  context.settings.timeout_ms = 60'000;
  context.chain_id = "chain-a";
  context.genesis_hash = crypto::sha256(to_bytes("genesis"));
  context.genesis_validators = genesis_set;
  context.key = syncing;
  // A folder of this process's own for state-synced.json.
  static int counter = 0;
  context.data_dir = std::filesystem::temp_directory_path() /
                     ("govchain-state-sync-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
  std::filesystem::create_directories(context.data_dir);
  return context;
}

}  // namespace

TEST_CASE("a peer that sends wrong records, or never answers a state request, is dropped; another completes") {
  for (auto mode : {FakePeer::Mode::tampered, FakePeer::Mode::silent}) {
    CAPTURE(static_cast<int>(mode));
    const crypto::KeyPair syncing = key_from_label("syncing node 2");
    FakePeer honest(FakePeer::Mode::honest, syncing, "honest");
    FakePeer bad(mode, syncing, mode == FakePeer::Mode::silent ? "silent" : "tampering");
    StateSyncContext context = context_for(syncing, honest.validators());
    context.peers = {bad.address(), honest.address()};
    auto store = storage::make_memory_store();
    auto report = run_state_sync(context, *store);
    REQUIRE_MESSAGE(report.ok(), report.status().to_string());
    CHECK(report->height == 1);
    CHECK(report->state_root == honest.backend.root);
    CHECK(report->leaves == 100);
    CHECK(report->peers_dropped >= 1);
    CHECK(*state::StateTree(*store).latest_root() == honest.backend.root);
    CHECK(!unfinished_state_sync(*store)->has_value());
    CHECK(std::filesystem::exists(context.data_dir / state_sync_marker_name));
    std::filesystem::remove_all(context.data_dir);
  }
}

TEST_CASE("a sync cut off in the middle leaves a folder that is refused, and resumes with what it wrote") {
  const crypto::KeyPair syncing = key_from_label("syncing node 4");
  auto store = storage::make_memory_store();
  {
    FakePeer fading(FakePeer::Mode::stops_after_two, syncing, "fading");
    StateSyncContext context = context_for(syncing, fading.validators());
    context.peers = {fading.address()};
    auto cut = run_state_sync(context, *store);
    CHECK(cut.status().code() == Code::unavailable);
    CHECK(cut.status().message().find("start again to resume") != std::string::npos);
    std::filesystem::remove_all(context.data_dir);
  }
  CHECK(*unfinished_state_sync(*store) == std::optional<uint64_t>(1));
  CHECK(check_no_unfinished_state_sync(*store, "/data").code() == Code::invalid);
  CHECK(*state::StateTree(*store).latest_root() == state::StateTree::empty_root());  // not usable
  FakePeer honest(FakePeer::Mode::honest, syncing, "honest 4");
  StateSyncContext context = context_for(syncing, honest.validators());
  context.peers = {honest.address()};
  auto resumed = run_state_sync(context, *store);
  REQUIRE_MESSAGE(resumed.ok(), resumed.status().to_string());
  CHECK(resumed->found_locally > 0);
  CHECK(resumed->leaves == 100);
  CHECK(*state::StateTree(*store).latest_root() == honest.backend.root);
  CHECK(!unfinished_state_sync(*store)->has_value());
  CHECK(check_no_unfinished_state_sync(*store, "/data").ok());
  CHECK(std::filesystem::exists(context.data_dir / state_sync_marker_name));
  std::filesystem::remove_all(context.data_dir);
}

TEST_CASE("a block certified by another set than the genesis's is not trusted without the operator's hash") {
  const crypto::KeyPair syncing = key_from_label("syncing node 3");
  FakePeer peer(FakePeer::Mode::honest, syncing, "honest 3");
  StateSyncContext context = context_for(syncing, *consensus::ValidatorSet::create({key_from_label("x").public_key}));
  context.peers = {peer.address()};
  auto store = storage::make_memory_store();
  auto refused = run_state_sync(context, *store);
  CHECK(refused.status().message().find("state_sync_trust_hash") != std::string::npos);
  CHECK(store->scan({}, {}, 10)->empty());
  // With the operator's trusted height and hash it is taken.
  context.settings.trust_height = 1;
  context.settings.trust_hash = peer.block_hash.hex();
  auto trusted = run_state_sync(context, *store);
  REQUIRE_MESSAGE(trusted.ok(), trusted.status().to_string());
  CHECK(trusted->state_root == peer.backend.root);
  CHECK(std::filesystem::exists(context.data_dir / state_sync_marker_name));
  std::filesystem::remove_all(context.data_dir);
}

TEST_CASE("the server answers records it holds, marks the others absent, refuses bad requests") {
  RecordsBackend backend;
  sync::StateRequest request{5, {{state::RecordKind::page, backend.root}, {state::RecordKind::leaf, Hash{}}}};
  auto answer = StateSyncServer::answer_state_request(backend, sync::encode_state_request(request));
  REQUIRE(answer.ok());
  auto response = sync::decode_state_response(*answer);
  REQUIRE(response.ok());
  REQUIRE(response->records.size() == 2);
  CHECK(response->records[0].has_value());
  CHECK(!response->records[1].has_value());
  CHECK(!StateSyncServer::answer_state_request(backend, to_bytes("garbage")).ok());
  auto offer = StateSyncServer::answer_snapshot_request(backend, sync::encode_snapshot_request({0}));
  REQUIRE(offer.ok());
  CHECK(sync::decode_snapshot_offer(*offer)->height == 0);
}

TEST_CASE("the server bounds each peer's waiting requests and its queue; a flood does not grow it") {
  RecordsBackend backend;
  std::atomic<size_t> sent{0};
  std::atomic<size_t> penalized{0};
  StateSyncServerConfig config;
  config.queue_max = 8;
  config.pending_per_peer_max = 2;
  config.requests_per_second_max = 1000;
  StateSyncServer server(
      config, backend, [&](const PublicKey&, uint8_t, Bytes) { ++sent; },
      [&](const PublicKey&, const std::string&) { ++penalized; });
  const Bytes request = sync::encode_state_request({5, {{state::RecordKind::page, backend.root}}});
  // Not started yet: one flooder gets two requests in, the rest is dropped.
  for (int i = 0; i < 1000; ++i)
    server.on_request(key_from_label("flooder").public_key, sync::message_type::state_request, request);
  CHECK(server.stats().dropped_peer == 998);
  // Many peers: the queue takes 8 in all.
  for (int peer = 0; peer < 10; ++peer)
    server.on_request(key_from_label("peer " + std::to_string(peer)).public_key, sync::message_type::state_request,
                      request);
  CHECK(server.stats().dropped_queue == 4);
  server.start();
  for (int i = 0; i < 500 && sent < 8; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(sent == 8);
  // Once answered, the flooder may ask again.
  server.on_request(key_from_label("flooder").public_key, sync::message_type::state_request, request);
  for (int i = 0; i < 500 && sent < 9; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(sent == 9);
  // An undecodable request gets its sender penalised, not an answer.
  server.on_request(key_from_label("other").public_key, sync::message_type::state_request, to_bytes("x"));
  for (int i = 0; i < 500 && penalized == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(penalized == 1);
  CHECK(sent == 9);
  server.stop();
}

TEST_CASE("the server keeps to its rate of answers, all peers together") {
  RecordsBackend backend;
  std::atomic<size_t> sent{0};
  StateSyncServerConfig config;
  config.queue_max = 64;
  config.requests_per_second_max = 50;
  StateSyncServer server(
      config, backend, [&](const PublicKey&, uint8_t, Bytes) { ++sent; }, [](const PublicKey&, const std::string&) {});
  const Bytes request = sync::encode_state_request({5, {{state::RecordKind::page, backend.root}}});
  for (int peer = 0; peer < 30; ++peer)
    server.on_request(key_from_label("p" + std::to_string(peer)).public_key, sync::message_type::state_request,
                      request);
  const auto started = std::chrono::steady_clock::now();
  server.start();
  for (int i = 0; i < 1000 && sent < 30; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(sent == 30);
  // 30 answers at 50 per second take at least 29 intervals of 20 ms.
  CHECK(took >= std::chrono::milliseconds(29 * 20));
  server.stop();
}

TEST_CASE("the server keeps to its rate of answer bytes, all peers together") {
  RecordsBackend backend;
  std::atomic<size_t> sent{0};
  std::atomic<size_t> sent_bytes{0};
  StateSyncServerConfig config;
  config.requests_per_second_max = 1'000'000;
  config.size_bytes_per_second_max = 20'000;
  StateSyncServer server(
      config, backend,
      [&](const PublicKey&, uint8_t, Bytes answer) {
        sent_bytes += answer.size();
        ++sent;
      },
      [](const PublicKey&, const std::string&) {});
  const Bytes request = sync::encode_state_request({5, {{state::RecordKind::page, backend.root}}});
  for (int peer = 0; peer < 10; ++peer)
    server.on_request(key_from_label("b" + std::to_string(peer)).public_key, sync::message_type::state_request,
                      request);
  const auto started = std::chrono::steady_clock::now();
  server.start();
  for (int i = 0; i < 1000 && sent < 10; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(sent == 10);
  // Each answer waits its size at 20,000 bytes per second before the next.
  const auto expected_ms = static_cast<long>(sent_bytes * 9 / 10 * 1000 / 20'000);
  CHECK(std::chrono::duration_cast<std::chrono::milliseconds>(took).count() >= expected_ms * 8 / 10);
  server.stop();
}

TEST_CASE("a peer that never answers: the sync gives up within its timeouts and leaves nothing behind") {
  const crypto::KeyPair silent_key = key_from_label("silent peer");
  const crypto::KeyPair syncing_key = key_from_label("syncing node");
  p2p::TransportConfig silent_config;
  silent_config.key_pair = silent_key;
  silent_config.chain_id = "chain-a";
  silent_config.genesis_hash = crypto::sha256(to_bytes("genesis"));
  silent_config.allowed_keys = {syncing_key.public_key};
  p2p::TransportCallbacks callbacks;  // reads everything, answers nothing
  callbacks.on_message = [](const PublicKey&, p2p::MessageType, Bytes) {};
  callbacks.on_peer_connected = [](const PublicKey&, const std::string&, bool) {};
  callbacks.on_peer_disconnected = [](const PublicKey&, const Status&) {};
  p2p::Transport silent(silent_config, callbacks);
  Status listening = silent.start();
  REQUIRE_MESSAGE(listening.ok(), listening.to_string());

  StateSyncContext context;
  context.settings.enabled = true;
  context.settings.request_timeout_ms = 500;
  context.settings.timeout_ms = 20'000;
  context.chain_id = "chain-a";
  context.genesis_hash = silent_config.genesis_hash;
  context.genesis_validators = *consensus::ValidatorSet::create({silent_key.public_key});
  context.key = syncing_key;
  context.peers = {{"127.0.0.1:" + std::to_string(silent.port()), silent_key.public_key}};
  auto store = storage::make_memory_store();
  const auto started = std::chrono::steady_clock::now();
  auto report = run_state_sync(context, *store);
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(report.status().code() == Code::unavailable);
  CHECK(report.status().message().find("offered a snapshot") != std::string::npos);
  CHECK(took < std::chrono::seconds(15));
  CHECK(!unfinished_state_sync(*store)->has_value());
  CHECK(store->scan({}, {}, 10)->empty());
  silent.stop();
}

TEST_CASE("a folder with an unfinished state sync is refused unless state sync resumes it") {
  auto store = storage::make_memory_store();
  CHECK(check_no_unfinished_state_sync(*store, "/data").ok());
  REQUIRE(record_state_sync_started(*store, 4711, crypto::sha256(to_bytes("block"))).ok());
  CHECK(*unfinished_state_sync(*store) == std::optional<uint64_t>(4711));
  Status refused = check_no_unfinished_state_sync(*store, "/data");
  CHECK(refused.code() == Code::invalid);
  CHECK(refused.message().find("unfinished state sync (of height 4711)") != std::string::npos);
  CHECK(refused.message().find("--state-sync") != std::string::npos);
}

TEST_CASE("run_state_sync checks the operator's trust settings before it connects") {
  StateSyncContext context;
  context.settings.enabled = true;
  context.settings.trust_height = 10;
  context.peers = {{"127.0.0.1:1", key_from_label("p").public_key}};
  auto store = storage::make_memory_store();
  CHECK(run_state_sync(context, *store).status().code() == Code::invalid_argument);
  context.settings.trust_hash = "not hex";
  CHECK(run_state_sync(context, *store).status().message().find("64 hex") != std::string::npos);
}
