#include "state/tree_node.h"

#include "codec/codec.h"
#include "core/limits.h"
#include "crypto/hash.h"
#include "state/proof.h"

namespace govchain::state {

TreeNode TreeNode::make_inner(const Hash& left, const Hash& right) {
  TreeNode node;
  node.kind = Kind::inner;
  node.left = left;
  node.right = right;
  return node;
}

TreeNode TreeNode::make_leaf(ByteView key, ByteView value) {
  TreeNode node;
  node.kind = Kind::leaf;
  node.key.assign(key.begin(), key.end());
  node.value.assign(value.begin(), value.end());
  node.key_hash = state_key_hash(key);
  node.value_hash = crypto::sha256(value);
  return node;
}

Hash TreeNode::compute_hash() const { return is_leaf() ? leaf_hash(key_hash, value_hash) : inner_hash(left, right); }

size_t TreeNode::memory_size_bytes() const { return sizeof(TreeNode) + key.capacity() + value.capacity() + 64; }

Bytes encode_node(const TreeNode& node) {
  codec::Writer writer;
  writer.u8(static_cast<uint8_t>(node.kind));
  if (node.is_leaf()) {
    writer.fixed(node.key_hash);
    writer.fixed(node.value_hash);
    writer.bytes(node.key);
    writer.bytes(node.value);
  } else {
    writer.fixed(node.left);
    writer.fixed(node.right);
  }
  return writer.take();
}

static Status corrupt(const Hash& hash, const std::string& message) {
  return error(Code::corruption, "state node " + hash.hex() + ": " + message);
}

static Status decode_leaf_fields(codec::Reader& reader, TreeNode& node) {
  auto key_hash = reader.fixed<32>();
  if (!key_hash.ok()) return key_hash.status();
  auto value_hash = reader.fixed<32>();
  if (!value_hash.ok()) return value_hash.status();
  auto key = reader.bytes(limits::state_key_size_bytes_max);
  if (!key.ok()) return key.status();
  auto value = reader.bytes(limits::state_value_size_bytes_max);
  if (!value.ok()) return value.status();
  node.key_hash = *key_hash;
  node.value_hash = *value_hash;
  node.key = std::move(*key);
  node.value = std::move(*value);
  return Status();
}

static Status decode_inner_fields(codec::Reader& reader, TreeNode& node) {
  auto left = reader.fixed<32>();
  if (!left.ok()) return left.status();
  auto right = reader.fixed<32>();
  if (!right.ok()) return right.status();
  node.left = *left;
  node.right = *right;
  return Status();
}

Result<TreeNode> decode_node(ByteView encoded, const Hash& expected_hash) {
  codec::Reader reader(encoded);
  auto kind = reader.u8();
  if (!kind.ok()) return corrupt(expected_hash, "empty record");
  TreeNode node;
  Status fields;
  if (*kind == static_cast<uint8_t>(TreeNode::Kind::leaf)) {
    node.kind = TreeNode::Kind::leaf;
    fields = decode_leaf_fields(reader, node);
  } else if (*kind == static_cast<uint8_t>(TreeNode::Kind::inner)) {
    node.kind = TreeNode::Kind::inner;
    fields = decode_inner_fields(reader, node);
  } else {
    return corrupt(expected_hash, "unknown node kind " + std::to_string(*kind));
  }
  if (fields.ok()) fields = reader.finish();
  if (!fields.ok()) return corrupt(expected_hash, "undecodable record: " + fields.message());
  if (node.is_leaf() && (node.key_hash != state_key_hash(node.key) || node.value_hash != crypto::sha256(node.value)))
    return corrupt(expected_hash, "leaf key or value does not match its hashes");
  if (node.compute_hash() != expected_hash) return corrupt(expected_hash, "record hashes to " + node.compute_hash().hex());
  return node;
}

}  // namespace govchain::state
