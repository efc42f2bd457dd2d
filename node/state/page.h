// Internal to govchain_state: a page of the state tree, the unit in which
// the tree is stored, cached and rewritten.
//
// The tree itself is the binary compact sparse Merkle tree of docs/state.md;
// pages only group it. A page is the part of the tree between depth d (a
// multiple of 4) and depth d + 4 below one inner node at depth d: up to 15
// inner nodes on four binary levels, and 16 slots at depth d + 4, one per
// value of the key-hash nibble at depth d. A slot is empty, holds a single
// leaf, or holds a child page (a subtree with at least two leaves, whose
// top is an inner node at depth d + 4). Which of the 15 positions above the
// slots are inner nodes, single leaves that moved up, or empty follows from
// which slots are occupied and which hold leaves, so a page is stored as its
// slots only, and its inner hashes are recomputed and checked on decoding.
// A page's hash is the hash of the inner node at its top, so pages are
// content-addressed exactly as binary nodes would be: the state root is the
// hash of the root page (or of the single leaf, or zero).
//
// Positions inside a page are numbered like a binary heap: 1 is the top
// (depth d), position p has children 2p (bit 0, left) and 2p + 1 (bit 1,
// right), and positions 16..31 are the slots 0..15.
//
// Pages are immutable and shared between the cache, apply and readers by
// PagePointer (an intrusive, thread-safe reference count); a page is one
// allocation holding its header and its hashes.
#pragma once

#include <array>
#include <boost/smart_ptr/intrusive_ptr.hpp>
#include <boost/smart_ptr/intrusive_ref_counter.hpp>
#include <cstddef>
#include <cstdint>

#include "core/bytes.h"
#include "core/status.h"

namespace govchain::state {

inline constexpr uint32_t page_levels = 4;
inline constexpr uint32_t page_slot_count = 16;
// The deepest page starts at depth 252; its slots (depth 256) hold leaves only.
inline constexpr uint32_t page_depth_max = 252;

// The slot that `key_hash` takes in a page at `depth` (a multiple of 4):
// the key hash's nibble there, most significant bits first.
inline uint32_t slot_of(const Hash& key_hash, uint32_t depth) {
  const uint8_t byte = key_hash.data[depth / 8];
  return depth % 8 == 0 ? byte >> 4 : byte & 0x0F;
}

enum class SlotKind : uint8_t { empty = 0, leaf = 1, page = 2 };

// The content of one slot as a plain value.
struct Slot {
  SlotKind kind = SlotKind::empty;
  Hash hash;        // the leaf hash or the page hash; zero if empty
  Hash key_hash;    // leaf only
  Hash value_hash;  // leaf only

  static Slot leaf(const Hash& leaf_hash, const Hash& key_hash, const Hash& value_hash) {
    return Slot{SlotKind::leaf, leaf_hash, key_hash, value_hash};
  }
  static Slot page(const Hash& page_hash) { return Slot{SlotKind::page, page_hash, {}, {}}; }
  // Leaf and page hashes are made with different tags, so kind and hash
  // together identify a slot's content.
  bool same_as(const Slot& other) const { return kind == other.kind && hash == other.hash; }
};

using Slots = std::array<Slot, page_slot_count>;

// What a position of a page holds.
enum class PositionKind : uint8_t { empty, leaf, inner };

class Page;
using PagePointer = boost::intrusive_ptr<const Page>;

class Page : public boost::intrusive_ref_counter<Page, boost::thread_safe_counter> {
 public:
  // Builds the page at `depth` from its slots. Precondition: the slots hold
  // at least two leaves between them (at least two occupied slots, or one
  // child page). Inner hashes above slots outside `changed_slots` (bit n =
  // slot n) are taken from `previous`, which must be the page at the same
  // place with the same content in those slots; the others are computed,
  // and their number is added to `*inner_hash_count` if given.
  static PagePointer make(uint32_t depth, const Slots& slots, const Page* previous = nullptr,
                          uint16_t changed_slots = 0xFFFF, size_t* inner_hash_count = nullptr);

  // The hash of the inner node at the top of the page.
  const Hash& hash() const { return hashes()[0]; }
  uint32_t depth() const { return depth_; }
  uint16_t occupied_slots() const { return occupied_; }
  uint16_t leaf_slots() const { return leaves_; }

  Slot slot(uint32_t index) const;
  // All 16 slots, read in one pass.
  void read_slots(Slots& slots) const;
  SlotKind slot_kind(uint32_t index) const;
  PositionKind position_kind(uint32_t position) const;
  // The hash of a position (1..31): zero if empty, the leaf hash if it holds
  // a single leaf, the inner hash otherwise.
  Hash position_hash(uint32_t position) const;
  // The slot of the single leaf below a position whose kind is leaf.
  uint32_t single_leaf_slot(uint32_t position) const;

  // Memory held by the page, for the cache bound.
  size_t memory_size_bytes() const { return sizeof(Page) + hash_count_ * sizeof(Hash); }

  // Pages are allocated by make() as one block; delete releases that block.
  static void operator delete(void* pointer) { ::operator delete(pointer); }

 private:
  Page(uint32_t depth, uint16_t occupied, uint16_t leaves, uint16_t inner, uint32_t hash_count)
      : depth_(static_cast<uint16_t>(depth)),
        occupied_(occupied),
        leaves_(leaves),
        inner_(inner),
        hash_count_(static_cast<uint16_t>(hash_count)) {}

  const Hash* hashes() const { return reinterpret_cast<const Hash*>(this + 1); }
  Hash* hashes() { return reinterpret_cast<Hash*>(this + 1); }
  uint32_t inner_rank(uint32_t position) const;
  uint32_t slot_offset(uint32_t index) const;

  // Inner hashes of the positions 1..15 that are inner nodes (bit p - 1 of
  // inner_), in position order, then per occupied slot in slot order: a
  // child page's hash, or a leaf's hash, key hash and value hash.
  uint16_t depth_;
  uint16_t occupied_;  // bit n: slot n is occupied
  uint16_t leaves_;    // bit n: slot n holds a leaf (a subset of occupied_)
  uint16_t inner_;     // bit p - 1: position p (1..15) is an inner node
  uint16_t hash_count_;
};

// The slots a position covers (bit n = slot n), and what the position holds
// given which slots are occupied and which hold leaves.
uint16_t position_slot_mask(uint32_t position);
PositionKind position_kind(uint32_t position, uint16_t occupied, uint16_t leaves);

// Page records in the store:
//   u8 record format (1), u8 depth / 4, u64 version that wrote the record,
//   u16 occupied slots, u16 leaf slots (bit n = slot n, big-endian),
//   then per occupied slot in slot order: a child page's hash (32 bytes), or
//   a leaf's key hash and value hash (64 bytes).
inline constexpr size_t page_record_size_bytes_max = 14 + page_slot_count * 2 * Hash::size_bytes;
// Writes the record of `page` into `out` and returns its size.
size_t encode_page(const Page& page, uint64_t version, uint8_t* out);
// Decodes a page record, checks its form, recomputes its hashes and checks
// that it is the page `expected_hash` at `expected_depth`; Code::corruption
// otherwise. `version`, if given, receives the version that wrote it.
Result<PagePointer> decode_page(ByteView encoded, const Hash& expected_hash, uint32_t expected_depth,
                                uint64_t* version = nullptr);

}  // namespace govchain::state
