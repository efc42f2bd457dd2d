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

  // Height of the latest committed block, or nullopt for an empty store.
  Result<std::optional<uint64_t>> latest_height() const;
  Result<Block> block(uint64_t height) const;
  // The block at `height` as stored: its canonical encoding.
  Result<Bytes> encoded_block(uint64_t height) const;
  Result<CommitCertificate> commit_certificate(uint64_t height) const;
  // The receipt of a committed transaction; Code::not_found otherwise.
  Result<Receipt> receipt(const Hash& tx_hash) const;

  // Appends everything to `batch` (which already holds the state changes)
  // and writes it with sync. `encoded_block` is the canonical encoding of
  // the block at `height` (chain::encode_block), stored as it is.
  Status commit(uint64_t height, ByteView encoded_block, const CommitCertificate& commit,
                const std::vector<Receipt>& receipts, storage::WriteBatch& batch);
  // What commit() appends to `batch`, without writing it: for a caller that
  // writes the batch itself (the dev node writes it in the background,
  // storage/pipelined_store.h). The batch must be written whole, in one
  // atomic write, for the store to stay consistent.
  static void add_to_batch(uint64_t height, ByteView encoded_block, const CommitCertificate& commit,
                           const std::vector<Receipt>& receipts, storage::WriteBatch& batch);

 private:
  storage::KeyValueStore& store_;
};

}  // namespace govchain::chain
