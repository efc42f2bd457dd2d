#include "client/verify.h"

#include <algorithm>
#include <set>

#include "chain/genesis.h"
#include "crypto/schnorr.h"

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
  const Hash hash = chain::block_hash(header);
  if (commit.height != header.height)
    return mismatch("commit certificate is for height " + std::to_string(commit.height) + ", the header is at " +
                    std::to_string(header.height));
  if (commit.block_hash != hash)
    return mismatch("commit certificate is for block " + commit.block_hash.hex() + ", the header hashes to " +
                    hash.hex());
  if (header.validator_set_hash != chain::validator_set_hash(validators))
    return mismatch("the header's validator set hash " + header.validator_set_hash.hex() +
                    " is not that of the given validator set; the validators differ from the ones this block names");
  const std::set<PublicKey> members(validators.begin(), validators.end());
  std::set<PublicKey> signers;
  for (const auto& entry : commit.signatures) {
    if (!members.contains(entry.validator) || signers.contains(entry.validator)) continue;
    const Hash signed_hash = chain::commit_sign_hash(header.chain_id, commit.height, commit.round, hash, entry.validator);
    if (!crypto::verify(entry.validator, signed_hash.view(), entry.signature))
      return mismatch("commit signature of validator " + entry.validator.hex() + " does not verify");
    signers.insert(entry.validator);
  }
  CommitCheck check{signers.size(), members.size()};
  // More than two thirds of the (distinct) validators must have signed.
  if (3 * check.signatures_valid <= 2 * check.validators_total)
    return mismatch("only " + std::to_string(check.signatures_valid) + " of " + std::to_string(check.validators_total) +
                    " validators signed the commit; more than two thirds are needed");
  return check;
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
