// State proofs: verification of inclusion and non-inclusion of a key in the
// authenticated state, usable without any node internals.
//
// This file and proof.cpp form the library govchain_state_proof, which
// depends only on core, codec and crypto, so that the client SDK and light
// clients can verify proofs offline. The exact hashing is specified in
// docs/state.md; in short:
//   key_hash   = tagged_hash("govchain/state-key", key)
//   leaf hash  = tagged_hash("govchain/leaf", key_hash || sha256(value))
//   inner hash = tagged_hash("govchain/node", left || right)
//   empty subtree = 32 zero bytes; a subtree holding exactly one leaf is
//   that leaf's hash (the leaf sits at the top of the subtree).
// Bit i of key_hash (most significant bit of byte 0 is bit 0) chooses the
// child at depth i: 0 = left, 1 = right.
//
// All functions are pure and thread-safe; StateProof is a plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"

namespace govchain::state {

// Deepest possible position of a leaf: the number of bits in a key hash.
inline constexpr uint32_t tree_depth_max = 256;

// What the proven path of a key ends at.
enum class ProofTerminal : uint8_t {
  empty = 0,       // an empty subtree: the key is absent
  key_leaf = 1,    // the key's own leaf: the key is present
  other_leaf = 2,  // the leaf of a different key sharing the path: absent
};

// A proof for one key under one root: the hashes of the siblings along the
// key's path, from the root downwards, and what the path ends at.
struct StateProof {
  // siblings[i] is the hash of the subtree next to the path at depth i + 1,
  // i.e. the child of the depth-i node that the key's bit i does not choose.
  // A zero hash is an empty sibling (and costs nothing in the encoding).
  // siblings.size() is the depth of the terminal (0 = the root itself).
  std::vector<Hash> siblings;
  ProofTerminal terminal = ProofTerminal::empty;
  // Only for ProofTerminal::other_leaf: the key hash and value hash of the
  // leaf found on the path. Zero otherwise.
  Hash other_key_hash;
  Hash other_value_hash;

  bool operator==(const StateProof&) const = default;
};

// Hashing of the tree, shared with the node's tree implementation.
Hash state_key_hash(ByteView key);
Hash leaf_hash(const Hash& key_hash, const Hash& value_hash);
Hash inner_hash(const Hash& left, const Hash& right);
// Bit `depth` of `key_hash` (0 = left, 1 = right); depth < tree_depth_max.
bool path_bit(const Hash& key_hash, uint32_t depth);

// Canonical encoding (docs/state.md): u8 format version, u16 depth, a bitmap
// of non-empty siblings (ceil(depth / 8) bytes, most significant bit first,
// unused bits zero), the non-empty siblings (32 bytes each), u8 terminal and,
// for other_leaf only, the other key hash and value hash.
Bytes encode_proof(const StateProof& proof);
// Accepts only the canonical encoding; anything else is Code::malformed.
Result<StateProof> decode_proof(ByteView encoded);

// Checks that under `root`, `key` has `value` (or, with nullopt, is absent).
// Ok only if the proof recomputes exactly `root`. Failures are
// Code::invalid with a message saying what did not match.
Status verify_proof(const Hash& root, ByteView key, const std::optional<Bytes>& value, const StateProof& proof);

// The root that `proof` implies for `key` with `value`, or Code::invalid if
// the proof is inconsistent with the claim (used by verify_proof, and handy
// in diagnostics).
Result<Hash> root_from_proof(ByteView key, const std::optional<Bytes>& value, const StateProof& proof);

}  // namespace govchain::state
