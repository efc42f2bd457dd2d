// SHA-256 (Crypto++) and tagged hashes.
//
// Tagged hash, as in BIP340: SHA256(SHA256(tag) || SHA256(tag) || message).
// Every purpose in govchain has its own tag (see tags below) so that a hash
// made for one purpose can never be mistaken for another.
// All functions are pure and thread-safe.
#pragma once

#include <string_view>

#include "core/bytes.h"

namespace govchain::crypto {

namespace tags {
inline constexpr std::string_view tx = "govchain/tx";
inline constexpr std::string_view block = "govchain/block";
inline constexpr std::string_view vote = "govchain/vote";
inline constexpr std::string_view proposal = "govchain/proposal";
inline constexpr std::string_view leaf = "govchain/leaf";
inline constexpr std::string_view node = "govchain/node";
inline constexpr std::string_view state_key = "govchain/state-key";
inline constexpr std::string_view tx_root = "govchain/tx-root";
inline constexpr std::string_view validator_set = "govchain/validator-set";
inline constexpr std::string_view commitment = "govchain/commitment";
inline constexpr std::string_view receipt = "govchain/receipt";
inline constexpr std::string_view evidence = "govchain/evidence";
}  // namespace tags

Hash sha256(ByteView message);
Hash sha256(std::string_view message);
Hash tagged_hash(std::string_view tag, ByteView message);

// Incremental tagged hash for messages assembled from parts.
class TaggedHasher {
 public:
  explicit TaggedHasher(std::string_view tag);
  ~TaggedHasher();
  TaggedHasher(const TaggedHasher&) = delete;
  TaggedHasher& operator=(const TaggedHasher&) = delete;
  void update(ByteView part);
  Hash finish();

 private:
  struct State;
  State* state_;
};

}  // namespace govchain::crypto
