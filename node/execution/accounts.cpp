#include "execution/accounts.h"

#include <algorithm>

#include "chain/tx.h"
#include "codec/codec.h"
#include "execution/governance.h"
#include "execution/state_keys.h"
#include "execution/validator_governance.h"

namespace govchain::execution {

namespace {

Bytes encode_registrations(const std::vector<AccountRegistration>& registrations) {
  codec::Writer writer;
  writer.count(registrations.size());
  for (const auto& entry : registrations) {
    writer.text(entry.contract);
    writer.i64(entry.valid_until_ms);
  }
  return writer.take();
}

void write_registrations(Overlay& state, const PublicKey& account, const std::vector<AccountRegistration>& entries) {
  if (entries.empty())
    state.erase(keys::account_registrations(account));
  else
    state.set(keys::account_registrations(account), encode_registrations(entries));
}

// The validator entry of `account`, if it is a validator's node key.
Result<std::optional<std::string>> validator_municipality(const StateReader& state, const PublicKey& account) {
  auto entries = read_validator_entries(state);
  // A state without a validator set (unit tests of other parts) has no
  // validators to find.
  if (!entries.ok() && entries.status().code() == Code::not_found) return std::optional<std::string>();
  if (!entries.ok()) return entries.status();
  for (const auto& entry : *entries)
    if (entry.key == account) return std::optional<std::string>(entry.municipality);
  return std::optional<std::string>();
}

}  // namespace

std::string_view account_class_name(AccountClass account_class) {
  switch (account_class) {
    case AccountClass::validator:
      return "validator";
    case AccountClass::admin:
      return "admin";
    case AccountClass::role_holder:
      return "role_holder";
    case AccountClass::attested:
      return "attested";
    case AccountClass::unknown:
      return "unknown";
  }
  return "unknown";
}

Result<AccountStanding> account_standing(const StateReader& state, const PublicKey& account, int64_t at_time_ms) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto validator, validator_municipality(state, account));
  if (validator) return AccountStanding{AccountClass::validator, *validator};
  GOVCHAIN_ASSIGN_OR_RETURN(auto administered, read_administered(state, account));
  if (!administered.empty()) return AccountStanding{AccountClass::admin, administered.front()};
  GOVCHAIN_ASSIGN_OR_RETURN(auto stored_roles, state.get(keys::account_roles(account)));
  if (stored_roles) {
    GOVCHAIN_ASSIGN_OR_RETURN(auto roles, decode_roles(*stored_roles));
    if (!roles.empty()) return AccountStanding{AccountClass::role_holder, roles.front().municipality};
  }
  GOVCHAIN_ASSIGN_OR_RETURN(auto registrations, read_registrations(state, account));
  for (const auto& entry : registrations)
    if (entry.valid_until_ms > at_time_ms) return AccountStanding{AccountClass::attested, ""};
  return AccountStanding{};
}

Result<std::vector<std::string>> read_administered(const StateReader& state, const PublicKey& account) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto stored, state.get(keys::admin_index(account)));
  std::vector<std::string> ids;
  if (!stored) return ids;
  codec::Reader reader(*stored);
  GOVCHAIN_ASSIGN_OR_RETURN(size_t count, reader.count(members_max, 4));
  for (size_t i = 0; i < count; ++i) {
    GOVCHAIN_ASSIGN_OR_RETURN(std::string id, reader.text(chain::name_size_bytes_max));
    ids.push_back(std::move(id));
  }
  GOVCHAIN_TRY(reader.finish());
  return ids;
}

Status index_admin(Overlay& state, const PublicKey& account, const std::string& municipality) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto ids, read_administered(state, account));
  if (std::binary_search(ids.begin(), ids.end(), municipality)) return Status();
  if (ids.size() >= members_max)
    return error(Code::resource_exhausted, "the account administers too many municipalities");
  ids.insert(std::upper_bound(ids.begin(), ids.end(), municipality), municipality);
  codec::Writer writer;
  writer.count(ids.size());
  for (const auto& id : ids) writer.text(id);
  state.set(keys::admin_index(account), writer.data());
  return Status();
}

Result<std::vector<AccountRegistration>> read_registrations(const StateReader& state, const PublicKey& account) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto stored, state.get(keys::account_registrations(account)));
  std::vector<AccountRegistration> entries;
  if (!stored) return entries;
  codec::Reader reader(*stored);
  GOVCHAIN_ASSIGN_OR_RETURN(size_t count, reader.count(account_registrations_max, 12));
  for (size_t i = 0; i < count; ++i) {
    AccountRegistration entry;
    GOVCHAIN_ASSIGN_OR_RETURN(entry.contract, reader.text(chain::name_size_bytes_max));
    GOVCHAIN_ASSIGN_OR_RETURN(entry.valid_until_ms, reader.i64());
    entries.push_back(std::move(entry));
  }
  GOVCHAIN_TRY(reader.finish());
  return entries;
}

Status register_account(Overlay& state, const PublicKey& account, const std::string& contract, int64_t valid_until_ms) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto entries, read_registrations(state, account));
  auto found =
      std::find_if(entries.begin(), entries.end(), [&](const auto& entry) { return entry.contract == contract; });
  if (found != entries.end()) {
    found->valid_until_ms = valid_until_ms;
  } else {
    if (entries.size() >= account_registrations_max)
      return error(Code::resource_exhausted, "the account is registered by " +
                                                 std::to_string(account_registrations_max) + " contracts, the limit");
    AccountRegistration entry{contract, valid_until_ms};
    auto position = std::upper_bound(entries.begin(), entries.end(), entry,
                                     [](const auto& a, const auto& b) { return a.contract < b.contract; });
    entries.insert(position, std::move(entry));
  }
  write_registrations(state, account, entries);
  return Status();
}

Status unregister_account(Overlay& state, const PublicKey& account, const std::string& contract) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto entries, read_registrations(state, account));
  size_t before = entries.size();
  std::erase_if(entries, [&](const auto& entry) { return entry.contract == contract; });
  if (entries.size() != before) write_registrations(state, account, entries);
  return Status();
}

}  // namespace govchain::execution
