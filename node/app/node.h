// Node: one govchain node process — storage, state, execution, mempool,
// block production and the HTTP API, wired together.
//
// The roles live in their own units and the node connects them:
//  - blocks are built, executed and checked by block::BlockExecutor, on
//    top of the node's chain tip (head and validator sets, block/
//    chain_tip.h), and committed here with their certificate in one synced
//    batch. On a dev chain that batch is written in the background
//    (storage/pipelined_store.h) while the next block executes on top of
//    it; the API's head, receipts, blocks and events follow only once the
//    write is durable (docs/benchmarks.md, "Dev node throughput");
//  - transactions enter through block::admit_tx, from the API and from
//    peers alike, then wait in the mempool;
//  - with one validator in the genesis (the dev chain) the node is that
//    validator and DevBlockProducer makes its blocks; with more it runs BFT
//    consensus with its peers (ConsensusDriver), which also serves and
//    fetches blocks for catch-up;
//  - block events for WebSocket subscribers go out through BlockEvents,
//    after the commit, in order.
// On start the node checks that the stored state root matches the latest
// header and refuses to run otherwise. With state sync on, an empty data
// folder is first filled from the peers (app/state_sync.h); a folder with an
// unfinished state sync is refused when it is off.
//
// Ownership: the Node owns everything it opens. Thread-safety: the public
// NodeService and ChainBackend methods are thread-safe (block work is
// serialised inside); start()/stop() are called from the main thread.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <unordered_set>

#include "app/backup.h"
#include "app/block_events.h"
#include "app/chain_backend.h"
#include "app/consensus_driver.h"
#include "app/dev_producer.h"
#include "app/state_sync.h"
#include "app/verification_pool.h"
#include "block/admission.h"
#include "block/block_executor.h"
#include "block/chain_tip.h"
#include "block/state_reader.h"
#include "chain/block_store.h"
#include "chain/genesis.h"
#include "core/clock.h"
#include "core/limits.h"
#include "execution/contracts.h"
#include "execution/executor.h"
#include "mempool/mempool.h"
#include "mempool/outcomes.h"
#include "rpc/api.h"
#include "rpc/health.h"
#include "rpc/http_server.h"
#include "rpc/metrics.h"
#include "state/state_tree.h"
#include "storage/pipelined_store.h"
#include "storage/store.h"

namespace govchain::app {

struct NodeConfig {
  std::filesystem::path data_dir;
  std::filesystem::path genesis_path;        // default: data_dir/genesis.json
  std::filesystem::path validator_key_path;  // default: data_dir/keys/validator.json
  std::string key_passphrase;                // for an encrypted validator key
  bool dev = false;                          // accept plaintext dev keys
  rpc::HttpServerConfig http;
  rpc::ReadinessPolicy readiness;  // when GET /readyz says 503
  mempool::MempoolLimits mempool;
  // Outcomes of dropped transactions and the refusal of accounts whose
  // transactions are dropped too often (mempool/outcomes.h).
  mempool::TxOutcomeLimits outcomes;
  // Consensus mode only (genesis with more than one validator).
  std::string p2p_address = "127.0.0.1:26656";  // listen address
  std::vector<p2p::PeerAddress> peers;          // the other validators
  std::vector<PublicKey> observers;             // non-voting node keys to admit
  uint64_t empty_block_interval_ms = limits::empty_block_interval_ms;
  // GET /metrics on a listener of its own ("host:port"; empty: none), and
  // whether the API port serves it too (docs/operations.md, "Monitoring").
  std::string metrics_address = "127.0.0.1:26660";
  bool metrics_on_api_port = false;
  // The double-sign guard (signing_guard.h): the signing state file
  // (default: data_dir/signing-state.json), and the operator's permission
  // to sign although it is ahead of the store (a command-line flag only).
  std::filesystem::path signing_state_path;
  bool allow_signing_after_restore = false;
  // Joining by state sync (app/state_sync.h): an empty data folder fetches
  // the state of a recent block from `peers` instead of executing every
  // block from the genesis.
  StateSyncSettings state_sync;
  // Keep only the newest this many blocks with their certificates and
  // receipts (0: keep every block; otherwise at least
  // chain::BlockStore::blocks_kept_min). The state is kept whole.
  uint64_t prune_blocks_keep = 0;
  // The Unix socket on which `govchaind backup` asks this node for a
  // backup (default: data_dir/admin.sock; mode 0600).
  std::filesystem::path admin_socket_path;
  // The clock for block times and timeouts; the machine's when null (tests
  // pass a ManualClock). Must outlive the node.
  const Clock* clock = nullptr;
};

class Node : public rpc::NodeService, public ChainBackend {
 public:
  static Result<std::unique_ptr<Node>> open(NodeConfig config, std::unique_ptr<execution::ContractHost> contracts);
  ~Node() override;

  Status start();
  void stop();
  uint16_t rpc_port() const { return server_ ? server_->port() : 0; }
  uint16_t metrics_port() const { return metrics_server_ ? metrics_server_->port() : 0; }

  // A consistent view of the store for an online backup, and the head it
  // holds (taken together under the block lock, so they match). The
  // snapshot must be destroyed before the node stops.
  struct BackupView {
    std::unique_ptr<storage::StoreSnapshot> snapshot;
    chain::ChainHead head;
  };
  Result<BackupView> backup_view() const;

  // NodeService
  std::string chain_id() const override { return genesis_.chain_id; }
  chain::ChainHead head() const override;
  // The validator set deciding the next height (the set in the head's state).
  std::vector<PublicKey> validators() const override;
  size_t mempool_size() const override { return mempool_->size(); }
  Result<Hash> submit(Bytes encoded_tx) override;
  // Checks the transactions (signatures included) on the verification
  // pool, all cores at once, then offers them to the mempool in order.
  std::vector<Result<Hash>> submit_batch(std::vector<Bytes> encoded_txs) override;
  // Waiting in the mempool, or in a block whose write is not durable yet.
  bool is_pending(const Hash& hash) const override;
  std::optional<Status> dropped(const Hash& hash) const override { return outcomes_->dropped(hash); }
  // Reads of blocks, certificates and receipts see durable blocks only.
  Result<chain::Block> block(uint64_t height) const override { return durable_blocks_->block(height); }
  Result<chain::CommitCertificate> commit(uint64_t height) const override {
    return durable_blocks_->commit_certificate(height);
  }
  Result<chain::Receipt> receipt(const Hash& tx_hash) const override { return durable_blocks_->receipt(tx_hash); }
  Result<rpc::ProvenState> prove(ByteView key, std::optional<uint64_t> height) const override;
  Result<uint64_t> next_nonce(const PublicKey& account) const override;
  Result<uint64_t> pending_nonce(const PublicKey& account) const override;
  std::unique_ptr<execution::StateReader> state_at(const chain::ChainHead& head) const override;
  std::string genesis_json() const override { return chain::genesis_to_json(genesis_); }
  Hash genesis_hash() const override { return chain::genesis_hash(genesis_); }
  Result<chain::Receipt> query(const chain::ContractCall& call, const PublicKey& caller,
                               uint64_t gas_limit) const override;
  std::optional<rpc::ConsensusInfo> consensus_info() const override;

  // ChainBackend (the consensus driver's or the dev producer's thread)
  chain::ChainHead building_head() const override { return tip().head; }
  Result<block::ExecutedBlock> build_block(int64_t time_ms, const PublicKey& proposer,
                                           const chain::CommitCertificate& last_commit) override;
  Result<block::ExecutedBlock> execute_block(ByteView encoded) override;
  Status commit_executed(block::ExecutedBlock executed, const chain::CommitCertificate& commit) override;
  Status accept_peer_tx(ByteView encoded_tx) override;
  void report_evidence(ByteView evidence) override;
  std::vector<PublicKey> admitted_node_keys() const override;
  uint64_t head_height() const override { return head().height; }
  Result<Bytes> encoded_block(uint64_t height) const override { return durable_blocks_->encoded_block(height); }
  Result<sync::SnapshotOffer> snapshot_offer(uint64_t height) const override;
  Result<Bytes> state_record(state::RecordKind kind, const Hash& hash) const override;

  // Dev chain: produces one block from waiting transactions now, and
  // returns once it (and every block before it) is durable.
  Status produce_block();
  bool consensus_mode() const { return genesis_.validators.size() > 1; }
  uint16_t p2p_port() const { return driver_ ? driver_->p2p_port() : 0; }

  // Executes a block that another node of this chain committed (its
  // canonical encoding), on this node's own state, and commits it only if
  // it is the next block, its commit certificate is signed by more than two
  // thirds of the validators of its height, and the state root and
  // receipts root computed here equal the header's. Code::corruption names
  // the first difference. Returns the number of transactions executed, once
  // the block is durable.
  // Call before start() or while it runs.
  Result<size_t> import_block(ByteView encoded, const chain::CommitCertificate& commit);

 private:
  Node() = default;
  Status open_state();
  Status load_or_create_genesis_block();
  // State sync into an empty folder when it is on; refuses an unfinished
  // sync when it is off.
  Status state_sync_if_asked();
  Status check_signing_guard();
  Status start_metrics_server();
  Status start_backup_server();
  block::ChainTip tip() const;
  // The one path of a transaction into the mempool (API and peers).
  Result<Hash> admit(Bytes encoded_tx, bool from_peer);
  block::AdmissionContext admission_context() const;
  // The mempool step of admission, and the gossip of what came from a
  // client; `wake` tells block production that transactions wait.
  Result<Hash> add_admitted(chain::CheckedTx checked, bool from_peer, bool wake);
  void wake_block_production();
  void record_commit_metrics(size_t tx_count);
  // Dev chains: queues the block's batch for its background write, moves
  // the building tip on, and acknowledges the block once it is durable.
  Status commit_in_background(block::ExecutedBlock executed, const chain::CommitCertificate& commit,
                              block::ChainTip parent);
  // The writer thread's report of a block's write: the durable head, the
  // block's event and metrics follow it; a failed write stops the node.
  void on_block_written(const Status& written, const chain::Header& header, const std::vector<Hash>& tx_hashes,
                        std::vector<chain::Receipt> receipts);
  // Takes the transactions a block builder left out from the mempool and
  // records why, for their submitters.
  void drop_txs(std::vector<std::pair<chain::CheckedTx, Status>> dropped);

  NodeConfig config_;
  const Clock* clock_ = &system_clock();
  chain::Genesis genesis_;
  crypto::KeyPair validator_key_;
  std::unique_ptr<consensus::Signer> signer_;
  std::unique_ptr<storage::KeyValueStore> store_;
  // In front of store_: block work reads and writes through it, the API's
  // block reads (durable_blocks_) go to store_ directly.
  std::unique_ptr<storage::PipelinedStore> pipelined_;
  std::unique_ptr<state::StateTree> state_;
  std::unique_ptr<chain::BlockStore> blocks_;
  std::unique_ptr<chain::BlockStore> durable_blocks_;
  // Dev chains write blocks in the background; consensus waits for each
  // write (its votes and WAL assume a committed block is on disk).
  bool background_commits_ = false;
  std::unique_ptr<execution::ContractHost> contracts_;
  std::unique_ptr<execution::Executor> executor_;
  std::unique_ptr<block::BlockExecutor> block_executor_;
  // The latest committed state (the tree's flat index), for admission,
  // nonces and queries.
  std::unique_ptr<block::TreeState> committed_;
  std::unique_ptr<mempool::Mempool> mempool_;
  std::unique_ptr<mempool::TxOutcomes> outcomes_;
  // Admission's checks of a batch of transactions, on every core.
  std::unique_ptr<VerificationPool> verification_pool_;
  std::shared_ptr<rpc::Metrics> metrics_;
  std::unique_ptr<rpc::HttpServer> server_;
  std::unique_ptr<rpc::HttpServer> metrics_server_;  // metrics_address
  std::unique_ptr<BackupServer> backup_server_;
  std::unique_ptr<BlockEvents> events_;
  std::unique_ptr<DevBlockProducer> producer_;  // single-validator chains
  std::unique_ptr<ConsensusDriver> driver_;     // networks of validators

  // Serialises block work: building, executing, committing, importing.
  mutable std::mutex block_mutex_;
  // Guards tip_ and durable_head_, which readers on other threads copy.
  mutable std::mutex tip_mutex_;
  block::ChainTip tip_;            // what the next block builds on
  chain::ChainHead durable_head_;  // the latest block whose write is durable
  // Transactions of blocks whose write is not durable yet.
  mutable std::mutex in_flight_mutex_;
  std::unordered_set<Hash, FixedBytesHasher> in_flight_;
  std::atomic<bool> stopping_{false};
};

}  // namespace govchain::app
