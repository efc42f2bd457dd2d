// Node: one govchain node process — storage, state, execution, mempool,
// block production and the HTTP API, wired together.
//
// With one validator in the genesis (the dev chain) the node is that
// validator: it produces a block as soon as transactions wait (after at most
// the block interval since the previous block), signs the commit
// certificate itself, and sleeps while idle. With more validators it runs
// BFT consensus with its peers (ConsensusDriver): blocks are proposed,
// judged and committed by the Tendermint state machine, over the p2p
// transport, and a node that is behind catches up from its peers.
// Every block, its state changes and receipts are committed in one synced
// batch; on start the node checks that the stored state root matches the
// latest header and refuses to run otherwise.
//
// Block events for WebSocket subscribers are built and broadcast after the
// commit, in order, on the node's event worker thread.
//
// Ownership: the Node owns everything it opens. Thread-safety: the public
// NodeService methods are called from the API threads and are thread-safe;
// start()/stop() are called from the main thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "app/chain_backend.h"
#include "app/consensus_driver.h"
#include "app/serial_worker.h"
#include "chain/block_store.h"
#include "chain/genesis.h"
#include "execution/contracts.h"
#include "execution/executor.h"
#include "mempool/mempool.h"
#include "rpc/api.h"
#include "rpc/health.h"
#include "rpc/http_server.h"
#include "rpc/metrics.h"
#include "state/state_tree.h"
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
  // Consensus mode only (genesis with more than one validator).
  std::string p2p_address = "127.0.0.1:26656";  // listen address
  std::vector<p2p::PeerAddress> peers;          // the other validators
  std::vector<PublicKey> observers;             // non-voting node keys to admit
  uint64_t empty_block_interval_ms = 1000;
};

class Node : public rpc::NodeService, public ChainBackend {
 public:
  static Result<std::unique_ptr<Node>> open(NodeConfig config, std::unique_ptr<execution::ContractHost> contracts);
  ~Node() override;

  Status start();
  void stop();
  uint16_t rpc_port() const { return server_ ? server_->port() : 0; }

  // NodeService
  std::string chain_id() const override { return genesis_.chain_id; }
  rpc::ChainHead head() const override;
  // The validator set deciding the next height (the set in the head's state).
  std::vector<PublicKey> validators() const override;
  size_t mempool_size() const override { return mempool_->size(); }
  Status submit(chain::Tx tx, const Hash& hash, size_t size_bytes) override;
  bool is_pending(const Hash& hash) const override { return mempool_->contains(hash); }
  Result<chain::Block> block(uint64_t height) const override { return blocks_->block(height); }
  Result<chain::CommitCertificate> commit(uint64_t height) const override { return blocks_->commit_certificate(height); }
  Result<chain::Receipt> receipt(const Hash& tx_hash) const override { return blocks_->receipt(tx_hash); }
  Result<rpc::ProvenState> prove(ByteView key, std::optional<uint64_t> height) const override;
  Result<uint64_t> next_nonce(const PublicKey& account) const override;
  Result<std::optional<Bytes>> read_latest(ByteView key) const override { return committed_->get(key); }
  Result<std::optional<Bytes>> read_at(const Hash& state_root, ByteView key) const override {
    return state_->get_at(state_root, key);
  }
  Result<uint64_t> pending_nonce(const PublicKey& account) const override;
  std::string genesis_json() const override { return chain::genesis_to_json(genesis_); }
  Hash genesis_hash() const override { return chain::genesis_hash(genesis_); }
  Result<chain::Receipt> query(const chain::ContractCall& call, const PublicKey& caller,
                               uint64_t gas_limit) const override;

  std::optional<rpc::ConsensusInfo> consensus_info() const override;

  // ChainBackend (called by the consensus driver's thread)
  Result<ExecutedBlock> build_block(int64_t time_ms, const PublicKey& proposer,
                                    const chain::CommitCertificate& last_commit) override;
  Result<ExecutedBlock> execute_block(chain::Block block) override;
  Status commit_executed(ExecutedBlock executed, const chain::CommitCertificate& commit) override;
  Status accept_peer_tx(ByteView encoded_tx) override;
  void report_evidence(ByteView evidence) override;
  std::vector<PublicKey> admitted_node_keys() const override;

  // Dev chain: produces one block from waiting transactions now.
  Status produce_block();
  bool consensus_mode() const { return genesis_.validators.size() > 1; }
  uint16_t p2p_port() const { return driver_ ? driver_->p2p_port() : 0; }

  // Executes a block that another node of this chain committed, on this
  // node's own state, and commits it only if it is the next block, its
  // commit certificate is signed by more than two thirds of the validators
  // of its height, and the state root and receipts root computed here equal the
  // header's. Code::corruption names the first difference. Call before
  // start() or while it runs; imports and block production are serialised.
  Status import_block(const chain::Block& block, const chain::CommitCertificate& commit);

 private:
  Node() = default;
  Status load_or_create_genesis_block();
  void production_loop();
  Status check_header(const chain::Header& header) const;
  chain::CommitCertificate sign_own_commit(const Hash& block_hash, uint64_t height) const;
  // `tx_hashes[i]` is chain::tx_hash(block.txs[i]).
  Result<uint64_t> execute_txs(chain::Block& block, const std::vector<Hash>& tx_hashes, execution::Overlay& overlay,
                               std::vector<chain::Receipt>& receipts,
                               bool verify_signatures) const;
  // Runs the end-of-block work (validator set changes) and computes the
  // state root and the header's roots.
  Result<ExecutedBlock> finish_block(chain::Block block, std::vector<chain::Receipt> receipts,
                                     execution::Overlay& overlay, const Hash& txs_root);
  int64_t next_block_time_ms() const;
  void publish_block_event(const chain::Header& header, size_t tx_count, std::vector<chain::Receipt> receipts);
  Status start_consensus();

  NodeConfig config_;
  chain::Genesis genesis_;
  crypto::KeyPair validator_key_;
  std::unique_ptr<storage::KeyValueStore> store_;
  std::unique_ptr<state::StateTree> state_;
  std::unique_ptr<chain::BlockStore> blocks_;
  std::unique_ptr<execution::ContractHost> contracts_;
  std::unique_ptr<execution::Executor> executor_;
  std::unique_ptr<execution::StateReader> committed_;
  std::unique_ptr<mempool::Mempool> mempool_;
  std::shared_ptr<rpc::Metrics> metrics_;
  std::unique_ptr<rpc::HttpServer> server_;
  std::unique_ptr<SerialWorker> event_worker_;  // builds and broadcasts block events
  std::unique_ptr<ConsensusDriver> driver_;
  // A validator set read from state, with what consensus and headers need.
  struct ValidatorSetAt {
    std::vector<PublicKey> keys;  // sorted
    consensus::ValidatorSet set;
    Hash hash;  // chain::validator_set_hash(keys)
  };
  static Result<ValidatorSetAt> load_validator_set(const execution::StateReader& state);
  Status load_validator_sets();
  ValidatorSetAt next_validators() const;

  // Guarded by head_mutex_: the set that decides head + 1 (in the head's
  // state) and the one that decided the head (it signed the head's
  // certificate, which the next header carries).
  ValidatorSetAt next_validators_;
  ValidatorSetAt head_validators_;

  mutable std::mutex head_mutex_;
  rpc::ChainHead head_;
  std::mutex production_mutex_;  // one block at a time
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool work_waiting_ = false;
  std::atomic<bool> stopping_{false};
  std::thread producer_;
  int64_t last_block_steady_ms_ = 0;
};

}  // namespace govchain::app
