#include "app/node.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "app/dev_setup.h"
#include "consensus/certificate.h"
#include "crypto/key_file.h"
#include "crypto/schnorr.h"
#include "storage/leveldb_store.h"
#include "execution/evidence.h"
#include "execution/validator_governance.h"
#include "rpc/node_readiness.h"
#include "sync/protocol.h"
#include "rpc/verification_routes.h"

namespace govchain::app {

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Gas a validator's evidence report may use: the base cost, its bytes and
// the verification, with room to spare.
constexpr uint64_t evidence_report_gas_limit = 200'000;

// Committed blocks whose event waits to be built and broadcast, at most;
// beyond it committing waits for the event worker.
constexpr size_t block_events_queued_max = 64;

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Committed state as the executor sees it: the latest values of the tree.
class LatestState : public execution::StateReader {
 public:
  explicit LatestState(const state::StateTree& tree) : tree_(tree) {}
  Result<std::optional<Bytes>> get(ByteView key) const override { return tree_.get_latest(key); }

 private:
  const state::StateTree& tree_;
};

// The state as it was after some earlier block.
class StateAtRoot : public execution::StateReader {
 public:
  StateAtRoot(const state::StateTree& tree, const Hash& root) : tree_(tree), root_(root) {}
  Result<std::optional<Bytes>> get(ByteView key) const override { return tree_.get_at(root_, key); }

 private:
  const state::StateTree& tree_;
  Hash root_;
};

std::vector<state::StateChange> to_state_changes(const std::vector<execution::StateChange>& changes) {
  std::vector<state::StateChange> out;
  out.reserve(changes.size());
  for (const auto& change : changes) out.push_back({change.key, change.value});
  return out;
}

}  // namespace

Result<std::unique_ptr<Node>> Node::open(NodeConfig config, std::unique_ptr<execution::ContractHost> contracts) {
  std::unique_ptr<Node> node(new Node());
  if (config.genesis_path.empty()) config.genesis_path = config.data_dir / "genesis.json";
  if (config.validator_key_path.empty()) config.validator_key_path = config.data_dir / "keys" / "validator.json";
  node->config_ = config;
  GOVCHAIN_ASSIGN_OR_RETURN(std::string genesis_text, read_text_file(config.genesis_path));
  GOVCHAIN_ASSIGN_OR_RETURN(node->genesis_, chain::parse_genesis(genesis_text));
  GOVCHAIN_ASSIGN_OR_RETURN(std::string key_text, read_text_file(config.validator_key_path));
  auto key = crypto::decode_key_file(key_text, config.key_passphrase, {.allow_dev_plaintext = config.dev});
  if (!key.ok()) return key.status().with_context(config.validator_key_path.string());
  node->validator_key_ = *key;
  GOVCHAIN_ASSIGN_OR_RETURN(node->store_, storage::open_leveldb_store(config.data_dir / "db"));
  node->state_ = std::make_unique<state::StateTree>(*node->store_);
  node->blocks_ = std::make_unique<chain::BlockStore>(*node->store_);
  node->contracts_ = std::move(contracts);
  node->executor_ = std::make_unique<execution::Executor>(node->genesis_.chain_id, node->genesis_.parameters,
                                                          node->contracts_.get());
  node->committed_ = std::make_unique<LatestState>(*node->state_);
  node->mempool_ = std::make_unique<mempool::Mempool>(*node->executor_, config.mempool);
  GOVCHAIN_TRY(node->load_or_create_genesis_block());
  GOVCHAIN_TRY(node->load_validator_sets());
  if (node->consensus_mode() && !node->next_validators_.set.contains(node->validator_key_.public_key))
    spdlog::warn("the key in {} is not in the validator set at height {}: this node follows the chain without "
                 "voting, and validators refuse its connections unless they admit its key (an approved "
                 "validator addition, or their observer list)",
                 config.validator_key_path.string(), node->head_.height + 1);
  return node;
}

Node::~Node() { stop(); }

Status Node::load_or_create_genesis_block() {
  GOVCHAIN_ASSIGN_OR_RETURN(auto latest, blocks_->latest_height());
  if (latest.has_value()) {
    GOVCHAIN_ASSIGN_OR_RETURN(chain::Block block, blocks_->block(*latest));
    GOVCHAIN_ASSIGN_OR_RETURN(Hash stored_root, state_->latest_root());
    if (stored_root != block.header.state_root)
      return error(Code::corruption, "state root on disk " + stored_root.hex() + " differs from block " +
                                         std::to_string(*latest) + "'s " + block.header.state_root.hex());
    if (block.header.chain_id != genesis_.chain_id)
      return error(Code::invalid, "the data directory holds chain '" + block.header.chain_id +
                                      "' but the genesis file is for '" + genesis_.chain_id + "'");
    head_ = {*latest, chain::block_hash(block.header), block.header.state_root, block.header.time_ms};
    spdlog::info("resumed chain {} at height {} (state root {})", genesis_.chain_id, *latest, stored_root.hex());
    return Status();
  }
  execution::EmptyState empty;
  execution::Overlay overlay(empty);
  GOVCHAIN_TRY(executor_->apply_genesis(overlay, genesis_));
  storage::WriteBatch batch;
  auto changes = to_state_changes(overlay.changes());
  GOVCHAIN_ASSIGN_OR_RETURN(Hash root, state_->apply(state::StateTree::empty_root(), changes, batch));
  ExecutedBlock genesis_block;
  genesis_block.block.header.chain_id = genesis_.chain_id;
  genesis_block.block.header.height = 0;
  genesis_block.block.header.time_ms = genesis_.genesis_time_ms;
  genesis_block.block.header.state_root = root;
  genesis_block.block.header.validator_set_hash = chain::validator_set_hash(chain::validator_keys(genesis_));
  genesis_block.block_hash = chain::block_hash(genesis_block.block.header);
  genesis_block.batch = std::move(batch);
  spdlog::info("created genesis of chain {} with {} contracts (state root {})", genesis_.chain_id,
               genesis_.contracts.size(), root.hex());
  // Block 0 follows from the genesis file alone; under consensus nobody
  // signs it, and its certificate is empty (it is checked by hash).
  chain::CommitCertificate commit{0, 0, genesis_block.block_hash, {}};
  if (!consensus_mode()) commit = sign_own_commit(genesis_block.block_hash, 0);
  return commit_executed(std::move(genesis_block), commit);
}

Result<Node::ValidatorSetAt> Node::load_validator_set(const execution::StateReader& state) {
  ValidatorSetAt loaded;
  GOVCHAIN_ASSIGN_OR_RETURN(loaded.keys, execution::read_validators(state));
  GOVCHAIN_ASSIGN_OR_RETURN(loaded.set, consensus::ValidatorSet::create(loaded.keys));
  loaded.hash = chain::validator_set_hash(loaded.keys);
  return loaded;
}

// The set for head + 1 is in the head's state; the set that signed the
// head's certificate is in the state of the block before it.
Status Node::load_validator_sets() {
  GOVCHAIN_ASSIGN_OR_RETURN(ValidatorSetAt next, load_validator_set(*committed_));
  ValidatorSetAt at_head = next;
  if (head_.height > 0) {
    GOVCHAIN_ASSIGN_OR_RETURN(chain::Block parent, blocks_->block(head_.height - 1));
    StateAtRoot parent_state(*state_, parent.header.state_root);
    GOVCHAIN_ASSIGN_OR_RETURN(at_head, load_validator_set(parent_state));
  }
  std::lock_guard lock(head_mutex_);
  next_validators_ = std::move(next);
  head_validators_ = std::move(at_head);
  return Status();
}

Node::ValidatorSetAt Node::next_validators() const {
  std::lock_guard lock(head_mutex_);
  return next_validators_;
}

std::vector<PublicKey> Node::validators() const { return next_validators().keys; }

std::vector<PublicKey> Node::admitted_node_keys() const {
  auto keys = execution::read_admitted_node_keys(*committed_);
  if (keys.ok()) return *keys;
  spdlog::error("cannot read the admitted node keys from state: {}", keys.status().to_string());
  return validators();
}

chain::CommitCertificate Node::sign_own_commit(const Hash& block_hash, uint64_t height) const {
  chain::CommitCertificate commit{height, 0, block_hash, {}};
  Hash sign_hash = chain::commit_sign_hash(genesis_.chain_id, height, 0, block_hash, validator_key_.public_key);
  commit.signatures.push_back({validator_key_.public_key, crypto::sign(validator_key_.secret, sign_hash.view())});
  return commit;
}

Status Node::check_header(const chain::Header& header) const {
  rpc::ChainHead parent;
  ValidatorSetAt deciding;
  ValidatorSetAt parent_signers;
  {
    std::lock_guard lock(head_mutex_);
    parent = head_;
    deciding = next_validators_;
    parent_signers = head_validators_;
  }
  auto invalid = [&](const std::string& why) {
    return error(Code::invalid, "block " + std::to_string(header.height) + ": " + why);
  };
  if (header.chain_id != genesis_.chain_id) return invalid("is for chain '" + header.chain_id + "'");
  if (header.height != parent.height + 1)
    return invalid("does not follow the head at height " + std::to_string(parent.height));
  if (header.previous_hash != parent.block_hash) return invalid("does not link to the head " + parent.block_hash.hex());
  if (header.time_ms <= parent.time_ms) return invalid("its time is not after its parent's");
  if (!deciding.set.contains(header.proposer)) return invalid("its proposer is not a validator");
  if (header.validator_set_hash != deciding.hash) return invalid("names another validator set");
  const chain::CommitCertificate& last = header.last_commit;
  if (last.height != parent.height || last.block_hash != parent.block_hash)
    return invalid("carries a certificate for another block than its parent");
  // Block 0 follows from the genesis file; its hash, checked above, is all
  // that a certificate for it can say.
  if (parent.height == 0) return Status();
  // The head's hash and height are all the certificate check needs; no read
  // of the parent block.
  Status certified = consensus::verify_commit_certificate(sync::to_consensus_certificate(last), genesis_.chain_id,
                                                          parent.height, parent.block_hash, parent_signers.set);
  if (!certified.ok()) return invalid("its parent's certificate does not verify: " + certified.to_string());
  return Status();
}

Result<uint64_t> Node::execute_txs(chain::Block& block, const std::vector<Hash>& tx_hashes, execution::Overlay& overlay,
                                   std::vector<chain::Receipt>& receipts, bool verify_signatures) const {
  const chain::Parameters& parameters = genesis_.parameters;
  execution::BlockContext context{genesis_.chain_id, block.header.height, block.header.time_ms, block.header.proposer};
  if (block.txs.size() > parameters.block_txs_max)
    return error(Code::invalid, "block has " + std::to_string(block.txs.size()) + " transactions, limit is " +
                                    std::to_string(parameters.block_txs_max));
  uint64_t gas_total = 0;
  uint64_t size_total = 0;
  for (uint32_t index = 0; index < block.txs.size(); ++index) {
    const chain::Tx& tx = block.txs[index];
    size_t size_bytes = chain::encode_tx(tx).size();
    size_total += size_bytes;
    if (size_total > parameters.block_size_bytes_max)
      return error(Code::invalid, "block transactions exceed " + std::to_string(parameters.block_size_bytes_max) + " bytes");
    if (verify_signatures && !mempool_->contains_signed(tx_hashes[index], tx.signature)) {
      Status checked = chain::check_tx_stateless(tx, genesis_.chain_id, size_bytes);
      if (!checked.ok()) return checked.with_context("transaction " + std::to_string(index));
    }
    if (gas_total + tx.gas_limit > parameters.gas_per_block_max)
      return error(Code::invalid, "block gas limits exceed " + std::to_string(parameters.gas_per_block_max));
    auto receipt = executor_->execute_tx(overlay, tx, size_bytes, context, index);
    if (!receipt.ok()) return receipt.status().with_context("transaction " + std::to_string(index));
    gas_total += receipt->gas_used;
    receipts.push_back(std::move(*receipt));
  }
  return gas_total;
}

Result<ExecutedBlock> Node::finish_block(chain::Block block, std::vector<chain::Receipt> receipts,
                                         execution::Overlay& overlay, const Hash& txs_root) {
  execution::BlockContext context{genesis_.chain_id, block.header.height, block.header.time_ms, block.header.proposer};
  GOVCHAIN_ASSIGN_OR_RETURN(std::vector<uint64_t> applied, executor_->end_block(overlay, context));
  for (uint64_t id : applied)
    spdlog::info("block {}: validator proposal {} takes effect; the changed set decides block {} on", context.height,
                 id, context.height + 1);
  ExecutedBlock executed;
  auto changes = to_state_changes(overlay.changes());
  GOVCHAIN_ASSIGN_OR_RETURN(Hash root, state_->apply(head().state_root, changes, executed.batch));
  executed.block = std::move(block);
  executed.block.header.state_root = root;
  executed.block.header.txs_root = txs_root;
  executed.block.header.receipts_root = chain::receipts_root(receipts);
  executed.block_hash = chain::block_hash(executed.block.header);
  executed.receipts = std::move(receipts);
  return executed;
}

Result<ExecutedBlock> Node::build_block(int64_t time_ms, const PublicKey& proposer,
                                        const chain::CommitCertificate& last_commit) {
  const chain::Parameters& parameters = genesis_.parameters;
  int64_t select_started_ms = steady_ms();
  auto pending = mempool_->select(parameters.block_txs_max, parameters.block_size_bytes_max, *committed_);
  int64_t execute_started_ms = steady_ms();
  rpc::ChainHead parent = head();
  chain::Block block;
  block.header.chain_id = genesis_.chain_id;
  block.header.height = parent.height + 1;
  block.header.time_ms = time_ms;
  block.header.previous_hash = parent.block_hash;
  block.header.proposer = proposer;
  block.header.validator_set_hash = next_validators().hash;
  block.header.last_commit = last_commit;
  execution::BlockContext context{genesis_.chain_id, block.header.height, block.header.time_ms, proposer};
  execution::Overlay overlay(*committed_);
  std::vector<chain::Receipt> receipts;
  std::vector<chain::Tx> rejected;
  std::vector<Hash> tx_hashes;  // hashed on admission; not hashed again for the root
  block.txs.reserve(pending.size());
  receipts.reserve(pending.size());
  tx_hashes.reserve(pending.size());
  uint64_t gas_total = 0;
  for (auto& entry : pending) {
    if (gas_total + entry.tx.gas_limit > parameters.gas_per_block_max) break;
    auto receipt = executor_->execute_tx(overlay, entry.tx, entry.size_bytes, context,
                                         static_cast<uint32_t>(block.txs.size()));
    if (!receipt.ok()) {
      spdlog::warn("dropping transaction {}: {}", entry.hash.hex(), receipt.status().to_string());
      rejected.push_back(entry.tx);
      continue;
    }
    gas_total += receipt->gas_used;
    tx_hashes.push_back(entry.hash);
    block.txs.push_back(std::move(entry.tx));
    receipts.push_back(std::move(*receipt));
  }
  if (!rejected.empty()) mempool_->remove_committed(rejected, *committed_);
  int64_t finish_started_ms = steady_ms();
  auto finished = finish_block(std::move(block), std::move(receipts), overlay, chain::merkle_root(tx_hashes));
  spdlog::debug("built block {} of {} transactions: select {} ms, execute {} ms, state tree and roots {} ms",
                parent.height + 1, tx_hashes.size(), execute_started_ms - select_started_ms,
                finish_started_ms - execute_started_ms, steady_ms() - finish_started_ms);
  return finished;
}

Result<ExecutedBlock> Node::execute_block(chain::Block block) {
  GOVCHAIN_TRY(check_header(block.header));
  // Each transaction is hashed once, for the root and the mempool lookup.
  std::vector<Hash> tx_hashes;
  tx_hashes.reserve(block.txs.size());
  for (const auto& tx : block.txs) tx_hashes.push_back(chain::tx_hash(tx));
  if (block.header.txs_root != chain::merkle_root(tx_hashes))
    return error(Code::invalid, "block " + std::to_string(block.header.height) + " has a wrong transactions root");
  chain::Header claimed = block.header;
  execution::Overlay overlay(*committed_);
  std::vector<chain::Receipt> receipts;
  auto executed_txs = execute_txs(block, tx_hashes, overlay, receipts, true);
  if (!executed_txs.ok())
    return error(Code::invalid, "block " + std::to_string(claimed.height) + ": " + executed_txs.status().to_string());
  int64_t finish_started_ms = steady_ms();
  GOVCHAIN_ASSIGN_OR_RETURN(ExecutedBlock executed, finish_block(std::move(block), std::move(receipts), overlay, claimed.txs_root));
  spdlog::debug("block {}: state tree and roots {} ms", claimed.height, steady_ms() - finish_started_ms);
  if (executed.block.header.state_root != claimed.state_root)
    return error(Code::invalid, "block " + std::to_string(claimed.height) + " claims state root " +
                                    claimed.state_root.hex() + ", executing it gives " +
                                    executed.block.header.state_root.hex());
  if (executed.block.header.receipts_root != claimed.receipts_root)
    return error(Code::invalid, "block " + std::to_string(claimed.height) + " claims other receipts than executing it gives");
  if (executed.block.header != claimed) return error(Code::invalid, "block header differs after execution");
  return executed;
}

Status Node::commit_executed(ExecutedBlock executed, const chain::CommitCertificate& commit) {
  const chain::Block& block = executed.block;
  int64_t write_started_ms = steady_ms();
  GOVCHAIN_TRY(blocks_->commit(block, commit, executed.receipts, executed.batch));
  spdlog::debug("block {}: wrote {} operations, {} bytes in {} ms", block.header.height,
                executed.batch.operation_count(), executed.batch.size_bytes(), steady_ms() - write_started_ms);
  GOVCHAIN_ASSIGN_OR_RETURN(ValidatorSetAt next, load_validator_set(*committed_));
  {
    std::lock_guard lock(head_mutex_);
    head_ = {block.header.height, executed.block_hash, block.header.state_root, block.header.time_ms};
    if (next.hash != next_validators_.hash)
      spdlog::info("validator set changes: {} validators decide block {} on", next.keys.size(), block.header.height + 1);
    head_validators_ = std::move(next_validators_);
    next_validators_ = std::move(next);
  }
  int64_t prune_started_ms = steady_ms();
  mempool_->remove_committed(block.txs, *committed_);
  spdlog::debug("block {}: mempool pruned in {} ms", block.header.height, steady_ms() - prune_started_ms);
  publish_block_event(block.header, block.txs.size(), std::move(executed.receipts));
  if (metrics_) {
    if (auto gauge = metrics_->gauge("govchain_height", "Height of the latest committed block"); gauge.ok())
      (*gauge)->Set(static_cast<double>(block.header.height));
    if (auto counter = metrics_->counter("govchain_txs_committed_total", "Transactions committed"); counter.ok())
      (*counter)->Increment(static_cast<double>(block.txs.size()));
    if (auto gauge = metrics_->gauge("govchain_mempool_txs", "Transactions waiting in the mempool"); gauge.ok())
      (*gauge)->Set(static_cast<double>(mempool_->size()));
    if (auto gauge = metrics_->gauge("govchain_mempool_txs_max", "Waiting transactions at most (mempool_txs_max)");
        gauge.ok())
      (*gauge)->Set(static_cast<double>(config_.mempool.txs_max));
  }
  return Status();
}

void Node::publish_block_event(const chain::Header& header, size_t tx_count, std::vector<chain::Receipt> receipts) {
  if (!server_ || !event_worker_) return;
  // The event text (thousands of receipts as JSON) is built on the event
  // worker, in commit order, so that committing does not wait for it.
  auto shared_receipts = std::make_shared<const std::vector<chain::Receipt>>(std::move(receipts));
  event_worker_->post([this, header, tx_count, shared_receipts] {
    // Nobody listening (most validators): no text to build.
    if (server_->subscriber_count() == 0) return;
    server_->broadcast(rpc::block_event_json(header, tx_count, *shared_receipts));
  });
}

Status Node::accept_peer_tx(ByteView encoded_tx) {
  auto tx = chain::decode_tx(encoded_tx);
  if (!tx.ok()) return tx.status();
  Hash hash = chain::tx_hash(*tx);
  // Peers relay what they accepted, so copies are common: skip the
  // signature check for a transaction that is already waiting.
  if (mempool_->contains(hash)) return error(Code::already_exists, "transaction " + hash.hex() + " is already pending");
  // A peer's transaction can arrive after a block already committed it.
  GOVCHAIN_ASSIGN_OR_RETURN(uint64_t committed_nonce, execution::read_nonce(*committed_, tx->sender));
  if (tx->nonce < committed_nonce)
    return error(Code::nonce_too_low, "transaction " + hash.hex() + " has nonce " + std::to_string(tx->nonce) +
                                          ", already committed up to " + std::to_string(committed_nonce));
  GOVCHAIN_TRY(chain::check_tx_stateless(*tx, genesis_.chain_id, encoded_tx.size()));
  GOVCHAIN_TRY(mempool_->add(std::move(*tx), hash, encoded_tx.size(), *committed_));
  if (driver_) driver_->notify_txs_waiting();
  return Status();
}

Status Node::import_block(const chain::Block& block, const chain::CommitCertificate& commit) {
  std::lock_guard production(production_mutex_);
  const std::string at = "imported block " + std::to_string(block.header.height) + ": ";
  if (block.header.chain_id != genesis_.chain_id)
    return error(Code::wrong_chain, at + "is of chain '" + block.header.chain_id + "'");
  rpc::ChainHead parent = head();
  if (block.header.height != parent.height + 1 || block.header.previous_hash != parent.block_hash)
    return error(Code::invalid, at + "does not follow this node's head at height " + std::to_string(parent.height));
  Status certified = sync::verify_block_commit(block.header, commit, next_validators().set);
  if (!certified.ok()) return certified.with_context(at + "its commit certificate");
  auto executed = execute_block(block);
  if (!executed.ok()) return error(Code::corruption, at + executed.status().message());
  return commit_executed(std::move(*executed), commit);
}

void Node::report_evidence(ByteView evidence) {
  if (!next_validators().set.contains(validator_key_.public_key)) return;
  Hash hash = execution::evidence_hash(evidence);
  auto recorded = execution::read_evidence(*committed_, hash);
  if (recorded.ok() && recorded->has_value()) return;
  auto nonce = pending_nonce(validator_key_.public_key);
  if (!nonce.ok()) {
    spdlog::warn("cannot report evidence {}: {}", hash.hex(), nonce.status().to_string());
    return;
  }
  chain::Tx tx;
  tx.chain_id = genesis_.chain_id;
  tx.sender = validator_key_.public_key;
  tx.nonce = *nonce;
  tx.gas_limit = evidence_report_gas_limit;
  tx.action = chain::EvidenceReport{Bytes(evidence.begin(), evidence.end())};
  chain::sign_tx(tx, validator_key_.secret);
  Hash tx_hash = chain::tx_hash(tx);
  size_t size_bytes = chain::encode_tx(tx).size();
  Status submitted = submit(std::move(tx), tx_hash, size_bytes);
  if (submitted.ok())
    spdlog::warn("reported evidence {} on chain in transaction {}", hash.hex(), tx_hash.hex());
  else
    spdlog::warn("cannot report evidence {}: {}", hash.hex(), submitted.to_string());
}

int64_t Node::next_block_time_ms() const {
  std::lock_guard lock(head_mutex_);
  return std::max(now_ms(), head_.time_ms + 1);
}

Status Node::produce_block() {
  std::lock_guard production(production_mutex_);
  if (mempool_->size() == 0) return Status();
  int64_t started_ms = steady_ms();
  rpc::ChainHead parent = head();
  GOVCHAIN_ASSIGN_OR_RETURN(chain::CommitCertificate last_commit, blocks_->commit_certificate(parent.height));
  GOVCHAIN_ASSIGN_OR_RETURN(ExecutedBlock executed,
                            build_block(next_block_time_ms(), validator_key_.public_key, last_commit));
  if (executed.block.txs.empty()) return Status();
  int64_t built_ms = steady_ms();
  size_t tx_count = executed.block.txs.size();
  uint64_t height = executed.block.header.height;
  chain::CommitCertificate commit = sign_own_commit(executed.block_hash, height);
  GOVCHAIN_TRY(commit_executed(std::move(executed), commit));
  spdlog::debug("committed block {} with {} transactions: build {} ms, commit {} ms", height, tx_count,
                built_ms - started_ms, steady_ms() - built_ms);
  return Status();
}

void Node::production_loop() {
  const int64_t interval_ms = static_cast<int64_t>(genesis_.parameters.block_interval_ms);
  while (!stopping_) {
    {
      std::unique_lock lock(wake_mutex_);
      wake_.wait(lock, [&] { return work_waiting_ || stopping_; });
      work_waiting_ = false;
    }
    if (stopping_) break;
    int64_t wait_ms = last_block_steady_ms_ + interval_ms - steady_ms();
    if (wait_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
    last_block_steady_ms_ = steady_ms();
    Status produced = produce_block();
    if (!produced.ok()) {
      spdlog::critical("block production failed, stopping the node to protect the data: {}", produced.to_string());
      std::exit(70);
    }
    if (mempool_->size() > 0) {
      std::lock_guard lock(wake_mutex_);
      work_waiting_ = true;
    }
  }
}

Status Node::start() {
  metrics_ = std::make_shared<rpc::Metrics>();
  server_ = std::make_unique<rpc::HttpServer>(config_.http, metrics_);
  GOVCHAIN_TRY(rpc::register_api(*server_, *this));
  // Empty blocks make a BFT chain's heartbeat; a dev chain has none.
  rpc::NodeReadinessConfig readiness{validator_key_.public_key, consensus_mode() ? config_.empty_block_interval_ms : 0,
                                     !consensus_mode()};
  GOVCHAIN_TRY(rpc::register_health_routes(*server_, std::make_shared<rpc::NodeReadiness>(*this, readiness),
                                           config_.readiness));
  GOVCHAIN_TRY(rpc::register_verification_routes(*server_, *this));
  event_worker_ = std::make_unique<SerialWorker>("block events", block_events_queued_max);
  GOVCHAIN_TRY(server_->start());
  if (consensus_mode())
    GOVCHAIN_TRY(start_consensus());
  else
    producer_ = std::thread([this] { production_loop(); });
  spdlog::info("serving the HTTP API on port {}", server_->port());
  return Status();
}

Status Node::start_consensus() {
  ConsensusDriverConfig driver;
  driver.chain_id = genesis_.chain_id;
  driver.genesis_hash = chain::genesis_hash(genesis_);
  driver.key = validator_key_;
  driver.observers = config_.observers;
  driver.wal_path = config_.data_dir / "consensus.wal";
  driver.p2p_address = config_.p2p_address;
  driver.peers = config_.peers;
  driver.empty_block_interval_ms = config_.empty_block_interval_ms;
  driver_ = std::make_unique<ConsensusDriver>(std::move(driver), *this, metrics_);
  return driver_->start();
}

std::optional<rpc::ConsensusInfo> Node::consensus_info() const {
  if (!driver_) return std::nullopt;
  ConsensusSnapshot snapshot = driver_->snapshot();
  rpc::ConsensusInfo info{snapshot.height, snapshot.round, snapshot.step, snapshot.catching_up,
                          snapshot.best_peer_height, snapshot.evidence_count, {}};
  for (const auto& peer : driver_->peers()) {
    auto height = snapshot.peer_heights.find(peer.public_key);
    info.peers.push_back({peer.public_key, peer.address, peer.connected, peer.outbound,
                          height == snapshot.peer_heights.end() ? 0 : height->second, peer.round_trip_ms,
                          peer.last_error});
  }
  return info;
}

void Node::stop() {
  if (stopping_.exchange(true)) return;
  {
    std::lock_guard lock(wake_mutex_);
    wake_.notify_all();
  }
  if (producer_.joinable()) producer_.join();
  if (driver_) driver_->stop();
  if (event_worker_) event_worker_->stop();  // publishes what is queued
  if (server_) server_->stop();
  if (store_) (void)store_->close();
}

rpc::ChainHead Node::head() const {
  std::lock_guard lock(head_mutex_);
  return head_;
}

Status Node::submit(chain::Tx tx, const Hash& hash, size_t size_bytes) {
  Bytes encoded = driver_ ? chain::encode_tx(tx) : Bytes{};
  GOVCHAIN_TRY(mempool_->add(std::move(tx), hash, size_bytes, *committed_));
  if (driver_) {
    driver_->gossip_tx(encoded);
    driver_->notify_txs_waiting();
    return Status();
  }
  {
    std::lock_guard lock(wake_mutex_);
    work_waiting_ = true;
  }
  wake_.notify_one();
  return Status();
}

Result<rpc::ProvenState> Node::prove(ByteView key, std::optional<uint64_t> height) const {
  rpc::ChainHead at = head();
  if (height && *height > at.height)
    return error(Code::not_found, "no block " + std::to_string(*height) + " yet; the head is at " +
                                      std::to_string(at.height));
  if (height && *height < at.height) {
    GOVCHAIN_ASSIGN_OR_RETURN(chain::Block block, blocks_->block(*height));
    at = {*height, chain::block_hash(block.header), block.header.state_root, block.header.time_ms};
  }
  GOVCHAIN_ASSIGN_OR_RETURN(state::ProvenValue proven, state_->prove(at.state_root, key));
  return rpc::ProvenState{std::move(proven.value), std::move(proven.proof), at};
}

Result<uint64_t> Node::next_nonce(const PublicKey& account) const {
  return execution::read_nonce(*committed_, account);
}

Result<uint64_t> Node::pending_nonce(const PublicKey& account) const {
  GOVCHAIN_ASSIGN_OR_RETURN(uint64_t committed, execution::read_nonce(*committed_, account));
  return mempool_->pending_next_nonce(account, committed);
}

Result<chain::Receipt> Node::query(const chain::ContractCall& call, const PublicKey& caller, uint64_t gas_limit) const {
  rpc::ChainHead at = head();
  execution::BlockContext context{genesis_.chain_id, at.height, at.time_ms, PublicKey{}};
  return executor_->query(*committed_, call, caller, context, gas_limit);
}

}  // namespace govchain::app
