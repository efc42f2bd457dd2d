// The decoders of the state tree's stored records: pages and leaf records.
//
// The first input byte picks what to do with the rest:
//   0: decode the bytes as a page record (at a depth from the next byte) and
//      as a leaf record, against fixed hashes: anything may be rejected, but
//      only as Code::corruption, and nothing may crash;
//   1: build a page from the bytes (slot kinds and hashes), encode it, and
//      check that it decodes to the same page and re-encodes to the same
//      bytes, and that changing any byte outside the version is rejected;
//   2: encode the bytes as a leaf record (key and value) and check that it
//      decodes to the same key and value.
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/limits.h"
#include "crypto/hash.h"
#include "state/leaf_record.h"
#include "state/page.h"
#include "state/proof.h"

using namespace govchain;
using namespace govchain::state;

namespace {

void decode_anything(ByteView input) {
  if (input.empty()) return;
  const uint32_t depth = (input[0] % (page_depth_max / page_levels + 1)) * page_levels;
  Hash expected;
  expected.data[0] = 0x42;
  auto page = decode_page(input.subspan(1), expected, depth);
  assert(page.ok() || page.status().code() == Code::corruption);
  auto leaf = decode_leaf_record(input.subspan(1), expected);
  assert(leaf.ok() || leaf.status().code() == Code::corruption);
}

Hash take_hash(ByteView& input) {
  Hash hash;
  const size_t count = std::min(input.size(), Hash::size_bytes);
  if (count > 0) std::memcpy(hash.data.data(), input.data(), count);
  input = input.subspan(count);
  return hash;
}

// Slots from the input: two bits of kind per slot, then the hashes they need.
bool slots_from(ByteView input, uint32_t depth, Slots& slots) {
  if (input.size() < 4) return false;
  const uint32_t kinds = uint32_t{input[0]} << 24 | uint32_t{input[1]} << 16 | uint32_t{input[2]} << 8 | input[3];
  input = input.subspan(4);
  for (uint32_t index = 0; index < page_slot_count; ++index) {
    const uint32_t kind = (kinds >> (2 * index)) & 3;
    if (kind == 0) continue;
    if (kind == 1 && depth < page_depth_max) {
      Hash child = take_hash(input);
      child.data[31] |= 1;  // never the zero hash
      slots[index] = Slot::page(child);
      continue;
    }
    Hash key_hash = take_hash(input);
    const Hash value_hash = take_hash(input);
    // Put the key hash's nibble at `depth` where the slot says.
    uint8_t& byte = key_hash.data[depth / 8];
    byte =
        depth % 8 == 0 ? static_cast<uint8_t>((byte & 0x0F) | index << 4) : static_cast<uint8_t>((byte & 0xF0) | index);
    slots[index] = Slot::leaf(leaf_hash(key_hash, value_hash), key_hash, value_hash);
  }
  uint16_t occupied = 0;
  uint16_t leaves = 0;
  for (uint32_t index = 0; index < page_slot_count; ++index) {
    if (slots[index].kind != SlotKind::empty) occupied |= static_cast<uint16_t>(1u << index);
    if (slots[index].kind == SlotKind::leaf) leaves |= static_cast<uint16_t>(1u << index);
  }
  return position_kind(1, occupied, leaves) == PositionKind::inner;  // the precondition of Page::make
}

void round_trip_page(ByteView input) {
  if (input.size() < 2) return;
  const uint32_t depth = (input[0] % (page_depth_max / page_levels + 1)) * page_levels;
  const uint8_t mutated_byte = input[1];
  Slots slots;
  if (!slots_from(input.subspan(2), depth, slots)) return;
  PagePointer page = Page::make(depth, slots);
  std::array<uint8_t, page_record_size_bytes_max> record;
  const size_t size_bytes = encode_page(*page, 77, record.data());
  uint64_t version = 0;
  auto decoded = decode_page(ByteView(record.data(), size_bytes), page->hash(), depth, &version);
  assert(decoded.ok());
  assert(version == 77);
  for (uint32_t index = 0; index < page_slot_count; ++index) assert((*decoded)->slot(index).same_as(slots[index]));
  std::array<uint8_t, page_record_size_bytes_max> again;
  assert(encode_page(**decoded, 77, again.data()) == size_bytes);
  assert(std::memcmp(record.data(), again.data(), size_bytes) == 0);
  const size_t at = mutated_byte % size_bytes;
  if (at >= 2 && at < 10) return;  // the version: not part of the content
  record[at] ^= 0x10;
  assert(!decode_page(ByteView(record.data(), size_bytes), page->hash(), depth).ok());
}

void round_trip_leaf(ByteView input) {
  const size_t key_size = input.empty() ? 0 : 1 + input[0] % 64;
  if (input.size() < 1 + key_size) return;
  ByteView key = input.subspan(1, key_size);
  ByteView value = input.subspan(1 + key_size);
  if (value.size() > limits::state_value_size_bytes_max) return;
  Bytes record;
  encode_leaf_record(key, value, 5, record);
  auto decoded = decode_leaf_record(record, leaf_hash(state_key_hash(key), crypto::sha256(value)));
  assert(decoded.ok());
  assert(std::equal(decoded->key.begin(), decoded->key.end(), key.begin(), key.end()));
  assert(std::equal(decoded->value.begin(), decoded->value.end(), value.begin(), value.end()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  ByteView input(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      decode_anything(input);
      break;
    case 1:
      round_trip_page(input);
      break;
    default:
      round_trip_leaf(input);
      break;
  }
  return 0;
}
