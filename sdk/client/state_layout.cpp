#include "client/state_layout.h"

#include "codec/codec.h"

namespace govchain::client {

namespace {

// Bounds for decoding: names are at most 64 bytes on chain
// (chain::name_size_bytes_max); 256 leaves room for display names.
constexpr size_t name_size_bytes_max = 256;
constexpr size_t roles_per_account_max = 4096;
constexpr size_t validators_max = 1024;  // consensus::validators_max

Bytes join(std::string_view prefix, ByteView suffix) {
  Bytes key(prefix.begin(), prefix.end());
  key.insert(key.end(), suffix.begin(), suffix.end());
  return key;
}

}  // namespace

Bytes account_nonce_key(const PublicKey& account) { return join("a/", account.view()); }
Bytes municipality_key(std::string_view id) { return join("g/m/", to_bytes(id)); }
Bytes account_roles_key(const PublicKey& account) { return join("g/r/", account.view()); }
Bytes validators_key() { return to_bytes("g/v"); }
Bytes certificate_record_key(std::string_view contract, const Hash& id) {
  Bytes key = join("c/s/", to_bytes(contract));
  Bytes record = join("/cert/", id.view());
  key.insert(key.end(), record.begin(), record.end());
  return key;
}

Result<std::vector<RoleEntry>> decode_roles_value(ByteView value) {
  codec::Reader reader(value);
  auto count = reader.count(roles_per_account_max, 8);
  if (!count.ok()) return count.status().with_context("roles value");
  std::vector<RoleEntry> roles;
  for (size_t i = 0; i < *count; ++i) {
    auto municipality = reader.text(name_size_bytes_max);
    if (!municipality.ok()) return municipality.status().with_context("roles value");
    auto role = reader.text(name_size_bytes_max);
    if (!role.ok()) return role.status().with_context("roles value");
    roles.push_back({std::move(*municipality), std::move(*role)});
  }
  GOVCHAIN_TRY(reader.finish().with_context("roles value"));
  return roles;
}

Result<std::vector<ValidatorRecord>> decode_validators_value(ByteView value) {
  codec::Reader reader(value);
  auto count = reader.count(validators_max, PublicKey::size_bytes + 1);
  if (!count.ok()) return count.status().with_context("validators value");
  std::vector<ValidatorRecord> validators;
  for (size_t i = 0; i < *count; ++i) {
    auto key = reader.fixed<32>();
    if (!key.ok()) return key.status().with_context("validators value");
    auto municipality = reader.text(name_size_bytes_max);
    if (!municipality.ok()) return municipality.status().with_context("validators value");
    if (!validators.empty() && !(validators.back().key < *key))
      return error(Code::malformed, "validators value: keys are not sorted and distinct");
    validators.push_back({*key, std::move(*municipality)});
  }
  GOVCHAIN_TRY(reader.finish().with_context("validators value"));
  return validators;
}

Bytes encode_validators_value(const std::vector<ValidatorRecord>& validators) {
  codec::Writer writer;
  writer.count(validators.size());
  for (const auto& validator : validators) {
    writer.fixed(validator.key);
    writer.text(validator.municipality);
  }
  return writer.take();
}

Bytes encode_roles_value(const std::vector<RoleEntry>& roles) {
  codec::Writer writer;
  writer.count(roles.size());
  for (const auto& entry : roles) {
    writer.text(entry.municipality);
    writer.text(entry.role);
  }
  return writer.take();
}

Result<MunicipalityRecord> decode_municipality_value(std::string_view id, ByteView value) {
  codec::Reader reader(value);
  auto name = reader.text(name_size_bytes_max);
  if (!name.ok()) return name.status().with_context("municipality value");
  auto admin = reader.fixed<32>();
  if (!admin.ok()) return admin.status().with_context("municipality value");
  GOVCHAIN_TRY(reader.finish().with_context("municipality value"));
  return MunicipalityRecord{std::string(id), std::move(*name), *admin};
}

Result<uint64_t> decode_nonce_value(ByteView value) {
  codec::Reader reader(value);
  auto nonce = reader.u64();
  if (!nonce.ok()) return nonce.status().with_context("nonce value");
  GOVCHAIN_TRY(reader.finish().with_context("nonce value"));
  return *nonce;
}

}  // namespace govchain::client
