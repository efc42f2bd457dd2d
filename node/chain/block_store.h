// BlockStore: the blocks, commit certificates, receipts and transaction
// index of one node, kept in a KeyValueStore.
//
// commit() writes a block, its certificate, its receipts, the transaction
// index and the caller's state batch in ONE synced write, so after a crash
// the store holds either all of a block or none of it, and the state root in
// the latest header always matches the state on disk.
//
// Layout (keys start with "b/"):
//   "b/h/" + height (8 bytes big-endian) -> encoded block
//   "b/c/" + height                      -> encoded commit certificate
//   "b/r/" + tx hash                     -> encoded receipt
//   "b/latest"                           -> latest height (8 bytes)
//   "b/pruned"                           -> the lowest height still kept when
//                                           old blocks are pruned (8 bytes)
//   "b/sync"                             -> where state sync started this
//                                           store: u8 version 1, u64 height,
//                                           the validator set that signed
//                                           that block's certificate
//
// With a retention (set_blocks_kept), each commit also removes, in the
// same batch, blocks older than the newest `count` with their certificates
// and receipts (at most pruned_per_commit_max per commit, oldest first);
// reading them is Code::not_found "pruned: ...". The state is not pruned.
//
// A store filled by state sync (commit_synced) starts at the sync height:
// blocks, certificates and receipts before it are not there, and reading
// them is Code::not_found with a message that says so ("pruned: this node
// joined by state sync at height N").
//
// Ownership: references the store, which must outlive it. Thread-safety:
// reads may run concurrently with each other and with one commit(); commits
// must be serialised by the caller.
#pragma once

#include <optional>
#include <vector>

#include "chain/block.h"
#include "storage/store.h"

namespace govchain::chain {

class BlockStore {
 public:
  explicit BlockStore(storage::KeyValueStore& store) : store_(store) {}

  // Keep only the newest `count` blocks (0: keep every block). Precondition:
  // 0 or at least blocks_kept_min (the chain tip reads the head's parent).
  static constexpr uint64_t blocks_kept_min = 16;
  static constexpr uint64_t pruned_per_commit_max = 64;
  void set_blocks_kept(uint64_t count) { blocks_kept_ = count; }
  // The lowest height whose block is still kept by pruning (0: none pruned).
  Result<uint64_t> pruned_below() const;

  // Height of the latest committed block, or nullopt for an empty store.
  Result<std::optional<uint64_t>> latest_height() const;
  Result<Block> block(uint64_t height) const;
  // The block at `height` as stored: its canonical encoding.
  Result<Bytes> encoded_block(uint64_t height) const;
  Result<CommitCertificate> commit_certificate(uint64_t height) const;
  // The receipt of a committed transaction; Code::not_found otherwise.
  Result<Receipt> receipt(const Hash& tx_hash) const;

  // Where state sync started this store, if it did.
  struct SyncBase {
    uint64_t height = 0;
    consensus::ValidatorSet head_signers;  // signed the certificate of `height`
  };
  Result<std::optional<SyncBase>> sync_base() const;

  // Appends everything to `batch` (which already holds the state changes)
  // and writes it with sync. `encoded_block` is the canonical encoding of
  // the block at `height` (chain::encode_block), stored as it is.
  Status commit(uint64_t height, ByteView encoded_block, const CommitCertificate& commit,
                const std::vector<Receipt>& receipts, storage::WriteBatch& batch);
  // What commit() appends to `batch`, without writing it: for a caller that
  // writes the batch itself (the dev node writes it in the background,
  // storage/pipelined_store.h). The batch must be written whole, in one
  // atomic write, for the store to stay consistent.
  // It also puts the pruning of blocks beyond the retention into it (reads
  // the store).
  Status add_to_batch(uint64_t height, ByteView encoded_block, const CommitCertificate& commit,
                      const std::vector<Receipt>& receipts, storage::WriteBatch& batch) const;
  // The first block of a store filled by state sync: the block at `height`
  // with its certificate and the set that signed it, appended to `batch`
  // (which holds the state's last records) and written with sync.
  Status commit_synced(uint64_t height, ByteView encoded_block, const CommitCertificate& commit,
                       const consensus::ValidatorSet& head_signers, storage::WriteBatch& batch);

 private:
  // Puts the removal of the blocks that fall out of the retention when
  // `height` is committed into `batch`.
  Status prune_into(uint64_t height, storage::WriteBatch& batch) const;
  // not_found for a missing block, certificate or receipt, saying so when
  // the store begins at a sync height above `height` (0 for receipts).
  Status missing(std::string what, std::optional<uint64_t> height) const;

  storage::KeyValueStore& store_;
  uint64_t blocks_kept_ = 0;
};

}  // namespace govchain::chain
