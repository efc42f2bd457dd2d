#include "consensus/certificate.h"

#include <algorithm>

namespace govchain::consensus {

Hash precommit_signing_digest(std::string_view chain_id, uint64_t height, uint32_t round, const Hash& block_hash,
                              const PublicKey& validator) {
  return vote_signing_digest(chain_id, Vote{VoteType::precommit, height, round, block_hash, validator});
}

CommitCertificate make_commit_certificate(uint64_t height, uint32_t round, const Hash& block_hash,
                                          const std::vector<SignedVote>& precommits) {
  CommitCertificate certificate{height, round, block_hash, {}};
  certificate.signatures.reserve(precommits.size());
  for (const SignedVote& precommit : precommits) {
    assert(precommit.vote.type == VoteType::precommit && precommit.vote.height == height);
    assert(precommit.vote.round == round && precommit.vote.block_id == block_hash);
    certificate.signatures.push_back({precommit.vote.validator, precommit.signature});
  }
  std::sort(certificate.signatures.begin(), certificate.signatures.end(),
            [](const CommitSignature& a, const CommitSignature& b) { return a.validator < b.validator; });
  return certificate;
}

CommitCertificate sign_commit_certificate(std::string_view chain_id, uint64_t height, const Hash& block_hash,
                                          const Signer& signer) {
  Vote precommit{VoteType::precommit, height, 0, block_hash, signer.public_key()};
  return make_commit_certificate(height, 0, block_hash, {sign_vote(chain_id, precommit, signer)});
}

Status verify_commit_certificate(const CommitCertificate& certificate, std::string_view chain_id, uint64_t height,
                                 const Hash& block_hash, const ValidatorSet& validator_set,
                                 SignatureVerifier verifier) {
  if (certificate.height != height)
    return error(Code::invalid, "certificate is for height " + std::to_string(certificate.height) + ", expected " +
                                    std::to_string(height));
  if (certificate.block_hash != block_hash)
    return error(Code::invalid,
                 "certificate is for block " + certificate.block_hash.hex() + ", expected " + block_hash.hex());
  std::vector<bool> seen(validator_set.size(), false);
  for (const CommitSignature& entry : certificate.signatures) {
    auto index = validator_set.index_of(entry.validator);
    if (!index) return error(Code::invalid, "certificate signer " + entry.validator.hex() + " is not a validator");
    if (seen[*index]) return error(Code::invalid, "certificate signer " + entry.validator.hex() + " appears twice");
    seen[*index] = true;
    Hash digest = precommit_signing_digest(chain_id, height, certificate.round, block_hash, entry.validator);
    if (!verifier(entry.validator, digest, entry.signature))
      return error(Code::bad_signature, "certificate signature of " + entry.validator.hex() +
                                            " does not verify as a precommit on chain '" + std::string(chain_id) + "'");
  }
  if (certificate.signatures.size() < validator_set.quorum())
    return error(Code::invalid, "only " + std::to_string(certificate.signatures.size()) + " of " +
                                    std::to_string(validator_set.size()) +
                                    " validators signed the certificate; more than two thirds (" +
                                    std::to_string(validator_set.quorum()) + ") are needed");
  return Status();
}

void encode_commit(codec::Writer& writer, const CommitCertificate& certificate) {
  writer.u64(certificate.height);
  writer.u32(certificate.round);
  writer.fixed(certificate.block_hash);
  writer.count(certificate.signatures.size());
  for (const CommitSignature& entry : certificate.signatures) {
    writer.fixed(entry.validator);
    writer.fixed(entry.signature);
  }
}

Result<CommitCertificate> decode_commit(codec::Reader& reader) {
  CommitCertificate certificate;
  GOVCHAIN_ASSIGN_OR_RETURN(certificate.height, reader.u64());
  GOVCHAIN_ASSIGN_OR_RETURN(certificate.round, decode_round(reader));
  GOVCHAIN_ASSIGN_OR_RETURN(certificate.block_hash, reader.fixed<32>());
  GOVCHAIN_ASSIGN_OR_RETURN(size_t count, reader.count(validators_max, PublicKey::size_bytes + Signature::size_bytes));
  certificate.signatures.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    CommitSignature entry;
    GOVCHAIN_ASSIGN_OR_RETURN(entry.validator, reader.fixed<32>());
    GOVCHAIN_ASSIGN_OR_RETURN(entry.signature, reader.fixed<64>());
    if (!certificate.signatures.empty() && !(certificate.signatures.back().validator < entry.validator))
      return error(Code::malformed, "certificate signers are not strictly ascending at entry " + std::to_string(i));
    certificate.signatures.push_back(entry);
  }
  return certificate;
}

Bytes encode_commit(const CommitCertificate& certificate) {
  codec::Writer writer;
  encode_commit(writer, certificate);
  return writer.take();
}

Result<CommitCertificate> decode_commit(ByteView bytes) {
  codec::Reader reader(bytes);
  GOVCHAIN_ASSIGN_OR_RETURN(CommitCertificate certificate, decode_commit(reader));
  GOVCHAIN_TRY(reader.finish());
  return certificate;
}

bool votes_conflict(const Vote& one, const Vote& other) {
  return one.validator == other.validator && one.height == other.height && one.round == other.round &&
         one.type == other.type && one.block_id != other.block_id;
}

Evidence make_evidence(const SignedVote& one, const SignedVote& other) {
  assert(votes_conflict(one.vote, other.vote));
  if (encode_vote(other) < encode_vote(one)) return Evidence{other, one};
  return Evidence{one, other};
}

Status verify_evidence(const Evidence& evidence, std::string_view chain_id, const ValidatorSet& validator_set,
                       SignatureVerifier verifier) {
  if (!votes_conflict(evidence.first.vote, evidence.second.vote))
    return error(Code::invalid,
                 "evidence votes do not conflict (validator, height, round, type must match and "
                 "block ids differ)");
  if (!(encode_vote(evidence.first) < encode_vote(evidence.second)))
    return error(Code::invalid, "evidence votes are not in canonical order");
  if (!validator_set.contains(evidence.first.vote.validator))
    return error(Code::invalid, "evidence names " + evidence.first.vote.validator.hex() + ", not a validator");
  GOVCHAIN_TRY(verify_vote_signature(chain_id, evidence.first, verifier));
  GOVCHAIN_TRY(verify_vote_signature(chain_id, evidence.second, verifier));
  return Status();
}

Bytes encode_evidence(const Evidence& evidence) {
  codec::Writer writer;
  writer.u8(codec::format_version);
  encode_vote(writer, evidence.first);
  encode_vote(writer, evidence.second);
  return writer.take();
}

Result<Evidence> decode_evidence(ByteView bytes) {
  codec::Reader reader(bytes);
  GOVCHAIN_TRY(decode_version(reader, "evidence"));
  Evidence evidence;
  GOVCHAIN_ASSIGN_OR_RETURN(evidence.first, decode_vote(reader));
  GOVCHAIN_ASSIGN_OR_RETURN(evidence.second, decode_vote(reader));
  GOVCHAIN_TRY(reader.finish());
  if (!votes_conflict(evidence.first.vote, evidence.second.vote))
    return error(Code::malformed, "evidence votes do not conflict");
  if (!(encode_vote(evidence.first) < encode_vote(evidence.second)))
    return error(Code::malformed, "evidence votes are not in canonical order");
  return evidence;
}

}  // namespace govchain::consensus
