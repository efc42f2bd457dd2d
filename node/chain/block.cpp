#include "chain/block.h"

#include <functional>

#include "codec/codec.h"
#include "crypto/hash.h"

namespace govchain::chain {

namespace {

constexpr size_t message_size_bytes_max = 4096;
constexpr size_t events_max = 1024;
constexpr size_t event_data_size_bytes_max = 64 * 1024;
constexpr size_t return_data_size_bytes_max = 64 * 1024;

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
  consensus::encode_commit(writer, header.last_commit);
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
  auto commit = consensus::decode_commit(reader);
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

ChainHead head_of(const Header& header) {
  return {header.height, block_hash(header), header.state_root, header.time_ms};
}

Bytes encode_block(const Block& block) {
  codec::Writer writer;
  write_header(writer, block.header);
  writer.count(block.txs.size());
  for (const auto& tx : block.txs) writer.bytes(encode_tx(tx));
  return writer.take();
}

Bytes encode_block(const Header& header, const std::vector<CheckedTx>& txs) {
  codec::Writer writer;
  write_header(writer, header);
  writer.count(txs.size());
  for (const auto& tx : txs) writer.bytes(tx.bytes());
  return writer.take();
}

namespace {

// The start of every block decoder: the size bound, then the header.
Result<Header> read_block_header(ByteView bytes, codec::Reader& reader) {
  if (bytes.size() > limits::block_size_bytes_max)
    return error(Code::too_large, "block has " + std::to_string(bytes.size()) + " bytes, limit is " +
                                      std::to_string(limits::block_size_bytes_max));
  auto header = read_header(reader);
  if (!header.ok()) return header.status().with_context("header");
  return header;
}

// Reads a whole block, handing each transaction's bytes to `on_tx`: the one
// block decoder behind decode_block and decode_block_frame.
Result<Header> read_block(ByteView bytes, const std::function<Status(size_t index, Bytes tx)>& on_tx) {
  codec::Reader reader(bytes);
  auto header = read_block_header(bytes, reader);
  if (!header.ok()) return header.status();
  auto count = reader.count(limits::block_txs_max, 4);
  if (!count.ok()) return count.status().with_context("transaction list");
  for (size_t i = 0; i < *count; ++i) {
    auto tx_bytes = reader.bytes(limits::tx_size_bytes_max);
    if (!tx_bytes.ok()) return tx_bytes.status().with_context("transaction " + std::to_string(i));
    GOVCHAIN_TRY(on_tx(i, std::move(*tx_bytes)));
  }
  GOVCHAIN_TRY(reader.finish());
  return header;
}

}  // namespace

Result<Block> decode_block(ByteView bytes) {
  Block block;
  auto header = read_block(bytes, [&](size_t index, Bytes tx_bytes) {
    auto tx = decode_tx(tx_bytes);
    if (!tx.ok()) return tx.status().with_context("transaction " + std::to_string(index));
    block.txs.push_back(std::move(*tx));
    return Status();
  });
  if (!header.ok()) return header.status();
  block.header = std::move(*header);
  return block;
}

Result<BlockFrame> decode_block_frame(ByteView bytes) {
  BlockFrame frame;
  auto header = read_block(bytes, [&](size_t, Bytes tx_bytes) {
    frame.txs.push_back(std::move(tx_bytes));
    return Status();
  });
  if (!header.ok()) return header.status();
  frame.header = std::move(*header);
  return frame;
}

Result<Header> decode_block_header(ByteView bytes) {
  codec::Reader reader(bytes);
  return read_block_header(bytes, reader);
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
