#include "chain/block_store.h"

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
  if (!stored->has_value()) return error(Code::not_found, "no block at height " + std::to_string(height));
  auto decoded = decode_block(**stored);
  if (!decoded.ok())
    return error(Code::corruption, "stored block " + std::to_string(height) + ": " + decoded.status().message());
  return decoded;
}

Result<Bytes> BlockStore::encoded_block(uint64_t height) const {
  auto stored = store_.get(height_key("b/h/", height));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return error(Code::not_found, "no block at height " + std::to_string(height));
  return std::move(**stored);
}

Result<CommitCertificate> BlockStore::commit_certificate(uint64_t height) const {
  auto stored = store_.get(height_key("b/c/", height));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return error(Code::not_found, "no commit certificate at height " + std::to_string(height));
  auto decoded = decode_commit(**stored);
  if (!decoded.ok())
    return error(Code::corruption,
                 "stored commit certificate " + std::to_string(height) + ": " + decoded.status().message());
  return decoded;
}

Result<Receipt> BlockStore::receipt(const Hash& tx_hash) const {
  auto stored = store_.get(receipt_key(tx_hash));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return error(Code::not_found, "no committed transaction " + tx_hash.hex());
  return decode_receipt(**stored);
}

Status BlockStore::commit(uint64_t height, ByteView encoded_block, const CommitCertificate& commit,
                          const std::vector<Receipt>& receipts, storage::WriteBatch& batch) {
  add_to_batch(height, encoded_block, commit, receipts, batch);
  return store_.write(batch, true);
}

void BlockStore::add_to_batch(uint64_t height, ByteView encoded_block, const CommitCertificate& commit,
                              const std::vector<Receipt>& receipts, storage::WriteBatch& batch) {
  batch.put(height_key("b/h/", height), encoded_block);
  batch.put(height_key("b/c/", height), encode_commit(commit));
  for (const auto& receipt : receipts) batch.put(receipt_key(receipt.tx_hash), encode_receipt(receipt));
  codec::Writer latest;
  latest.u64(height);
  batch.put(latest_key(), latest.data());
}

}  // namespace govchain::chain
