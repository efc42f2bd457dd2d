// ChainBackend: what block production needs from the node — the head,
// building a block from waiting transactions, executing and judging a block
// someone else proposed, committing a block with its certificate, serving
// committed blocks to peers that catch up (sync::BlockSource), and admitting
// transactions gossiped by peers. app::Node implements it; the consensus
// driver (several validators) and the dev block producer (one) use it.
//
// Every method is thread-safe. Building, executing and committing are
// serialised inside the node, and a block built or executed on a head that
// another commit replaced meanwhile is refused when committed.
#pragma once

#include <vector>

#include "block/block_executor.h"
#include "chain/block.h"
#include "core/status.h"
#include "state/state_sync.h"
#include "sync/block_server.h"
#include "sync/protocol.h"

namespace govchain::app {

class ChainBackend : public sync::BlockSource {
 public:
  ~ChainBackend() override = default;

  // The latest durable block: what the API reports and peers are served.
  virtual chain::ChainHead head() const = 0;
  // The head the next block builds on. A node that writes blocks in the
  // background (the dev node, storage/pipelined_store.h) executes ahead of
  // what is durable, so this may be up to a few blocks past head().
  virtual chain::ChainHead building_head() const { return head(); }
  // A block for head + 1 from waiting transactions (possibly none), with
  // the given time, proposer and certificate of the head. Transactions that
  // may not be in a block leave the mempool.
  virtual Result<block::ExecutedBlock> build_block(int64_t time_ms, const PublicKey& proposer,
                                                   const chain::CommitCertificate& last_commit) = 0;
  // Executes the block with the canonical encoding `encoded` on top of the
  // head and checks every rule a block must keep (block::BlockExecutor::
  // execute). Fails with Code::invalid (or malformed) and the reason.
  virtual Result<block::ExecutedBlock> execute_block(ByteView encoded) = 0;
  // Stores the block with its certificate and makes it the head the next
  // block builds on (building_head()). With background writes it returns
  // once the block is queued; head(), its receipts and its event follow
  // when its synced write is done.
  virtual Status commit_executed(block::ExecutedBlock executed, const chain::CommitCertificate& commit) = 0;
  // Admits a transaction that a peer gossiped (block::admit_tx, as for the
  // API).
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
  // State sync serving (app/state_sync_server.h): the snapshot this node
  // offers at `height` (0: its head) with the set that signed it (height 0
  // in the answer when it has none), and one stored record of the state
  // tree (Code::not_found when it lacks it).
  virtual Result<sync::SnapshotOffer> snapshot_offer(uint64_t height) const = 0;
  virtual Result<Bytes> state_record(state::RecordKind kind, const Hash& hash) const = 0;
};

}  // namespace govchain::app
