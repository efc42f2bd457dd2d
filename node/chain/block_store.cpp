#include "chain/block_store.h"

#include <algorithm>

#include "chain/checked_tx.h"
#include "codec/codec.h"

namespace govchain::chain {

namespace {

Bytes height_key(std::string_view prefix, uint64_t height) {
  codec::Writer writer;
  writer.raw(to_bytes(prefix));
  writer.u64(height);
  return writer.take();
}

Bytes receipt_key(const Hash& tx_hash) { return storage::prefixed_key(to_bytes("b/r/"), tx_hash.view()); }

const Bytes& latest_key() {
  static const Bytes key = to_bytes("b/latest");
  return key;
}

const Bytes& sync_key() {
  static const Bytes key = to_bytes("b/sync");
  return key;
}

const Bytes& pruned_key() {
  static const Bytes key = to_bytes("b/pruned");
  return key;
}

constexpr uint8_t sync_record_version = 1;

}  // namespace

Result<std::optional<uint64_t>> BlockStore::latest_height() const {
  auto stored = store_.get(latest_key());
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return std::optional<uint64_t>();
  codec::Reader reader(**stored);
  auto height = reader.u64();
  if (!height.ok()) return error(Code::corruption, "stored latest height is damaged");
  return std::optional<uint64_t>(*height);
}

Result<Block> BlockStore::block(uint64_t height) const {
  auto stored = store_.get(height_key("b/h/", height));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return missing("no block at height " + std::to_string(height), height);
  auto decoded = decode_block(**stored);
  if (!decoded.ok())
    return error(Code::corruption, "stored block " + std::to_string(height) + ": " + decoded.status().message());
  return decoded;
}

Result<Bytes> BlockStore::encoded_block(uint64_t height) const {
  auto stored = store_.get(height_key("b/h/", height));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return missing("no block at height " + std::to_string(height), height);
  return std::move(**stored);
}

Result<CommitCertificate> BlockStore::commit_certificate(uint64_t height) const {
  auto stored = store_.get(height_key("b/c/", height));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return missing("no commit certificate at height " + std::to_string(height), height);
  auto decoded = decode_commit(**stored);
  if (!decoded.ok())
    return error(Code::corruption,
                 "stored commit certificate " + std::to_string(height) + ": " + decoded.status().message());
  return decoded;
}

Result<Receipt> BlockStore::receipt(const Hash& tx_hash) const {
  auto stored = store_.get(receipt_key(tx_hash));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return missing("no committed transaction " + tx_hash.hex(), std::nullopt);
  return decode_receipt(**stored);
}

Result<uint64_t> BlockStore::pruned_below() const {
  GOVCHAIN_ASSIGN_OR_RETURN(std::optional<Bytes> stored, store_.get(pruned_key()));
  if (!stored) return uint64_t{0};
  codec::Reader reader(*stored);
  auto height = reader.u64();
  if (!height.ok()) return error(Code::corruption, "the stored pruning height is damaged");
  return *height;
}

Status BlockStore::prune_into(uint64_t height, storage::WriteBatch& batch) const {
  if (blocks_kept_ == 0 || height < blocks_kept_) return Status();
  GOVCHAIN_ASSIGN_OR_RETURN(uint64_t from, pruned_below());
  GOVCHAIN_ASSIGN_OR_RETURN(auto base, sync_base());
  if (base) from = std::max(from, base->height);
  // The newest `blocks_kept_` blocks stay: height - blocks_kept_ + 1 .. height.
  const uint64_t until = std::min(height - blocks_kept_ + 1, from + pruned_per_commit_max);
  if (until <= from) return Status();
  for (uint64_t old = from; old < until; ++old) {
    GOVCHAIN_ASSIGN_OR_RETURN(std::optional<Bytes> stored, store_.get(height_key("b/h/", old)));
    if (stored) {
      auto frame = decode_block_frame(*stored);
      if (!frame.ok())
        return error(Code::corruption, "stored block " + std::to_string(old) + ": " + frame.status().message());
      for (const auto& tx : frame->txs) batch.erase(receipt_key(tx_hash_of_encoding(tx)));
    }
    batch.erase(height_key("b/h/", old));
    batch.erase(height_key("b/c/", old));
  }
  codec::Writer pruned;
  pruned.u64(until);
  batch.put(pruned_key(), pruned.data());
  return Status();
}

Status BlockStore::missing(std::string what, std::optional<uint64_t> height) const {
  auto pruned = pruned_below();
  if (pruned.ok() && *pruned > 0) {
    if (height && *height < *pruned)
      return error(Code::not_found, "pruned: this node keeps only its newest " +
                                        std::string(blocks_kept_ > 0 ? std::to_string(blocks_kept_) + " " : "") +
                                        "blocks and none before height " + std::to_string(*pruned) + " (" + what + ")");
    if (!height)
      return error(Code::not_found, what + " (this node prunes old blocks: transactions of blocks before height " +
                                        std::to_string(*pruned) + " are not kept here)");
  }
  auto base = sync_base();
  if (!base.ok() || !base->has_value() || (height && *height >= (*base)->height)) return error(Code::not_found, what);
  const std::string joined = "this node joined by state sync at height " + std::to_string((*base)->height);
  if (height) return error(Code::not_found, "pruned: " + joined + " and keeps no block before it (" + what + ")");
  return error(Code::not_found, what + " (" + joined + ": transactions of blocks before it are not kept here)");
}

Result<std::optional<BlockStore::SyncBase>> BlockStore::sync_base() const {
  GOVCHAIN_ASSIGN_OR_RETURN(std::optional<Bytes> stored, store_.get(sync_key()));
  if (!stored) return std::optional<SyncBase>();
  codec::Reader reader(*stored);
  auto version = reader.u8();
  auto height = reader.u64();
  if (!version.ok() || *version != sync_record_version || !height.ok())
    return error(Code::corruption, "the stored state sync record is damaged");
  auto signers = consensus::ValidatorSet::decode(reader);
  if (!signers.ok() || !reader.finish().ok()) return error(Code::corruption, "the stored state sync record is damaged");
  return std::optional<SyncBase>(SyncBase{*height, std::move(*signers)});
}

Status BlockStore::commit_synced(uint64_t height, ByteView encoded_block, const CommitCertificate& commit,
                                 const consensus::ValidatorSet& head_signers, storage::WriteBatch& batch) {
  codec::Writer record;
  record.u8(sync_record_version);
  record.u64(height);
  head_signers.encode(record);
  batch.put(sync_key(), record.data());
  return this->commit(height, encoded_block, commit, {}, batch);
}

Status BlockStore::commit(uint64_t height, ByteView encoded_block, const CommitCertificate& commit,
                          const std::vector<Receipt>& receipts, storage::WriteBatch& batch) {
  GOVCHAIN_TRY(add_to_batch(height, encoded_block, commit, receipts, batch));
  return store_.write(batch, true);
}

Status BlockStore::add_to_batch(uint64_t height, ByteView encoded_block, const CommitCertificate& commit,
                                const std::vector<Receipt>& receipts, storage::WriteBatch& batch) const {
  batch.put(height_key("b/h/", height), encoded_block);
  batch.put(height_key("b/c/", height), encode_commit(commit));
  for (const auto& receipt : receipts) batch.put(receipt_key(receipt.tx_hash), encode_receipt(receipt));
  GOVCHAIN_TRY(prune_into(height, batch));
  codec::Writer latest;
  latest.u64(height);
  batch.put(latest_key(), latest.data());
  return Status();
}

}  // namespace govchain::chain
