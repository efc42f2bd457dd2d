#include "client/verify.h"

#include <algorithm>

#include "chain/genesis.h"
#include "consensus/certificate.h"

namespace govchain::client {

namespace {

Status mismatch(const std::string& message) { return error(Code::invalid, message); }

}  // namespace

std::string_view validator_source_name(ValidatorSource source) {
  switch (source) {
    case ValidatorSource::caller:
      return "caller";
    case ValidatorSource::node_status:
      return "node_status";
  }
  return "unknown";
}

Result<CommitCheck> verify_commit(const chain::Header& header, const chain::CommitCertificate& commit,
                                  const std::vector<PublicKey>& validators) {
  if (validators.empty()) return error(Code::invalid_argument, "no validators to check the commit against");
  auto set = consensus::ValidatorSet::create(validators);
  if (!set.ok()) return set.status().with_context("the validator set to check the commit against");
  if (header.validator_set_hash != set->hash())
    return mismatch("the header's validator set hash " + header.validator_set_hash.hex() +
                    " is not that of the given validator set; the validators differ from the ones this block names");
  // The one certificate check of govchain (consensus/certificate.h), as
  // the validators themselves run it.
  Status certified =
      consensus::verify_commit_certificate(commit, header.chain_id, header.height, chain::block_hash(header), *set);
  if (!certified.ok()) return mismatch("commit certificate: " + certified.message());
  return CommitCheck{commit.signatures.size(), set->size()};
}

Result<ProvenState> verify_state_read(ByteView key, const StateRead& read, const BlockInfo& block,
                                      const std::vector<PublicKey>& validators, ValidatorSource source,
                                      std::string_view chain_id) {
  if (!std::equal(key.begin(), key.end(), read.key.begin(), read.key.end()))
    return mismatch("the node answered for key " + to_hex(read.key) + ", not the requested " + to_hex(key));
  const chain::Header& header = block.header;
  const Hash hash = chain::block_hash(header);
  if (header.height != read.height)
    return mismatch("block is at height " + std::to_string(header.height) + ", the proof is for height " +
                    std::to_string(read.height));
  if (hash != read.block_hash || hash != block.claimed_hash)
    return mismatch("the block header hashes to " + hash.hex() + ", but the node named block " + read.block_hash.hex());
  if (header.state_root != read.state_root)
    return mismatch("the proof is against state root " + read.state_root.hex() + ", but block " +
                    std::to_string(header.height) + " commits to " + header.state_root.hex());
  if (!chain_id.empty() && header.chain_id != chain_id)
    return mismatch("the block is of chain '" + header.chain_id + "', expected '" + std::string(chain_id) + "'");
  Status proven = state::verify_proof(header.state_root, key, read.value, read.proof);
  if (!proven.ok()) return proven.with_context("state proof");
  auto commit = verify_commit(header, block.commit, validators);
  if (!commit.ok()) return commit.status().with_context("commit certificate");
  ProvenState result;
  result.key = Bytes(key.begin(), key.end());
  result.value = read.value;
  result.height = header.height;
  result.block_hash = hash;
  result.state_root = header.state_root;
  result.block_time_ms = header.time_ms;
  result.chain_id = header.chain_id;
  result.commit = *commit;
  result.validator_source = source;
  return result;
}

}  // namespace govchain::client
