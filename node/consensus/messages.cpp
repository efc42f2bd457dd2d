#include "consensus/messages.h"

#include <algorithm>

#include "core/limits.h"
#include "crypto/hash.h"
#include "crypto/schnorr.h"

namespace govchain::consensus {

Result<ValidatorSet> ValidatorSet::create(std::vector<PublicKey> keys) {
  if (keys.empty()) return error(Code::invalid_argument, "a validator set needs at least one validator");
  if (keys.size() > validators_max)
    return error(Code::too_large, "validator set has " + std::to_string(keys.size()) + " keys, limit is " +
                                      std::to_string(validators_max));
  std::sort(keys.begin(), keys.end());
  for (size_t i = 1; i < keys.size(); ++i)
    if (keys[i] == keys[i - 1]) return error(Code::invalid, "validator " + keys[i].hex() + " appears twice");
  ValidatorSet set;
  set.keys_ = std::move(keys);
  return set;
}

std::optional<size_t> ValidatorSet::index_of(const PublicKey& key) const {
  auto found = std::lower_bound(keys_.begin(), keys_.end(), key);
  if (found == keys_.end() || *found != key) return std::nullopt;
  return static_cast<size_t>(found - keys_.begin());
}

const PublicKey& ValidatorSet::proposer(uint64_t height, uint32_t round) const {
  assert(!keys_.empty());
  return keys_[(height + round) % keys_.size()];
}

Hash validator_set_hash(std::span<const PublicKey> sorted_keys) {
  assert(std::is_sorted(sorted_keys.begin(), sorted_keys.end()));
  codec::Writer writer;
  writer.count(sorted_keys.size());
  for (const PublicKey& key : sorted_keys) writer.fixed(key);
  return crypto::tagged_hash(crypto::tags::validator_set, writer.data());
}

Hash ValidatorSet::hash() const { return validator_set_hash(keys_); }

void ValidatorSet::encode(codec::Writer& writer) const {
  writer.count(keys_.size());
  for (const PublicKey& key : keys_) writer.fixed(key);
}

Result<ValidatorSet> ValidatorSet::decode(codec::Reader& reader) {
  GOVCHAIN_ASSIGN_OR_RETURN(size_t count, reader.count(validators_max, PublicKey::size_bytes));
  std::vector<PublicKey> keys;
  keys.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    GOVCHAIN_ASSIGN_OR_RETURN(PublicKey key, reader.fixed<32>());
    if (!keys.empty() && !(keys.back() < key))
      return error(Code::malformed, "validator keys are not strictly ascending at entry " + std::to_string(i));
    keys.push_back(key);
  }
  return ValidatorSet::create(std::move(keys));
}

std::string_view vote_type_name(VoteType type) {
  switch (type) {
    case VoteType::prevote:
      return "prevote";
    case VoteType::precommit:
      return "precommit";
  }
  return "unknown";
}

bool verify_schnorr(const PublicKey& key, const Hash& digest, const Signature& signature) {
  return crypto::verify(key, digest.view(), signature);
}

namespace {

class SchnorrSigner final : public Signer {
 public:
  explicit SchnorrSigner(crypto::KeyPair pair) : pair_(pair) {}
  const PublicKey& public_key() const override { return pair_.public_key; }
  // Deterministic auxiliary randomness (zero) keeps signing free of the OS
  // random source; BIP340 stays secure with it, the nonce is derived from
  // the secret key and the message.
  Signature sign(const Hash& digest) const override {
    return crypto::sign(pair_.secret, digest.view(), FixedBytes<32>{});
  }

 private:
  crypto::KeyPair pair_;
};

void encode_chain_id(codec::Writer& writer, std::string_view chain_id) {
  assert(chain_id.size() <= chain_id_size_bytes_max);
  writer.text(chain_id);
}

void encode_vote_fields(codec::Writer& writer, const Vote& vote) {
  writer.u8(static_cast<uint8_t>(vote.type));
  writer.u64(vote.height);
  writer.u32(vote.round);
  encode_optional_hash(writer, vote.block_id);
  writer.fixed(vote.validator);
}

void encode_optional_round(codec::Writer& writer, const std::optional<uint32_t>& round) {
  writer.boolean(round.has_value());
  if (round) writer.u32(*round);
}

void encode_proposal_fields(codec::Writer& writer, const Proposal& proposal) {
  writer.u64(proposal.height);
  writer.u32(proposal.round);
  encode_optional_round(writer, proposal.valid_round);
  writer.fixed(proposal.block_id);
  writer.fixed(proposal.proposer);
}

}  // namespace

std::unique_ptr<Signer> make_schnorr_signer(const FixedBytes<32>& secret_key) {
  auto pair = crypto::key_pair_from_secret(secret_key);
  assert(pair.ok());
  return std::make_unique<SchnorrSigner>(*pair);
}

Hash vote_signing_digest(std::string_view chain_id, const Vote& vote) {
  codec::Writer writer;
  encode_chain_id(writer, chain_id);
  encode_vote_fields(writer, vote);
  return crypto::tagged_hash(crypto::tags::vote, writer.data());
}

Hash proposal_signing_digest(std::string_view chain_id, const Proposal& proposal) {
  codec::Writer writer;
  encode_chain_id(writer, chain_id);
  encode_proposal_fields(writer, proposal);
  return crypto::tagged_hash(crypto::tags::proposal, writer.data());
}

SignedVote sign_vote(std::string_view chain_id, const Vote& vote, const Signer& signer) {
  assert(vote.validator == signer.public_key());
  return SignedVote{vote, signer.sign(vote_signing_digest(chain_id, vote))};
}

SignedProposal sign_proposal(std::string_view chain_id, const Proposal& proposal, Bytes block, const Signer& signer) {
  assert(proposal.proposer == signer.public_key());
  assert(!proposal.valid_round || *proposal.valid_round < proposal.round);
  return SignedProposal{proposal, std::move(block), signer.sign(proposal_signing_digest(chain_id, proposal))};
}

Status verify_vote_signature(std::string_view chain_id, const SignedVote& vote, SignatureVerifier verifier) {
  if (!verifier(vote.vote.validator, vote_signing_digest(chain_id, vote.vote), vote.signature))
    return error(Code::bad_signature, std::string(vote_type_name(vote.vote.type)) + " signature of " +
                                          vote.vote.validator.hex() + " does not verify for chain '" +
                                          std::string(chain_id) + "'");
  return Status();
}

Status verify_proposal_signature(std::string_view chain_id, const SignedProposal& proposal,
                                 SignatureVerifier verifier) {
  if (!verifier(proposal.proposal.proposer, proposal_signing_digest(chain_id, proposal.proposal), proposal.signature))
    return error(Code::bad_signature, "proposal signature of " + proposal.proposal.proposer.hex() +
                                          " does not verify for chain '" + std::string(chain_id) + "'");
  return Status();
}

void encode_optional_hash(codec::Writer& writer, const std::optional<Hash>& value) {
  writer.boolean(value.has_value());
  if (value) writer.fixed(*value);
}

Result<std::optional<Hash>> decode_optional_hash(codec::Reader& reader) {
  GOVCHAIN_ASSIGN_OR_RETURN(bool present, reader.boolean());
  if (!present) return std::optional<Hash>();
  GOVCHAIN_ASSIGN_OR_RETURN(Hash value, reader.fixed<32>());
  return std::optional<Hash>(value);
}

Result<uint32_t> decode_round(codec::Reader& reader) {
  GOVCHAIN_ASSIGN_OR_RETURN(uint32_t round, reader.u32());
  if (round > round_max)
    return error(Code::malformed, "round " + std::to_string(round) + " exceeds " + std::to_string(round_max));
  return round;
}

Status decode_version(codec::Reader& reader, std::string_view what) {
  GOVCHAIN_ASSIGN_OR_RETURN(uint8_t version, reader.u8());
  if (version != codec::format_version)
    return error(Code::malformed, std::string(what) + " has format version " + std::to_string(version) + ", expected " +
                                      std::to_string(codec::format_version));
  return Status();
}

void encode_vote(codec::Writer& writer, const SignedVote& vote) {
  writer.u8(codec::format_version);
  encode_vote_fields(writer, vote.vote);
  writer.fixed(vote.signature);
}

Result<SignedVote> decode_vote(codec::Reader& reader) {
  GOVCHAIN_TRY(decode_version(reader, "vote"));
  SignedVote result;
  GOVCHAIN_ASSIGN_OR_RETURN(uint8_t type, reader.u8());
  if (type != static_cast<uint8_t>(VoteType::prevote) && type != static_cast<uint8_t>(VoteType::precommit))
    return error(Code::malformed, "vote type " + std::to_string(type) + " is neither prevote (1) nor precommit (2)");
  result.vote.type = static_cast<VoteType>(type);
  GOVCHAIN_ASSIGN_OR_RETURN(result.vote.height, reader.u64());
  GOVCHAIN_ASSIGN_OR_RETURN(result.vote.round, decode_round(reader));
  GOVCHAIN_ASSIGN_OR_RETURN(result.vote.block_id, decode_optional_hash(reader));
  GOVCHAIN_ASSIGN_OR_RETURN(result.vote.validator, reader.fixed<32>());
  GOVCHAIN_ASSIGN_OR_RETURN(result.signature, reader.fixed<64>());
  return result;
}

Bytes encode_vote(const SignedVote& vote) {
  codec::Writer writer;
  encode_vote(writer, vote);
  return writer.take();
}

Result<SignedVote> decode_vote(ByteView bytes) {
  codec::Reader reader(bytes);
  GOVCHAIN_ASSIGN_OR_RETURN(SignedVote vote, decode_vote(reader));
  GOVCHAIN_TRY(reader.finish());
  return vote;
}

void encode_proposal(codec::Writer& writer, const SignedProposal& proposal) {
  writer.u8(codec::format_version);
  encode_proposal_fields(writer, proposal.proposal);
  writer.bytes(proposal.block);
  writer.fixed(proposal.signature);
}

Result<SignedProposal> decode_proposal(codec::Reader& reader) {
  GOVCHAIN_TRY(decode_version(reader, "proposal"));
  SignedProposal result;
  Proposal& proposal = result.proposal;
  GOVCHAIN_ASSIGN_OR_RETURN(proposal.height, reader.u64());
  GOVCHAIN_ASSIGN_OR_RETURN(proposal.round, decode_round(reader));
  GOVCHAIN_ASSIGN_OR_RETURN(bool has_valid_round, reader.boolean());
  if (has_valid_round) {
    GOVCHAIN_ASSIGN_OR_RETURN(uint32_t valid_round, decode_round(reader));
    if (valid_round >= proposal.round)
      return error(Code::malformed, "proposal valid_round " + std::to_string(valid_round) + " is not below its round " +
                                        std::to_string(proposal.round));
    proposal.valid_round = valid_round;
  }
  GOVCHAIN_ASSIGN_OR_RETURN(proposal.block_id, reader.fixed<32>());
  GOVCHAIN_ASSIGN_OR_RETURN(proposal.proposer, reader.fixed<32>());
  GOVCHAIN_ASSIGN_OR_RETURN(result.block, reader.bytes(limits::block_size_bytes_max));
  GOVCHAIN_ASSIGN_OR_RETURN(result.signature, reader.fixed<64>());
  return result;
}

Bytes encode_proposal(const SignedProposal& proposal) {
  codec::Writer writer;
  encode_proposal(writer, proposal);
  return writer.take();
}

Result<SignedProposal> decode_proposal(ByteView bytes) {
  codec::Reader reader(bytes);
  GOVCHAIN_ASSIGN_OR_RETURN(SignedProposal proposal, decode_proposal(reader));
  GOVCHAIN_TRY(reader.finish());
  return proposal;
}

}  // namespace govchain::consensus
