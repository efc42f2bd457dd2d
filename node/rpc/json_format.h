// JSON views of chain objects for the HTTP API. The API is the only JSON
// edge of the node; binary encodings are in chain/. Pure functions.
//
// Every text taken from a transaction, a receipt or state passes through
// chain::to_valid_utf8 (bytes that are not UTF-8 become U+FFFD), so that
// serialising these views never throws, whatever was stored before the
// chain's text rules (chain/text.h) existed or whatever a contract put into
// an abort message or event topic; byte strings are hex.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "chain/block.h"
#include "chain/genesis.h"
#include "core/status.h"
#include "execution/consortium_governance.h"
#include "execution/contract_store.h"
#include "execution/validator_governance.h"

namespace govchain::rpc {

nlohmann::json tx_to_json(const chain::Tx& tx);
nlohmann::json action_to_json(const chain::Action& action);
nlohmann::json header_to_json(const chain::Header& header);
nlohmann::json commit_to_json(const chain::CommitCertificate& commit);
nlohmann::json block_to_json(const chain::Block& block, const chain::CommitCertificate& commit);
nlohmann::json receipt_to_json(const chain::Receipt& receipt);
nlohmann::json event_to_json(const chain::Event& event);

// Validator set governance (GET /v1/validators, docs/api.md). A proposal's
// "approvals_needed" is computed against `members_total` (the members now)
// and is only shown while the proposal is open.
nlohmann::json validator_proposal_to_json(const execution::ValidatorProposalRecord& record, size_t members_total);
nlohmann::json validator_entry_to_json(const execution::ValidatorEntry& entry);

// Shared-contract governance (GET /v1/consortium, docs/api.md), like the
// validator proposals.
nlohmann::json contract_proposal_to_json(const execution::ContractProposalRecord& record, size_t members_total);

// A contract record (GET /v1/contracts, /v1/contracts/{name}): its owner,
// whether it is shared, the code history and, with `with_abi`, the ABI as
// JSON (null when absent or not JSON).
nlohmann::json contract_to_json(const std::string& name, const execution::ContractRecord& record, bool with_abi);

// Valid UTF-8 for a JSON string value (chain::to_valid_utf8).
std::string json_text(std::string_view text);

// The text of a JSON document; bytes that are not UTF-8 (there should be
// none after the functions above) become U+FFFD instead of throwing.
std::string dump_json(const nlohmann::json& document);

// An optional unsigned integer field of a JSON request object: absent gives
// `fallback`; a float (1e300), a negative number, a string or a value above
// `maximum` is Code::invalid_argument naming the field. Never converts a
// float.
Result<uint64_t> unsigned_field(const nlohmann::json& object, std::string_view name, uint64_t fallback,
                                uint64_t maximum);

}  // namespace govchain::rpc
