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

// The hex text POST /v1/txs expects in {"tx": ...}.
std::string tx_hex(const chain::Tx& tx);

}  // namespace govchain::client
