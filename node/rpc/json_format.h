// JSON views of chain objects for the HTTP API. The API is the only JSON
// edge of the node; binary encodings are in chain/. Pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include "chain/block.h"
#include "chain/genesis.h"
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

}  // namespace govchain::rpc
