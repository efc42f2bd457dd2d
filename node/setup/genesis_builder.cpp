#include "setup/genesis_builder.h"

#include <set>

#include "chain/tx.h"

namespace govchain::setup {

Status check_member_id(std::string_view id) {
  if (id.empty() || id.size() > chain::name_size_bytes_max)
    return error(Code::invalid_argument, "municipality id '" + std::string(id) + "' must have 1 to " +
                                             std::to_string(chain::name_size_bytes_max) + " characters");
  for (char c : id) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!allowed)
      return error(Code::invalid_argument, "municipality id '" + std::string(id) +
                                               "' may use only lowercase letters a-z, digits and '-' (for example "
                                               "'aachen' or 'bad-salzuflen')");
  }
  return Status();
}

Status check_chain_id(std::string_view chain_id) {
  if (chain_id.empty() || chain_id.size() > chain::chain_id_size_bytes_max)
    return error(Code::invalid_argument, "chain id '" + std::string(chain_id) + "' must have 1 to " +
                                             std::to_string(chain::chain_id_size_bytes_max) + " characters");
  for (char c : chain_id) {
    bool allowed =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!allowed)
      return error(Code::invalid_argument,
                   "chain id '" + std::string(chain_id) + "' may use only letters, digits, '-', '_' and '.'");
  }
  return Status();
}

static Status check_members(const std::vector<MemberKeys>& members) {
  if (members.empty()) return error(Code::invalid_argument, "a network needs at least one member municipality");
  std::set<std::string> ids;
  for (const auto& member : members) {
    GOVCHAIN_TRY(check_member_id(member.id));
    if (!ids.insert(member.id).second)
      return error(Code::invalid_argument, "municipality id '" + member.id + "' is given twice; ids must be unique");
    if (member.display_name.empty())
      return error(Code::invalid_argument, "municipality '" + member.id + "' needs a display name");
    for (const auto& [role, account] : member.offices)
      if (!chain::is_known_role(role))
        return error(Code::invalid_argument, "municipality '" + member.id + "': unknown role '" + role + "'");
  }
  return Status();
}

Result<chain::Genesis> build_genesis(std::string_view chain_id, int64_t genesis_time_ms,
                                     const std::vector<MemberKeys>& members,
                                     std::vector<chain::GenesisContract> contracts) {
  GOVCHAIN_TRY(check_chain_id(chain_id));
  GOVCHAIN_TRY(check_members(members));
  chain::Genesis genesis;
  genesis.chain_id = std::string(chain_id);
  genesis.genesis_time_ms = genesis_time_ms;
  for (const auto& member : members) {
    genesis.municipalities.push_back({member.id, member.display_name, member.admin});
    genesis.validators.push_back({member.id, member.validator});
    for (const auto& [role, account] : member.offices) genesis.roles.push_back({member.id, role, account});
  }
  for (auto& contract : contracts) contract.municipality = members.front().id;
  genesis.contracts = std::move(contracts);
  return genesis;
}

}  // namespace govchain::setup
