// Node::import_block: a second node executes the blocks of a first one on
// its own state and refuses a block whose roots it does not reproduce.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "app/block_events.h"
#include "app/contract_host_factory.h"
#include "app/dev_setup.h"
#include "app/node.h"
#include "app/tx_gossip.h"
#include "app/verification_pool.h"
#include "app/wal_file.h"
#include "consensus/certificate.h"
#include "core/clock.h"
#include "core/limits.h"
#include "crypto/hash.h"
#include "crypto/key_file.h"
#include "crypto/schnorr.h"
#include "sync/protocol.h"

using namespace govchain;
namespace fs = std::filesystem;

namespace {

// A temporary folder, removed with everything in it when the test ends.
struct TemporaryFolder {
  fs::path path;
  TemporaryFolder() {
    std::string pattern = (fs::temp_directory_path() / "govchain-unit-app.XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TemporaryFolder() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

crypto::KeyPair read_key(const fs::path& path) {
  auto text = app::read_text_file(path);
  REQUIRE(text.ok());
  auto key = crypto::decode_key_file(*text, "", {.allow_dev_plaintext = true});
  REQUIRE(key.ok());
  return *key;
}

std::unique_ptr<app::Node> open_node(const fs::path& data_dir, const Clock* clock = nullptr) {
  app::NodeConfig config;
  config.data_dir = data_dir;
  config.dev = true;
  config.clock = clock;
  auto node = app::Node::open(config, app::make_contract_host());
  REQUIRE_MESSAGE(node.ok(), node.status().to_string());
  return std::move(*node);
}

// A second data directory with the first one's genesis and keys only.
void copy_genesis_and_keys(const fs::path& from, const fs::path& to) {
  fs::create_directories(to);
  fs::copy_file(from / "genesis.json", to / "genesis.json");
  fs::copy(from / "keys", to / "keys", fs::copy_options::recursive);
}

// A role grant by the dev admin.
chain::Tx admin_grant(const crypto::KeyPair& admin, uint64_t nonce) {
  chain::Tx tx;
  tx.chain_id = app::dev_chain_id;
  tx.sender = admin.public_key;
  tx.nonce = nonce;
  tx.gas_limit = 1'000'000;
  tx.action = chain::RoleGrant{app::dev_municipality, "archive", crypto::generate_key_pair().public_key};
  chain::sign_tx(tx, admin.secret);
  return tx;
}

// Node A commits block 1 with one role grant by the dev admin.
void produce_one_block(app::Node& node, const fs::path& data_dir) {
  crypto::KeyPair admin = read_key(data_dir / "keys" / "admin.json");
  REQUIRE(node.submit(chain::encode_tx(admin_grant(admin, node.head().height))).ok());
  REQUIRE(node.produce_block().ok());
  REQUIRE(node.head().height == 1);
}

}  // namespace

TEST_CASE("a second node imports a block by executing it, and refuses one whose state root it does not reproduce") {
  TemporaryFolder folder;
  fs::path data_a = folder.path / "a";
  REQUIRE(app::ensure_dev_data_dir(data_a, "").ok());
  auto node_a = open_node(data_a);
  produce_one_block(*node_a, data_a);
  auto block = node_a->block(1);
  auto commit = node_a->commit(1);
  REQUIRE(block.ok());
  REQUIRE(commit.ok());
  const Bytes encoded = chain::encode_block(*block);
  CHECK(*node_a->encoded_block(1) == encoded);

  copy_genesis_and_keys(data_a, folder.path / "b");
  auto node_b = open_node(folder.path / "b");
  auto imported = node_b->import_block(encoded, *commit);
  REQUIRE_MESSAGE(imported.ok(), imported.status().to_string());
  CHECK(*imported == 1);
  CHECK(node_b->head().height == 1);
  CHECK(node_b->head().state_root == node_a->head().state_root);
  CHECK(node_b->head().block_hash == node_a->head().block_hash);
  CHECK(node_b->receipt(chain::tx_hash(block->txs.at(0))).value() ==
        node_a->receipt(chain::tx_hash(block->txs.at(0))).value());
  CHECK(node_b->import_block(encoded, *commit).status().code() == Code::invalid);  // not the next block any more

  copy_genesis_and_keys(data_a, folder.path / "c");
  auto node_c = open_node(folder.path / "c");
  chain::Block forged = *block;
  forged.header.state_root = crypto::sha256(std::string("another state"));
  const Bytes forged_encoded = chain::encode_block(forged);
  // The certificate is for the real block.
  CHECK(node_c->import_block(forged_encoded, *commit).status().code() == Code::invalid);

  // Signed by the validator itself, so only execution can tell.
  crypto::KeyPair validator = read_key(data_a / "keys" / "validator.json");
  auto signer = consensus::make_schnorr_signer(validator.secret);
  chain::CommitCertificate forged_commit =
      consensus::sign_commit_certificate(app::dev_chain_id, 1, chain::block_hash(forged.header), *signer);
  auto refused = node_c->import_block(forged_encoded, forged_commit);
  CHECK(refused.status().code() == Code::corruption);
  CHECK(refused.status().message().find("state root") != std::string::npos);
  CHECK(node_c->head().height == 0);

  chain::CommitCertificate unsigned_commit = *commit;
  unsigned_commit.signatures.clear();
  CHECK(node_c->import_block(encoded, unsigned_commit).status().code() == Code::invalid);  // no quorum of signatures
  auto accepted = node_c->import_block(encoded, *commit);
  CHECK_MESSAGE(accepted.ok(), accepted.status().to_string());
}

TEST_CASE("the node admits a transaction through one function and says why it refuses one") {
  TemporaryFolder folder;
  REQUIRE(app::ensure_dev_data_dir(folder.path, "").ok());
  auto node = open_node(folder.path);
  crypto::KeyPair admin = read_key(folder.path / "keys" / "admin.json");
  chain::Tx tx = admin_grant(admin, 0);
  auto admitted = node->submit(chain::encode_tx(tx));
  REQUIRE_MESSAGE(admitted.ok(), admitted.status().to_string());
  CHECK(*admitted == chain::tx_hash(tx));
  CHECK(node->is_pending(*admitted));
  CHECK(node->pending_nonce(admin.public_key).value() == 1);
  CHECK(node->submit(chain::encode_tx(tx)).status().code() == Code::already_exists);
  CHECK(node->accept_peer_tx(chain::encode_tx(tx)).code() == Code::already_exists);  // a peer's copy, the same way
  chain::Tx forged = admin_grant(admin, 1);
  forged.signature.data[7] ^= 1;
  CHECK(node->submit(chain::encode_tx(forged)).status().code() == Code::bad_signature);
  CHECK(node->accept_peer_tx(Bytes{1, 2, 3}).code() == Code::malformed);
  REQUIRE(node->produce_block().ok());
  CHECK(node->head().height == 1);
  CHECK_FALSE(node->is_pending(*admitted));
  CHECK(node->submit(chain::encode_tx(tx)).status().code() == Code::nonce_too_low);
}

TEST_CASE("the node refuses senders the chain does not know, from its API and from peers alike") {
  TemporaryFolder folder;
  REQUIRE(app::ensure_dev_data_dir(folder.path, "").ok());
  auto node = open_node(folder.path);
  crypto::KeyPair stranger = crypto::generate_key_pair();
  chain::Tx tx = admin_grant(stranger, 0);
  Result<Hash> refused = node->submit(chain::encode_tx(tx));
  CHECK(refused.status().code() == Code::unknown_account);
  CHECK(refused.status().message().find("grant this key a role") != std::string::npos);
  CHECK(node->accept_peer_tx(chain::encode_tx(tx)).code() == Code::unknown_account);
  CHECK(node->mempool_size() == 0);
}

TEST_CASE("a dev node leaves a failed call out of its block and tells the submitter through its memory") {
  TemporaryFolder folder;
  REQUIRE(app::ensure_dev_data_dir(folder.path, "").ok());
  auto node = open_node(folder.path);
  crypto::KeyPair admin = read_key(folder.path / "keys" / "admin.json");
  chain::Tx failing = admin_grant(admin, 0);
  std::get<chain::RoleGrant>(failing.action).municipality = "nowhere";  // no such member: the grant fails
  chain::sign_tx(failing, admin.secret);
  auto hash = node->submit(chain::encode_tx(failing));
  REQUIRE_MESSAGE(hash.ok(), hash.status().to_string());
  REQUIRE(node->produce_block().ok());
  CHECK_FALSE(node->is_pending(*hash));
  CHECK(node->receipt(*hash).status().code() == Code::not_found);
  auto reason = node->dropped(*hash);
  REQUIRE(reason.has_value());
  CHECK(reason->code() != Code::ok);
  // Its nonce was not used: the next transaction takes it.
  CHECK(node->next_nonce(admin.public_key).value() == 0);
  auto next = node->submit(chain::encode_tx(admin_grant(admin, 0)));
  CHECK_MESSAGE(next.ok(), next.status().to_string());
}

TEST_CASE("a dev node stamps a block with the wall clock, and always after its parent") {
  TemporaryFolder folder;
  REQUIRE(app::ensure_dev_data_dir(folder.path, "").ok());
  ManualClock clock(0, 0);  // long before the genesis
  auto node = open_node(folder.path, &clock);
  crypto::KeyPair admin = read_key(folder.path / "keys" / "admin.json");
  const int64_t genesis_time_ms = node->head().time_ms;
  REQUIRE(node->submit(chain::encode_tx(admin_grant(admin, 0))).ok());
  REQUIRE(node->produce_block().ok());
  CHECK(node->head().time_ms == genesis_time_ms + 1);
  clock.set_wall_ms(genesis_time_ms + 60'000);
  REQUIRE(node->submit(chain::encode_tx(admin_grant(admin, 1))).ok());
  REQUIRE(node->produce_block().ok());
  CHECK(node->head().time_ms == genesis_time_ms + 60'000);
  CHECK(node->head().height == 2);
}

TEST_CASE("a block made on a head that another commit replaced is refused when committed") {
  TemporaryFolder folder;
  REQUIRE(app::ensure_dev_data_dir(folder.path, "").ok());
  auto node = open_node(folder.path);
  crypto::KeyPair admin = read_key(folder.path / "keys" / "admin.json");
  crypto::KeyPair validator = read_key(folder.path / "keys" / "validator.json");
  REQUIRE(node->submit(chain::encode_tx(admin_grant(admin, 0))).ok());
  chain::ChainHead head = node->head();
  auto last_commit = node->commit(head.height);
  REQUIRE(last_commit.ok());
  auto first = node->build_block(head.time_ms + 1, validator.public_key, *last_commit);
  auto second = node->build_block(head.time_ms + 2, validator.public_key, *last_commit);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  auto signer = consensus::make_schnorr_signer(validator.secret);
  auto certify = [&](const block::ExecutedBlock& executed) {
    return consensus::sign_commit_certificate(app::dev_chain_id, executed.header.height, executed.block_hash, *signer);
  };
  chain::CommitCertificate first_commit = certify(*first);
  chain::CommitCertificate second_commit = certify(*second);
  REQUIRE(node->commit_executed(std::move(*first), first_commit).ok());
  CHECK(node->commit_executed(std::move(*second), second_commit).code() == Code::internal);
  // A dev node writes the block in the background: the next block builds
  // on it at once, the API's head follows once the write is durable.
  CHECK(node->building_head().height == 1);
  CHECK(node->mempool_size() == 0);
  for (int attempt = 0; attempt < 500 && node->head().height != 1; ++attempt)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(node->head().height == 1);
}

// ---- the consensus WAL behind its file seam ------------------------------

namespace {

consensus::WalRecord vote_record(uint64_t height) {
  auto signer = consensus::make_schnorr_signer(crypto::sha256(std::string("wal-validator")));
  consensus::Vote vote{consensus::VoteType::prevote, height, 0, crypto::sha256(std::string("block")),
                       signer->public_key()};
  return consensus::wal_record_for_vote(consensus::sign_vote("wal-test", vote, *signer));
}

// Appends two records, reopens, and checks both come back; then a torn
// third one is dropped and later appends continue after the second.
void check_wal_file(const std::shared_ptr<app::WalFile>& file, app::MemoryWalFile* memory) {
  app::ConsensusWal wal(file);
  auto opened = wal.open();
  REQUIRE(opened.ok());
  CHECK(opened->records.empty());
  REQUIRE(wal.append(vote_record(1)).ok());
  REQUIRE(wal.append(vote_record(2)).ok());
  app::ConsensusWal reopened(file);
  auto again = reopened.open();
  REQUIRE(again.ok());
  REQUIRE(again->records.size() == 2);
  CHECK(again->records[1] == vote_record(2));
  CHECK_FALSE(again->torn_tail_dropped);
  if (memory != nullptr) {
    memory->tear_next_append_at = 10;
    CHECK(reopened.append(vote_record(3)).code() == Code::io_error);
  } else {
    Bytes frame = consensus::encode_wal_frame(vote_record(3));
    REQUIRE(file->append_synced(ByteView(frame.data(), 10)).ok());  // a crash in the middle of a write
  }
  app::ConsensusWal after_crash(file);
  auto recovered = after_crash.open();
  REQUIRE(recovered.ok());
  CHECK(recovered->torn_tail_dropped);
  CHECK(recovered->records.size() == 2);
  REQUIRE(after_crash.append(vote_record(4)).ok());
  auto last = app::ConsensusWal(file).open();
  REQUIRE(last.ok());
  REQUIRE(last->records.size() == 3);
  CHECK(last->records[2] == vote_record(4));
  REQUIRE(after_crash.clear().ok());
  CHECK(app::ConsensusWal(file).open()->records.empty());
}

}  // namespace

TEST_CASE("the consensus WAL survives a reopen and a torn append, in memory and on disk") {
  auto memory = std::make_shared<app::MemoryWalFile>();
  check_wal_file(memory, memory.get());
  memory->fail_appends = true;
  CHECK(app::ConsensusWal(memory).append(vote_record(1)).code() == Code::io_error);

  TemporaryFolder folder;
  auto file = app::open_wal_file(folder.path / "consensus.wal");
  REQUIRE(file.ok());
  check_wal_file(*file, nullptr);
  CHECK(app::open_wal_file(folder.path / "missing" / "consensus.wal").status().code() == Code::io_error);
}

TEST_CASE("a WAL with a damaged record before the last one is corruption") {
  auto memory = std::make_shared<app::MemoryWalFile>();
  app::ConsensusWal wal(memory);
  REQUIRE(wal.open().ok());
  REQUIRE(wal.append(vote_record(1)).ok());
  REQUIRE(wal.append(vote_record(2)).ok());
  memory->contents[12] ^= 0xff;  // inside the first record's payload
  CHECK(app::ConsensusWal(memory).open().status().code() == Code::corruption);
}

// ---- block events ----------------------------------------------------------

TEST_CASE("block events are built only while someone listens, and go out in commit order") {
  std::mutex mutex;
  std::vector<std::string> sent;
  size_t listeners = 0;
  app::BlockEvents events(app::BlockEventSink{[&] {
                                                std::lock_guard lock(mutex);
                                                return listeners;
                                              },
                                              [&](const std::string& text) {
                                                std::lock_guard lock(mutex);
                                                sent.push_back(text);
                                              }},
                          4);
  chain::Header header;
  header.height = 1;
  events.publish(header, 0, {});
  events.drain();
  {
    std::lock_guard lock(mutex);
    CHECK(sent.empty());
    listeners = 1;
  }
  for (uint64_t height = 2; height <= 9; ++height) {
    header.height = height;
    events.publish(header, 0, {});
  }
  events.stop();
  REQUIRE(sent.size() == 8);
  for (size_t i = 0; i < sent.size(); ++i)
    CHECK(sent[i].find("\"height\":" + std::to_string(i + 2)) != std::string::npos);
}

// ---- TxGossip: batches out, checked in ----------------------------------

namespace {

struct GossipProbe {
  std::mutex mutex;
  std::vector<std::pair<Bytes, std::optional<PublicKey>>> sent;
  std::vector<Bytes> accepted;
  std::vector<std::string> penalties;
  // Transactions whose bytes start with this byte fail with this code.
  std::map<uint8_t, Code> failures;

  app::TxGossipCallbacks callbacks() {
    app::TxGossipCallbacks result;
    result.send = [this](ByteView payload, const std::optional<PublicKey>& except) {
      std::lock_guard lock(mutex);
      sent.push_back({Bytes(payload.begin(), payload.end()), except});
    };
    result.accept = [this](ByteView tx) {
      std::lock_guard lock(mutex);
      auto failure = failures.find(tx.empty() ? 0 : tx[0]);
      if (failure != failures.end()) return error(failure->second, "refused by the test");
      accepted.emplace_back(tx.begin(), tx.end());
      return Status();
    };
    result.penalize = [this](const PublicKey&, const std::string& reason) {
      std::lock_guard lock(mutex);
      penalties.push_back(reason);
    };
    return result;
  }
};

Bytes batch_of(std::vector<Bytes> txs) { return sync::encode_tx_batch(sync::TxBatch{std::move(txs)}); }

PublicKey peer_key(uint8_t seed) {
  PublicKey key;
  key.data[0] = seed;  // only compared, never verified
  return key;
}

}  // namespace

TEST_CASE("tx gossip sends a full batch at once as one message, and the rest when it stops") {
  GossipProbe probe;
  app::TxGossip gossip({.txs_per_message_max = 3, .message_size_bytes_max = 1024, .flush_delay_ms = 60'000},
                       probe.callbacks());
  gossip.start();
  for (uint8_t i = 1; i <= 4; ++i) gossip.add(Bytes{i, i});
  REQUIRE(probe.sent.size() == 1);
  CHECK(probe.sent[0].first == batch_of({Bytes{1, 1}, Bytes{2, 2}, Bytes{3, 3}}));
  CHECK_FALSE(probe.sent[0].second.has_value());
  gossip.stop();
  REQUIRE(probe.sent.size() == 2);
  CHECK(probe.sent[1].first == batch_of({Bytes{4, 4}}));
}

TEST_CASE("tx gossip starts a new batch before one would exceed its size") {
  GossipProbe probe;
  app::TxGossip gossip({.txs_per_message_max = 100, .message_size_bytes_max = 300, .flush_delay_ms = 60'000},
                       probe.callbacks());
  gossip.add(Bytes(200, 1));
  gossip.add(Bytes(200, 2));  // 5 + 204 + 204 > 300
  REQUIRE(probe.sent.size() == 1);
  CHECK(probe.sent[0].first == batch_of({Bytes(200, 1)}));
  CHECK(probe.sent[0].first.size() <= 300);
}

TEST_CASE("tx gossip admits a peer's batch and relays it unchanged, or only what it accepted") {
  GossipProbe probe;
  probe.failures[9] = Code::nonce_too_low;
  app::TxGossip gossip({.relay = true}, probe.callbacks());
  gossip.start();
  PublicKey peer = peer_key(1);
  Bytes whole = batch_of({Bytes{1}, Bytes{2}});
  gossip.on_message(peer, sync::message_type::txs, whole);
  gossip.on_message(peer, sync::message_type::txs, batch_of({Bytes{9}, Bytes{3}}));
  gossip.on_message(peer, sync::message_type::tx, Bytes{4});  // one transaction, as older peers send
  gossip.wait_idle();
  std::lock_guard lock(probe.mutex);
  CHECK(probe.accepted == std::vector<Bytes>{Bytes{1}, Bytes{2}, Bytes{3}, Bytes{4}});
  REQUIRE(probe.sent.size() == 3);
  CHECK(probe.sent[0].first == whole);
  CHECK(probe.sent[1].first == batch_of({Bytes{3}}));
  CHECK(probe.sent[2].first == batch_of({Bytes{4}}));
  for (const auto& [payload, except] : probe.sent) CHECK(except == peer);
  CHECK(probe.penalties.empty());
}

TEST_CASE("tx gossip without relay admits a peer's batch and sends nothing on") {
  GossipProbe probe;
  app::TxGossip gossip({.relay = false}, probe.callbacks());
  gossip.start();
  gossip.on_message(peer_key(1), sync::message_type::txs, batch_of({Bytes{1}, Bytes{2}}));
  gossip.wait_idle();
  std::lock_guard lock(probe.mutex);
  CHECK(probe.accepted.size() == 2);
  CHECK(probe.sent.empty());
}

TEST_CASE("tx gossip penalises a peer for a batch that does not decode or a transaction with a bad signature") {
  GossipProbe probe;
  probe.failures[7] = Code::bad_signature;
  app::TxGossip gossip({}, probe.callbacks());
  gossip.start();
  gossip.on_message(peer_key(1), sync::message_type::txs, Bytes{1, 0, 0, 0, 5, 0});
  gossip.on_message(peer_key(2), sync::message_type::txs, batch_of({Bytes{7}, Bytes{1}}));
  gossip.on_message(peer_key(3), sync::message_type::tx, Bytes(limits::tx_size_bytes_max + 1, 1));
  gossip.wait_idle();
  std::lock_guard lock(probe.mutex);
  CHECK(probe.penalties.size() == 3);
  CHECK(probe.accepted.empty());  // the rest of a batch with a bad transaction is not looked at
  CHECK(probe.sent.empty());
}

TEST_CASE("tx gossip neither keeps nor relays a transaction of an unknown sender, and counts it") {
  GossipProbe probe;
  probe.failures[5] = Code::unknown_account;
  std::vector<PublicKey> refused_from;
  app::TxGossipCallbacks callbacks = probe.callbacks();
  callbacks.refused_unknown = [&](const PublicKey& peer, const Status& refusal) {
    std::lock_guard lock(probe.mutex);
    CHECK(refusal.code() == Code::unknown_account);
    refused_from.push_back(peer);
  };
  app::TxGossip gossip({.relay = true}, std::move(callbacks));
  gossip.start();
  gossip.on_message(peer_key(1), sync::message_type::txs, batch_of({Bytes{5, 1}, Bytes{2}, Bytes{5, 2}}));
  gossip.wait_idle();
  std::lock_guard lock(probe.mutex);
  CHECK(refused_from == std::vector<PublicKey>{peer_key(1), peer_key(1)});
  CHECK(probe.accepted == std::vector<Bytes>{Bytes{2}});
  REQUIRE(probe.sent.size() == 1);
  CHECK(probe.sent[0].first == batch_of({Bytes{2}}));  // only what was accepted goes on
  CHECK(probe.penalties.empty());                      // an honest peer may relay one after a role was revoked
}

TEST_CASE("tx gossip drops peers' messages beyond its inbound bound") {
  GossipProbe probe;
  app::TxGossip gossip({.inbound_messages_max = 2}, probe.callbacks());  // not started: nothing is handled
  for (int i = 0; i < 5; ++i) gossip.on_message(peer_key(1), sync::message_type::txs, batch_of({Bytes{1}}));
  CHECK(gossip.dropped_messages() == 3);
}

TEST_CASE("tx gossip times its flush by the clock it is given") {
  GossipProbe probe;
  ManualClock clock(0, 1000);
  app::TxGossip gossip(
      {.txs_per_message_max = 100, .message_size_bytes_max = 1024, .flush_delay_ms = 5, .clock = &clock},
      probe.callbacks());
  gossip.start();
  gossip.add(Bytes{1, 1});
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // real time passes, the clock's does not
  {
    std::lock_guard lock(probe.mutex);
    CHECK(probe.sent.empty());
  }
  clock.advance_ms(5);
  for (int waited_ms = 0; waited_ms < 5000; waited_ms += 10) {
    {
      std::lock_guard lock(probe.mutex);
      if (!probe.sent.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::lock_guard lock(probe.mutex);
  REQUIRE(probe.sent.size() == 1);
  CHECK(probe.sent[0].first == batch_of({Bytes{1, 1}}));
}

// ---- the verification pool ----------------------------------------------------

TEST_CASE("the verification pool runs every item once, from several callers at once, with a bounded queue") {
  app::VerificationPool pool(2, 1);
  CHECK(pool.thread_count() == 2);
  pool.run_all(0, [](size_t) { FAIL("no item to run"); });
  constexpr size_t items = 1000;
  std::vector<std::vector<std::atomic<int>>> calls(3);
  for (auto& per_caller : calls) per_caller = std::vector<std::atomic<int>>(items);
  std::mutex threads_mutex;
  std::set<std::thread::id> threads_seen;
  std::vector<std::thread> callers;
  for (size_t caller = 0; caller < calls.size(); ++caller)
    callers.emplace_back([&, caller] {
      pool.run_all(items, [&](size_t index) {
        calls[caller][index]++;
        std::lock_guard lock(threads_mutex);
        threads_seen.insert(std::this_thread::get_id());
      });
    });
  for (auto& caller : callers) caller.join();
  for (const auto& per_caller : calls)
    for (const auto& count : per_caller) CHECK(count.load() == 1);
  // The callers' own threads and the pool's took part.
  CHECK(threads_seen.size() > calls.size());
}
