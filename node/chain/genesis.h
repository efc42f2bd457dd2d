// Genesis: the JSON file every node of a network starts from, and the root
// of trust for verifiers. It names the chain, its validators (one per
// municipality), the municipalities with their admin accounts, the initial
// role grants, the parameters (limits, block interval, deploy rule) and the
// contracts deployed at height 0.
// Plain values; parse/serialise are pure and thread-safe.
#pragma once

#include <string>
#include <vector>

#include "chain/tx.h"
#include "core/bytes.h"
#include "core/limits.h"
#include "core/status.h"

namespace govchain::chain {

struct Municipality {
  std::string id;    // short name used on chain, e.g. "aachen"
  std::string name;  // display name, e.g. "Aachen"
  PublicKey admin;
  bool operator==(const Municipality&) const = default;
};

struct Validator {
  std::string municipality;
  PublicKey public_key;  // the node key
  bool operator==(const Validator&) const = default;
};

struct RoleAssignment {
  std::string municipality;
  std::string role;
  PublicKey account;
  bool operator==(const RoleAssignment&) const = default;
};

struct Parameters {
  // The defaults are in core/limits.h; a genesis may set any value up to
  // the hard bound of the same name there (parse_genesis checks).
  uint64_t block_interval_ms = limits::default_block_interval_ms;  // pause between blocks when transactions wait
  uint64_t block_txs_max = limits::default_block_txs_max;
  uint64_t block_size_bytes_max = limits::default_block_size_bytes_max;  // of a block's transactions
  uint64_t tx_size_bytes_max = limits::default_tx_size_bytes_max;
  uint64_t gas_per_tx_max = limits::default_gas_per_tx_max;
  uint64_t gas_per_block_max = limits::default_gas_per_block_max;
  uint64_t query_gas_max = limits::default_query_gas_max;
  // Who may deploy and upgrade contracts: "municipality_admin" (a member's
  // admin, in its municipality's namespace "<id>.<name>"; the shared
  // contracts change only by a vote of the members,
  // docs/decisions/consortium-contracts.md) is the only rule so far.
  std::string deploy_rule = "municipality_admin";
  // Validator set changes (chain::ValidatorProposal): an approved change
  // takes effect this many blocks after the block that approved it, and a
  // proposal not decided within the ttl expires.
  uint64_t validator_change_delay_blocks = limits::default_validator_change_delay_blocks;
  uint64_t validator_proposal_ttl_blocks = limits::default_validator_proposal_ttl_blocks;
  bool operator==(const Parameters&) const = default;
};

struct GenesisContract {
  std::string name;
  std::string municipality;
  Bytes code;
  std::string abi_json;
  bool operator==(const GenesisContract&) const = default;
};

struct Genesis {
  std::string chain_id;
  int64_t genesis_time_ms = 0;
  std::vector<Validator> validators;
  std::vector<Municipality> municipalities;
  std::vector<RoleAssignment> roles;
  Parameters parameters;
  std::vector<GenesisContract> contracts;
  bool operator==(const Genesis&) const = default;
};

// Parses and checks a genesis document: unique municipality ids, known
// roles, roles only in listed municipalities, at least one validator.
Result<Genesis> parse_genesis(std::string_view json_text);
std::string genesis_to_json(const Genesis& genesis);
// Hash of the canonical binary form; nodes refuse peers with another one.
Hash genesis_hash(const Genesis& genesis);

// Hash of a validator set given in any order (sorted, then
// consensus::validator_set_hash).
Hash validator_set_hash(std::vector<PublicKey> validators);
std::vector<PublicKey> validator_keys(const Genesis& genesis);

}  // namespace govchain::chain
