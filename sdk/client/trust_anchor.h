// Trust anchors: the validator set a verifier starts from when it checks a
// proof bundle without asking any node (docs/verification.md, section 2).
//
// An anchor says "on chain C, the blocks from height H on are decided by
// these validators (until a validator set change, which a bundle proves)".
// The genesis gives the first anchor (height 1, the genesis validators); the
// consortium may publish later checkpoints, so that bundles need not carry
// every change since the genesis. An anchor is named by its id,
//   anchor_id = tagged_hash("govchain/trust-anchor", encode(anchor)),
// which a bundle carries and which a verifier compares with the anchors it
// pins (a genesis file, a published checkpoint, or one built into the page).
//
// Plain values and pure functions; thread-safe. Nothing throws.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "chain/genesis.h"
#include "core/bytes.h"
#include "core/status.h"

namespace govchain::client {

inline constexpr std::string_view trust_anchor_format = "govchain-trust-anchor";
inline constexpr uint32_t trust_anchor_format_version = 1;
inline constexpr size_t trust_anchor_validators_max = 1024;
inline constexpr size_t trust_anchor_file_size_bytes_max = 1024 * 1024;

struct TrustAnchor {
  std::string chain_id;
  uint64_t height = 1;                // the first height this set decides
  std::vector<PublicKey> validators;  // sorted ascending, distinct
  bool operator==(const TrustAnchor&) const = default;
};

// u8 version 1 · text chain_id · u64 height · u32 count · the sorted keys.
Bytes encode_trust_anchor(const TrustAnchor& anchor);
Hash trust_anchor_id(const TrustAnchor& anchor);

// The anchor of a genesis: height 1, its validators sorted.
TrustAnchor trust_anchor_of(const chain::Genesis& genesis);

// Checks what every anchor must satisfy: a chain id, a height >= 1, 1..1024
// validators, sorted and distinct. Code::invalid_argument names the fault.
Status check_trust_anchor(const TrustAnchor& anchor);

// JSON form: {"format": "govchain-trust-anchor", "version": 1, "chain_id",
// "height", "validators": [hex...], "id": hex}. "id" is written for people
// and checked on reading (Code::malformed when it does not match).
std::string trust_anchor_to_json(const TrustAnchor& anchor);
Result<TrustAnchor> trust_anchor_from_json(std::string_view text);

// Reads a trust anchor file, or a genesis file (recognised by its
// "validators" of objects and no "format"), whichever `path` holds.
Result<TrustAnchor> read_trust_anchor_file(const std::string& path);

}  // namespace govchain::client
