// Equivocation evidence on chain. A validator's node that sees one validator
// sign two conflicting consensus votes (consensus::Evidence) reports it in
// a transaction (chain::EvidenceReport); execution verifies it against the
// validator set kept in state and records it once, so that every node and
// every API client sees the same record, with a state proof.
//
// State layout (state_keys.h): "g/v" the validator set
// (validator_governance.h), "g/e/<evidence hash>" one record, "g/el" the list of recorded hashes in
// order. The evidence hash is tagged_hash("govchain/evidence", bytes).
//
// Pure functions over a state reader or overlay; thread-safety as theirs.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "execution/overlay.h"

namespace govchain::execution {

// Gas for a report beyond the transaction's base cost: two signature checks
// and three state writes.
inline constexpr uint64_t gas_evidence_report = 50'000;
// Records kept on chain at most; later reports fail with resource_exhausted.
// Bounded so that the list of their hashes ("g/el") fits one state value.
inline constexpr size_t evidence_records_max = 2000;
static_assert(4 + evidence_records_max * 32 <= 64 * 1024);

struct EvidenceRecord {
  Hash hash;
  Bytes evidence;  // consensus::encode_evidence
  PublicKey validator;  // who equivocated
  uint64_t vote_height = 0;
  uint64_t recorded_height = 0;  // block that recorded it
  PublicKey reporter;

  bool operator==(const EvidenceRecord&) const = default;
};

Hash evidence_hash(ByteView evidence);

// Verifies `evidence` (two conflicting votes by one validator, signatures
// valid for `chain_id`) and records it. Errors: unauthorized (reporter is
// not a validator), invalid or malformed (the evidence), already_exists
// (recorded before), resource_exhausted (the record list is full).
Result<EvidenceRecord> record_evidence(Overlay& state, std::string_view chain_id, const PublicKey& reporter,
                                       ByteView evidence, uint64_t height);

Result<std::vector<Hash>> read_evidence_list(const StateReader& state);
Result<std::optional<EvidenceRecord>> read_evidence(const StateReader& state, const Hash& hash);

}  // namespace govchain::execution
