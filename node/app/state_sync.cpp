#include "app/state_sync.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "app/signing_guard.h"
#include "chain/block_store.h"
#include "codec/codec.h"
#include "consensus/certificate.h"
#include "state/state_sync.h"
#include "sync/protocol.h"

namespace govchain::app {

namespace {

namespace fs = std::filesystem;

// The record of a sync under way (step 3 of state_sync.h): u8 version 1,
// u64 height, the block's hash.
const Bytes& progress_key() {
  static const Bytes key = to_bytes("y/state-sync");
  return key;
}

// Messages waiting for the sync's thread at most; others are dropped (the
// peers' consensus traffic is not for a syncing node).
constexpr size_t incoming_max = 256;
// And their bytes at most: a peer's unasked-for answers cannot fill memory.
constexpr size_t incoming_size_bytes_max = 64 * 1024 * 1024;

struct Incoming {
  PublicKey peer;
  uint8_t type = 0;
  Bytes payload;
};

struct Offer {
  PublicKey peer;
  sync::SnapshotOffer offer;
};

// The snapshot chosen: a block checked against the trusted validator set.
struct TrustedBlock {
  uint64_t height = 0;
  Hash block_hash;
  chain::Header header;
  Bytes encoded_block;
  chain::CommitCertificate commit;
  consensus::ValidatorSet signers;
};

std::string short_key(const PublicKey& key) { return key.hex().substr(0, 12); }

Status write_marker_file(const fs::path& path, uint64_t height, const Hash& block_hash) {
  nlohmann::json json = {{"format", 1}, {"height", height}, {"block_hash", block_hash.hex()}};
  std::string text = json.dump(2) + "\n";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return error(Code::io_error, "cannot create " + path.string());
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) return error(Code::io_error, "cannot write " + path.string());
  return Status();
}

class StateSyncSession {
 public:
  StateSyncSession(const StateSyncContext& context, storage::KeyValueStore& store)
      : context_(context), clock_(context.clock ? context.clock : &system_clock()), store_(store), blocks_(store) {}
  ~StateSyncSession() {
    if (transport_) transport_->stop();
  }

  Result<StateSyncReport> run();

 private:
  Status connect();
  Result<std::vector<Offer>> gather_offers();
  Result<TrustedBlock> choose_block(const std::vector<Offer>& offers);
  Result<TrustedBlock> fetch_and_check(const Offer& offer);
  Status check_trust(const TrustedBlock& block) const;
  Status import_state(const TrustedBlock& block);
  Status send_requests(state::StateImporter& importer, const TrustedBlock& block);
  void on_state_response(state::StateImporter& importer, const Incoming& message);
  void expire_requests(state::StateImporter& importer);
  Status finish(state::StateImporter& importer, const TrustedBlock& block);
  std::optional<Incoming> wait_message(uint64_t deadline_ms);
  void drop_peer(const PublicKey& peer, const std::string& reason);
  std::vector<PublicKey> usable_peers();
  uint64_t now_ms() const { return clock_->steady_ms(); }
  uint64_t deadline_ms() const { return started_ms_ + context_.settings.timeout_ms; }

  struct InFlight {
    std::vector<state::WantedRecord> records;
    uint64_t deadline_ms = 0;
  };

  const StateSyncContext& context_;
  const Clock* clock_;
  storage::KeyValueStore& store_;
  chain::BlockStore blocks_;
  std::unique_ptr<p2p::Transport> transport_;
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<Incoming> incoming_;            // guarded by mutex_
  size_t incoming_size_bytes_ = 0;           // guarded by mutex_
  std::set<PublicKey> connected_;            // guarded by mutex_
  std::set<PublicKey> dropped_;              // the sync thread's
  std::map<PublicKey, InFlight> in_flight_;  // the sync thread's
  StateSyncReport report_;
  uint64_t started_ms_ = 0;
  uint64_t last_log_ms_ = 0;
};

Status StateSyncSession::connect() {
  p2p::TransportConfig config;
  config.listen_address = "";  // dial only: nobody needs to reach a syncing node
  config.key_pair = context_.key;
  config.chain_id = context_.chain_id;
  config.genesis_hash = context_.genesis_hash;
  config.peers = context_.peers;
  for (const auto& peer : context_.peers) config.allowed_keys.push_back(peer.public_key);
  p2p::TransportCallbacks callbacks;
  callbacks.on_message = [this](const PublicKey& peer, p2p::MessageType type, Bytes payload) {
    if (type != sync::message_type::snapshot_offer && type != sync::message_type::block_response &&
        type != sync::message_type::state_response)
      return;
    std::lock_guard lock(mutex_);
    if (incoming_.size() >= incoming_max || incoming_size_bytes_ + payload.size() > incoming_size_bytes_max) return;
    incoming_size_bytes_ += payload.size();
    incoming_.push_back({peer, type, std::move(payload)});
    arrived_.notify_one();
  };
  callbacks.on_peer_connected = [this](const PublicKey& peer, const std::string&, bool) {
    std::lock_guard lock(mutex_);
    connected_.insert(peer);
    arrived_.notify_one();
  };
  callbacks.on_peer_disconnected = [this](const PublicKey& peer, const Status&) {
    std::lock_guard lock(mutex_);
    connected_.erase(peer);
  };
  transport_ = std::make_unique<p2p::Transport>(std::move(config), std::move(callbacks));
  GOVCHAIN_TRY(transport_->start());
  std::unique_lock lock(mutex_);
  const uint64_t until = std::min(deadline_ms(), now_ms() + 60'000);
  while (connected_.empty() && now_ms() < until) arrived_.wait_for(lock, std::chrono::milliseconds(100));
  if (connected_.empty())
    return error(Code::unavailable,
                 "state sync: no peer answered within 60 s; check `peers` (addresses and node keys) and that at least "
                 "one of them admits this node's key (its `observers`)");
  return Status();
}

std::optional<Incoming> StateSyncSession::wait_message(uint64_t until_ms) {
  std::unique_lock lock(mutex_);
  while (incoming_.empty()) {
    uint64_t now = now_ms();
    if (now >= until_ms) return std::nullopt;
    arrived_.wait_for(lock, std::chrono::milliseconds(std::min<uint64_t>(until_ms - now, 100)));
  }
  Incoming message = std::move(incoming_.front());
  incoming_.pop_front();
  incoming_size_bytes_ -= message.payload.size();
  return message;
}

void StateSyncSession::drop_peer(const PublicKey& peer, const std::string& reason) {
  if (!dropped_.insert(peer).second) return;
  ++report_.peers_dropped;
  spdlog::warn("state sync: dropped peer {}: {}", short_key(peer), reason);
  transport_->penalize(peer, "state sync: " + reason);
}

std::vector<PublicKey> StateSyncSession::usable_peers() {
  std::lock_guard lock(mutex_);
  std::vector<PublicKey> peers;
  for (const auto& peer : connected_)
    if (!dropped_.contains(peer)) peers.push_back(peer);
  return peers;
}

Result<std::vector<Offer>> StateSyncSession::gather_offers() {
  sync::SnapshotRequest request{context_.settings.trust_height};
  Bytes payload = sync::encode_snapshot_request(request);
  std::set<PublicKey> asked;
  for (const auto& peer : usable_peers())
    if (transport_->send(peer, sync::message_type::snapshot_request, payload).ok()) asked.insert(peer);
  std::vector<Offer> offers;
  std::set<PublicKey> answered;
  uint64_t until = std::min(deadline_ms(), now_ms() + context_.settings.request_timeout_ms);
  while (answered.size() < asked.size()) {
    auto message = wait_message(until);
    if (!message) break;
    if (message->type != sync::message_type::snapshot_offer || !asked.contains(message->peer)) continue;
    if (!answered.insert(message->peer).second) continue;
    auto offer = sync::decode_snapshot_offer(message->payload);
    if (!offer.ok()) {
      drop_peer(message->peer, "undecodable snapshot offer: " + offer.status().message());
      continue;
    }
    if (offer->height > 0) offers.push_back({message->peer, std::move(*offer)});
    // The first offer starts a shorter wait for the others.
    until = std::min(until, now_ms() + context_.settings.offer_wait_ms);
  }
  if (offers.empty())
    return error(Code::unavailable,
                 "state sync: none of the " + std::to_string(asked.size()) + " connected peers offered a snapshot" +
                     (context_.settings.trust_height > 0
                          ? " at the trusted height " + std::to_string(context_.settings.trust_height)
                          : std::string()));
  // The highest first: the less there is to catch up afterwards.
  std::stable_sort(offers.begin(), offers.end(),
                   [](const Offer& a, const Offer& b) { return a.offer.height > b.offer.height; });
  return offers;
}

Status StateSyncSession::check_trust(const TrustedBlock& block) const {
  if (block.header.chain_id != context_.chain_id)
    return error(Code::wrong_chain, "the block is of chain '" + block.header.chain_id + "'");
  if (block.signers.hash() != block.header.validator_set_hash)
    return error(Code::invalid, "the offered validator set does not hash to the header's validator_set_hash");
  GOVCHAIN_TRY(consensus::verify_commit_certificate(block.commit, context_.chain_id, block.height, block.block_hash,
                                                    block.signers));
  if (!context_.settings.trust_hash.empty()) {
    auto trusted = Hash::from_hex_string(context_.settings.trust_hash);
    if (!trusted.ok() || block.block_hash != *trusted)
      return error(Code::invalid, "block " + std::to_string(block.height) + " has hash " + block.block_hash.hex() +
                                      ", not the trusted hash " + context_.settings.trust_hash);
    return Status();
  }
  if (!(block.signers == context_.genesis_validators))
    return error(
        Code::invalid,
        "block " + std::to_string(block.height) +
            " is certified by another validator set than the genesis's (the set changed by governance "
            "since); this node can only trust it through the operator: set state_sync_trust_height and "
            "state_sync_trust_hash from another member's node (docs/operations.md, \"Joining by state sync\")");
  return Status();
}

Result<TrustedBlock> StateSyncSession::fetch_and_check(const Offer& offer) {
  GOVCHAIN_TRY(transport_->send(offer.peer, sync::message_type::block_request,
                                sync::encode_block_request({offer.offer.height, 1})));
  const uint64_t until = std::min(deadline_ms(), now_ms() + context_.settings.request_timeout_ms);
  while (true) {
    auto message = wait_message(until);
    if (!message)
      return error(Code::timeout, "no block within " + std::to_string(context_.settings.request_timeout_ms) + " ms");
    if (message->type != sync::message_type::block_response || message->peer != offer.peer) continue;
    GOVCHAIN_ASSIGN_OR_RETURN(sync::BlockResponse response, sync::decode_block_response(message->payload));
    if (response.blocks.size() != 1) return error(Code::invalid, "the peer sent no block at its offered height");
    TrustedBlock block{
        offer.offer.height, {}, {}, std::move(response.blocks[0].block), std::move(response.blocks[0].commit),
        offer.offer.signers};
    GOVCHAIN_ASSIGN_OR_RETURN(block.header, chain::decode_block_header(block.encoded_block));
    GOVCHAIN_TRY(chain::decode_block(block.encoded_block).status());
    block.block_hash = chain::block_hash(block.header);
    if (block.header.height != offer.offer.height || block.block_hash != offer.offer.block_hash)
      return error(Code::invalid, "the block sent is not the one offered");
    GOVCHAIN_TRY(check_trust(block));
    return block;
  }
}

Result<TrustedBlock> StateSyncSession::choose_block(const std::vector<Offer>& offers) {
  std::string reasons;
  for (const Offer& offer : offers) {
    if (dropped_.contains(offer.peer)) continue;
    auto block = fetch_and_check(offer);
    if (block.ok()) return block;
    reasons += "; " + short_key(offer.peer) + ": " + block.status().message();
    // A block or set that does not check is the peer's fault; a timeout may
    // be the network's, but either way another peer is asked.
    drop_peer(offer.peer, "its snapshot at height " + std::to_string(offer.offer.height) +
                              " does not check: " + block.status().message());
  }
  return error(Code::invalid, "state sync: no offered snapshot could be checked" + reasons);
}

Status StateSyncSession::send_requests(state::StateImporter& importer, const TrustedBlock& block) {
  for (const PublicKey& peer : usable_peers()) {
    if (in_flight_.contains(peer)) continue;
    GOVCHAIN_ASSIGN_OR_RETURN(auto wanted, importer.next_wanted(sync::state_records_per_request_max));
    if (wanted.empty()) return Status();
    sync::StateRequest request{block.height, {}};
    for (const auto& record : wanted) request.records.push_back({record.kind, record.hash});
    Status sent = transport_->send(peer, sync::message_type::state_request, sync::encode_state_request(request));
    if (!sent.ok()) {
      importer.give_back(wanted);
      drop_peer(peer, "cannot send to it: " + sent.message());
      continue;
    }
    ++report_.requests;
    in_flight_[peer] = {std::move(wanted), now_ms() + context_.settings.request_timeout_ms};
  }
  return Status();
}

void StateSyncSession::on_state_response(state::StateImporter& importer, const Incoming& message) {
  auto found = in_flight_.find(message.peer);
  if (found == in_flight_.end()) return;  // late, after its request timed out
  std::vector<state::WantedRecord> asked = std::move(found->second.records);
  in_flight_.erase(found);
  auto response = sync::decode_state_response(message.payload);
  if (!response.ok() || response->records.size() > asked.size()) {
    importer.give_back(asked);
    drop_peer(message.peer, "a state response that does not decode or answers more than was asked");
    return;
  }
  size_t accepted = 0;
  for (size_t index = 0; index < asked.size(); ++index) {
    if (index >= response->records.size() || !response->records[index]) {
      importer.give_back({asked[index]});
      continue;
    }
    Status taken = importer.accept(asked[index], *response->records[index]);
    if (!taken.ok()) {
      importer.give_back(
          std::vector<state::WantedRecord>(asked.begin() + static_cast<std::ptrdiff_t>(index), asked.end()));
      drop_peer(message.peer, "it sent a wrong state record: " + taken.message());
      return;
    }
    ++accepted;
  }
  // A peer that has none of the records asked for does not hold this state.
  if (accepted == 0) drop_peer(message.peer, "it holds none of the state records asked for");
}

void StateSyncSession::expire_requests(state::StateImporter& importer) {
  const uint64_t now = now_ms();
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    if (it->second.deadline_ms > now) {
      ++it;
      continue;
    }
    importer.give_back(it->second.records);
    PublicKey peer = it->first;
    it = in_flight_.erase(it);
    drop_peer(peer,
              "no answer to a state request within " + std::to_string(context_.settings.request_timeout_ms) + " ms");
  }
}

Status StateSyncSession::import_state(const TrustedBlock& block) {
  auto unfinished = unfinished_state_sync(store_);
  GOVCHAIN_TRY(unfinished.status());
  if (*unfinished) {
    spdlog::info("state sync: resuming an interrupted sync (it was at height {}); records already written are kept",
                 **unfinished);
    GOVCHAIN_TRY(state::clear_latest_values(store_));
  }
  GOVCHAIN_TRY(record_state_sync_started(store_, block.height, block.block_hash));

  state::StateImporter importer(store_, block.header.state_root, block.height + 1);
  uint64_t idle_since_ms = 0;
  while (!importer.done()) {
    if (now_ms() > deadline_ms())
      return error(Code::timeout, "state sync did not finish within state_sync_timeout_ms (" +
                                      std::to_string(context_.settings.timeout_ms) + " ms); start again to resume it");
    GOVCHAIN_TRY(send_requests(importer, block));
    // With no request out, wait for a (re)connecting peer for as long as a
    // request may take, then give up: the folder resumes at the next start.
    if (!in_flight_.empty() || importer.done()) {
      idle_since_ms = 0;
    } else if (idle_since_ms == 0) {
      idle_since_ms = now_ms();
    } else if (now_ms() - idle_since_ms > context_.settings.request_timeout_ms) {
      return error(Code::unavailable, "state sync: no peer left that serves the state at height " +
                                          std::to_string(block.height) + " (" + std::to_string(report_.peers_dropped) +
                                          " dropped); start again to resume it");
    }
    if (auto message = wait_message(now_ms() + 100); message && message->type == sync::message_type::state_response)
      on_state_response(importer, *message);
    expire_requests(importer);
    if (now_ms() - last_log_ms_ >= 5000) {
      last_log_ms_ = now_ms();
      spdlog::info("state sync: {} pages and {} leaves so far ({} kept from before), {} records waiting",
                   importer.progress().pages, importer.progress().leaves, importer.progress().found_locally,
                   importer.progress().wanted);
    }
  }
  return finish(importer, block);
}

Status StateSyncSession::finish(state::StateImporter& importer, const TrustedBlock& block) {
  storage::WriteBatch batch;
  GOVCHAIN_TRY(importer.finish(batch));
  batch.erase(progress_key());
  // The marker goes first: a crash after it and before the commit leaves an
  // unfinished sync, which resumes; the guard sees the marker either way.
  GOVCHAIN_TRY(write_marker_file(context_.data_dir / state_sync_marker_name, block.height, block.block_hash));
  GOVCHAIN_TRY(blocks_.commit_synced(block.height, block.encoded_block, block.commit, block.signers, batch));
  const state::ImportProgress& progress = importer.progress();
  report_.pages = progress.pages;
  report_.leaves = progress.leaves;
  report_.found_locally = progress.found_locally;
  report_.received_bytes = progress.received_bytes;
  return Status();
}

Result<StateSyncReport> StateSyncSession::run() {
  started_ms_ = now_ms();
  last_log_ms_ = started_ms_;
  GOVCHAIN_TRY(connect());
  GOVCHAIN_ASSIGN_OR_RETURN(std::vector<Offer> offers, gather_offers());
  GOVCHAIN_ASSIGN_OR_RETURN(TrustedBlock block, choose_block(offers));
  spdlog::info("state sync: block {} ({}) checked against its certificate; fetching its state (root {})", block.height,
               block.block_hash.hex(), block.header.state_root.hex());
  GOVCHAIN_TRY(import_state(block));
  report_.height = block.height;
  report_.block_hash = block.block_hash;
  report_.state_root = block.header.state_root;
  report_.elapsed_ms = now_ms() - started_ms_;
  transport_->stop();
  return report_;
}

}  // namespace

const Bytes& state_sync_progress_key() { return progress_key(); }

Status record_state_sync_started(storage::KeyValueStore& store, uint64_t height, const Hash& block_hash) {
  codec::Writer progress;
  progress.u8(1);
  progress.u64(height);
  progress.fixed(block_hash);
  storage::WriteBatch batch;
  batch.put(progress_key(), progress.data());
  return store.write(batch, true);
}

Result<std::optional<uint64_t>> unfinished_state_sync(const storage::KeyValueStore& store) {
  GOVCHAIN_ASSIGN_OR_RETURN(std::optional<Bytes> stored, store.get(progress_key()));
  if (!stored) return std::optional<uint64_t>();
  codec::Reader reader(*stored);
  auto version = reader.u8();
  auto height = reader.u64();
  if (!version.ok() || *version != 1 || !height.ok())
    return error(Code::corruption, "the record of an unfinished state sync is damaged");
  return std::optional<uint64_t>(*height);
}

Status check_no_unfinished_state_sync(const storage::KeyValueStore& store, const fs::path& data_dir) {
  GOVCHAIN_ASSIGN_OR_RETURN(std::optional<uint64_t> unfinished, unfinished_state_sync(store));
  if (!unfinished) return Status();
  return error(Code::invalid, "the data folder " + data_dir.string() + " holds an unfinished state sync (of height " +
                                  std::to_string(*unfinished) +
                                  "): its state is incomplete and cannot be used. Start with state sync on "
                                  "(--state-sync, or state_sync: true) to resume it, or move the folder away "
                                  "and start anew");
}

Result<StateSyncReport> run_state_sync(const StateSyncContext& context, storage::KeyValueStore& store) {
  const StateSyncSettings& settings = context.settings;
  if ((settings.trust_height == 0) != settings.trust_hash.empty())
    return error(Code::invalid_argument,
                 "state_sync_trust_height and state_sync_trust_hash go together: give both "
                 "(a block's height and its hash, from another member's node) or neither");
  if (!settings.trust_hash.empty() && !Hash::from_hex_string(settings.trust_hash).ok())
    return error(Code::invalid_argument, "state_sync_trust_hash must be 64 hex digits (a block hash)");
  if (context.peers.empty()) return error(Code::invalid_argument, "state sync needs at least one peer (`peers`)");
  StateSyncSession session(context, store);
  return session.run();
}

}  // namespace govchain::app
