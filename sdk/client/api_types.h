// The answers of the node's HTTP API (node/rpc/api.cpp) as plain C++ values,
// and the pure functions that parse them from the JSON the node sends.
//
// Parsing never trusts the node: malformed or missing fields come back as
// Code::malformed with the field named, and fields that the client can
// recompute (a block's hash, a decoded header) are recomputed and kept beside
// what the node claimed, so that verify.h can compare them. Every value also
// keeps the raw JSON text it came from (`raw_json`), so tools can pass the
// node's answer through unchanged (the CLI's --json output).
//
// All types are plain values, safe to copy between threads; all functions are
// pure, never throw, and are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chain/block.h"
#include "core/bytes.h"
#include "core/status.h"
#include "state/proof.h"

namespace govchain::client {

// GET /v1/status
struct NodeStatus {
  std::string chain_id;
  uint64_t height = 0;
  Hash latest_block_hash;
  Hash state_root;
  int64_t latest_block_time_ms = 0;
  uint64_t mempool_txs = 0;
  // The validator set as the node reports it. Not a root of trust by itself:
  // pin it from the genesis file where that matters (see verify.h).
  std::vector<PublicKey> validators;
  std::string raw_json;
};

// One transaction of a block, as summarised by the node.
struct BlockTxSummary {
  Hash hash;
  PublicKey sender;
  uint64_t nonce = 0;
  std::string action_type;  // "role_grant", "contract_call", ...
};

// GET /v1/blocks/{height|latest}
struct BlockInfo {
  Hash claimed_hash;     // the node's "hash" field
  Bytes header_bytes;    // decoded from "header_hex"
  chain::Header header;  // decode_header(header_bytes): the client's own view
  Hash computed_hash;    // chain::block_hash(header)
  std::vector<BlockTxSummary> txs;
  chain::CommitCertificate commit;  // the certificate that finalised this block
  std::string raw_json;
};

// dropped: a block builder on the node left the transaction out (its
// action failed, or the chain does not know its sender), so it will never
// be on the chain (docs/decisions/failed-calls-stay-off-chain.md).
enum class TxState { pending, committed, dropped };

// GET /v1/txs/{hash}. A hash the node does not know is Code::not_found.
struct TxStatus {
  Hash hash;
  TxState state = TxState::pending;
  std::optional<chain::Receipt> receipt;  // set when committed
  Status reason;                          // set when dropped: its code and message
  std::string raw_json;
};

// GET /v1/state/{key}?proof=true, before any verification.
struct StateRead {
  Bytes key;
  std::optional<Bytes> value;  // nullopt: the node says the key is absent
  state::StateProof proof;
  uint64_t height = 0;  // the block whose state root the proof is against
  Hash block_hash;
  Hash state_root;
  std::string raw_json;
};

// POST /v1/txs with one transaction (202).
struct SubmitResult {
  Hash hash;
  std::string raw_json;
};

// One validator of GET /v1/validators.
struct ValidatorInfo {
  PublicKey public_key;  // the node key that signs votes
  std::string municipality;
};

// A validator set proposal (GET /v1/validators/proposals/{id}, and the
// "pending" entries of GET /v1/validators).
struct ValidatorProposalInfo {
  uint64_t id = 0;
  std::string change;  // "add" or "remove"
  std::string municipality;
  std::optional<std::string> name;    // add, new member only
  std::optional<PublicKey> admin;     // add, new member only
  std::optional<PublicKey> node_key;  // add only
  PublicKey proposer;
  std::string status;  // "open", "approved", "rejected", "expired", "activated"
  uint64_t proposed_height = 0;
  uint64_t expires_height = 0;
  uint64_t decided_height = 0;               // 0 while open
  uint64_t activation_height = 0;            // approved: first height the changed set decides; else 0
  std::vector<std::string> approvals;        // member ids
  std::vector<std::string> rejections;       // member ids
  std::optional<uint64_t> approvals_needed;  // while open: more than two thirds of the members now
  std::string raw_json;
};

// GET /v1/validators: the validator set, the members and the pending
// proposals, all read from the state of block `state_height`.
struct ValidatorGovernanceInfo {
  uint64_t height = 0;        // the height the listed set decides next
  uint64_t state_height = 0;  // height - 1
  std::vector<ValidatorInfo> validators;
  std::vector<std::string> members;            // member municipality ids
  std::vector<ValidatorProposalInfo> pending;  // open, or approved and not yet active
  uint64_t proposal_count = 0;                 // ids are 1..proposal_count
  std::string raw_json;
};

// The "validator_proposed" or "validator_voted" event of a receipt: the
// proposal id and its status after the transaction.
struct ValidatorProposalEvent {
  std::string topic;
  uint64_t proposal_id = 0;
  std::string status;
};

Result<NodeStatus> parse_status_json(std::string_view body);
Result<BlockInfo> parse_block_json(std::string_view body);
Result<TxStatus> parse_tx_status_json(std::string_view body);
Result<StateRead> parse_state_json(std::string_view body);
Result<SubmitResult> parse_submit_json(std::string_view body);
// POST /v1/txs with an array: one outcome per transaction, in the order
// sent — the hash the node reports, or the reason code and message of its
// refusal. Code::malformed unless the answer lists exactly
// `expected_count` results.
Result<std::vector<Result<Hash>>> parse_submit_batch_json(std::string_view body, size_t expected_count);
// GET /v1/accounts/{pubkey}: the account's next nonce (committed state).
Result<uint64_t> parse_account_nonce_json(std::string_view body);
// A receipt object as in /v1/txs/{hash} and POST /v1/query.
Result<chain::Receipt> parse_receipt_json(std::string_view body);
Result<ValidatorGovernanceInfo> parse_validator_governance_json(std::string_view body);
Result<ValidatorProposalInfo> parse_validator_proposal_json(std::string_view body);
// Code::not_found when the receipt has no validator governance event (for
// example a failed transaction); Code::malformed when its data does not
// decode.
Result<ValidatorProposalEvent> validator_event_of(const chain::Receipt& receipt);

// The Status carried by an API error body {"error":{"code","message"}}
// answered with `http_status`. Codes the core does not know (for example
// the server's "method_not_allowed") keep their name in the message. A body
// that is not such an object still yields a non-ok Status that quotes it.
Status parse_error_json(unsigned http_status, std::string_view body);

// The Code whose code_name() is `name`, if any.
std::optional<Code> code_from_name(std::string_view name);

}  // namespace govchain::client
