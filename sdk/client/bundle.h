// Proof bundles: everything needed to check some state entries of one block
// without any node (docs/verification.md, sections 2-4).
//
// A bundle holds the entries (state key, value or proven absence, state
// proof), the header of the block whose state root the proofs lead to, the
// commit certificate that finalised that block, and the validator set
// changes from a trust anchor (trust_anchor.h) up to that block: for each
// change the new set as the state holds it ("g/v"), its proof, and the
// certified header of the block before the change takes effect. A verifier
// that trusts the anchor follows the set through the changes and checks each
// commit with the set that decides its block, so a node that hid a change or
// forged a record cannot make a bundle pass.
//
// Encoding (canonical: exactly one byte string per bundle, checked on
// decoding): the canonical codec, with public keys written as indices into a
// key table (the anchor's validators, then every key new in a change) and the
// fields a verifier can recompute left out (a header's chain id and validator
// set hash, a commit's height and block hash). So decoding needs the anchor
// the bundle names; peek_bundle() reads that name first. Text form for QR
// codes and URLs: RFC 4648 base32 without padding (upper case, so that a QR
// code can use its alphanumeric mode).
//
// Plain values and pure functions; thread-safe. Nothing throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chain/block.h"
#include "client/trust_anchor.h"
#include "client/verify.h"
#include "core/bytes.h"
#include "core/status.h"
#include "state/proof.h"

namespace govchain::client {

inline constexpr uint8_t bundle_format_version = 1;
inline constexpr size_t bundle_size_bytes_max = 512 * 1024;
inline constexpr size_t bundle_entries_max = 16;
inline constexpr size_t bundle_changes_max = 256;
inline constexpr size_t bundle_key_size_bytes_max = 1024;
inline constexpr size_t bundle_value_size_bytes_max = 64 * 1024;

// A header with the commit certificate that finalised it.
struct CertifiedBlock {
  chain::Header header;
  chain::CommitCertificate commit;
  bool operator==(const CertifiedBlock&) const = default;
};

// One proven state entry. `value` nullopt: proven absent.
struct BundleEntry {
  Bytes key;
  std::optional<Bytes> value;
  state::StateProof proof;
  bool operator==(const BundleEntry&) const = default;
};

// A validator set change: from `activation_height` on, the set in
// `validators_value` (the "g/v" value, client::decode_validators_value)
// decides blocks. It is proven in the state of `block`, the block at
// activation_height - 1, which the set before the change decided.
struct BundleValidatorChange {
  uint64_t activation_height = 0;
  Bytes validators_value;
  state::StateProof proof;
  CertifiedBlock block;
  bool operator==(const BundleValidatorChange&) const = default;
};

struct ProofBundle {
  std::string chain_id;
  Hash anchor_id;                              // trust_anchor_id() of the anchor it starts from
  uint64_t anchor_height = 1;                  // that anchor's height
  std::vector<BundleValidatorChange> changes;  // ascending activation heights
  CertifiedBlock block;                        // the block the entries are proven in
  std::vector<BundleEntry> entries;            // 1..16, distinct keys
  bool operator==(const ProofBundle&) const = default;
};

// Encodes `bundle`, whose anchor has `anchor_validators`. Code::invalid when
// a header's validator set hash is not that of the set deciding it (such a
// bundle could not verify), Code::invalid_argument for counts over the
// limits above.
Result<Bytes> encode_bundle(const ProofBundle& bundle, const std::vector<PublicKey>& anchor_validators);

// The fields before the key table: which chain and anchor a bundle names.
struct BundleHead {
  std::string chain_id;
  Hash anchor_id;
  uint64_t anchor_height = 0;
};
Result<BundleHead> peek_bundle(ByteView bytes);

// Decodes a bundle that starts from `anchor` (Code::invalid when it names
// another anchor). Accepts only the canonical encoding (Code::malformed).
// Decoding proves nothing: call verify_bundle().
Result<ProofBundle> decode_bundle(ByteView bytes, const TrustAnchor& anchor);

// What verify_bundle() established.
struct BundleCheck {
  Hash anchor_id;
  uint64_t anchor_height = 0;
  size_t validator_changes = 0;
  uint64_t height = 0;  // the block the entries are proven in
  int64_t block_time_ms = 0;
  Hash block_hash;
  Hash state_root;
  CommitCheck commit;  // of that block, by the set that decides it
};

// Checks a bundle end to end against `anchor`: the chain id and anchor id;
// each change's block certified by the set before it and the new set proven
// in its state; the block certified by the set after the last change; every
// entry's proof against its state root. Code::wrong_chain for another chain,
// Code::invalid naming the first thing that does not hold.
Result<BundleCheck> verify_bundle(const ProofBundle& bundle, const TrustAnchor& anchor);

// Keeps, of each commit certificate the bundle carries (its block's and each
// change block's), only the smallest quorum of the set that decides it: the
// first floor(2n/3) + 1 signatures in the certificate's order. A node's
// commit holds every precommit that had arrived when it decided, which can
// be more than a quorum, and these commits are hashed into nothing, so a bundle
// that verified still verifies, 66 bytes shorter per signature left out.
// The headers' last commits are hashed into their blocks and stay whole.
// fetch_bundle() applies it. It never refuses anything: from a change whose
// set it cannot read on, it leaves the commits whole for verify_bundle() to
// judge.
void keep_smallest_quorums(ProofBundle& bundle, const TrustAnchor& anchor);

// The entry for `key` (a verified bundle's value: nullopt = proven absent);
// Code::not_found when the bundle holds no entry for the key.
Result<std::optional<Bytes>> bundle_value(const ProofBundle& bundle, ByteView key);

// RFC 4648 base32, upper case, no padding. Decoding accepts lower case too
// and refuses anything else (Code::malformed), including non-zero unused bits.
std::string base32_encode(ByteView bytes);
Result<Bytes> base32_decode(std::string_view text);

}  // namespace govchain::client
