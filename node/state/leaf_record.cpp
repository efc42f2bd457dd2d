#include "state/leaf_record.h"

#include "codec/codec.h"
#include "core/limits.h"
#include "crypto/hash.h"
#include "state/proof.h"

namespace govchain::state {
namespace {

constexpr uint8_t leaf_record_format = 2;

void append_big_endian(uint64_t value, int width, Bytes& out) {
  for (int index = width - 1; index >= 0; --index) out.push_back(static_cast<uint8_t>(value >> (8 * index)));
}

Status corrupt(const Hash& hash, const std::string& message) {
  return error(Code::corruption, "state leaf " + hash.hex() + ": " + message);
}

}  // namespace

void encode_leaf_record(ByteView key, ByteView value, uint64_t version, Bytes& out) {
  out.clear();
  out.reserve(1 + 8 + 4 + key.size() + 4 + value.size());
  out.push_back(leaf_record_format);
  append_big_endian(version, 8, out);
  append_big_endian(key.size(), 4, out);
  out.insert(out.end(), key.begin(), key.end());
  append_big_endian(value.size(), 4, out);
  out.insert(out.end(), value.begin(), value.end());
}

Result<LeafRecord> decode_leaf_record(ByteView encoded, const Hash& expected_leaf_hash, uint64_t* version) {
  codec::Reader reader(encoded);
  auto format = reader.u8();
  if (!format.ok() || *format != leaf_record_format)
    return corrupt(expected_leaf_hash,
                   format.ok() ? "unknown leaf record format " + std::to_string(*format) : std::string("empty record"));
  auto written_by = reader.u64();
  if (!written_by.ok()) return corrupt(expected_leaf_hash, "the record ends before its version");
  LeafRecord leaf;
  auto key = reader.bytes(limits::state_key_size_bytes_max);
  if (!key.ok()) return corrupt(expected_leaf_hash, "undecodable key: " + key.status().message());
  auto value = reader.bytes(limits::state_value_size_bytes_max);
  if (!value.ok()) return corrupt(expected_leaf_hash, "undecodable value: " + value.status().message());
  if (Status finished = reader.finish(); !finished.ok())
    return corrupt(expected_leaf_hash, "undecodable record: " + finished.message());
  if (key->empty()) return corrupt(expected_leaf_hash, "the key is empty");
  leaf.key = std::move(*key);
  leaf.value = std::move(*value);
  leaf.key_hash = state_key_hash(leaf.key);
  leaf.value_hash = crypto::sha256(leaf.value);
  const Hash computed = leaf_hash(leaf.key_hash, leaf.value_hash);
  if (computed != expected_leaf_hash) return corrupt(expected_leaf_hash, "the record hashes to " + computed.hex());
  if (version != nullptr) *version = *written_by;
  return leaf;
}

}  // namespace govchain::state
