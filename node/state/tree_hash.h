// Internal to govchain_state: the inner-node and leaf hashes of the state
// tree on its hot path.
//
// They return exactly what state::inner_hash and state::leaf_hash in
// proof.h return (docs/state.md, section 1); only the way of computing them
// differs. Both are tagged hashes of a 64-byte message, i.e. three SHA-256
// compressions: the tag block SHA256(tag) || SHA256(tag), the message, and a
// padding block that is the same for every message. The state after the tag
// block is computed once per tag, and the padding block is a constant, so a
// hash costs two compressions and no allocation, locking or map lookup. The
// tree computes tens of thousands of these per block, so this is most of the
// CPU time of StateTree::apply.
//
// On first use the fast path is compared with crypto::tagged_hash on a fixed
// input; should they ever differ (a Crypto++ build whose compression function
// expects another word order), every call falls back to the general path.
//
// Thread-safe and pure.
#pragma once

#include "core/bytes.h"

namespace govchain::state {

Hash tree_inner_hash(const Hash& left, const Hash& right);
Hash tree_leaf_hash(const Hash& key_hash, const Hash& value_hash);

// Whether the two-compression path is in use (false means the fallback).
bool tree_hash_is_fast();

}  // namespace govchain::state
