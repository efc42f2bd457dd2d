#include "execution/state_keys.h"

namespace govchain::execution::keys {

static Bytes join(std::string_view prefix, ByteView suffix) {
  Bytes key(prefix.begin(), prefix.end());
  key.insert(key.end(), suffix.begin(), suffix.end());
  return key;
}

static ByteView text_view(std::string_view text) {
  return ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

Bytes account_nonce(const PublicKey& account) { return join("a/", account.view()); }
Bytes municipality(std::string_view id) { return join("g/m/", text_view(id)); }
Bytes account_roles(const PublicKey& account) { return join("g/r/", account.view()); }
Bytes admin_index(const PublicKey& account) { return join("g/ma/", account.view()); }
Bytes account_registrations(const PublicKey& account) { return join("g/ka/", account.view()); }
Bytes parameters() { return to_bytes("g/p"); }
Bytes contract_code(const Hash& code_hash) { return join("c/code/", code_hash.view()); }
Bytes contract_meta(std::string_view name) { return join("c/meta/", text_view(name)); }
Bytes contract_storage(std::string_view name, ByteView key) {
  Bytes prefix = join("c/s/", text_view(name));
  prefix.push_back('/');
  prefix.insert(prefix.end(), key.begin(), key.end());
  return prefix;
}
Bytes contract_list() { return to_bytes("c/list"); }
Bytes validators() { return to_bytes("g/v"); }
Bytes members() { return to_bytes("g/ml"); }
Bytes validator_proposal_count() { return to_bytes("g/vpc"); }
static Bytes big_endian(uint64_t id) {
  Bytes bytes(8);
  for (int i = 0; i < 8; ++i) bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(id >> (56 - 8 * i));
  return bytes;
}
Bytes validator_proposal(uint64_t id) { return join("g/vp/", big_endian(id)); }
Bytes pending_validator_proposals() { return to_bytes("g/vpl"); }
Bytes contract_proposal_count() { return to_bytes("g/cpc"); }
Bytes contract_proposal(uint64_t id) { return join("g/cp/", big_endian(id)); }
Bytes pending_contract_proposals() { return to_bytes("g/cpl"); }
Bytes contract_proposal_code(uint64_t id) { return join("g/cpx/", big_endian(id)); }
Bytes contract_proposal_abi(uint64_t id) { return join("g/cpa/", big_endian(id)); }
Bytes evidence(const Hash& evidence_hash) { return join("g/e/", evidence_hash.view()); }
Bytes evidence_list() { return to_bytes("g/el"); }

}  // namespace govchain::execution::keys
