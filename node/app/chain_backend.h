// ChainBackend: what the consensus driver needs from the node — the head,
// building a block from waiting transactions, executing and judging a block
// someone else proposed, committing a block with its certificate, reading
// committed blocks for peers that catch up, and admitting transactions
// gossiped by peers. app::Node implements it.
//
// Every method is called from the driver's one thread; the implementation
// serialises them with the node's own API threads.
#pragma once

#include <vector>

#include "chain/block.h"
#include "core/status.h"
#include "rpc/api.h"
#include "storage/store.h"

namespace govchain::app {

// A block executed on top of the current head: its receipts and the state
// changes (a batch not yet written). Committing writes the batch.
struct ExecutedBlock {
  chain::Block block;
  Hash block_hash;
  std::vector<chain::Receipt> receipts;
  storage::WriteBatch batch;
};

class ChainBackend {
 public:
  virtual ~ChainBackend() = default;

  virtual rpc::ChainHead head() const = 0;
  // A block for head + 1 from waiting transactions (possibly none), with
  // the given time, proposer and certificate of the head.
  virtual Result<ExecutedBlock> build_block(int64_t time_ms, const PublicKey& proposer,
                                            const chain::CommitCertificate& last_commit) = 0;
  // Executes `block` on top of the head and checks every rule a proposal
  // must keep (links to the head, time, proposer in the set, certificate of
  // the head, limits, transaction signatures and nonces, state and receipts
  // roots). Fails with Code::invalid and the reason otherwise.
  virtual Result<ExecutedBlock> execute_block(chain::Block block) = 0;
  // Stores the block with its certificate and makes it the head.
  virtual Status commit_executed(ExecutedBlock executed, const chain::CommitCertificate& commit) = 0;
  virtual Result<chain::Block> block(uint64_t height) const = 0;
  virtual Result<chain::CommitCertificate> commit(uint64_t height) const = 0;
  // Admits a transaction that a peer gossiped (full checks, as for the API).
  virtual Status accept_peer_tx(ByteView encoded_tx) = 0;
  // Puts verified equivocation evidence on chain: a validator node submits
  // a transaction reporting it (unless the chain already records it).
  virtual void report_evidence(ByteView evidence) = 0;
  virtual size_t mempool_size() const = 0;
  // The validator set that decides head + 1, as the head's state holds it
  // (it changes by governance votes; execution/validator_governance.h).
  virtual std::vector<PublicKey> validators() const = 0;
  // Node keys to admit in p2p: the validators and approved additions.
  virtual std::vector<PublicKey> admitted_node_keys() const = 0;
};

}  // namespace govchain::app
