#include "state/proof.h"

#include "codec/codec.h"
#include "crypto/hash.h"
#include "crypto/pair_hash.h"

namespace govchain::state {

Hash state_key_hash(ByteView key) { return crypto::tagged_hash(crypto::tags::state_key, key); }

// Both hashes are on the hot path of the state tree (tens of thousands per
// block): the pair hashers keep the tag's SHA-256 state (crypto/pair_hash.h).
Hash leaf_hash(const Hash& key_hash, const Hash& value_hash) {
  static const crypto::PairHasher hasher(crypto::tags::leaf);
  return hasher.hash(key_hash, value_hash);
}

Hash inner_hash(const Hash& left, const Hash& right) {
  static const crypto::PairHasher hasher(crypto::tags::node);
  return hasher.hash(left, right);
}

bool path_bit(const Hash& key_hash, uint32_t depth) {
  assert(depth < tree_depth_max);
  return (key_hash.data[depth / 8] >> (7 - depth % 8)) & 1;
}

Bytes encode_proof(const StateProof& proof) {
  assert(proof.siblings.size() <= tree_depth_max);
  codec::Writer writer;
  writer.u8(codec::format_version);
  writer.u16(static_cast<uint16_t>(proof.siblings.size()));
  Bytes bitmap((proof.siblings.size() + 7) / 8, 0);
  for (size_t depth = 0; depth < proof.siblings.size(); ++depth)
    if (!proof.siblings[depth].is_zero()) bitmap[depth / 8] |= static_cast<uint8_t>(0x80 >> (depth % 8));
  writer.raw(bitmap);
  for (const Hash& sibling : proof.siblings)
    if (!sibling.is_zero()) writer.fixed(sibling);
  writer.u8(static_cast<uint8_t>(proof.terminal));
  if (proof.terminal == ProofTerminal::other_leaf) {
    writer.fixed(proof.other_key_hash);
    writer.fixed(proof.other_value_hash);
  }
  return writer.take();
}

static Status malformed(const std::string& message) { return error(Code::malformed, "state proof: " + message); }

// Reads the bitmap and the non-empty siblings it announces.
static Status decode_siblings(codec::Reader& reader, uint16_t depth, std::vector<Hash>& siblings) {
  auto bitmap = reader.raw((depth + 7u) / 8u);
  if (!bitmap.ok()) return bitmap.status().with_context("state proof sibling bitmap");
  Bytes bitmap_bytes(bitmap->begin(), bitmap->end());
  if (depth % 8 != 0 && (bitmap_bytes.back() & (0xFFu >> (depth % 8))) != 0)
    return malformed("unused bits of the sibling bitmap are not zero");
  siblings.assign(depth, Hash{});
  for (uint32_t index = 0; index < depth; ++index) {
    if (!(bitmap_bytes[index / 8] & (0x80 >> (index % 8)))) continue;
    auto sibling = reader.fixed<32>();
    if (!sibling.ok()) return sibling.status().with_context("state proof sibling at depth " + std::to_string(index));
    if (sibling->is_zero())
      return malformed("sibling at depth " + std::to_string(index) + " is marked non-empty but zero");
    siblings[index] = *sibling;
  }
  return Status();
}

static Status decode_terminal(codec::Reader& reader, StateProof& proof) {
  auto terminal = reader.u8();
  if (!terminal.ok()) return terminal.status().with_context("state proof terminal");
  if (*terminal > static_cast<uint8_t>(ProofTerminal::other_leaf))
    return malformed("unknown terminal kind " + std::to_string(*terminal));
  proof.terminal = static_cast<ProofTerminal>(*terminal);
  if (proof.terminal != ProofTerminal::other_leaf) return Status();
  auto key_hash = reader.fixed<32>();
  if (!key_hash.ok()) return key_hash.status().with_context("state proof other key hash");
  auto value_hash = reader.fixed<32>();
  if (!value_hash.ok()) return value_hash.status().with_context("state proof other value hash");
  proof.other_key_hash = *key_hash;
  proof.other_value_hash = *value_hash;
  return Status();
}

Result<StateProof> decode_proof(ByteView encoded) {
  codec::Reader reader(encoded);
  auto version = reader.u8();
  if (!version.ok()) return version.status().with_context("state proof version");
  if (*version != codec::format_version) return malformed("unsupported format version " + std::to_string(*version));
  auto depth = reader.u16();
  if (!depth.ok()) return depth.status().with_context("state proof depth");
  if (*depth > tree_depth_max)
    return malformed("depth " + std::to_string(*depth) + " exceeds " + std::to_string(tree_depth_max));
  StateProof proof;
  GOVCHAIN_TRY(decode_siblings(reader, *depth, proof.siblings));
  GOVCHAIN_TRY(decode_terminal(reader, proof));
  Status finished = reader.finish();
  if (!finished.ok()) return finished.with_context("state proof");
  return proof;
}

static Status invalid(const std::string& message) { return error(Code::invalid, "state proof: " + message); }

// The hash at the end of the key's path implied by the claim and the proof.
static Result<Hash> terminal_hash(const Hash& key_hash, const std::optional<Bytes>& value, const StateProof& proof) {
  const size_t depth = proof.siblings.size();
  switch (proof.terminal) {
    case ProofTerminal::key_leaf:
      if (!value) return invalid("the proof shows the key present, but its absence was claimed");
      return leaf_hash(key_hash, crypto::sha256(*value));
    case ProofTerminal::empty:
      if (value) return invalid("the proof shows the key absent (empty slot), but a value was claimed");
      return Hash{};
    case ProofTerminal::other_leaf:
      if (value) return invalid("the proof shows the key absent (another key's leaf), but a value was claimed");
      if (proof.other_key_hash == key_hash) return invalid("the 'other' leaf has the key's own key hash");
      for (uint32_t bit = 0; bit < depth; ++bit)
        if (path_bit(proof.other_key_hash, bit) != path_bit(key_hash, bit))
          return invalid("the other leaf does not lie on the key's path (bit " + std::to_string(bit) + " differs)");
      return leaf_hash(proof.other_key_hash, proof.other_value_hash);
  }
  return invalid("unknown terminal kind");
}

Result<Hash> root_from_proof(ByteView key, const std::optional<Bytes>& value, const StateProof& proof) {
  if (proof.siblings.size() > tree_depth_max) return invalid("deeper than " + std::to_string(tree_depth_max));
  // Canonical form: a single leaf, or nothing, never sits next to an empty
  // sibling (it would have moved up), so the deepest sibling is non-empty.
  if (!proof.siblings.empty() && proof.siblings.back().is_zero())
    return invalid("the deepest sibling is empty, so the path is longer than the tree");
  const Hash key_hash = state_key_hash(key);
  GOVCHAIN_ASSIGN_OR_RETURN(Hash current, terminal_hash(key_hash, value, proof));
  for (size_t index = proof.siblings.size(); index-- > 0;) {
    const Hash& sibling = proof.siblings[index];
    current =
        path_bit(key_hash, static_cast<uint32_t>(index)) ? inner_hash(sibling, current) : inner_hash(current, sibling);
  }
  return current;
}

Status verify_proof(const Hash& root, ByteView key, const std::optional<Bytes>& value, const StateProof& proof) {
  GOVCHAIN_ASSIGN_OR_RETURN(Hash computed, root_from_proof(key, value, proof));
  if (computed != root)
    return invalid("the proof leads to root " + computed.hex() + ", not to the expected root " + root.hex() +
                   " (the value, the proof or the root is wrong)");
  return Status();
}

}  // namespace govchain::state
