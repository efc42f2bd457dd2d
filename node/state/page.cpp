#include "state/page.h"

#include <bit>
#include <cassert>
#include <cstring>
#include <new>

#include "state/proof.h"

namespace govchain::state {
namespace {

constexpr uint8_t page_record_format = 1;
constexpr size_t page_record_header_size_bytes = 14;

uint32_t count_bits(uint32_t bits) { return static_cast<uint32_t>(std::popcount(bits)); }

uint16_t slots_before(uint32_t index) { return static_cast<uint16_t>((1u << index) - 1); }

void put_big_endian(uint64_t value, int width, uint8_t* out) {
  for (int index = 0; index < width; ++index) out[index] = static_cast<uint8_t>(value >> (8 * (width - 1 - index)));
}

uint64_t get_big_endian(const uint8_t* in, int width) {
  uint64_t value = 0;
  for (int index = 0; index < width; ++index) value = (value << 8) | in[index];
  return value;
}

// The hash of every position 1..31 of a page with these slots, computing
// only the inner hashes whose slots changed since `previous`; returns how
// many it computed.
size_t position_hashes(const Slots& slots, uint16_t occupied, uint16_t leaves, const Page* previous,
                       uint16_t changed_slots, std::array<Hash, 2 * page_slot_count>& hashes) {
  size_t computed = 0;
  for (uint32_t index = 0; index < page_slot_count; ++index) hashes[page_slot_count + index] = slots[index].hash;
  for (uint32_t position = page_slot_count - 1; position >= 1; --position) {
    const uint16_t covered = position_slot_mask(position);
    switch (position_kind(position, occupied, leaves)) {
      case PositionKind::empty:
        hashes[position] = Hash{};
        break;
      case PositionKind::leaf:
        hashes[position] =
            slots[static_cast<uint32_t>(std::countr_zero(static_cast<uint32_t>(covered & occupied)))].hash;
        break;
      case PositionKind::inner:
        if (previous != nullptr && (covered & changed_slots) == 0) {
          hashes[position] = previous->position_hash(position);
        } else {
          hashes[position] = inner_hash(hashes[2 * position], hashes[2 * position + 1]);
          ++computed;
        }
        break;
    }
  }
  return computed;
}

}  // namespace

uint16_t position_slot_mask(uint32_t position) {
  assert(position >= 1 && position < 2 * page_slot_count);
  const uint32_t level = static_cast<uint32_t>(std::bit_width(position)) - 1;
  const uint32_t width = page_slot_count >> level;
  const uint32_t first = (position - (1u << level)) * width;
  return static_cast<uint16_t>(((1u << width) - 1) << first);
}

PositionKind position_kind(uint32_t position, uint16_t occupied, uint16_t leaves) {
  const uint32_t below = position_slot_mask(position) & occupied;
  if (below == 0) return PositionKind::empty;
  // A single leaf moves up to the highest position that holds nothing else;
  // a single child page is a subtree of at least two leaves: an inner node.
  if ((below & (below - 1)) == 0 && (below & leaves) != 0) return PositionKind::leaf;
  return PositionKind::inner;
}

PagePointer Page::make(uint32_t depth, const Slots& slots, const Page* previous, uint16_t changed_slots,
                       size_t* inner_hash_count) {
  assert(depth <= page_depth_max && depth % page_levels == 0);
  uint16_t occupied = 0;
  uint16_t leaves = 0;
  for (uint32_t index = 0; index < page_slot_count; ++index) {
    if (slots[index].kind != SlotKind::empty) occupied |= static_cast<uint16_t>(1u << index);
    if (slots[index].kind == SlotKind::leaf) leaves |= static_cast<uint16_t>(1u << index);
  }
  assert(state::position_kind(1, occupied, leaves) == PositionKind::inner);
  std::array<Hash, 2 * page_slot_count> hashes;
  const size_t computed = position_hashes(slots, occupied, leaves, previous, changed_slots, hashes);
  if (inner_hash_count != nullptr) *inner_hash_count += computed;
  uint16_t inner = 0;
  for (uint32_t position = 1; position < page_slot_count; ++position)
    if (state::position_kind(position, occupied, leaves) == PositionKind::inner)
      inner |= static_cast<uint16_t>(1u << (position - 1));
  const uint32_t hash_count = count_bits(inner) + count_bits(occupied) + 2 * count_bits(leaves);
  void* memory = ::operator new(sizeof(Page) + hash_count * sizeof(Hash));
  Page* page = new (memory) Page(depth, occupied, leaves, inner, hash_count);
  Hash* out = page->hashes();
  for (uint32_t position = 1; position < page_slot_count; ++position)
    if (inner & (1u << (position - 1))) *out++ = hashes[position];
  for (uint32_t index = 0; index < page_slot_count; ++index) {
    if (slots[index].kind == SlotKind::empty) continue;
    *out++ = slots[index].hash;
    if (slots[index].kind != SlotKind::leaf) continue;
    *out++ = slots[index].key_hash;
    *out++ = slots[index].value_hash;
  }
  return PagePointer(page);
}

uint32_t Page::inner_rank(uint32_t position) const { return count_bits(inner_ & ((1u << (position - 1)) - 1)); }

uint32_t Page::slot_offset(uint32_t index) const {
  const uint16_t before = slots_before(index);
  return count_bits(inner_) + count_bits(occupied_ & before) + 2 * count_bits(leaves_ & before);
}

SlotKind Page::slot_kind(uint32_t index) const {
  assert(index < page_slot_count);
  if (!(occupied_ & (1u << index))) return SlotKind::empty;
  return (leaves_ & (1u << index)) ? SlotKind::leaf : SlotKind::page;
}

Slot Page::slot(uint32_t index) const {
  const SlotKind kind = slot_kind(index);
  if (kind == SlotKind::empty) return Slot{};
  const Hash* entry = hashes() + slot_offset(index);
  if (kind == SlotKind::page) return Slot::page(entry[0]);
  return Slot::leaf(entry[0], entry[1], entry[2]);
}

void Page::read_slots(Slots& slots) const {
  const Hash* entry = hashes() + count_bits(inner_);
  for (uint32_t index = 0; index < page_slot_count; ++index) {
    const uint32_t bit = 1u << index;
    if (!(occupied_ & bit)) {
      slots[index] = Slot{};
    } else if (leaves_ & bit) {
      slots[index] = Slot::leaf(entry[0], entry[1], entry[2]);
      entry += 3;
    } else {
      slots[index] = Slot::page(entry[0]);
      entry += 1;
    }
  }
}

PositionKind Page::position_kind(uint32_t position) const { return state::position_kind(position, occupied_, leaves_); }

uint32_t Page::single_leaf_slot(uint32_t position) const {
  assert(position_kind(position) == PositionKind::leaf);
  return static_cast<uint32_t>(std::countr_zero(static_cast<uint32_t>(position_slot_mask(position) & occupied_)));
}

Hash Page::position_hash(uint32_t position) const {
  if (position >= page_slot_count) {
    const uint32_t index = position - page_slot_count;
    return slot_kind(index) == SlotKind::empty ? Hash{} : hashes()[slot_offset(index)];
  }
  switch (position_kind(position)) {
    case PositionKind::empty:
      return Hash{};
    case PositionKind::leaf:
      return hashes()[slot_offset(single_leaf_slot(position))];
    case PositionKind::inner:
      break;
  }
  return hashes()[inner_rank(position)];
}

size_t encode_page(const Page& page, uint64_t version, uint8_t* out) {
  out[0] = page_record_format;
  out[1] = static_cast<uint8_t>(page.depth() / page_levels);
  put_big_endian(version, 8, out + 2);
  put_big_endian(page.occupied_slots(), 2, out + 10);
  put_big_endian(page.leaf_slots(), 2, out + 12);
  size_t size_bytes = page_record_header_size_bytes;
  for (uint32_t index = 0; index < page_slot_count; ++index) {
    const Slot slot = page.slot(index);
    if (slot.kind == SlotKind::page) {
      std::memcpy(out + size_bytes, slot.hash.data.data(), Hash::size_bytes);
      size_bytes += Hash::size_bytes;
    } else if (slot.kind == SlotKind::leaf) {
      std::memcpy(out + size_bytes, slot.key_hash.data.data(), Hash::size_bytes);
      std::memcpy(out + size_bytes + Hash::size_bytes, slot.value_hash.data.data(), Hash::size_bytes);
      size_bytes += 2 * Hash::size_bytes;
    }
  }
  return size_bytes;
}

namespace {

Status corrupt(const Hash& hash, const std::string& message) {
  return error(Code::corruption, "state page " + hash.hex() + ": " + message);
}

// Checks the header of a page record and returns its occupied and leaf masks.
Status check_page_header(ByteView encoded, const Hash& expected_hash, uint32_t expected_depth, uint16_t& occupied,
                         uint16_t& leaves) {
  if (encoded.size() < page_record_header_size_bytes)
    return corrupt(expected_hash, "the record has " + std::to_string(encoded.size()) + " bytes, too few for a page");
  if (encoded[0] != page_record_format)
    return corrupt(expected_hash, "unknown page record format " + std::to_string(encoded[0]));
  if (uint32_t depth = encoded[1] * page_levels; depth != expected_depth)
    return corrupt(expected_hash, "the record is a page at depth " + std::to_string(depth) + ", expected " +
                                      std::to_string(expected_depth));
  occupied = static_cast<uint16_t>(get_big_endian(encoded.data() + 10, 2));
  leaves = static_cast<uint16_t>(get_big_endian(encoded.data() + 12, 2));
  if ((leaves & ~occupied) != 0) return corrupt(expected_hash, "a leaf is marked in an empty slot");
  if (expected_depth == page_depth_max && leaves != occupied)
    return corrupt(expected_hash, "a page at the deepest level references a child page");
  if (position_kind(1, occupied, leaves) != PositionKind::inner)
    return corrupt(expected_hash, "the page holds fewer than two leaves");
  const size_t size_bytes =
      page_record_header_size_bytes + Hash::size_bytes * (count_bits(occupied) + count_bits(leaves));
  if (encoded.size() != size_bytes)
    return corrupt(expected_hash, "the record has " + std::to_string(encoded.size()) + " bytes, its slots need " +
                                      std::to_string(size_bytes));
  return Status();
}

}  // namespace

Result<PagePointer> decode_page(ByteView encoded, const Hash& expected_hash, uint32_t expected_depth,
                                uint64_t* version) {
  assert(expected_depth <= page_depth_max && expected_depth % page_levels == 0);
  uint16_t occupied = 0;
  uint16_t leaves = 0;
  GOVCHAIN_TRY(check_page_header(encoded, expected_hash, expected_depth, occupied, leaves));
  Slots slots;
  const uint8_t* entry = encoded.data() + page_record_header_size_bytes;
  for (uint32_t index = 0; index < page_slot_count; ++index) {
    if (!(occupied & (1u << index))) continue;
    Hash first = Hash::from_view(ByteView(entry, Hash::size_bytes));
    entry += Hash::size_bytes;
    if (!(leaves & (1u << index))) {
      if (first.is_zero()) return corrupt(expected_hash, "slot " + std::to_string(index) + " references a zero page");
      slots[index] = Slot::page(first);
      continue;
    }
    Hash value_hash = Hash::from_view(ByteView(entry, Hash::size_bytes));
    entry += Hash::size_bytes;
    if (slot_of(first, expected_depth) != index)
      return corrupt(expected_hash, "the leaf in slot " + std::to_string(index) + " belongs to another slot");
    slots[index] = Slot::leaf(leaf_hash(first, value_hash), first, value_hash);
  }
  PagePointer page = Page::make(expected_depth, slots);
  if (page->hash() != expected_hash) return corrupt(expected_hash, "the record hashes to " + page->hash().hex());
  if (version != nullptr) *version = get_big_endian(encoded.data() + 2, 8);
  return page;
}

}  // namespace govchain::state
