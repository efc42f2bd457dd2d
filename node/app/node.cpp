#include "app/node.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <set>

#include "app/dev_setup.h"
#include "crypto/key_file.h"
#include "crypto/schnorr.h"
#include "storage/leveldb_store.h"

namespace govchain::app {

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

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
  chain::Block block;
  block.header.chain_id = genesis_.chain_id;
  block.header.height = 0;
  block.header.time_ms = genesis_.genesis_time_ms;
  block.header.state_root = root;
  block.header.validator_set_hash = chain::validator_set_hash(chain::validator_keys(genesis_));
  spdlog::info("created genesis of chain {} with {} contracts (state root {})", genesis_.chain_id,
               genesis_.contracts.size(), root.hex());
  return commit_block(std::move(block), {}, batch);
}

Status Node::commit_block(chain::Block block, std::vector<chain::Receipt> receipts, storage::WriteBatch& batch) {
  Hash hash = chain::block_hash(block.header);
  chain::CommitCertificate commit;
  commit.height = block.header.height;
  commit.block_hash = hash;
  Hash sign_hash = chain::commit_sign_hash(genesis_.chain_id, block.header.height, 0, hash);
  commit.signatures.push_back({validator_key_.public_key, crypto::sign(validator_key_.secret, sign_hash.view())});
  return store_block(block, commit, receipts, batch);
}

Status Node::store_block(const chain::Block& block, const chain::CommitCertificate& commit,
                         const std::vector<chain::Receipt>& receipts, storage::WriteBatch& batch) {
  Hash hash = chain::block_hash(block.header);
  int64_t write_started_ms = steady_ms();
  GOVCHAIN_TRY(blocks_->commit(block, commit, receipts, batch));
  spdlog::debug("block {}: wrote {} operations, {} bytes in {} ms", block.header.height, batch.operation_count(),
                batch.size_bytes(), steady_ms() - write_started_ms);
  {
    std::lock_guard lock(head_mutex_);
    head_ = {block.header.height, hash, block.header.state_root, block.header.time_ms};
  }
  mempool_->remove_committed(block.txs, *committed_);
  int64_t broadcast_started_ms = steady_ms();
  if (server_) server_->broadcast(rpc::block_event_json(block, receipts));
  spdlog::debug("block {}: mempool and event broadcast {} ms", block.header.height, steady_ms() - broadcast_started_ms);
  if (metrics_) {
    if (auto gauge = metrics_->gauge("govchain_height", "Height of the latest committed block"); gauge.ok())
      (*gauge)->Set(static_cast<double>(block.header.height));
    if (auto counter = metrics_->counter("govchain_txs_committed_total", "Transactions committed"); counter.ok())
      (*counter)->Increment(static_cast<double>(block.txs.size()));
    if (auto gauge = metrics_->gauge("govchain_mempool_txs", "Transactions waiting in the mempool"); gauge.ok())
      (*gauge)->Set(static_cast<double>(mempool_->size()));
  }
  return Status();
}

Status Node::check_imported_block(const chain::Block& block, const chain::CommitCertificate& commit,
                                  const rpc::ChainHead& parent) const {
  const chain::Header& header = block.header;
  const std::string at = "imported block " + std::to_string(header.height) + ": ";
  if (header.chain_id != genesis_.chain_id)
    return error(Code::wrong_chain, at + "is of chain '" + header.chain_id + "'");
  if (header.height != parent.height + 1 || header.previous_hash != parent.block_hash)
    return error(Code::invalid, at + "does not follow this node's head at height " + std::to_string(parent.height));
  if (header.txs_root != chain::txs_root(block.txs)) return error(Code::corruption, at + "wrong transactions root");
  std::vector<PublicKey> validators = chain::validator_keys(genesis_);
  if (header.validator_set_hash != chain::validator_set_hash(validators))
    return error(Code::invalid, at + "names a validator set other than the genesis one");
  Hash hash = chain::block_hash(header);
  if (commit.height != header.height || commit.block_hash != hash)
    return error(Code::invalid, at + "its commit certificate is for another block");
  Hash signed_hash = chain::commit_sign_hash(genesis_.chain_id, commit.height, commit.round, hash);
  std::set<PublicKey> members(validators.begin(), validators.end()), signers;
  for (const auto& entry : commit.signatures) {
    if (!members.contains(entry.validator) || signers.contains(entry.validator)) continue;
    if (!crypto::verify(entry.validator, signed_hash.view(), entry.signature))
      return error(Code::bad_signature, at + "a commit signature does not verify");
    signers.insert(entry.validator);
  }
  if (3 * signers.size() <= 2 * members.size())
    return error(Code::unauthorized, at + "signed by " + std::to_string(signers.size()) + " of " +
                                         std::to_string(members.size()) + " validators; more than two thirds needed");
  return Status();
}

Status Node::import_block(const chain::Block& block, const chain::CommitCertificate& commit) {
  std::lock_guard production(production_mutex_);
  rpc::ChainHead parent = head();
  GOVCHAIN_TRY(check_imported_block(block, commit, parent));
  const chain::Header& header = block.header;
  execution::BlockContext context{genesis_.chain_id, header.height, header.time_ms, header.proposer};
  execution::Overlay overlay(*committed_);
  std::vector<chain::Receipt> receipts;
  for (uint32_t index = 0; index < block.txs.size(); ++index) {
    const chain::Tx& tx = block.txs[index];
    auto receipt = executor_->execute_tx(overlay, tx, chain::encode_tx(tx).size(), context, index);
    if (!receipt.ok())
      return receipt.status().with_context("imported block " + std::to_string(header.height) + " transaction " +
                                           std::to_string(index));
    receipts.push_back(std::move(*receipt));
  }
  storage::WriteBatch batch;
  GOVCHAIN_ASSIGN_OR_RETURN(Hash root, state_->apply(parent.state_root, to_state_changes(overlay.changes()), batch));
  if (root != header.state_root)
    return error(Code::corruption, "imported block " + std::to_string(header.height) + ": executed here, state root " +
                                       root.hex() + " differs from the header's " + header.state_root.hex());
  if (chain::receipts_root(receipts) != header.receipts_root)
    return error(Code::corruption, "imported block " + std::to_string(header.height) +
                                       ": the receipts executed here differ from the header's receipts root");
  return store_block(block, commit, receipts, batch);
}

int64_t Node::next_block_time_ms() const {
  std::lock_guard lock(head_mutex_);
  return std::max(now_ms(), head_.time_ms + 1);
}

Status Node::produce_block() {
  std::lock_guard production(production_mutex_);
  const chain::Parameters& parameters = genesis_.parameters;
  int64_t started_ms = steady_ms();
  auto pending = mempool_->select(parameters.block_txs_max, parameters.block_size_bytes_max, *committed_);
  if (pending.empty()) return Status();
  int64_t selected_ms = steady_ms();
  rpc::ChainHead parent = head();
  chain::Block block;
  block.header.chain_id = genesis_.chain_id;
  block.header.height = parent.height + 1;
  block.header.time_ms = next_block_time_ms();
  block.header.previous_hash = parent.block_hash;
  block.header.proposer = validator_key_.public_key;
  block.header.validator_set_hash = chain::validator_set_hash(chain::validator_keys(genesis_));
  GOVCHAIN_ASSIGN_OR_RETURN(block.header.last_commit, blocks_->commit_certificate(parent.height));
  execution::BlockContext context{genesis_.chain_id, block.header.height, block.header.time_ms,
                                  block.header.proposer};
  execution::Overlay overlay(*committed_);
  std::vector<chain::Receipt> receipts;
  std::vector<chain::Tx> rejected;
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
    block.txs.push_back(std::move(entry.tx));
    receipts.push_back(std::move(*receipt));
  }
  if (!rejected.empty()) mempool_->remove_committed(rejected, *committed_);
  if (block.txs.empty()) return Status();
  int64_t executed_ms = steady_ms();
  storage::WriteBatch batch;
  auto changes = to_state_changes(overlay.changes());
  GOVCHAIN_ASSIGN_OR_RETURN(block.header.state_root, state_->apply(parent.state_root, changes, batch));
  int64_t applied_ms = steady_ms();
  block.header.txs_root = chain::txs_root(block.txs);
  block.header.receipts_root = chain::receipts_root(receipts);
  size_t tx_count = block.txs.size();
  uint64_t height = block.header.height;
  GOVCHAIN_TRY(commit_block(std::move(block), std::move(receipts), batch));
  spdlog::debug("committed block {} with {} transactions: select {} ms, execute {} ms, state {} ms, commit {} ms",
                height, tx_count, selected_ms - started_ms, executed_ms - selected_ms, applied_ms - executed_ms,
                steady_ms() - applied_ms);
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
  GOVCHAIN_TRY(server_->start());
  producer_ = std::thread([this] { production_loop(); });
  spdlog::info("serving the HTTP API on port {}", server_->port());
  return Status();
}

void Node::stop() {
  if (stopping_.exchange(true)) return;
  {
    std::lock_guard lock(wake_mutex_);
    wake_.notify_all();
  }
  if (producer_.joinable()) producer_.join();
  if (server_) server_->stop();
  if (store_) (void)store_->close();
}

rpc::ChainHead Node::head() const {
  std::lock_guard lock(head_mutex_);
  return head_;
}

Status Node::submit(chain::Tx tx, const Hash& hash, size_t size_bytes) {
  GOVCHAIN_TRY(mempool_->add(std::move(tx), hash, size_bytes, *committed_));
  {
    std::lock_guard lock(wake_mutex_);
    work_waiting_ = true;
  }
  wake_.notify_one();
  return Status();
}

Result<rpc::ProvenState> Node::prove(ByteView key) const {
  rpc::ChainHead at = head();
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
