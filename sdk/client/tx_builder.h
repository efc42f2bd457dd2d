// Building and signing transactions, offline.
//
// make_tx() fills in every field of a chain::Tx, signs it with the key pair
// and checks it as the node will (chain::check_tx_stateless: sizes, names,
// chain id, signature), so that a mistake is reported before anything is sent.
// The nonce must be the sender's next nonce (Client::next_nonce()).
//
// Pure functions, thread-safe. The key pair is only read, never kept.
#pragma once

#include <cstdint>
#include <string>

#include "chain/tx.h"
#include "core/status.h"
#include "crypto/schnorr.h"

namespace govchain::client {

// Default gas limit for governance transactions: far above their intrinsic
// cost (a few thousand units), far below the per-transaction maximum.
inline constexpr uint64_t default_gas_limit = 1'000'000;

// A signed transaction, or Code::invalid_argument / Code::too_large when it
// would be refused by every node.
Result<chain::Tx> make_tx(std::string chain_id, const crypto::KeyPair& key_pair, uint64_t nonce, uint64_t gas_limit,
                          chain::Action action);

// Actions, with the role name checked against chain::known_roles().
Result<chain::Action> role_grant_action(std::string municipality, std::string role, const PublicKey& account);
Result<chain::Action> role_revoke_action(std::string municipality, std::string role, const PublicKey& account);

// Validator set governance (chain::ValidatorProposal, chain::ValidatorVote),
// signed by a member municipality's admin. To add a validator for an
// existing member, leave `name` empty and `admin` zero; a new member needs
// both. Code::invalid_argument names what is wrong.
Result<chain::Action> validator_add_action(std::string municipality, const PublicKey& node_key,
                                           std::string name = {}, const PublicKey& admin = {});
Result<chain::Action> validator_remove_action(std::string municipality);
Result<chain::Action> validator_vote_action(uint64_t proposal_id, bool approve);
chain::Action contract_call_action(std::string contract, std::string method, Bytes arguments);

// Governance of shared contracts (chain::ContractProposal,
// chain::ContractVote; docs/decisions/consortium-contracts.md), signed by a
// member municipality's admin. A shared contract's name has no
// municipality prefix (no '.'); a new one needs its ABI, an upgrade may
// keep the current one (empty `abi_json`). `owner` is a member's id, or
// empty (or "consortium") to hand the contract back to the consortium.
// Code::invalid_argument names what is wrong.
Result<chain::Action> contract_deploy_proposal_action(std::string contract, Bytes code, std::string abi_json);
Result<chain::Action> contract_upgrade_proposal_action(std::string contract, Bytes code, std::string abi_json = {});
Result<chain::Action> contract_owner_proposal_action(std::string contract, std::string owner);
Result<chain::Action> contract_vote_action(uint64_t proposal_id, bool approve);

// The hex text POST /v1/txs expects in {"tx": ...}.
std::string tx_hex(const chain::Tx& tx);

}  // namespace govchain::client
