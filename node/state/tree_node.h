// Internal to govchain_state: one tree node in memory and in the store.
//
// A node is either inner (the hashes of its two children, zero = empty) or
// a leaf (a key, its value, and their hashes). It also carries its own hash,
// computed once when it is made or decoded. Nodes are immutable values,
// shared between the cache and readers through shared_ptr<const TreeNode>;
// the layout is kept small because the cache holds millions of them.
#pragma once

#include <cstdint>
#include <memory>

#include "core/bytes.h"
#include "core/status.h"

namespace govchain::state {

class TreeNode {
 public:
  enum class Kind : uint8_t { inner = 1, leaf = 2 };

  static TreeNode make_inner(const Hash& left, const Hash& right);
  static TreeNode make_leaf(ByteView key, ByteView value);

  bool is_leaf() const { return kind_ == Kind::leaf; }
  Kind kind() const { return kind_; }
  const Hash& hash() const { return hash_; }
  const Hash& left() const { return first_; }                                  // inner only
  const Hash& right() const { return second_; }                                // inner only
  const Hash& key_hash() const { return first_; }                              // leaf only
  const Hash& value_hash() const { return second_; }                           // leaf only
  ByteView key() const { return ByteView(payload_.data(), key_size_bytes_); }  // leaf only
  ByteView value() const {                                                     // leaf only
    return ByteView(payload_.data() + key_size_bytes_, payload_.size() - key_size_bytes_);
  }
  // Approximate memory held, for the cache bound.
  size_t memory_size_bytes() const { return sizeof(TreeNode) + payload_.capacity(); }

 private:
  friend Result<TreeNode> decode_node(ByteView encoded, const Hash& expected_hash);

  Hash hash_;
  Hash first_;
  Hash second_;
  Bytes payload_;  // leaf: key followed by value
  uint32_t key_size_bytes_ = 0;
  Kind kind_ = Kind::inner;
};

using NodePointer = std::shared_ptr<const TreeNode>;

// Encoding: u8 kind; inner: left(32) right(32); leaf: key_hash(32)
// value_hash(32) bytes(key) bytes(value), with codec's u32 length prefixes.
Bytes encode_node(const TreeNode& node);
// Decodes and checks that the node hashes to `expected_hash` (and for a leaf
// that key_hash and value_hash match key and value); Code::corruption if not.
Result<TreeNode> decode_node(ByteView encoded, const Hash& expected_hash);

}  // namespace govchain::state
