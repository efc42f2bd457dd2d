// Commit certificates and equivocation evidence.
//
// A commit certificate is the quorum of precommit signatures on one block id
// for one (height, round): the proof that the block is final. The chain layer
// stores it with the block and carries it in the next header; a light client
// checks it with verify_commit_certificate alone.
//
// Evidence is two conflicting signed votes by one validator: same height,
// round and type, different block ids (nil counts as a block id here).
//
// Plain values and pure functions; safe to use from any thread.
#pragma once

#include <string_view>
#include <vector>

#include "consensus/messages.h"

namespace govchain::consensus {

struct CommitSignature {
  PublicKey validator;
  Signature signature;

  bool operator==(const CommitSignature&) const = default;
};

struct CommitCertificate {
  uint64_t height = 0;
  uint32_t round = 0;
  Hash block_id;
  // Sorted by validator key, strictly ascending in the canonical encoding.
  std::vector<CommitSignature> signatures;

  bool operator==(const CommitCertificate&) const = default;
};

// Builds a certificate from precommits for (height, round, block_id); the
// caller guarantees they match. Sorts the signatures by validator.
CommitCertificate make_commit_certificate(uint64_t height, uint32_t round, const Hash& block_id,
                                          const std::vector<SignedVote>& precommits);

// Ok when `certificate` proves `block_id` final at `height` for `chain_id`:
// height and block id match, every signer is a distinct member of
// `validator_set`, every signature verifies as a precommit for
// (height, round, block_id), and the signers reach the set's quorum.
// Error codes: invalid (mismatch, duplicate, outsider, too few),
// bad_signature (a signature fails, also for a wrong chain id).
Status verify_commit_certificate(const CommitCertificate& certificate, std::string_view chain_id, uint64_t height,
                                 const Hash& block_id, const ValidatorSet& validator_set,
                                 SignatureVerifier verifier = verify_schnorr);

void encode_certificate(codec::Writer& writer, const CommitCertificate& certificate);
Result<CommitCertificate> decode_certificate(codec::Reader& reader);
Bytes encode_certificate(const CommitCertificate& certificate);
Result<CommitCertificate> decode_certificate(ByteView bytes);

// Two conflicting votes of one validator. In the canonical form `first` has
// the smaller encoding, so the same pair has exactly one encoding.
struct Evidence {
  SignedVote first;
  SignedVote second;

  bool operator==(const Evidence&) const = default;
};

// Orders the two votes canonically. Precondition: they conflict.
Evidence make_evidence(const SignedVote& one, const SignedVote& other);

// True when the two votes are by the same validator for the same height,
// round and type with different block ids (signatures not checked).
bool votes_conflict(const Vote& one, const Vote& other);

// Ok when `evidence` proves that a member of `validator_set` signed two
// conflicting votes on `chain_id`: canonical order, conflicting votes, both
// signatures valid, signer in the set.
Status verify_evidence(const Evidence& evidence, std::string_view chain_id, const ValidatorSet& validator_set,
                       SignatureVerifier verifier = verify_schnorr);

Bytes encode_evidence(const Evidence& evidence);
Result<Evidence> decode_evidence(ByteView bytes);

}  // namespace govchain::consensus
