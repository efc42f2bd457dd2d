// Commit certificates and equivocation evidence.
//
// A commit certificate is the quorum of precommit signatures on one block
// hash for one (height, round): the proof that the block is final. This is
// the one certificate of govchain: the consensus machine makes it, the
// chain stores it beside its block and carries it in the next header
// (chain::CommitCertificate names this type), catch-up sends it, and light
// clients check it (sdk/client/verify.h) — all with the one encoding and
// the one verifier below. On a single-validator (dev) chain the validator's
// own precommit signature is the whole certificate.
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
  Signature signature;  // over precommit_signing_digest(chain id, height, round, block hash, validator)

  bool operator==(const CommitSignature&) const = default;
};

struct CommitCertificate {
  uint64_t height = 0;
  uint32_t round = 0;
  Hash block_hash;
  // Sorted by validator key, strictly ascending (the encoding requires it).
  std::vector<CommitSignature> signatures;

  bool operator==(const CommitCertificate&) const = default;
};

// The digest `validator` signs when it precommits `block_hash` at (height,
// round): vote_signing_digest of that precommit. A certificate's signatures
// are over exactly this, so a certificate is the quorum of precommits.
Hash precommit_signing_digest(std::string_view chain_id, uint64_t height, uint32_t round, const Hash& block_hash,
                              const PublicKey& validator);

// Builds a certificate from precommits for (height, round, block_hash); the
// caller guarantees they match and come from distinct validators. Sorts the
// signatures by validator.
CommitCertificate make_commit_certificate(uint64_t height, uint32_t round, const Hash& block_hash,
                                          const std::vector<SignedVote>& precommits);

// A certificate holding one signer's precommit for `block_hash` at (height,
// round 0): how a single-validator chain finalises its blocks.
CommitCertificate sign_commit_certificate(std::string_view chain_id, uint64_t height, const Hash& block_hash,
                                          const Signer& signer);

// Ok when `certificate` proves `block_hash` final at `height` for
// `chain_id`: height and block hash match, every signer is a member of
// `validator_set` and appears once, every signature verifies as a
// precommit for (height, round, block_hash), and the signers reach the
// set's quorum (more than two thirds). Pure; the one check of a
// certificate for the node, catch-up, the consensus machine and clients.
// Error codes: invalid (mismatch, duplicate signer, outsider, too few),
// bad_signature (a signature fails, also for a wrong chain id).
Status verify_commit_certificate(const CommitCertificate& certificate, std::string_view chain_id, uint64_t height,
                                 const Hash& block_hash, const ValidatorSet& validator_set,
                                 SignatureVerifier verifier = verify_schnorr);

// The one encoding (unchanged since the first blocks, part of every header):
// height u64, round u32, block hash, signature count u32, then per signature
// the validator key and the signature; no version byte of its own (the
// header's and the block store's cover it). The decoder refuses a round
// beyond round_max, more than validators_max signatures, and signers that
// are not strictly ascending (so one certificate has one encoding).
void encode_commit(codec::Writer& writer, const CommitCertificate& certificate);
Result<CommitCertificate> decode_commit(codec::Reader& reader);
Bytes encode_commit(const CommitCertificate& certificate);
Result<CommitCertificate> decode_commit(ByteView bytes);

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
