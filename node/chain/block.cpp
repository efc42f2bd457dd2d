#include "chain/block.h"

#include "codec/codec.h"
#include "crypto/hash.h"

namespace govchain::chain {

namespace {

constexpr size_t commit_signatures_max = 1000;
constexpr size_t message_size_bytes_max = 4096;
constexpr size_t events_max = 1024;
constexpr size_t event_data_size_bytes_max = 64 * 1024;
constexpr size_t return_data_size_bytes_max = 64 * 1024;

void write_commit(codec::Writer& writer, const CommitCertificate& commit) {
  writer.u64(commit.height);
  writer.u32(commit.round);
  writer.fixed(commit.block_hash);
  writer.count(commit.signatures.size());
  for (const auto& entry : commit.signatures) {
    writer.fixed(entry.validator);
    writer.fixed(entry.signature);
  }
}

Result<CommitCertificate> read_commit(codec::Reader& reader) {
  CommitCertificate commit;
  auto height = reader.u64();
  if (!height.ok()) return height.status();
  auto round = reader.u32();
  if (!round.ok()) return round.status();
  auto hash = reader.fixed<32>();
  if (!hash.ok()) return hash.status();
  auto count = reader.count(commit_signatures_max, 96);
  if (!count.ok()) return count.status();
  commit.height = *height;
  commit.round = *round;
  commit.block_hash = *hash;
  for (size_t i = 0; i < *count; ++i) {
    auto validator = reader.fixed<32>();
    if (!validator.ok()) return validator.status();
    auto signature = reader.fixed<64>();
    if (!signature.ok()) return signature.status();
    commit.signatures.push_back({*validator, *signature});
  }
  return commit;
}

void write_header(codec::Writer& writer, const Header& header) {
  writer.u8(codec::format_version);
  writer.text(header.chain_id);
  writer.u64(header.height);
  writer.i64(header.time_ms);
  writer.fixed(header.previous_hash);
  writer.fixed(header.txs_root);
  writer.fixed(header.state_root);
  writer.fixed(header.receipts_root);
  writer.fixed(header.proposer);
  writer.fixed(header.validator_set_hash);
  write_commit(writer, header.last_commit);
}

Result<Header> read_header(codec::Reader& reader) {
  auto version = reader.u8();
  if (!version.ok()) return version.status();
  if (*version != codec::format_version)
    return error(Code::malformed, "unsupported header format version " + std::to_string(*version));
  Header header;
  auto chain_id = reader.text(chain_id_size_bytes_max);
  if (!chain_id.ok()) return chain_id.status();
  header.chain_id = *chain_id;
  auto height = reader.u64();
  if (!height.ok()) return height.status();
  header.height = *height;
  auto time = reader.i64();
  if (!time.ok()) return time.status();
  header.time_ms = *time;
  for (Hash* field : {&header.previous_hash, &header.txs_root, &header.state_root, &header.receipts_root,
                      &header.proposer, &header.validator_set_hash}) {
    auto value = reader.fixed<32>();
    if (!value.ok()) return value.status();
    *field = *value;
  }
  auto commit = read_commit(reader);
  if (!commit.ok()) return commit.status().with_context("last commit");
  header.last_commit = std::move(*commit);
  return header;
}

void write_event(codec::Writer& writer, const Event& event) {
  writer.text(event.contract);
  writer.text(event.topic);
  writer.bytes(event.data);
}

Result<Event> read_event(codec::Reader& reader) {
  Event event;
  auto contract = reader.text(name_size_bytes_max);
  if (!contract.ok()) return contract.status();
  auto topic = reader.text(name_size_bytes_max);
  if (!topic.ok()) return topic.status();
  auto data = reader.bytes(event_data_size_bytes_max);
  if (!data.ok()) return data.status();
  event.contract = *contract;
  event.topic = *topic;
  event.data = std::move(*data);
  return event;
}

}  // namespace

Bytes encode_header(const Header& header) {
  codec::Writer writer;
  write_header(writer, header);
  return writer.take();
}

Result<Header> decode_header(ByteView bytes) {
  codec::Reader reader(bytes);
  auto header = read_header(reader);
  if (!header.ok()) return header.status();
  GOVCHAIN_TRY(reader.finish());
  return header;
}

Hash block_hash(const Header& header) { return crypto::tagged_hash(crypto::tags::block, encode_header(header)); }

Bytes encode_block(const Block& block) {
  codec::Writer writer;
  write_header(writer, block.header);
  writer.count(block.txs.size());
  for (const auto& tx : block.txs) writer.bytes(encode_tx(tx));
  return writer.take();
}

Result<Block> decode_block(ByteView bytes) {
  if (bytes.size() > limits::block_size_bytes_max)
    return error(Code::too_large, "block has " + std::to_string(bytes.size()) + " bytes, limit is " +
                                      std::to_string(limits::block_size_bytes_max));
  codec::Reader reader(bytes);
  Block block;
  auto header = read_header(reader);
  if (!header.ok()) return header.status().with_context("header");
  block.header = std::move(*header);
  auto count = reader.count(limits::block_txs_max, 4);
  if (!count.ok()) return count.status().with_context("transaction list");
  block.txs.reserve(*count);
  for (size_t i = 0; i < *count; ++i) {
    auto tx_bytes = reader.bytes(limits::tx_size_bytes_max);
    if (!tx_bytes.ok()) return tx_bytes.status().with_context("transaction " + std::to_string(i));
    auto tx = decode_tx(*tx_bytes);
    if (!tx.ok()) return tx.status().with_context("transaction " + std::to_string(i));
    block.txs.push_back(std::move(*tx));
  }
  GOVCHAIN_TRY(reader.finish());
  return block;
}

Bytes encode_commit(const CommitCertificate& commit) {
  codec::Writer writer;
  write_commit(writer, commit);
  return writer.take();
}

Result<CommitCertificate> decode_commit(ByteView bytes) {
  codec::Reader reader(bytes);
  auto commit = read_commit(reader);
  if (!commit.ok()) return commit.status();
  GOVCHAIN_TRY(reader.finish());
  return commit;
}

Hash commit_sign_hash(std::string_view chain_id, uint64_t height, uint32_t round, const Hash& block_hash,
                      const PublicKey& validator) {
  // The layout of a precommit's signing digest: chain id, vote type
  // (2 = precommit), height, round, block id present (1) and the id, signer.
  constexpr uint8_t precommit_type = 2;
  codec::Writer writer;
  writer.text(chain_id);
  writer.u8(precommit_type);
  writer.u64(height);
  writer.u32(round);
  writer.boolean(true);
  writer.fixed(block_hash);
  writer.fixed(validator);
  return crypto::tagged_hash(crypto::tags::vote, writer.data());
}

Bytes encode_receipt(const Receipt& receipt) {
  codec::Writer writer;
  writer.fixed(receipt.tx_hash);
  writer.u64(receipt.height);
  writer.u32(receipt.index);
  writer.u16(static_cast<uint16_t>(receipt.status));
  writer.text(receipt.message);
  writer.u64(receipt.gas_used);
  writer.bytes(receipt.return_data);
  writer.count(receipt.events.size());
  for (const auto& event : receipt.events) write_event(writer, event);
  return writer.take();
}

Result<Receipt> decode_receipt(ByteView bytes) {
  codec::Reader reader(bytes);
  Receipt receipt;
  auto hash = reader.fixed<32>();
  if (!hash.ok()) return hash.status();
  receipt.tx_hash = *hash;
  auto height = reader.u64();
  if (!height.ok()) return height.status();
  receipt.height = *height;
  auto index = reader.u32();
  if (!index.ok()) return index.status();
  receipt.index = *index;
  auto status = reader.u16();
  if (!status.ok()) return status.status();
  receipt.status = static_cast<Code>(*status);
  auto message = reader.text(message_size_bytes_max);
  if (!message.ok()) return message.status();
  receipt.message = *message;
  auto gas = reader.u64();
  if (!gas.ok()) return gas.status();
  receipt.gas_used = *gas;
  auto return_data = reader.bytes(return_data_size_bytes_max);
  if (!return_data.ok()) return return_data.status();
  receipt.return_data = std::move(*return_data);
  auto count = reader.count(events_max, 12);
  if (!count.ok()) return count.status();
  for (size_t i = 0; i < *count; ++i) {
    auto event = read_event(reader);
    if (!event.ok()) return event.status();
    receipt.events.push_back(std::move(*event));
  }
  GOVCHAIN_TRY(reader.finish());
  return receipt;
}

Hash merkle_root(const std::vector<Hash>& leaves) {
  if (leaves.empty()) return Hash{};
  std::vector<Hash> level;
  level.reserve(leaves.size());
  for (const auto& leaf : leaves) level.push_back(crypto::tagged_hash(crypto::tags::leaf, leaf.view()));
  while (level.size() > 1) {
    std::vector<Hash> next;
    next.reserve((level.size() + 1) / 2);
    for (size_t i = 0; i + 1 < level.size(); i += 2) {
      crypto::TaggedHasher hasher(crypto::tags::node);
      hasher.update(level[i].view());
      hasher.update(level[i + 1].view());
      next.push_back(hasher.finish());
    }
    if (level.size() % 2 == 1) next.push_back(level.back());
    level = std::move(next);
  }
  return level.front();
}

Hash txs_root(const std::vector<Tx>& txs) {
  std::vector<Hash> hashes;
  hashes.reserve(txs.size());
  for (const auto& tx : txs) hashes.push_back(tx_hash(tx));
  return merkle_root(hashes);
}

Hash receipts_root(const std::vector<Receipt>& receipts) {
  std::vector<Hash> hashes;
  hashes.reserve(receipts.size());
  for (const auto& receipt : receipts)
    hashes.push_back(crypto::tagged_hash(crypto::tags::receipt, encode_receipt(receipt)));
  return merkle_root(hashes);
}

}  // namespace govchain::chain
