// Accounts the chain knows, and in which class: the one function the
// mempool asks now (quotas and the reserved share) and the admission rule
// "only known accounts" will ask next (docs/decisions/known-accounts.md).
//
// An account is known when it is
// - a validator's node key (g/v), with its municipality;
// - a member municipality's admin (indexed under "g/ma/" + account when the
//   municipality is written: at genesis and when a new member joins);
// - a holder of a role in some municipality (g/r/<account>);
// - registered by a shared (consortium) contract through the host function
//   account_register, with an end time: the identity contract registers a
//   key it attests until the attestation's expiry and unregisters it on
//   revocation or key rotation ("g/ka/" + account: the registering
//   contracts and their end times).
// Every other key is unknown.
//
// Reads go through any StateReader (committed state for admission, the
// block's overlay in execution); pure and deterministic for a given state
// and time. Writes go through an Overlay; not thread-safe beyond it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "execution/overlay.h"

namespace govchain::execution {

// Ordered by privilege: a lower value ranks higher. An account that is
// several things has the highest class.
enum class AccountClass : uint8_t { validator = 0, admin = 1, role_holder = 2, attested = 3, unknown = 4 };
std::string_view account_class_name(AccountClass account_class);

struct AccountStanding {
  AccountClass account_class = AccountClass::unknown;
  // The municipality the class comes from (a validator's or an admin's
  // municipality, the first municipality a role is held in); empty for
  // attested and unknown accounts.
  std::string municipality;
  // Validators and admins: the accounts that run the consortium and must
  // always be able to submit (the mempool's reserved share).
  bool privileged() const { return account_class == AccountClass::validator || account_class == AccountClass::admin; }
  bool known() const { return account_class != AccountClass::unknown; }
  bool operator==(const AccountStanding&) const = default;
};

// The standing of `account` in `state`; registrations that ended before
// `at_time_ms` (block time in execution, the node's clock at admission) do
// not count.
Result<AccountStanding> account_standing(const StateReader& state, const PublicKey& account, int64_t at_time_ms);

// Municipalities `account` is the admin of (from the admin index), sorted.
Result<std::vector<std::string>> read_administered(const StateReader& state, const PublicKey& account);
// Adds `municipality` to the admin index of `account`.
Status index_admin(Overlay& state, const PublicKey& account, const std::string& municipality);

// Registrations of an account by shared contracts.
inline constexpr size_t account_registrations_max = 16;
struct AccountRegistration {
  std::string contract;
  int64_t valid_until_ms = 0;
  bool operator==(const AccountRegistration&) const = default;
};
Result<std::vector<AccountRegistration>> read_registrations(const StateReader& state, const PublicKey& account);
// Registers (or re-registers with a new end time) `account` by `contract`;
// resource_exhausted when the account already has
// account_registrations_max registrations by other contracts.
Status register_account(Overlay& state, const PublicKey& account, const std::string& contract, int64_t valid_until_ms);
// Removes the registration of `account` by `contract`; absent is fine.
Status unregister_account(Overlay& state, const PublicKey& account, const std::string& contract);

}  // namespace govchain::execution
