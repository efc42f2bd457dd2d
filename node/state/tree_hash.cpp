#include "state/tree_hash.h"

#include <crypto++/sha.h>

#include <array>

#include "crypto/hash.h"
#include "state/proof.h"

namespace govchain::state {
namespace {

using Word = CryptoPP::word32;
using Words = std::array<Word, 8>;

Word load_big_endian(const uint8_t* bytes) {
  return (Word(bytes[0]) << 24) | (Word(bytes[1]) << 16) | (Word(bytes[2]) << 8) | Word(bytes[3]);
}

void load_hash(const Hash& hash, Word* words) {
  for (int index = 0; index < 8; ++index) words[index] = load_big_endian(hash.data.data() + 4 * index);
}

// The SHA-256 state after absorbing the tag block SHA256(tag) || SHA256(tag).
Words tag_midstate(std::string_view tag) {
  Words state;
  CryptoPP::SHA256::InitState(state.data());
  std::array<Word, 16> block;
  load_hash(crypto::sha256(tag), block.data());
  load_hash(crypto::sha256(tag), block.data() + 8);
  CryptoPP::SHA256::Transform(state.data(), block.data());
  return state;
}

// Padding of a 128-byte message (tag block + 64-byte message): the bit 1,
// zeros, and the length in bits (1024) in the last word.
constexpr std::array<Word, 16> padding_block = {0x80000000u, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1024};

Hash two_compressions(const Words& midstate, const Hash& first, const Hash& second) {
  Words state = midstate;
  std::array<Word, 16> block;
  load_hash(first, block.data());
  load_hash(second, block.data() + 8);
  CryptoPP::SHA256::Transform(state.data(), block.data());
  CryptoPP::SHA256::Transform(state.data(), padding_block.data());
  Hash out;
  for (int index = 0; index < 8; ++index) {
    out.data[4 * index] = static_cast<uint8_t>(state[index] >> 24);
    out.data[4 * index + 1] = static_cast<uint8_t>(state[index] >> 16);
    out.data[4 * index + 2] = static_cast<uint8_t>(state[index] >> 8);
    out.data[4 * index + 3] = static_cast<uint8_t>(state[index]);
  }
  return out;
}

struct Midstates {
  Words inner = tag_midstate(crypto::tags::node);
  Words leaf = tag_midstate(crypto::tags::leaf);
  bool fast = false;

  Midstates() {
    Hash left;
    Hash right;
    for (size_t index = 0; index < Hash::size_bytes; ++index) {
      left.data[index] = static_cast<uint8_t>(index * 7 + 1);
      right.data[index] = static_cast<uint8_t>(255 - index * 3);
    }
    fast = two_compressions(inner, left, right) == inner_hash(left, right) &&
           two_compressions(leaf, left, right) == leaf_hash(left, right);
  }
};

const Midstates& midstates() {
  static const Midstates instance;
  return instance;
}

}  // namespace

Hash tree_inner_hash(const Hash& left, const Hash& right) {
  const Midstates& states = midstates();
  return states.fast ? two_compressions(states.inner, left, right) : inner_hash(left, right);
}

Hash tree_leaf_hash(const Hash& key_hash, const Hash& value_hash) {
  const Midstates& states = midstates();
  return states.fast ? two_compressions(states.leaf, key_hash, value_hash) : leaf_hash(key_hash, value_hash);
}

bool tree_hash_is_fast() { return midstates().fast; }

}  // namespace govchain::state
