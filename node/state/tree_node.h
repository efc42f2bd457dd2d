// Internal to govchain_state: the stored form of one tree node.
//
// A node is either inner (the hashes of its two children, zero = empty) or
// a leaf (the key, its value, and their hashes). Nodes are immutable values,
// shared between the cache and readers through shared_ptr<const TreeNode>.
#pragma once

#include <cstdint>
#include <memory>

#include "core/bytes.h"
#include "core/status.h"

namespace govchain::state {

struct TreeNode {
  enum class Kind : uint8_t { inner = 1, leaf = 2 };

  Kind kind = Kind::inner;
  Hash left;   // inner only
  Hash right;  // inner only
  Hash key_hash;    // leaf only
  Hash value_hash;  // leaf only
  Bytes key;        // leaf only
  Bytes value;      // leaf only

  static TreeNode make_inner(const Hash& left, const Hash& right);
  static TreeNode make_leaf(ByteView key, ByteView value);
  // Computes the node's hash (inner_hash or leaf_hash, see state/proof.h).
  Hash compute_hash() const;
  // Approximate memory held, for the cache bound.
  size_t memory_size_bytes() const;
  bool is_leaf() const { return kind == Kind::leaf; }
};

using NodePointer = std::shared_ptr<const TreeNode>;

// Encoding: u8 kind; inner: left(32) right(32); leaf: key_hash(32)
// value_hash(32) bytes(key) bytes(value), with codec's length prefixes.
Bytes encode_node(const TreeNode& node);
// Decodes and checks that the node hashes to `expected_hash` (and for a leaf
// that key_hash and value_hash match key and value); Code::corruption if not.
Result<TreeNode> decode_node(ByteView encoded, const Hash& expected_hash);

}  // namespace govchain::state
