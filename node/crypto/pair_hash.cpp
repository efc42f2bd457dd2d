#include "crypto/pair_hash.h"

#include <crypto++/sha.h>

#include "crypto/hash.h"

namespace govchain::crypto {
namespace {

using Word = CryptoPP::word32;
static_assert(sizeof(Word) == sizeof(uint32_t));

Word load_big_endian(const uint8_t* bytes) {
  return (Word(bytes[0]) << 24) | (Word(bytes[1]) << 16) | (Word(bytes[2]) << 8) | Word(bytes[3]);
}

void load_hash(const Hash& hash, Word* words) {
  for (int index = 0; index < 8; ++index) words[index] = load_big_endian(hash.data.data() + 4 * index);
}

// Padding of a 128-byte message (tag block + 64-byte message): the bit 1,
// zeros, and the length in bits (1024) in the last word.
constexpr std::array<Word, 16> padding_block = {0x80000000u, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1024};

Hash two_compressions(const std::array<uint32_t, 8>& midstate, const Hash& first, const Hash& second) {
  std::array<Word, 8> state = midstate;
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

Hash slow_pair_hash(std::string_view tag, const Hash& first, const Hash& second) {
  Bytes message(first.data.begin(), first.data.end());
  message.insert(message.end(), second.data.begin(), second.data.end());
  return tagged_hash(tag, message);
}

}  // namespace

PairHasher::PairHasher(std::string_view tag) : tag_(tag) {
  CryptoPP::SHA256::InitState(midstate_.data());
  std::array<Word, 16> tag_block;
  const Hash tag_hash = sha256(tag);
  load_hash(tag_hash, tag_block.data());
  load_hash(tag_hash, tag_block.data() + 8);
  CryptoPP::SHA256::Transform(midstate_.data(), tag_block.data());

  Hash first;
  Hash second;
  for (size_t index = 0; index < Hash::size_bytes; ++index) {
    first.data[index] = static_cast<uint8_t>(index * 7 + 1);
    second.data[index] = static_cast<uint8_t>(255 - index * 3);
  }
  fast_ = two_compressions(midstate_, first, second) == slow_pair_hash(tag_, first, second);
}

Hash PairHasher::hash(const Hash& first, const Hash& second) const {
  return fast_ ? two_compressions(midstate_, first, second) : slow_pair_hash(tag_, first, second);
}

}  // namespace govchain::crypto
