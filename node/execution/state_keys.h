// The layout of govchain's state: which key holds what. Documented for
// verifiers in docs/state.md; changing it changes every state root.
#pragma once

#include <string>
#include <string_view>

#include "core/bytes.h"

namespace govchain::execution::keys {

// "a/" + account public key -> u64 next nonce
Bytes account_nonce(const PublicKey& account);
// "g/m/" + municipality id -> name (text), admin public key
Bytes municipality(std::string_view id);
// "g/r/" + account public key -> list of (municipality, role)
Bytes account_roles(const PublicKey& account);
// "g/p" -> chain parameters
Bytes parameters();
// "c/code/" + code hash -> WebAssembly module bytes
Bytes contract_code(const Hash& code_hash);
// "c/meta/" + name -> contract record (municipality, code history, ABI)
Bytes contract_meta(std::string_view name);
// "c/s/" + name + "/" + key -> a contract's own storage
Bytes contract_storage(std::string_view name, ByteView key);
// "c/list" -> names of all contracts, sorted
Bytes contract_list();
// The validator set (sorted keys with their municipality), the member
// municipalities, and the validator set proposals
// (execution/validator_governance.h).
Bytes validators();
Bytes members();
Bytes validator_proposal_count();
Bytes validator_proposal(uint64_t id);
Bytes pending_validator_proposals();
// Equivocation evidence recorded on chain: one record per evidence hash,
// and the list of hashes.
Bytes evidence(const Hash& evidence_hash);
Bytes evidence_list();

}  // namespace govchain::execution::keys
