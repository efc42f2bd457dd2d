#include "state/tree_node.h"

#include "codec/codec.h"
#include "core/limits.h"
#include "crypto/hash.h"
#include "state/proof.h"

namespace govchain::state {

TreeNode TreeNode::make_inner(const Hash& left, const Hash& right) {
  TreeNode node;
  node.kind_ = Kind::inner;
  node.first_ = left;
  node.second_ = right;
  node.hash_ = inner_hash(left, right);
  return node;
}

TreeNode TreeNode::make_leaf(ByteView key, ByteView value) {
  TreeNode node;
  node.kind_ = Kind::leaf;
  node.payload_.reserve(key.size() + value.size());
  node.payload_.assign(key.begin(), key.end());
  node.payload_.insert(node.payload_.end(), value.begin(), value.end());
  node.key_size_bytes_ = static_cast<uint32_t>(key.size());
  node.first_ = state_key_hash(key);
  node.second_ = crypto::sha256(value);
  node.hash_ = leaf_hash(node.first_, node.second_);
  return node;
}

Bytes encode_node(const TreeNode& node) {
  codec::Writer writer;
  writer.u8(static_cast<uint8_t>(node.kind()));
  if (node.is_leaf()) {
    writer.fixed(node.key_hash());
    writer.fixed(node.value_hash());
    writer.bytes(node.key());
    writer.bytes(node.value());
  } else {
    writer.fixed(node.left());
    writer.fixed(node.right());
  }
  return writer.take();
}

static Status corrupt(const Hash& hash, const std::string& message) {
  return error(Code::corruption, "state node " + hash.hex() + ": " + message);
}

// Reads the two hashes every node has, then for a leaf its key and value.
static Status decode_fields(codec::Reader& reader, bool is_leaf, Hash& first, Hash& second, Bytes& key, Bytes& value) {
  auto first_read = reader.fixed<32>();
  if (!first_read.ok()) return first_read.status();
  auto second_read = reader.fixed<32>();
  if (!second_read.ok()) return second_read.status();
  first = *first_read;
  second = *second_read;
  if (!is_leaf) return reader.finish();
  auto key_read = reader.bytes(limits::state_key_size_bytes_max);
  if (!key_read.ok()) return key_read.status();
  auto value_read = reader.bytes(limits::state_value_size_bytes_max);
  if (!value_read.ok()) return value_read.status();
  key = std::move(*key_read);
  value = std::move(*value_read);
  return reader.finish();
}

Result<TreeNode> decode_node(ByteView encoded, const Hash& expected_hash) {
  codec::Reader reader(encoded);
  auto kind = reader.u8();
  if (!kind.ok()) return corrupt(expected_hash, "empty record");
  const bool is_leaf = *kind == static_cast<uint8_t>(TreeNode::Kind::leaf);
  if (!is_leaf && *kind != static_cast<uint8_t>(TreeNode::Kind::inner))
    return corrupt(expected_hash, "unknown node kind " + std::to_string(*kind));
  Hash first;
  Hash second;
  Bytes key;
  Bytes value;
  Status fields = decode_fields(reader, is_leaf, first, second, key, value);
  if (!fields.ok()) return corrupt(expected_hash, "undecodable record: " + fields.message());
  TreeNode node = is_leaf ? TreeNode::make_leaf(key, value) : TreeNode::make_inner(first, second);
  if (is_leaf && (node.key_hash() != first || node.value_hash() != second))
    return corrupt(expected_hash, "leaf key or value does not match its hashes");
  if (node.hash() != expected_hash) return corrupt(expected_hash, "record hashes to " + node.hash().hex());
  return node;
}

}  // namespace govchain::state
