// Consensus messages: the validator set, proposals and votes, their signing
// digests and their canonical encodings.
//
// Every signed message commits to the chain id through its signing digest
// (a tagged hash, tags::proposal or tags::vote), so a signature made for one
// network never verifies on another. Decoders accept only the one canonical
// encoding and reject everything else: these bytes come from the network.
//
// All types here are plain values, safe to copy between threads. All free
// functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "codec/codec.h"
#include "core/bytes.h"
#include "core/status.h"

namespace govchain::consensus {

// Rounds beyond this are refused by decoders and never entered, so that round
// arithmetic cannot overflow. At timeouts growing by the round this is far
// beyond any round a live network reaches.
inline constexpr uint32_t round_max = 1u << 20;
// Validators in one set at most (also bounds certificates and decoders).
inline constexpr size_t validators_max = 1024;
// Length of a chain id in bytes at most.
inline constexpr size_t chain_id_size_bytes_max = 64;

// The validators of one height: distinct BIP340 public keys, sorted
// ascending, each with one vote (equal voting power).
class ValidatorSet {
 public:
  ValidatorSet() = default;
  // Sorts `keys`; fails when empty, too large, or a key appears twice.
  static Result<ValidatorSet> create(std::vector<PublicKey> keys);

  const std::vector<PublicKey>& keys() const { return keys_; }
  size_t size() const { return keys_.size(); }
  // Position of `key` in the sorted list, or nullopt when not a member.
  std::optional<size_t> index_of(const PublicKey& key) const;
  bool contains(const PublicKey& key) const { return index_of(key).has_value(); }
  // Votes needed for a quorum: floor(2n/3) + 1, more than two thirds.
  size_t quorum() const { return keys_.size() * 2 / 3 + 1; }
  // Faulty validators tolerated: f = floor((n-1)/3); f+1 votes include at
  // least one honest validator.
  size_t faults_tolerated() const { return (keys_.size() - 1) / 3; }
  // Round-robin over the sorted list by height + round.
  const PublicKey& proposer(uint64_t height, uint32_t round) const;
  // validator_set_hash(keys()).
  Hash hash() const;

  void encode(codec::Writer& writer) const;
  static Result<ValidatorSet> decode(codec::Reader& reader);
  bool operator==(const ValidatorSet&) const = default;

 private:
  std::vector<PublicKey> keys_;
};

// The hash a header names its validator set by: tagged_hash(
// tags::validator_set, count and keys in ascending order). Precondition:
// `sorted_keys` ascending.
Hash validator_set_hash(std::span<const PublicKey> sorted_keys);

enum class VoteType : uint8_t { prevote = 1, precommit = 2 };
std::string_view vote_type_name(VoteType type);

// A vote for a block id, or for nil (no block) when block_id is empty.
struct Vote {
  VoteType type = VoteType::prevote;
  uint64_t height = 0;
  uint32_t round = 0;
  std::optional<Hash> block_id;
  PublicKey validator;

  bool operator==(const Vote&) const = default;
};

struct SignedVote {
  Vote vote;
  Signature signature;

  bool operator==(const SignedVote&) const = default;
};

// A proposal of a block for (height, round). valid_round is the round in
// which the proposer saw a quorum of prevotes for this block (the
// algorithm's validRound), or nullopt (-1 in the paper). The block bytes
// travel with the proposal but are not signed: the application checks that
// they hash to block_id when it judges validity.
struct Proposal {
  uint64_t height = 0;
  uint32_t round = 0;
  std::optional<uint32_t> valid_round;
  Hash block_id;
  PublicKey proposer;

  bool operator==(const Proposal&) const = default;
};

struct SignedProposal {
  Proposal proposal;
  Bytes block;
  Signature signature;

  bool operator==(const SignedProposal&) const = default;
};

// Verifies a signature over a 32-byte digest. Production uses
// verify_schnorr; the simulator passes a cheap stand-in so that thousands of
// seeds run in minutes. Must be pure and thread-safe.
using SignatureVerifier = bool (*)(const PublicKey& key, const Hash& digest, const Signature& signature);
bool verify_schnorr(const PublicKey& key, const Hash& digest, const Signature& signature);

// Signs digests with one validator's secret key. Implementations must be
// deterministic in what they accept and must not block for long; the state
// machine calls sign() inline.
class Signer {
 public:
  virtual ~Signer() = default;
  virtual const PublicKey& public_key() const = 0;
  virtual Signature sign(const Hash& digest) const = 0;
};

// A Signer holding a BIP340 secret key (copied in; wiped on destruction is
// not attempted: the key also lives in the key file).
std::unique_ptr<Signer> make_schnorr_signer(const FixedBytes<32>& secret_key);

// Signing digests: tagged hashes over the chain id and the message fields.
Hash vote_signing_digest(std::string_view chain_id, const Vote& vote);
Hash proposal_signing_digest(std::string_view chain_id, const Proposal& proposal);

SignedVote sign_vote(std::string_view chain_id, const Vote& vote, const Signer& signer);
SignedProposal sign_proposal(std::string_view chain_id, const Proposal& proposal, Bytes block, const Signer& signer);

// Checks the signature only (membership in a validator set is the caller's
// or the state machine's check).
Status verify_vote_signature(std::string_view chain_id, const SignedVote& vote, SignatureVerifier verifier);
Status verify_proposal_signature(std::string_view chain_id, const SignedProposal& proposal, SignatureVerifier verifier);

// Canonical encodings. encode_* write a leading codec::format_version;
// decode_* require it, every field in range, and (for the whole-buffer
// variants) no trailing bytes.
void encode_vote(codec::Writer& writer, const SignedVote& vote);
Result<SignedVote> decode_vote(codec::Reader& reader);
Bytes encode_vote(const SignedVote& vote);
Result<SignedVote> decode_vote(ByteView bytes);

void encode_proposal(codec::Writer& writer, const SignedProposal& proposal);
Result<SignedProposal> decode_proposal(codec::Reader& reader);
Bytes encode_proposal(const SignedProposal& proposal);
Result<SignedProposal> decode_proposal(ByteView bytes);

// Shared field helpers for the other consensus encoders.
void encode_optional_hash(codec::Writer& writer, const std::optional<Hash>& value);
Result<std::optional<Hash>> decode_optional_hash(codec::Reader& reader);
Result<uint32_t> decode_round(codec::Reader& reader);
Status decode_version(codec::Reader& reader, std::string_view what);

}  // namespace govchain::consensus
