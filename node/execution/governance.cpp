#include "execution/governance.h"

#include <algorithm>

#include "codec/codec.h"
#include "execution/accounts.h"
#include "execution/state_keys.h"

namespace govchain::execution {

constexpr size_t roles_per_account_max = 256;

Bytes encode_roles(const std::vector<RoleEntry>& roles) {
  codec::Writer writer;
  writer.count(roles.size());
  for (const auto& entry : roles) {
    writer.text(entry.municipality);
    writer.text(entry.role);
  }
  return writer.take();
}

Result<std::vector<RoleEntry>> decode_roles(ByteView bytes) {
  codec::Reader reader(bytes);
  auto count = reader.count(roles_per_account_max, 8);
  if (!count.ok()) return count.status();
  std::vector<RoleEntry> roles;
  for (size_t i = 0; i < *count; ++i) {
    auto municipality = reader.text(chain::name_size_bytes_max);
    if (!municipality.ok()) return municipality.status();
    auto role = reader.text(chain::name_size_bytes_max);
    if (!role.ok()) return role.status();
    roles.push_back({*municipality, *role});
  }
  GOVCHAIN_TRY(reader.finish());
  return roles;
}

Bytes encode_municipality(const chain::Municipality& municipality) {
  codec::Writer writer;
  writer.text(municipality.name);
  writer.fixed(municipality.admin);
  return writer.take();
}

Result<chain::Municipality> decode_municipality(std::string_view id, ByteView bytes) {
  codec::Reader reader(bytes);
  chain::Municipality municipality;
  municipality.id = std::string(id);
  auto name = reader.text(chain::municipality_name_size_bytes_max);
  if (!name.ok()) return name.status();
  auto admin = reader.fixed<32>();
  if (!admin.ok()) return admin.status();
  GOVCHAIN_TRY(reader.finish());
  municipality.name = *name;
  municipality.admin = *admin;
  return municipality;
}

Status Governance::apply_genesis(const chain::Genesis& genesis) {
  for (const auto& municipality : genesis.municipalities) {
    state_.set(keys::municipality(municipality.id), encode_municipality(municipality));
    GOVCHAIN_TRY(index_admin(state_, municipality.admin, municipality.id));
  }
  for (const auto& role : genesis.roles) {
    auto current = roles(role.account);
    if (!current.ok()) return current.status();
    RoleEntry entry{role.municipality, role.role};
    if (std::find(current->begin(), current->end(), entry) == current->end()) {
      current->push_back(entry);
      std::sort(current->begin(), current->end());
      state_.set(keys::account_roles(role.account), encode_roles(*current));
    }
  }
  return Status();
}

Result<std::optional<chain::Municipality>> Governance::municipality(std::string_view id) const {
  auto stored = state_.get(keys::municipality(id));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return std::optional<chain::Municipality>();
  auto decoded = decode_municipality(id, **stored);
  if (!decoded.ok()) return decoded.status().with_context("stored municipality '" + std::string(id) + "'");
  return std::optional<chain::Municipality>(std::move(*decoded));
}

Result<std::vector<RoleEntry>> Governance::roles(const PublicKey& account) const {
  auto stored = state_.get(keys::account_roles(account));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return std::vector<RoleEntry>();
  return decode_roles(**stored);
}

Result<bool> Governance::has_role(const PublicKey& account, std::string_view municipality,
                                  std::string_view role) const {
  auto current = roles(account);
  if (!current.ok()) return current.status();
  RoleEntry wanted{std::string(municipality), std::string(role)};
  return std::find(current->begin(), current->end(), wanted) != current->end();
}

Result<bool> Governance::is_admin(const PublicKey& account, std::string_view municipality_id) const {
  auto found = municipality(municipality_id);
  if (!found.ok()) return found.status();
  return found->has_value() && (*found)->admin == account;
}

Status Governance::require_admin(const PublicKey& sender, std::string_view municipality_id) const {
  auto found = municipality(municipality_id);
  if (!found.ok()) return found.status();
  if (!found->has_value())
    return error(Code::not_found, "no municipality '" + std::string(municipality_id) + "' on this chain");
  if ((*found)->admin != sender)
    return error(Code::unauthorized, "only the admin of '" + std::string(municipality_id) +
                                         "' may change its roles; the sender is not that admin");
  return Status();
}

Status Governance::grant(const PublicKey& sender, const chain::RoleGrant& grant) {
  GOVCHAIN_TRY(require_admin(sender, grant.municipality));
  auto current = roles(grant.account);
  if (!current.ok()) return current.status();
  RoleEntry entry{grant.municipality, grant.role};
  if (std::find(current->begin(), current->end(), entry) != current->end())
    return error(Code::already_exists, "the account already holds " + grant.role + " in " + grant.municipality);
  if (current->size() >= roles_per_account_max) return error(Code::too_large, "the account holds too many roles");
  current->push_back(entry);
  std::sort(current->begin(), current->end());
  state_.set(keys::account_roles(grant.account), encode_roles(*current));
  return Status();
}

Status Governance::revoke(const PublicKey& sender, const chain::RoleRevoke& revoke) {
  GOVCHAIN_TRY(require_admin(sender, revoke.municipality));
  auto current = roles(revoke.account);
  if (!current.ok()) return current.status();
  auto found = std::find(current->begin(), current->end(), RoleEntry{revoke.municipality, revoke.role});
  if (found == current->end())
    return error(Code::not_found, "the account does not hold " + revoke.role + " in " + revoke.municipality);
  current->erase(found);
  if (current->empty())
    state_.erase(keys::account_roles(revoke.account));
  else
    state_.set(keys::account_roles(revoke.account), encode_roles(*current));
  return Status();
}

}  // namespace govchain::execution
