// Contracts through a Client: list the deployed contracts, read one's ABI and
// code history, deploy or upgrade, and call or query methods with JSON
// arguments encoded by the contract's ABI (abi.h, docs/contracts.md 5.3).
//
// call_contract() and query_contract() fetch the ABI from the node for every
// call (GET /v1/contracts/{name}); pass an Abi yourself through the *_with_abi
// variants to save the request or to use a local ABI file. The node's
// contract list and ABI are not proven: they are what the node says.
//
// Errors: Status / Result as in client.h; argument errors from abi.h
// (Code::invalid_argument naming the argument). A receipt whose status is not
// ok is still returned (ContractResult::receipt.status); `returns` is then
// absent. Nothing throws.
//
// Ownership: every result is a plain value. All functions are thread-safe
// (they only read the Client, whose member functions are const).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chain/block.h"
#include "client/abi.h"
#include "client/client.h"
#include "crypto/schnorr.h"

namespace govchain::client {

// Deploys carry the whole module: allow more gas than governance needs.
inline constexpr uint64_t default_deploy_gas_limit = 50'000'000;
inline constexpr uint64_t default_call_gas_limit = 10'000'000;

struct ContractVersion {
  Hash code_hash;
  uint64_t height = 0;  // of the block that deployed this version
  int64_t time_ms = 0;
};

// GET /v1/contracts and /v1/contracts/{name}.
struct ContractInfo {
  std::string name;
  std::string municipality;  // whose admin may upgrade it
  Hash code_hash;            // the current version's
  uint64_t versions = 0;
  std::vector<ContractVersion> history;  // oldest first
  std::optional<std::string> abi_json;   // only from contract_info(); nullopt without an ABI
  std::string raw_json;
};

struct TransactionOptions {
  uint64_t gas_limit = default_call_gas_limit;
  uint64_t wait_ms = 30000;  // until the transaction is committed
};

// The receipt of a call or query, with the return value decoded by the ABI
// when the status is ok.
struct ContractResult {
  chain::Receipt receipt;
  std::optional<nlohmann::json> returns;  // {"<return name>": value, ...}
  std::optional<Hash> tx_hash;            // calls only
  uint64_t nonce = 0;                     // calls only
};

Result<std::vector<ContractInfo>> list_contracts(const Client& client);
// Code::not_found when the chain has no contract of that name.
Result<ContractInfo> contract_info(const Client& client, std::string_view name);
// The contract's ABI as stored beside its code; Code::not_found when it has none.
Result<abi::Abi> fetch_abi(const Client& client, std::string_view name);

// Encodes `arguments` by the ABI, signs a ContractCall with `key_pair`'s
// next nonce, submits it, waits for the receipt and decodes the return value.
Result<ContractResult> call_contract(const Client& client, const crypto::KeyPair& key_pair, std::string_view contract,
                                     std::string_view method, const nlohmann::json& arguments,
                                     const TransactionOptions& options = {});
Result<ContractResult> call_contract_with_abi(const Client& client, const crypto::KeyPair& key_pair,
                                              const abi::Abi& abi, std::string_view contract, std::string_view method,
                                              const nlohmann::json& arguments, const TransactionOptions& options = {});
// Runs the method read-only on the node's latest state (POST /v1/query).
Result<ContractResult> query_contract(const Client& client, std::string_view contract, std::string_view method,
                                      const nlohmann::json& arguments, std::optional<PublicKey> caller = std::nullopt);
Result<ContractResult> query_contract_with_abi(const Client& client, const abi::Abi& abi, std::string_view contract,
                                               std::string_view method, const nlohmann::json& arguments,
                                               std::optional<PublicKey> caller = std::nullopt);

// The ContractDeploy action; the ABI (when not empty) must parse (abi.h).
Result<chain::Action> contract_deploy_action(std::string name, std::string municipality, Bytes code,
                                             std::string abi_json);
// Deploys (or, for an existing name of the same municipality, upgrades) a
// contract. Must be signed by the municipality admin's key; the chain
// refuses other keys with Code::unauthorized in the receipt.
Result<ContractResult> deploy_contract(const Client& client, const crypto::KeyPair& key_pair, Bytes code,
                                       std::string name, std::string municipality, std::string abi_json,
                                       TransactionOptions options = {default_deploy_gas_limit, 30000});

// Parses the node's contract JSON (one entry of /v1/contracts or the answer
// of /v1/contracts/{name}).
Result<ContractInfo> parse_contract_json(const nlohmann::json& entry);

// `arguments` (a JSON object with the argument names, or an array in ABI
// order) with every time given as text in an i64 or u64 value whose field
// name ends in "_ms" replaced by milliseconds since 1970, read with
// parse_time_ms (client/certificate.h; Europe/Berlin unless the text has an
// offset): "2026-03-01", "2026-03-01T12:00", "2026-03-01T12:00:00+01:00".
// This holds at the top level and inside structs and lists, following the
// ABI's types: a struct field `from_ms`, each element of a list<i64>
// argument named `checkpoints_ms`, the fields of a list<window>. Numbers and
// decimal strings stay as they are; values of the wrong JSON type are left
// for encode_arguments() to refuse. Errors name the argument with its path
// ("argument 'windows[1].from_ms' of 'plan'").
Result<nlohmann::json> with_times_as_ms(const abi::Abi& abi, const abi::Method& method, nlohmann::json arguments);

// One event of a receipt, decoded with the ABI of its contract when the ABI
// declares its topic: {"contract", "topic", "data": {...}} or, when it does
// not (or the data does not decode), {"contract", "topic", "data_hex"}.
nlohmann::json describe_event(const abi::Abi* abi, const chain::Event& event);

// The ABIs of the contracts whose events a command prints, fetched from the
// node once per contract (GET /v1/contracts/{name}) and kept for the life
// of this object; a contract without an ABI, or whose ABI cannot be read,
// is asked for once and then has none. Events of the system (no contract)
// have no ABI. Not thread-safe; it borrows `client`, which must outlive it.
class ContractAbis {
 public:
  explicit ContractAbis(const Client& client) : client_(client) {}
  // The ABI of `contract`, or nullptr when it has none.
  const abi::Abi* find(const std::string& contract);
  // Uses `known` for `contract` instead of asking the node (an ABI the
  // caller already has, e.g. from --abi FILE).
  void add(const std::string& contract, abi::Abi known);
  // The node's JSON of an event ({"contract", "topic", "data_hex"}) with
  // "data" beside "data_hex" when the contract's ABI declares the topic and
  // the data decodes with it; anything else is returned unchanged.
  nlohmann::json with_decoded_data(nlohmann::json event);
  // The same for each event of a receipt's JSON ("events": [...]).
  nlohmann::json with_decoded_events(nlohmann::json receipt);

 private:
  // At most this many contracts are asked for; beyond, events stay raw, so
  // that a block of many contracts costs a bounded number of requests.
  static constexpr size_t contracts_max = 256;
  const Client& client_;
  std::map<std::string, std::optional<abi::Abi>> abis_;
};

}  // namespace govchain::client
