// Building a genesis from the member municipalities of a network and the
// public keys of their accounts: each member becomes a municipality (with
// its admin), a validator (its node key) and the role grants of its offices;
// the genesis contracts belong to the first member.
//
// Used by govchaind's dev chain (one member, "dev-city") and by
// `govchain network new|up` (many members). Pure functions on plain values;
// thread-safe. File IO is in setup_files.h.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chain/genesis.h"
#include "core/status.h"

namespace govchain::setup {

// The public keys of one member municipality's accounts.
struct MemberKeys {
  std::string id;            // municipality id on chain, e.g. "aachen"
  std::string display_name;  // e.g. "Aachen"
  PublicKey validator;       // the node key: signs votes and p2p handshakes
  PublicKey admin;           // grants roles, deploys contracts
  // One account per office role, in chain::known_roles() order.
  std::vector<std::pair<std::string, PublicKey>> offices;
};

// Municipality ids: 1 to 64 characters of a-z, 0-9 and '-'. The message
// says what is wrong and what is allowed.
Status check_member_id(std::string_view id);
// Chain ids: 1 to 64 characters of a-z, A-Z, 0-9, '-', '_' and '.'.
Status check_chain_id(std::string_view chain_id);

// The genesis of a network of `members` (at least one, unique valid ids).
// `contracts` are deployed at height 0; their municipality is set to the
// first member. Genesis parameters keep their defaults.
Result<chain::Genesis> build_genesis(std::string_view chain_id, int64_t genesis_time_ms,
                                     const std::vector<MemberKeys>& members,
                                     std::vector<chain::GenesisContract> contracts);

}  // namespace govchain::setup
