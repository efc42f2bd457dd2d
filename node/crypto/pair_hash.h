// Tagged hashes of two 32-byte values, on the hot path of Merkle trees.
//
// PairHasher(tag).hash(first, second) returns exactly
// tagged_hash(tag, first || second) (hash.h). Such a hash is three SHA-256
// compressions: the tag block SHA256(tag) || SHA256(tag), the 64-byte
// message, and a padding block that is the same for every message. The state
// after the tag block is computed once, in the constructor, and the padding
// block is a constant, so a hash costs two compressions and no allocation.
// The state tree computes tens of thousands of these per block.
//
// The constructor compares the fast path with tagged_hash on a fixed input;
// should they ever differ (a Crypto++ build whose compression function
// expects another word order), every call uses tagged_hash instead.
//
// Immutable after construction: thread-safe to share.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.h"

namespace govchain::crypto {

class PairHasher {
 public:
  explicit PairHasher(std::string_view tag);
  Hash hash(const Hash& first, const Hash& second) const;
  // Whether the two-compression path is in use (false means the fallback).
  bool is_fast() const { return fast_; }

 private:
  std::string tag_;
  std::array<uint32_t, 8> midstate_{};
  bool fast_ = false;
};

}  // namespace govchain::crypto
