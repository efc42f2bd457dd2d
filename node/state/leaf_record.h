// Internal to govchain_state: the stored record of one leaf, i.e. a key and
// its value, content-addressed by the leaf hash.
//
// Pages hold a leaf's key hash and value hash (enough to hash and rewrite
// the tree); the key and value themselves are stored once per leaf, so that
// any root ever written can still be read (StateTree::get_at) and proved.
// Leaf records are immutable; a leaf that moves to another depth keeps its
// record.
#pragma once

#include <cstdint>

#include "core/bytes.h"
#include "core/status.h"

namespace govchain::state {

struct LeafRecord {
  Bytes key;
  Bytes value;
  Hash key_hash;
  Hash value_hash;
};

// Leaf records in the store: u8 record format (2), u64 version that wrote
// the record, u32 length + key, u32 length + value (big-endian lengths).
// Appends the record to `out` (cleared first).
void encode_leaf_record(ByteView key, ByteView value, uint64_t version, Bytes& out);
// Decodes a leaf record, recomputes its key hash, value hash and leaf hash
// and checks the last against `expected_leaf_hash`; Code::corruption
// otherwise. `version`, if given, receives the version that wrote it.
Result<LeafRecord> decode_leaf_record(ByteView encoded, const Hash& expected_leaf_hash, uint64_t* version = nullptr);

}  // namespace govchain::state
