// Contract records and code in state, and the limits that keep every value
// they write within the state tree's limits (limits::state_key_size_bytes_max,
// limits::state_value_size_bytes_max), whatever a deployer sends.
//
// Layout (docs/state.md, "Contracts"):
// - "c/meta/" + name: the contract record (owner, ABI, code history);
// - "c/code/" + code hash: the code's size and chunk count; the module
//   itself in chunks of contract_code_chunk_size_bytes under
//   "c/code/" + code hash + "/" + u16 chunk index (big-endian), so that a
//   module up to the transaction payload limit (120 KiB) is stored although
//   one state value holds at most 64 KiB (docs/decisions/consortium-contracts.md);
// - "c/list": the names of all contracts, sorted; bounded by contracts_max
//   so that the list always fits one value.
//
// Ownership: a contract named "<municipality>.<name>" (no further dot in
// <name>) belongs to that municipality, whose admin deploys and upgrades it
// directly. Every other name is a shared contract of the consortium: it is
// deployed at genesis or by a vote of the members (consortium_governance.h),
// and only a vote upgrades it or changes its owner.
//
// Functions read and write through the given state; thread-safety is the
// state's.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chain/tx.h"
#include "core/limits.h"
#include "execution/overlay.h"

namespace govchain::execution {

struct BlockContext;

inline constexpr size_t contract_code_chunk_size_bytes = 32 * 1024;
inline constexpr size_t contract_code_size_bytes_max = limits::tx_payload_size_bytes_max;
inline constexpr size_t contract_code_chunks_max =
    (contract_code_size_bytes_max + contract_code_chunk_size_bytes - 1) / contract_code_chunk_size_bytes;
inline constexpr size_t contract_history_max = 256;
inline constexpr size_t contracts_max = 900;
inline constexpr size_t contracts_per_municipality_max = 64;
// A contract's own storage key is prefixed with "c/s/" + name + "/" (at
// most 69 bytes); the limit is the same for every contract, whatever its
// name, so that a contract behaves alike under any name.
inline constexpr size_t contract_storage_prefix_size_bytes_max = 4 + chain::name_size_bytes_max + 1;
inline constexpr size_t contract_storage_key_size_bytes_max =
    limits::state_key_size_bytes_max - contract_storage_prefix_size_bytes_max;
inline constexpr size_t contract_storage_value_size_bytes_max = limits::state_value_size_bytes_max;

struct ContractRecord {
  // The owning municipality; for a shared contract the member that deployed
  // it (at genesis, or the proposer of the vote that deployed it).
  std::string municipality;
  bool shared = false;  // owned by the consortium: changed only by a vote
  std::string abi_json;
  struct Version {
    Hash code_hash;
    uint64_t height = 0;
    int64_t time_ms = 0;
    bool operator==(const Version&) const = default;
  };
  std::vector<Version> history;  // oldest first; the last is the live code
  bool operator==(const ContractRecord&) const = default;
};

// The largest encoded record: kept within the state tree's value limit.
inline constexpr size_t contract_record_size_bytes_max =
    2 + (4 + chain::name_size_bytes_max) + (4 + chain::abi_size_bytes_max) + 4 + contract_history_max * (32 + 8 + 8);
static_assert(contract_record_size_bytes_max <= limits::state_value_size_bytes_max);
static_assert(4 + contracts_max * (4 + chain::name_size_bytes_max) <= limits::state_value_size_bytes_max);
static_assert(contract_code_chunk_size_bytes <= limits::state_value_size_bytes_max);

Bytes encode_contract_record(const ContractRecord& record);
Result<ContractRecord> decode_contract_record(ByteView bytes);
Result<std::vector<std::string>> decode_contract_list(ByteView bytes);

// The municipality whose namespace `name` is in ("aachen" for
// "aachen.parking"), or nullopt for a shared name (no dot, or an empty part).
std::optional<std::string> contract_namespace(std::string_view name);

Result<std::optional<ContractRecord>> read_contract_record(const StateReader& state, std::string_view name);
Result<std::vector<std::string>> read_contract_names(const StateReader& state);
void write_contract_record(Overlay& state, std::string_view name, const ContractRecord& record);

// Chunked byte strings under `base_key` (the code of a contract, or a
// proposal's staged code): a header at `base_key`, the chunks below it.
Status write_chunked(Overlay& state, const Bytes& base_key, ByteView bytes);
Result<std::optional<Bytes>> read_chunked(const StateReader& state, const Bytes& base_key);
Status erase_chunked(Overlay& state, const Bytes& base_key);

// Code by hash; the bytes read back are checked against the hash.
Status write_contract_code(Overlay& state, const Hash& code_hash, ByteView code);
Result<std::optional<Bytes>> read_contract_code(const StateReader& state, const Hash& code_hash);

// Checks what a new version would write, before anything is written:
// code size, ABI size, history length, the number of contracts in all and
// per municipality. too_large / resource_exhausted with what to do.
Status check_contract_version(const StateReader& state, std::string_view name, std::string_view municipality,
                              size_t code_size_bytes, size_t abi_size_bytes);

// Appends a version to the contract `name` (creating it owned by
// `municipality`, shared unless the name is in that municipality's
// namespace), stores the code by hash and adds the name to the list. The
// caller has authorised the change and loaded the module; this checks the
// limits again (check_contract_version) and writes.
Status store_contract_version(Overlay& state, const std::string& name, const std::string& municipality, ByteView code,
                              const std::string& abi_json, const BlockContext& context);

}  // namespace govchain::execution
