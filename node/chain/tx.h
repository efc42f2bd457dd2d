// Transactions: what an account asks the chain to do, signed by its key.
//
// A transaction names the chain it is meant for, the sending account (its
// public key), the account's next nonce, a gas limit, and a payload (one
// Action). The signature covers all of these; the transaction's hash is the
// tagged hash of the same signed bytes, so it is known before signing and
// a second signature over the same body cannot make a different transaction.
// Plain values; thread-safe to copy and read.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "core/bytes.h"
#include "core/limits.h"
#include "core/status.h"
#include "crypto/schnorr.h"

namespace govchain::chain {

inline constexpr size_t chain_id_size_bytes_max = 64;
inline constexpr size_t name_size_bytes_max = 64;
inline constexpr size_t municipality_name_size_bytes_max = 256;  // display names
// A contract's ABI (JSON text) is stored in its contract record; this bound
// keeps the record within the state tree's value limit (core/limits.h).
inline constexpr size_t abi_size_bytes_max = limits::abi_size_bytes_max;

// Municipality ids and contract names: 1-64 characters of a-z, 0-9, '-',
// '_', '.'.
bool is_valid_name(std::string_view name);

// Municipality roles (docs/domain.md). Stored by name so that contracts can ask
// about roles without a shared enum.
bool is_known_role(std::string_view role);
const std::vector<std::string>& known_roles();

// A municipality admin grants `role` in its municipality to `account`.
struct RoleGrant {
  std::string municipality;
  std::string role;
  PublicKey account;
  bool operator==(const RoleGrant&) const = default;
};
// The admin takes a role back.
struct RoleRevoke {
  std::string municipality;
  std::string role;
  PublicKey account;
  bool operator==(const RoleRevoke&) const = default;
};
// Deploy (or, with the same name and authority, upgrade) a contract.
struct ContractDeploy {
  std::string name;
  std::string municipality;  // the deploying admin's municipality
  Bytes code;                // the WebAssembly module
  std::string abi_json;      // ABI description, stored beside the code
  bool operator==(const ContractDeploy&) const = default;
};
// Call a contract method with encoded arguments.
struct ContractCall {
  std::string contract;
  std::string method;
  Bytes arguments;
  bool operator==(const ContractCall&) const = default;
};

// Proof that a validator signed two conflicting consensus votes: the bytes
// of consensus::encode_evidence. Any validator's node reports what it
// detects; execution verifies it and records it on chain once.
struct EvidenceReport {
  Bytes evidence;
  bool operator==(const EvidenceReport&) const = default;
};
// Encoded evidence is two votes (about 300 bytes); this bounds the decoder.
inline constexpr size_t evidence_size_bytes_max = 1024;

// Governance of the validator set (docs/decisions/validator-set-changes.md).
// A member municipality's admin proposes to add a municipality's validator
// (a new member joins with its name and admin, or an existing member without
// a validator gets one) or to remove one; the proposer's municipality
// approves with the proposal. More than two thirds of the member
// municipalities' admins must approve; the change then takes effect at a
// fixed later height (parameters.validator_change_delay_blocks).
enum class ValidatorChangeKind : uint8_t { add = 1, remove = 2 };
std::string_view validator_change_kind_name(ValidatorChangeKind kind);
struct ValidatorProposal {
  ValidatorChangeKind kind = ValidatorChangeKind::add;
  std::string municipality;  // the member whose validator is added or removed
  std::string name;          // add, new member only: its display name
  PublicKey admin;           // add, new member only: its admin account
  PublicKey validator;       // add: the node key; remove: zero
  bool operator==(const ValidatorProposal&) const = default;
};
// A member admin's vote on an open proposal.
struct ValidatorVote {
  uint64_t proposal_id = 0;
  bool approve = true;
  bool operator==(const ValidatorVote&) const = default;
};

// Governance of the consortium's shared contracts
// (docs/decisions/consortium-contracts.md). The use-case contracts that all
// members use belong to the consortium: deploying a new shared contract,
// upgrading one or changing a contract's owner needs more than two thirds of
// the members' votes, like a validator change, and takes effect at a fixed
// later height. `owner` (kind owner only) is a member municipality's id, or
// empty for the consortium.
enum class ContractChangeKind : uint8_t { deploy = 1, upgrade = 2, owner = 3 };
std::string_view contract_change_kind_name(ContractChangeKind kind);
struct ContractProposal {
  ContractChangeKind kind = ContractChangeKind::deploy;
  std::string contract;  // the shared contract's name
  Bytes code;            // deploy, upgrade: the WebAssembly module
  std::string abi_json;  // deploy, upgrade: the ABI (empty on upgrade: keep the current one)
  std::string owner;     // owner: the new owner municipality, empty for the consortium
  bool operator==(const ContractProposal&) const = default;
};
// A member admin's vote on an open contract proposal.
struct ContractVote {
  uint64_t proposal_id = 0;
  bool approve = true;
  bool operator==(const ContractVote&) const = default;
};

using Action = std::variant<RoleGrant, RoleRevoke, ContractDeploy, ContractCall, EvidenceReport, ValidatorProposal,
                            ValidatorVote, ContractProposal, ContractVote>;
std::string_view action_name(const Action& action);

struct Tx {
  std::string chain_id;
  PublicKey sender;
  uint64_t nonce = 0;
  uint64_t gas_limit = 0;
  Action action;
  Signature signature;
  bool operator==(const Tx&) const = default;
};

// The bytes that are signed and hashed (everything but the signature).
Bytes encode_tx_body(const Tx& tx);
Bytes encode_tx(const Tx& tx);
Result<Tx> decode_tx(ByteView bytes);
// Tagged hash of the body; the transaction's id.
Hash tx_hash(const Tx& tx);

Bytes encode_action(const Action& action);
Result<Action> decode_action(ByteView bytes);

// Fills in tx.signature: a BIP340 signature of tx_hash(tx) by `secret`.
void sign_tx(Tx& tx, const crypto::SecretKey& secret);

// Stateless checks: sizes, names, chain id, signature. The nonce needs state
// and is checked on admission (block/admission.h) and by execution. The
// node checks transactions through chain::check_tx (checked_tx.h), which
// runs the same two parts below with the hash taken from the bytes.
Status check_tx_stateless(const Tx& tx, std::string_view chain_id, size_t encoded_size_bytes,
                          size_t tx_size_bytes_max = limits::tx_size_bytes_max);
// Everything of check_tx_stateless but the signature: the home of every
// stateless rule about a transaction's fields.
Status check_tx_content(const Tx& tx, std::string_view chain_id, size_t encoded_size_bytes, size_t tx_size_bytes_max);
// The BIP340 signature of tx.sender over `hash`, which must be tx_hash(tx).
Status check_tx_signature(const Tx& tx, const Hash& hash);

}  // namespace govchain::chain
