// The genesis ceremony of a production consortium, with public keys only:
//
//  1. each member municipality makes its keys on its own machine
//     (encrypted key files, which never leave it) and exports their public
//     part, a member file (MemberPublicPart);
//  2. a coordinator assembles the genesis from the member files
//     (assemble_genesis) and hands the genesis and the member files to
//     every member;
//  3. every member checks the genesis hash, read out by the coordinator on
//     a second channel, and that its own keys are in the genesis
//     (check_member_in_genesis), then writes its node configuration
//     (ceremony_node_config) with the others as peers.
//
// `govchain genesis keys|export|assemble|verify|node-config` are the
// commands; docs/operations.md walks through them. Pure functions on plain
// values; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "chain/genesis.h"
#include "core/status.h"
#include "setup/genesis_builder.h"

namespace govchain::setup {

// The format name in every member file, so that a file of another kind
// (a key file, a genesis) is recognised and refused.
inline constexpr const char* member_file_format = "govchain-member/1";

// What a member hands to the coordinator: public keys and the address its
// node takes p2p connections on. Nothing secret.
struct MemberPublicPart {
  MemberKeys keys;
  std::string p2p_address;  // host:port the other validators dial
};

std::string member_file_to_json(const MemberPublicPart& member);
// Parses and checks a member file: the format name, a valid municipality
// id and display name, valid keys for the node, the admin and each known
// office role, and a host:port address. Any other field is refused (a
// secret key in it is named as such), so that a member file carries
// nothing but what it says.
Result<MemberPublicPart> parse_member_file(std::string_view json_text);

// The genesis of the members, in the given order (the first member owns the
// genesis contracts). Refuses fewer than one member, an id twice, and any
// public key used twice across all members' accounts.
Result<chain::Genesis> assemble_genesis(std::string_view chain_id, int64_t genesis_time_ms,
                                        const std::vector<MemberPublicPart>& members,
                                        std::vector<chain::GenesisContract> contracts);

// Checks that `genesis` has `keys`' municipality with its admin, its node
// key as a validator and each office key with its role. The message names
// the first difference.
Status check_member_in_genesis(const chain::Genesis& genesis, const MemberKeys& keys);

// A member's node configuration (the settings of govchaind --config) after
// the ceremony: the paths given, and every other member of `members` as a
// peer (the member itself is recognised by its node key).
struct CeremonyNodeConfig {
  std::string data_dir;
  std::string genesis;
  std::string validator_key;
  std::string validator_key_passphrase_file;  // empty: none in the file (a systemd credential instead)
  std::string rpc_address;
  std::string p2p_address;
};
Result<std::string> ceremony_node_config(const CeremonyNodeConfig& paths, const PublicKey& own_node_key,
                                         const std::vector<MemberPublicPart>& members);

}  // namespace govchain::setup
