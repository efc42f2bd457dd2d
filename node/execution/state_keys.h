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
// "g/ma/" + account public key -> the municipalities it is the admin of
Bytes admin_index(const PublicKey& account);
// "g/ka/" + account public key -> registrations by shared contracts
// (execution/accounts.h)
Bytes account_registrations(const PublicKey& account);
// "c/code/" + code hash -> size and chunk count of the WebAssembly module;
// its chunks below it (execution/contract_store.h)
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
// Governance of shared contracts (execution/consortium_governance.h):
// the number of proposals, one proposal record, the pending ids, and a
// proposal's staged code (chunked) and ABI.
Bytes contract_proposal_count();
Bytes contract_proposal(uint64_t id);
Bytes pending_contract_proposals();
Bytes contract_proposal_code(uint64_t id);
Bytes contract_proposal_abi(uint64_t id);
// Equivocation evidence recorded on chain: one record per evidence hash,
// and the list of hashes.
Bytes evidence(const Hash& evidence_hash);
Bytes evidence_list();

}  // namespace govchain::execution::keys
