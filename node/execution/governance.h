// Governance: the native system module that knows the municipalities,
// their admins and which account holds which role in which municipality.
// Only a municipality's admin grants or revokes roles in it.
// Functions read and write through an Overlay; not thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "chain/genesis.h"
#include "chain/tx.h"
#include "execution/overlay.h"

namespace govchain::execution {

struct RoleEntry {
  std::string municipality;
  std::string role;
  auto operator<=>(const RoleEntry&) const = default;
};

Bytes encode_roles(const std::vector<RoleEntry>& roles);
Result<std::vector<RoleEntry>> decode_roles(ByteView bytes);

Bytes encode_municipality(const chain::Municipality& municipality);
Result<chain::Municipality> decode_municipality(std::string_view id, ByteView bytes);

class Governance {
 public:
  explicit Governance(Overlay& state) : state_(state) {}

  Status apply_genesis(const chain::Genesis& genesis);
  Result<std::optional<chain::Municipality>> municipality(std::string_view id) const;
  Result<std::vector<RoleEntry>> roles(const PublicKey& account) const;
  Result<bool> has_role(const PublicKey& account, std::string_view municipality, std::string_view role) const;
  // True when `account` is the admin of `municipality_id`.
  Result<bool> is_admin(const PublicKey& account, std::string_view municipality_id) const;

  // Applies a grant or revoke sent by `sender`; unauthorized unless the
  // sender is the municipality's admin.
  Status grant(const PublicKey& sender, const chain::RoleGrant& grant);
  Status revoke(const PublicKey& sender, const chain::RoleRevoke& revoke);

 private:
  Status require_admin(const PublicKey& sender, std::string_view municipality_id) const;
  Overlay& state_;
};

}  // namespace govchain::execution
