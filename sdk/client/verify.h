// Light-client checks of what a node answered: commit certificates and
// state proofs, as pure functions (in the manner of CometBFT's
// light/verifier.go). They take everything they need as arguments, do no IO,
// and return Code::invalid with a message saying exactly what did not match.
//
// Trust: a check is only as good as the validator set it is given. The set
// from the genesis file (the network's root of trust) is the right one; the
// set a node reports in /v1/status is what that same node claims, so a result
// built on it says so (ValidatorSource::node_status).
//
// All functions are pure and thread-safe; the structs are plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "chain/block.h"
#include "client/api_types.h"
#include "core/bytes.h"
#include "core/status.h"

namespace govchain::client {

// Where the validator set used for a check came from.
enum class ValidatorSource {
  caller,       // given by the caller (for example from the genesis file)
  node_status,  // taken from the queried node's /v1/status: trust on first use
};
std::string_view validator_source_name(ValidatorSource source);

struct CommitCheck {
  uint64_t signatures_valid = 0;  // distinct validators of the set with a valid signature
  uint64_t validators_total = 0;  // size of the validator set
};

// Checks that `commit` finalises the block with `header`: the header's
// validator_set_hash is that of `validators`, and
// consensus::verify_commit_certificate holds — same height and block hash,
// every signer a distinct member of `validators` (a repeated signer or an
// outsider fails the check: a node never serves either), every signature a
// valid precommit on the header's chain, and more than two thirds of
// `validators` signed. Code::invalid with the verifier's reason otherwise.
Result<CommitCheck> verify_commit(const chain::Header& header, const chain::CommitCertificate& commit,
                                  const std::vector<PublicKey>& validators);

// A state read whose proof, block and commit all check out.
struct ProvenState {
  Bytes key;
  std::optional<Bytes> value;  // nullopt: proven absent
  uint64_t height = 0;
  Hash block_hash;
  Hash state_root;
  int64_t block_time_ms = 0;
  std::string chain_id;
  CommitCheck commit;
  ValidatorSource validator_source = ValidatorSource::caller;
};

// Checks a state read end to end:
//  1. the block's header (decoded by the client) hashes to read.block_hash and
//     to the block's claimed hash, and is at read.height;
//  2. the header's state_root equals read.state_root;
//  3. read.proof proves read.value for `key` under that state root
//     (state::verify_proof), so the node cannot swap the value;
//  4. verify_commit(header, block.commit, validators) holds;
//  5. the header's chain id is `chain_id`, when `chain_id` is not empty.
// `key` is what the caller asked for; a node answering for another key fails.
Result<ProvenState> verify_state_read(ByteView key, const StateRead& read, const BlockInfo& block,
                                      const std::vector<PublicKey>& validators, ValidatorSource source,
                                      std::string_view chain_id);

}  // namespace govchain::client
