#include "client/testing/test_chain.h"

#include <algorithm>

#include "chain/genesis.h"
#include "client/state_layout.h"
#include "codec/codec.h"
#include "consensus/certificate.h"

namespace govchain::client::testing {

namespace {

std::vector<PublicKey> keys_of(const std::vector<crypto::KeyPair>& pairs) {
  std::vector<PublicKey> keys;
  for (const auto& pair : pairs) keys.push_back(pair.public_key);
  return keys;
}

void sort_by_key(std::vector<crypto::KeyPair>& pairs) {
  std::sort(pairs.begin(), pairs.end(), [](const crypto::KeyPair& left, const crypto::KeyPair& right) {
    return left.public_key < right.public_key;
  });
}

// The validators' precommits for the block: the one certificate format
// (consensus/certificate.h), signers in ascending order as it requires.
chain::CommitCertificate sign_commit(const chain::Header& header, const std::vector<crypto::KeyPair>& signers) {
  chain::CommitCertificate commit{header.height, 0, chain::block_hash(header), {}};
  for (const auto& signer : signers) {
    const Hash digest =
        consensus::precommit_signing_digest(header.chain_id, header.height, 0, commit.block_hash, signer.public_key);
    commit.signatures.push_back({signer.public_key, crypto::sign(signer.secret, digest.view())});
  }
  std::sort(commit.signatures.begin(), commit.signatures.end(),
            [](const chain::CommitSignature& left, const chain::CommitSignature& right) {
              return left.validator < right.validator;
            });
  return commit;
}

}  // namespace

Bytes encode_stored_certificate_record(const CertificateRecord& record) {
  codec::Writer writer;
  writer.u8(1);
  writer.fixed(record.id);
  writer.text(record.type);
  writer.fixed(record.issuer);
  writer.text(record.issuer_municipality);
  writer.text(record.authority);
  writer.boolean(record.issuer_authorized);
  writer.text(record.municipality);
  writer.fixed(record.commitment);
  writer.i64(record.valid_from_ms);
  writer.i64(record.valid_until_ms);
  writer.text(record.status);
  writer.count(record.history.size());
  for (const auto& entry : record.history) {
    writer.u64(entry.height);
    writer.i64(entry.time_ms);
    writer.fixed(entry.actor);
    writer.text(entry.municipality);
    writer.text(entry.status);
    writer.text(entry.reason);
  }
  return writer.take();
}

TestChain::TestChain(std::string chain_id, size_t validator_count)
    : chain_id_(std::move(chain_id)),
      store_(storage::make_memory_store()),
      tree_(std::make_unique<state::StateTree>(*store_)) {
  for (size_t i = 0; i < validator_count; ++i) current_.push_back(crypto::generate_key_pair());
  sort_by_key(current_);
  genesis_anchor_ = TrustAnchor{chain_id_, 1, keys_of(current_)};
}

Result<uint64_t> TestChain::add_block(std::vector<state::StateChange> changes, int64_t time_ms, size_t signer_count) {
  state::sort_changes(changes);
  storage::WriteBatch batch;
  GOVCHAIN_ASSIGN_OR_RETURN(root_, tree_->apply(root_, changes, batch));
  GOVCHAIN_TRY(store_->write(batch, false));
  const std::vector<PublicKey> deciding = keys_of(current_);
  chain::Header header;
  header.chain_id = chain_id_;
  header.height = blocks_.size() + 1;
  header.time_ms = time_ms;
  header.state_root = root_;
  header.proposer = deciding.front();
  header.validator_set_hash = chain::validator_set_hash(deciding);
  if (!blocks_.empty()) {
    header.previous_hash = blocks_.back().block.commit.block_hash;
    header.last_commit = blocks_.back().block.commit;
  }
  const size_t quorum = current_.size() * 2 / 3 + 1;
  const size_t count = std::min(current_.size(), signer_count == 0 ? quorum : signer_count);
  const std::vector<crypto::KeyPair> signers(current_.begin(), current_.begin() + static_cast<long>(count));
  blocks_.push_back({{header, sign_commit(header, signers)}, deciding});
  if (!pending_.empty()) {
    current_ = std::move(pending_);
    pending_.clear();
  }
  return header.height;
}

Result<uint64_t> TestChain::change_validators(std::vector<crypto::KeyPair> next, int64_t time_ms) {
  sort_by_key(next);
  std::vector<ValidatorRecord> records;
  for (const auto& pair : next) records.push_back({pair.public_key, "member"});
  const Bytes value = encode_validators_value(records);
  pending_ = std::move(next);
  GOVCHAIN_ASSIGN_OR_RETURN(uint64_t height, add_block({{validators_key(), value}}, time_ms));
  changes_.push_back({height + 1, value});
  return height;
}

Result<ProofBundle> TestChain::bundle(const std::vector<Bytes>& keys) const {
  if (blocks_.empty()) return error(Code::unavailable, "no block yet");
  ProofBundle bundle;
  bundle.chain_id = chain_id_;
  bundle.anchor_id = trust_anchor_id(genesis_anchor_);
  bundle.anchor_height = genesis_anchor_.height;
  for (const auto& change : changes_) {
    if (change.activation_height > height()) continue;
    const BlockRecord& record = blocks_[change.activation_height - 2];
    GOVCHAIN_ASSIGN_OR_RETURN(state::ProvenValue proven,
                              tree_->prove(record.block.header.state_root, validators_key()));
    bundle.changes.push_back({change.activation_height, change.value, proven.proof, record.block});
  }
  bundle.block = blocks_.back().block;
  for (const Bytes& key : keys) {
    GOVCHAIN_ASSIGN_OR_RETURN(state::ProvenValue proven, tree_->prove(root_, key));
    bundle.entries.push_back({key, proven.value, proven.proof});
  }
  return bundle;
}

Result<Bytes> TestChain::encoded_bundle(const std::vector<Bytes>& keys) const {
  GOVCHAIN_ASSIGN_OR_RETURN(ProofBundle made, bundle(keys));
  return encode_bundle(made, genesis_anchor_.validators);
}

}  // namespace govchain::client::testing
