#include "app/node.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <thread>

#include "app/backup.h"
#include "app/dev_setup.h"
#include "app/signing_guard.h"
#include "consensus/certificate.h"
#include "core/version.h"
#include "crypto/key_file.h"
#include "crypto/schnorr.h"
#include "execution/evidence.h"
#include "execution/validator_governance.h"
#include "rpc/node_readiness.h"
#include "rpc/verification_routes.h"
#include "storage/format.h"
#include "storage/leveldb_store.h"

namespace govchain::app {

namespace {

// Gas a validator's evidence report may use: the base cost, its bytes and
// the verification, with room to spare.
constexpr uint64_t evidence_report_gas_limit = 200'000;

// Committed blocks whose event waits to be built and broadcast, at most;
// beyond it committing waits for the event worker.
constexpr size_t block_events_queued_max = 64;

// Blocks of a dev chain whose synced write is queued or running, at most:
// one being written while the next executes, and one more waiting. Beyond
// it committing waits for the writer, so memory stays bounded (a block's
// batch is a few MB at most).
constexpr size_t blocks_written_in_background_max = 2;

}  // namespace

Result<std::unique_ptr<Node>> Node::open(NodeConfig config, std::unique_ptr<execution::ContractHost> contracts) {
  std::unique_ptr<Node> node(new Node());
  if (config.genesis_path.empty()) config.genesis_path = config.data_dir / "genesis.json";
  if (config.validator_key_path.empty()) config.validator_key_path = config.data_dir / "keys" / "validator.json";
  if (config.signing_state_path.empty()) config.signing_state_path = config.data_dir / signing_state_name;
  if (config.admin_socket_path.empty()) config.admin_socket_path = config.data_dir / "admin.sock";
  if (config.clock != nullptr) node->clock_ = config.clock;
  node->config_ = config;
  GOVCHAIN_ASSIGN_OR_RETURN(std::string genesis_text, read_text_file(config.genesis_path));
  GOVCHAIN_ASSIGN_OR_RETURN(node->genesis_, chain::parse_genesis(genesis_text));
  GOVCHAIN_ASSIGN_OR_RETURN(std::string key_text, read_text_file(config.validator_key_path));
  auto key = crypto::decode_key_file(key_text, config.key_passphrase, {.allow_dev_plaintext = config.dev});
  if (!key.ok()) return key.status().with_context(config.validator_key_path.string());
  node->validator_key_ = *key;
  node->signer_ = consensus::make_schnorr_signer(key->secret);
  node->contracts_ = std::move(contracts);
  GOVCHAIN_TRY(node->open_state());
  GOVCHAIN_TRY(node->state_sync_if_asked());
  GOVCHAIN_TRY(node->load_or_create_genesis_block());
  if (node->consensus_mode()) GOVCHAIN_TRY(node->check_signing_guard());
  if (!node->consensus_mode())
    node->producer_ = std::make_unique<DevBlockProducer>(*node, node->genesis_.chain_id, *node->signer_,
                                                         node->genesis_.parameters.block_interval_ms, *node->clock_);
  block::ChainTip tip = node->tip();
  if (node->consensus_mode() && !tip.next_validators.contains(node->validator_key_.public_key))
    spdlog::warn(
        "the key in {} is not in the validator set at height {}: this node follows the chain without "
        "voting, and validators refuse its connections unless they admit its key (an approved "
        "validator addition, or their observer list)",
        config.validator_key_path.string(), tip.head.height + 1);
  return node;
}

Node::~Node() { stop(); }

Status Node::open_state() {
  GOVCHAIN_ASSIGN_OR_RETURN(store_, storage::open_leveldb_store(config_.data_dir / "db"));
  GOVCHAIN_TRY(storage::check_storage_format(*store_, storage_format_version, config_.data_dir.string()));
  pipelined_ = std::make_unique<storage::PipelinedStore>(*store_, blocks_written_in_background_max);
  background_commits_ = !consensus_mode();
  state_ = std::make_unique<state::StateTree>(*pipelined_);
  blocks_ = std::make_unique<chain::BlockStore>(*pipelined_);
  durable_blocks_ = std::make_unique<chain::BlockStore>(*store_);
  if (config_.prune_blocks_keep > 0 && config_.prune_blocks_keep < chain::BlockStore::blocks_kept_min)
    return error(Code::invalid_argument, "prune_blocks_keep must be 0 (keep every block) or at least " +
                                             std::to_string(chain::BlockStore::blocks_kept_min));
  blocks_->set_blocks_kept(config_.prune_blocks_keep);
  durable_blocks_->set_blocks_kept(config_.prune_blocks_keep);
  executor_ = std::make_unique<execution::Executor>(genesis_.chain_id, genesis_.parameters, contracts_.get());
  block_executor_ = std::make_unique<block::BlockExecutor>(genesis_.chain_id, genesis_.parameters, *executor_, *state_);
  committed_ = std::make_unique<block::TreeState>(block::TreeState::latest(*state_));
  mempool_ = std::make_unique<mempool::Mempool>(*executor_, config_.mempool);
  outcomes_ = std::make_unique<mempool::TxOutcomes>(config_.outcomes);
  // One thread per core besides the HTTP worker that waits for them; a
  // few chunks of queued work per thread at most.
  const size_t cores = std::max<size_t>(1, std::thread::hardware_concurrency());
  verification_pool_ = std::make_unique<VerificationPool>(cores, cores * 4);
  return Status();
}

Status Node::state_sync_if_asked() {
  if (!config_.state_sync.enabled) return check_no_unfinished_state_sync(*store_, config_.data_dir);
  GOVCHAIN_ASSIGN_OR_RETURN(auto latest, blocks_->latest_height());
  GOVCHAIN_ASSIGN_OR_RETURN(auto unfinished, unfinished_state_sync(*store_));
  if (latest && !unfinished) {
    spdlog::info("state sync: not needed, the data folder holds blocks up to height {}", *latest);
    return Status();
  }
  if (!consensus_mode())
    return error(Code::invalid_argument, "state sync needs a network of validators (a genesis with more than one)");
  StateSyncContext context;
  context.settings = config_.state_sync;
  context.chain_id = genesis_.chain_id;
  context.genesis_hash = chain::genesis_hash(genesis_);
  GOVCHAIN_ASSIGN_OR_RETURN(context.genesis_validators,
                            consensus::ValidatorSet::create(chain::validator_keys(genesis_)));
  context.key = validator_key_;
  context.peers = config_.peers;
  context.data_dir = config_.data_dir;
  context.clock = clock_;
  GOVCHAIN_ASSIGN_OR_RETURN(StateSyncReport report, run_state_sync(context, *store_));
  spdlog::info(
      "state sync: joined at height {} (block {}, state root {}): {} pages and {} leaves checked, {} bytes from "
      "peers in {} requests, {} kept from an interrupted sync, {} peers dropped, {} ms",
      report.height, report.block_hash.hex(), report.state_root.hex(), report.pages, report.leaves,
      report.received_bytes, report.requests, report.found_locally, report.peers_dropped, report.elapsed_ms);
  return Status();
}

Result<sync::SnapshotOffer> Node::snapshot_offer(uint64_t height) const {
  const block::ChainTip current = tip();
  sync::SnapshotOffer offer;
  if (height == 0 || height == current.head.height) {
    if (current.head.height == 0) return offer;  // the genesis: every node makes it itself
    return sync::SnapshotOffer{current.head.height, current.head.block_hash, current.head_signers};
  }
  if (height > current.head.height) return offer;
  auto block = blocks_->block(height);
  auto parent = blocks_->block(height - 1);
  if (!block.ok() || !parent.ok()) return offer;  // before this node's own sync height
  GOVCHAIN_ASSIGN_OR_RETURN(consensus::ValidatorSet signers,
                            block::read_validator_set(block::TreeState(*state_, parent->header.state_root)));
  return sync::SnapshotOffer{height, chain::block_hash(block->header), std::move(signers)};
}

Result<Bytes> Node::state_record(state::RecordKind kind, const Hash& hash) const {
  return state::read_state_record(*store_, kind, hash);
}

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
    GOVCHAIN_ASSIGN_OR_RETURN(tip_, block::load_tip(*blocks_, *state_));
    durable_head_ = tip_.head;
    spdlog::info("resumed chain {} at height {} (state root {})", genesis_.chain_id, *latest, stored_root.hex());
    return Status();
  }
  GOVCHAIN_ASSIGN_OR_RETURN(block::ExecutedBlock genesis_block, block_executor_->execute_genesis(genesis_));
  // Block 0 follows from the genesis file alone; under consensus nobody
  // signs it, and its certificate is empty (it is checked by hash).
  chain::CommitCertificate commit{0, 0, genesis_block.block_hash, {}};
  if (!consensus_mode())
    commit = consensus::sign_commit_certificate(genesis_.chain_id, 0, genesis_block.block_hash, *signer_);
  GOVCHAIN_TRY(blocks_->commit(0, genesis_block.encoded, commit, {}, genesis_block.batch));
  GOVCHAIN_ASSIGN_OR_RETURN(tip_, block::genesis_tip(genesis_block.header, *committed_));
  durable_head_ = tip_.head;
  spdlog::info("created genesis of chain {} with {} contracts (state root {})", genesis_.chain_id,
               genesis_.contracts.size(), genesis_block.header.state_root.hex());
  return Status();
}

Status Node::check_signing_guard() {
  SigningGuardInput input{config_.signing_state_path,
                          config_.data_dir / "consensus.wal",
                          config_.data_dir / restore_marker_name,
                          config_.data_dir / state_sync_marker_name,
                          genesis_.chain_id,
                          validator_key_.public_key,
                          tip_.next_validators.contains(validator_key_.public_key),
                          tip_.head.height,
                          config_.allow_signing_after_restore};
  GOVCHAIN_ASSIGN_OR_RETURN(SigningGuardOutcome outcome, app::check_signing_guard(input));
  if (outcome.overridden) spdlog::warn("double-sign guard: {}", outcome.warning);
  return Status();
}

Result<Node::BackupView> Node::backup_view() const {
  // Blocks are committed under the block lock, and the tip moves with
  // them: a snapshot and the head taken together under it match.
  std::lock_guard block_lock(block_mutex_);
  // Blocks written in the background are durable, and the head follows
  // them, once the writer is idle; no new block is queued meanwhile.
  GOVCHAIN_TRY(pipelined_->drain());
  GOVCHAIN_ASSIGN_OR_RETURN(auto snapshot, store_->snapshot());
  return BackupView{std::move(snapshot), head()};
}

block::ChainTip Node::tip() const {
  std::lock_guard lock(tip_mutex_);
  return tip_;
}

chain::ChainHead Node::head() const {
  std::lock_guard lock(tip_mutex_);
  return durable_head_;
}

bool Node::is_pending(const Hash& hash) const {
  if (mempool_->contains(hash)) return true;
  std::lock_guard lock(in_flight_mutex_);
  return in_flight_.contains(hash);
}

std::vector<PublicKey> Node::validators() const {
  std::lock_guard lock(tip_mutex_);
  return tip_.next_validators.keys();
}

std::vector<PublicKey> Node::admitted_node_keys() const {
  auto keys = execution::read_admitted_node_keys(*committed_);
  if (keys.ok()) return *keys;
  spdlog::error("cannot read the admitted node keys from state: {}", keys.status().to_string());
  return validators();
}

// ---- blocks ---------------------------------------------------------------

Result<block::ExecutedBlock> Node::build_block(int64_t time_ms, const PublicKey& proposer,
                                               const chain::CommitCertificate& last_commit) {
  std::lock_guard block_lock(block_mutex_);
  const chain::Parameters& parameters = genesis_.parameters;
  const uint64_t started_ms = clock_->steady_ms();
  auto candidates = mempool_->select(parameters.block_txs_max, parameters.block_size_bytes_max, *committed_);
  const uint64_t selected_ms = clock_->steady_ms();
  GOVCHAIN_ASSIGN_OR_RETURN(block::BuiltBlock built,
                            block_executor_->build({time_ms, proposer, last_commit}, std::move(candidates), tip()));
  if (!built.dropped.empty()) drop_txs(std::move(built.dropped));
  spdlog::debug("built block {} of {} transactions: select {} ms, execute {} ms, state tree and roots {} ms",
                built.block.header.height, built.block.txs.size(), selected_ms - started_ms, built.block.execute_ms,
                built.block.state_ms);
  return std::move(built.block);
}

void Node::drop_txs(std::vector<std::pair<chain::CheckedTx, Status>> dropped) {
  std::vector<chain::CheckedTx> txs;
  txs.reserve(dropped.size());
  for (auto& [tx, reason] : dropped) {
    // The code only: the message may be a contract's abort message, which
    // may repeat the call's arguments, and logs are files.
    spdlog::info("left transaction {} of account {} out of the block: {}", tx.hash().hex(),
                 tx.tx().sender.hex().substr(0, 16), code_name(reason.code()));
    outcomes_->record_dropped(tx.hash(), tx.tx().sender, reason);
    txs.push_back(std::move(tx));
  }
  mempool_->remove_committed(txs, *committed_);
  if (!metrics_) return;
  if (auto counter = metrics_->counter("govchain_txs_dropped_total",
                                       "Transactions a block builder on this node left out (failed action, unknown "
                                       "sender, or not executable)");
      counter.ok())
    (*counter)->Increment(static_cast<double>(txs.size()));
}

Result<block::ExecutedBlock> Node::execute_block(ByteView encoded) {
  std::lock_guard block_lock(block_mutex_);
  // A transaction that waited in this mempool had its signature checked
  // on admission.
  auto executed = block_executor_->execute(encoded, tip(), [this](const Hash& hash, const Signature& signature) {
    return mempool_->contains_signed(hash, signature);
  });
  if (executed.ok())
    spdlog::debug("block {}: executed in {} ms, state tree and roots {} ms", executed->header.height,
                  executed->execute_ms, executed->state_ms);
  return executed;
}

Status Node::commit_executed(block::ExecutedBlock executed, const chain::CommitCertificate& commit) {
  std::lock_guard block_lock(block_mutex_);
  const chain::Header& header = executed.header;
  const block::ChainTip parent = tip();
  if (header.height != parent.head.height + 1 || header.previous_hash != parent.head.block_hash)
    return error(Code::internal, "block " + std::to_string(header.height) + " was executed on another head than " +
                                     "this node's (height " + std::to_string(parent.head.height) + ")");
  if (background_commits_) return commit_in_background(std::move(executed), commit, parent);
  const uint64_t write_started_ms = clock_->steady_ms();
  GOVCHAIN_TRY(blocks_->commit(header.height, executed.encoded, commit, executed.receipts, executed.batch));
  spdlog::debug("block {}: wrote {} operations, {} bytes in {} ms", header.height, executed.batch.operation_count(),
                executed.batch.size_bytes(), clock_->steady_ms() - write_started_ms);
  GOVCHAIN_ASSIGN_OR_RETURN(block::ChainTip next, block::advance_tip(parent, header, *committed_));
  for (uint64_t id : executed.applied_validator_proposals)
    spdlog::info("block {}: validator proposal {} takes effect", header.height, id);
  if (next.next_validators != parent.next_validators)
    spdlog::info("validator set changes: {} validators decide block {} on", next.next_validators.size(),
                 header.height + 1);
  {
    std::lock_guard lock(tip_mutex_);
    tip_ = std::move(next);
    durable_head_ = tip_.head;
  }
  mempool_->remove_committed(executed.txs, *committed_);
  if (events_) events_->publish(header, executed.txs.size(), std::move(executed.receipts));
  record_commit_metrics(executed.txs.size());
  return Status();
}

Status Node::commit_in_background(block::ExecutedBlock executed, const chain::CommitCertificate& commit,
                                  block::ChainTip parent) {
  const chain::Header header = executed.header;
  std::vector<Hash> tx_hashes;
  tx_hashes.reserve(executed.txs.size());
  for (const auto& tx : executed.txs) tx_hashes.push_back(tx.hash());
  {
    // Until the write is durable the transactions are neither in the
    // mempool nor committed: the API keeps calling them pending.
    std::lock_guard lock(in_flight_mutex_);
    in_flight_.insert(tx_hashes.begin(), tx_hashes.end());
  }
  GOVCHAIN_TRY(blocks_->add_to_batch(header.height, executed.encoded, commit, executed.receipts, executed.batch));
  const size_t operation_count = executed.batch.operation_count();
  const uint64_t queue_started_ms = clock_->steady_ms();
  GOVCHAIN_TRY(pipelined_->write_in_background(
      std::move(executed.batch),
      [this, header, hashes = std::move(tx_hashes), receipts = std::move(executed.receipts)](
          const Status& written) mutable { on_block_written(written, header, hashes, std::move(receipts)); }));
  // The batch is readable now: the tip's validator sets come from the state
  // after this block, and the next block executes on top of it.
  GOVCHAIN_ASSIGN_OR_RETURN(block::ChainTip next, block::advance_tip(parent, header, *committed_));
  for (uint64_t id : executed.applied_validator_proposals)
    spdlog::info("block {}: validator proposal {} takes effect", header.height, id);
  {
    std::lock_guard lock(tip_mutex_);
    tip_ = std::move(next);
  }
  mempool_->remove_committed(executed.txs, *committed_);
  spdlog::debug("block {}: queued {} operations for the background write (waited {} ms for room)", header.height,
                operation_count, clock_->steady_ms() - queue_started_ms);
  return Status();
}

void Node::on_block_written(const Status& written, const chain::Header& header, const std::vector<Hash>& tx_hashes,
                            std::vector<chain::Receipt> receipts) {
  if (!written.ok()) {
    // The blocks after it were executed on top of it: the node cannot go
    // on, and on restart it resumes from the last durable block.
    spdlog::critical("writing block {} failed, stopping the node to protect the data: {}", header.height,
                     written.to_string());
    std::exit(70);
  }
  {
    std::lock_guard lock(tip_mutex_);
    durable_head_ = chain::head_of(header);
  }
  {
    std::lock_guard lock(in_flight_mutex_);
    for (const auto& hash : tx_hashes) in_flight_.erase(hash);
  }
  spdlog::debug("block {}: durable", header.height);
  if (events_) events_->publish(header, tx_hashes.size(), std::move(receipts));
  record_commit_metrics(tx_hashes.size());
}

void Node::record_commit_metrics(size_t tx_count) {
  if (!metrics_) return;
  if (auto gauge = metrics_->gauge("govchain_height", "Height of the latest committed block"); gauge.ok())
    (*gauge)->Set(static_cast<double>(head().height));
  if (auto counter = metrics_->counter("govchain_txs_committed_total", "Transactions committed"); counter.ok())
    (*counter)->Increment(static_cast<double>(tx_count));
  if (auto gauge = metrics_->gauge("govchain_mempool_txs", "Transactions waiting in the mempool"); gauge.ok())
    (*gauge)->Set(static_cast<double>(mempool_->size()));
  // The limit beside the count lets the "mempool full" alert compare them.
  if (auto gauge = metrics_->gauge("govchain_mempool_txs_max", "Waiting transactions at most (mempool_txs_max)");
      gauge.ok())
    (*gauge)->Set(static_cast<double>(config_.mempool.txs_max));
}

Result<size_t> Node::import_block(ByteView encoded, const chain::CommitCertificate& commit) {
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Header header, chain::decode_block_header(encoded));
  const std::string at = "imported block " + std::to_string(header.height) + ": ";
  if (header.chain_id != genesis_.chain_id)
    return error(Code::wrong_chain, at + "is of chain '" + header.chain_id + "'");
  block::ChainTip parent = tip();
  if (header.height != parent.head.height + 1 || header.previous_hash != parent.head.block_hash)
    return error(Code::invalid,
                 at + "does not follow this node's head at height " + std::to_string(parent.head.height));
  Status certified = consensus::verify_commit_certificate(commit, genesis_.chain_id, header.height,
                                                          chain::block_hash(header), parent.next_validators);
  if (!certified.ok()) return certified.with_context(at + "its commit certificate");
  auto executed = execute_block(encoded);
  if (!executed.ok()) return error(Code::corruption, at + executed.status().message());
  const size_t tx_count = executed->txs.size();
  GOVCHAIN_TRY(commit_executed(std::move(*executed), commit));
  // Imported blocks are reported durable, like blocks of consensus.
  GOVCHAIN_TRY(pipelined_->drain());
  return tx_count;
}

Status Node::produce_block() {
  if (!producer_) return error(Code::invalid_argument, "blocks of a network of validators are made by consensus");
  GOVCHAIN_TRY(producer_->produce_once());
  // A block made on request is durable, and the head moved, on return.
  return pipelined_->drain();
}

// ---- transactions -----------------------------------------------------------

block::AdmissionContext Node::admission_context() const {
  return block::AdmissionContext{genesis_.chain_id,
                                 genesis_.parameters,
                                 *executor_,
                                 *committed_,
                                 clock_->wall_ms(),
                                 [this](const PublicKey& sender) { return outcomes_->check_sender(sender); },
                                 [this](const Hash& hash) { return mempool_->contains(hash); }};
}

Result<Hash> Node::admit(Bytes encoded_tx, bool from_peer) {
  GOVCHAIN_ASSIGN_OR_RETURN(chain::CheckedTx checked, block::admit_tx(std::move(encoded_tx), admission_context()));
  return add_admitted(std::move(checked), from_peer, true);
}

Result<Hash> Node::add_admitted(chain::CheckedTx checked, bool from_peer, bool wake) {
  const chain::CheckedTx kept = checked;  // shares the bytes with the mempool's copy
  GOVCHAIN_TRY(mempool_->add(std::move(checked), *committed_));
  // Peers' transactions reach the others through their own gossip.
  if (driver_ && !from_peer) driver_->gossip_tx(kept.bytes());
  if (wake) wake_block_production();
  return kept.hash();
}

void Node::wake_block_production() {
  if (driver_)
    driver_->notify_txs_waiting();
  else if (producer_)
    producer_->wake();
}

std::vector<Result<Hash>> Node::submit_batch(std::vector<Bytes> encoded_txs) {
  // The checks read committed state only, so they run in parallel; the
  // mempool then takes the admitted ones in the order sent (nonces of one
  // sender follow each other).
  block::BatchLimits batch_limits;
  const block::AdmissionContext context = batch_limits.with_limits(admission_context());
  std::vector<std::optional<Result<chain::CheckedTx>>> checked(encoded_txs.size());
  verification_pool_->run_all(encoded_txs.size(), [&](size_t index) {
    checked[index] = block::admit_tx(std::move(encoded_txs[index]), context);
  });
  std::vector<Result<Hash>> results;
  results.reserve(checked.size());
  bool any_admitted = false;
  for (auto& outcome : checked) {
    if (!outcome->ok()) {
      results.push_back(outcome->status());
      continue;
    }
    results.push_back(add_admitted(std::move(**outcome), false, false));
    any_admitted = any_admitted || results.back().ok();
  }
  if (any_admitted) wake_block_production();
  return results;
}

Result<Hash> Node::submit(Bytes encoded_tx) { return admit(std::move(encoded_tx), false); }

Status Node::accept_peer_tx(ByteView encoded_tx) {
  return admit(Bytes(encoded_tx.begin(), encoded_tx.end()), true).status();
}

void Node::report_evidence(ByteView evidence) {
  if (!tip().next_validators.contains(validator_key_.public_key)) return;
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
  auto submitted = submit(chain::encode_tx(tx));
  if (submitted.ok())
    spdlog::warn("reported evidence {} on chain in transaction {}", hash.hex(), submitted->hex());
  else
    spdlog::warn("cannot report evidence {}: {}", hash.hex(), submitted.status().to_string());
}

// ---- running ----------------------------------------------------------------

Status Node::start() {
  metrics_ = std::make_shared<rpc::Metrics>();
  rpc::HttpServerConfig api_http = config_.http;
  api_http.serve_metrics = config_.metrics_on_api_port;
  server_ = std::make_unique<rpc::HttpServer>(api_http, metrics_);
  GOVCHAIN_TRY(rpc::register_api(*server_, *this));
  // Empty blocks make a BFT chain's heartbeat; a dev chain has none.
  rpc::NodeReadinessConfig readiness{validator_key_.public_key, consensus_mode() ? config_.empty_block_interval_ms : 0,
                                     !consensus_mode()};
  GOVCHAIN_TRY(
      rpc::register_health_routes(*server_, std::make_shared<rpc::NodeReadiness>(*this, readiness), config_.readiness));
  GOVCHAIN_TRY(rpc::register_verification_routes(*server_, *this));
  events_ = std::make_unique<BlockEvents>(BlockEventSink{[this] { return server_->subscriber_count(); },
                                                         [this](const std::string& text) { server_->broadcast(text); }},
                                          block_events_queued_max);
  GOVCHAIN_TRY(server_->start());
  GOVCHAIN_TRY(start_metrics_server());
  GOVCHAIN_TRY(start_backup_server());
  if (consensus_mode()) {
    ConsensusDriverConfig driver;
    driver.chain_id = genesis_.chain_id;
    driver.genesis_hash = chain::genesis_hash(genesis_);
    driver.key = validator_key_;
    driver.observers = config_.observers;
    driver.wal_path = config_.data_dir / "consensus.wal";
    driver.signing_state_path = config_.signing_state_path;
    driver.start_markers_dir = config_.data_dir;
    driver.p2p_address = config_.p2p_address;
    driver.peers = config_.peers;
    driver.empty_block_interval_ms = config_.empty_block_interval_ms;
    driver.clock = clock_;
    driver_ = std::make_unique<ConsensusDriver>(std::move(driver), *this, metrics_);
    GOVCHAIN_TRY(driver_->start());
  } else {
    producer_->start();
  }
  spdlog::info("serving the HTTP API on port {}", server_->port());
  return Status();
}

Status Node::start_metrics_server() {
  if (config_.metrics_address.empty()) return Status();
  // A listener for the monitoring alone: few connections, no API routes.
  rpc::HttpServerConfig metrics_http;
  metrics_http.listen_address = config_.metrics_address;
  metrics_http.threads = 1;
  metrics_http.worker_threads = 1;
  metrics_http.connections_max = 16;
  metrics_http.connections_per_address_max = 8;
  metrics_http.cors_allowed_origins = {};
  metrics_server_ = std::make_unique<rpc::HttpServer>(metrics_http, metrics_);
  Status started = metrics_server_->start();
  if (!started.ok()) return started.with_context("metrics_addr " + config_.metrics_address);
  spdlog::info("serving /metrics on port {}", metrics_server_->port());
  return Status();
}

Status Node::start_backup_server() {
  auto open_view = [this]() -> Result<BackupServer::View> {
    GOVCHAIN_ASSIGN_OR_RETURN(BackupView view, backup_view());
    BackupHead head{genesis_.chain_id,    chain::genesis_hash(genesis_), view.head.height,
                    view.head.block_hash, view.head.state_root,          storage_format_version};
    return BackupServer::View{std::move(view.snapshot), head};
  };
  GOVCHAIN_ASSIGN_OR_RETURN(backup_server_, BackupServer::start(config_.admin_socket_path, open_view));
  return Status();
}

std::optional<rpc::ConsensusInfo> Node::consensus_info() const {
  if (!driver_) return std::nullopt;
  ConsensusSnapshot snapshot = driver_->snapshot();
  rpc::ConsensusInfo info{snapshot.height,
                          snapshot.round,
                          snapshot.step,
                          snapshot.catching_up,
                          snapshot.best_peer_height,
                          snapshot.evidence_count,
                          {}};
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
  if (producer_) producer_->stop();
  if (driver_) driver_->stop();
  // Writes what the producer queued; its events are published below.
  if (pipelined_) {
    Status drained = pipelined_->close();
    if (!drained.ok()) spdlog::error("writing the last blocks failed: {}", drained.to_string());
  }
  if (events_) events_->stop();                // publishes what is queued
  if (backup_server_) backup_server_->stop();  // releases its snapshot before the store closes
  if (metrics_server_) metrics_server_->stop();
  if (server_) server_->stop();
  if (store_) (void)store_->close();
}

// ---- reads ------------------------------------------------------------------

std::unique_ptr<execution::StateReader> Node::state_at(const chain::ChainHead& at) const {
  return std::make_unique<block::TreeState>(*state_, at.state_root);
}

Result<rpc::ProvenState> Node::prove(ByteView key, std::optional<uint64_t> height) const {
  chain::ChainHead at = head();
  if (height && *height > at.height)
    return error(Code::not_found,
                 "no block " + std::to_string(*height) + " yet; the head is at " + std::to_string(at.height));
  if (height && *height < at.height) {
    GOVCHAIN_ASSIGN_OR_RETURN(chain::Block block, blocks_->block(*height));
    at = chain::head_of(block.header);
  }
  GOVCHAIN_ASSIGN_OR_RETURN(state::ProvenValue proven, state_->prove(at.state_root, key));
  return rpc::ProvenState{std::move(proven.value), std::move(proven.proof), at};
}

Result<uint64_t> Node::next_nonce(const PublicKey& account) const {
  // The durable head's state, read through the tree at its root: blocks
  // still being written are not reported.
  block::TreeState durable(*state_, head().state_root);
  return execution::read_nonce(durable, account);
}

Result<uint64_t> Node::pending_nonce(const PublicKey& account) const {
  GOVCHAIN_ASSIGN_OR_RETURN(uint64_t committed, execution::read_nonce(*committed_, account));
  return mempool_->pending_next_nonce(account, committed);
}

Result<chain::Receipt> Node::query(const chain::ContractCall& call, const PublicKey& caller, uint64_t gas_limit) const {
  chain::ChainHead at = head();
  execution::BlockContext context{genesis_.chain_id, at.height, at.time_ms, PublicKey{}};
  block::TreeState durable(*state_, at.state_root);
  return executor_->query(durable, call, caller, context, gas_limit);
}

}  // namespace govchain::app
