#include "execution/wasm_host.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>

#include "chain/text.h"
#include "codec/codec.h"
#include "crypto/hash.h"
#include "crypto/schnorr.h"
#include "execution/abi_check.h"
#include "execution/accounts.h"
#include "execution/governance.h"
#include "execution/state_keys.h"

namespace govchain::execution {

namespace {

using runtime::HostContext;
using runtime::Value;
using runtime::ValueType;

// Checked at the host call, before anything is written: a contract's key
// with the node's "c/s/<name>/" prefix and its value must fit the state
// tree's limits, or the block could not be applied (contract_store.h).
constexpr size_t storage_key_size_bytes_max = contract_storage_key_size_bytes_max;
constexpr size_t storage_value_size_bytes_max = contract_storage_value_size_bytes_max;
static_assert(contract_storage_prefix_size_bytes_max + storage_key_size_bytes_max <= limits::state_key_size_bytes_max);
constexpr size_t return_size_bytes_max = 65536;
constexpr size_t event_data_size_bytes_max = 65536;
constexpr size_t topic_size_bytes_max = 64;
constexpr size_t abort_message_size_bytes_max = 1024;
constexpr size_t module_cache_entries_max = 64;

struct CallState {
  Overlay& state;
  const std::string& contract;
  bool shared;  // a shared (consortium) contract: may register accounts
  const PublicKey& caller;
  const BlockContext& context;
  const Bytes& input;
  Bytes output;
  std::vector<chain::Event> events;
  std::string abort_message;
};

Status trap(std::string message) { return error(Code::trap, std::move(message)); }

Result<Bytes> read_range(HostContext& host, const Value& pointer, const Value& length) {
  if (length.as_i32() < 0) return trap("negative length passed to a host function");
  return host.read_memory(static_cast<uint32_t>(pointer.as_i32()), static_cast<uint32_t>(length.as_i32()));
}

Status write_at(HostContext& host, const Value& pointer, ByteView bytes) {
  return host.write_memory(static_cast<uint32_t>(pointer.as_i32()), bytes);
}

std::string as_text(const Bytes& bytes) { return std::string(bytes.begin(), bytes.end()); }

using Callback = runtime::HostCallback;

void define(runtime::Linker& linker, const char* name, std::vector<ValueType> parameters,
            std::vector<ValueType> results, uint64_t gas, Callback callback) {
  linker.define_function("govchain", name, {std::move(parameters), std::move(results)}, gas, std::move(callback));
}

// storage_get / storage_get_of: write min(length, capacity), answer length or -1.
Status answer_get(HostContext& host, const Overlay& state, const Bytes& state_key, const Value& destination,
                  const Value& capacity, Value& result) {
  auto stored = state.get(state_key);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) {
    result = Value::i32(-1);
    return Status();
  }
  const Bytes& value = **stored;
  GOVCHAIN_TRY(host.charge_gas(host_gas::per_byte_copied * value.size()));
  size_t count = std::min<size_t>(value.size(), static_cast<size_t>(std::max(0, capacity.as_i32())));
  GOVCHAIN_TRY(write_at(host, destination, ByteView(value.data(), count)));
  result = Value::i32(static_cast<int32_t>(value.size()));
  return Status();
}

Result<Bytes> read_storage_key(HostContext& host, const Value& pointer, const Value& length) {
  if (length.as_i32() > static_cast<int32_t>(storage_key_size_bytes_max))
    return trap("storage key longer than " + std::to_string(storage_key_size_bytes_max) + " bytes");
  auto key = read_range(host, pointer, length);
  if (!key.ok()) return key.status();
  GOVCHAIN_TRY(host.charge_gas(host_gas::per_byte_copied * key->size()));
  return key;
}

void define_call_data(runtime::Linker& linker, CallState& call) {
  const auto i32 = ValueType::i32;
  const auto i64 = ValueType::i64;
  define(linker, "input_size", {}, {i32}, host_gas::simple, [&call](HostContext&, auto, std::span<Value> out) {
    out[0] = Value::i32(static_cast<int32_t>(call.input.size()));
    return Status();
  });
  define(linker, "input_read", {i32}, {}, host_gas::simple, [&call](HostContext& host, std::span<const Value> in, auto) {
    GOVCHAIN_TRY(host.charge_gas(host_gas::per_byte_copied * call.input.size()));
    return write_at(host, in[0], call.input);
  });
  define(linker, "return_data", {i32, i32}, {}, host_gas::simple,
         [&call](HostContext& host, std::span<const Value> in, auto) {
           if (in[1].as_i32() > static_cast<int32_t>(return_size_bytes_max))
             return trap("return data larger than 64 KiB");
           GOVCHAIN_TRY(host.charge_gas(host_gas::per_byte_copied * std::max(0, in[1].as_i32())));
           GOVCHAIN_ASSIGN_OR_RETURN(call.output, read_range(host, in[0], in[1]));
           return Status();
         });
  define(linker, "caller", {i32}, {}, host_gas::simple, [&call](HostContext& host, std::span<const Value> in, auto) {
    return write_at(host, in[0], call.caller.view());
  });
  define(linker, "self_name", {i32, i32}, {i32}, host_gas::simple,
         [&call](HostContext& host, std::span<const Value> in, std::span<Value> out) {
           size_t count = std::min<size_t>(call.contract.size(), static_cast<size_t>(std::max(0, in[1].as_i32())));
           GOVCHAIN_TRY(write_at(host, in[0], ByteView(reinterpret_cast<const uint8_t*>(call.contract.data()), count)));
           out[0] = Value::i32(static_cast<int32_t>(call.contract.size()));
           return Status();
         });
  define(linker, "block_height", {}, {i64}, host_gas::simple, [&call](HostContext&, auto, std::span<Value> out) {
    out[0] = Value::i64(static_cast<int64_t>(call.context.height));
    return Status();
  });
  define(linker, "block_time_ms", {}, {i64}, host_gas::simple, [&call](HostContext&, auto, std::span<Value> out) {
    out[0] = Value::i64(call.context.time_ms);
    return Status();
  });
  define(linker, "abort", {i32, i32}, {}, 0, [&call](HostContext& host, std::span<const Value> in, auto) {
    if (in[1].as_i32() > static_cast<int32_t>(abort_message_size_bytes_max))
      return trap("abort message longer than 1 KiB");
    GOVCHAIN_ASSIGN_OR_RETURN(Bytes message, read_range(host, in[0], in[1]));
    // Receipts are served as JSON: the contract's text is kept as UTF-8.
    call.abort_message = chain::to_valid_utf8(as_text(message));
    return error(Code::aborted, call.abort_message);
  });
}

void define_storage(runtime::Linker& linker, CallState& call) {
  const auto i32 = ValueType::i32;
  define(linker, "storage_get", {i32, i32, i32, i32}, {i32}, host_gas::storage_read,
         [&call](HostContext& host, std::span<const Value> in, std::span<Value> out) {
           GOVCHAIN_ASSIGN_OR_RETURN(Bytes key, read_storage_key(host, in[0], in[1]));
           return answer_get(host, call.state, keys::contract_storage(call.contract, key), in[2], in[3], out[0]);
         });
  define(linker, "storage_get_of", {i32, i32, i32, i32, i32, i32}, {i32}, host_gas::storage_read,
         [&call](HostContext& host, std::span<const Value> in, std::span<Value> out) {
           if (in[1].as_i32() > static_cast<int32_t>(chain::name_size_bytes_max)) {
             out[0] = Value::i32(-1);
             return Status();
           }
           GOVCHAIN_ASSIGN_OR_RETURN(Bytes contract, read_range(host, in[0], in[1]));
           GOVCHAIN_ASSIGN_OR_RETURN(Bytes key, read_storage_key(host, in[2], in[3]));
           auto exists = call.state.get(keys::contract_meta(as_text(contract)));
           if (!exists.ok()) return exists.status();
           if (!exists->has_value()) {
             out[0] = Value::i32(-1);
             return Status();
           }
           return answer_get(host, call.state, keys::contract_storage(as_text(contract), key), in[4], in[5], out[0]);
         });
  define(linker, "storage_set", {i32, i32, i32, i32}, {}, host_gas::storage_write,
         [&call](HostContext& host, std::span<const Value> in, auto) {
           if (in[3].as_i32() > static_cast<int32_t>(storage_value_size_bytes_max))
             return trap("storage value larger than " + std::to_string(storage_value_size_bytes_max) + " bytes");
           GOVCHAIN_ASSIGN_OR_RETURN(Bytes key, read_storage_key(host, in[0], in[1]));
           GOVCHAIN_TRY(host.charge_gas(host_gas::storage_write_per_byte * (key.size() + std::max(0, in[3].as_i32()))));
           GOVCHAIN_ASSIGN_OR_RETURN(Bytes value, read_range(host, in[2], in[3]));
           call.state.set(keys::contract_storage(call.contract, key), value);
           return Status();
         });
  define(linker, "storage_remove", {i32, i32}, {}, host_gas::storage_remove,
         [&call](HostContext& host, std::span<const Value> in, auto) {
           GOVCHAIN_ASSIGN_OR_RETURN(Bytes key, read_storage_key(host, in[0], in[1]));
           call.state.erase(keys::contract_storage(call.contract, key));
           return Status();
         });
  define(linker, "storage_has", {i32, i32}, {i32}, host_gas::storage_read,
         [&call](HostContext& host, std::span<const Value> in, std::span<Value> out) {
           GOVCHAIN_ASSIGN_OR_RETURN(Bytes key, read_storage_key(host, in[0], in[1]));
           auto stored = call.state.get(keys::contract_storage(call.contract, key));
           if (!stored.ok()) return stored.status();
           out[0] = Value::i32(stored->has_value() ? 1 : 0);
           return Status();
         });
}

void define_events_and_crypto(runtime::Linker& linker, CallState& call) {
  const auto i32 = ValueType::i32;
  define(linker, "emit_event", {i32, i32, i32, i32}, {}, host_gas::event,
         [&call](HostContext& host, std::span<const Value> in, auto) {
           if (in[1].as_i32() > static_cast<int32_t>(topic_size_bytes_max)) return trap("event topic longer than 64 bytes");
           if (in[3].as_i32() > static_cast<int32_t>(event_data_size_bytes_max))
             return trap("event data larger than 64 KiB");
           GOVCHAIN_TRY(host.charge_gas(host_gas::event_per_byte * (std::max(0, in[1].as_i32()) + std::max(0, in[3].as_i32()))));
           GOVCHAIN_ASSIGN_OR_RETURN(Bytes topic, read_range(host, in[0], in[1]));
           GOVCHAIN_ASSIGN_OR_RETURN(Bytes data, read_range(host, in[2], in[3]));
           call.events.push_back({call.contract, as_text(topic), std::move(data)});
           return Status();
         });
  define(linker, "sha256", {i32, i32, i32}, {}, host_gas::hash, [](HostContext& host, std::span<const Value> in, auto) {
    GOVCHAIN_TRY(host.charge_gas(host_gas::per_byte_copied * std::max(0, in[1].as_i32())));
    GOVCHAIN_ASSIGN_OR_RETURN(Bytes message, read_range(host, in[0], in[1]));
    return write_at(host, in[2], crypto::sha256(ByteView(message)).view());
  });
  define(linker, "tagged_hash", {i32, i32, i32, i32, i32}, {}, host_gas::hash,
         [](HostContext& host, std::span<const Value> in, auto) {
           GOVCHAIN_TRY(host.charge_gas(host_gas::per_byte_copied * (std::max(0, in[1].as_i32()) + std::max(0, in[3].as_i32()))));
           GOVCHAIN_ASSIGN_OR_RETURN(Bytes tag, read_range(host, in[0], in[1]));
           GOVCHAIN_ASSIGN_OR_RETURN(Bytes message, read_range(host, in[2], in[3]));
           return write_at(host, in[4], crypto::tagged_hash(as_text(tag), message).view());
         });
  define(linker, "schnorr_verify", {i32, i32, i32, i32}, {i32}, host_gas::signature_verify,
         [](HostContext& host, std::span<const Value> in, std::span<Value> out) {
           GOVCHAIN_TRY(host.charge_gas(host_gas::per_byte_copied * std::max(0, in[2].as_i32())));
           GOVCHAIN_ASSIGN_OR_RETURN(Bytes key, read_range(host, in[0], Value::i32(32)));
           GOVCHAIN_ASSIGN_OR_RETURN(Bytes message, read_range(host, in[1], in[2]));
           GOVCHAIN_ASSIGN_OR_RETURN(Bytes signature, read_range(host, in[3], Value::i32(64)));
           out[0] = Value::i32(
               crypto::verify(PublicKey::from_view(key), message, Signature::from_view(signature)) ? 1 : 0);
           return Status();
         });
  define(linker, "has_role", {i32, i32, i32, i32, i32}, {i32}, host_gas::role_check,
         [&call](HostContext& host, std::span<const Value> in, std::span<Value> out) {
           GOVCHAIN_ASSIGN_OR_RETURN(Bytes account, read_range(host, in[0], Value::i32(32)));
           GOVCHAIN_ASSIGN_OR_RETURN(Bytes municipality, read_range(host, in[1], in[2]));
           GOVCHAIN_ASSIGN_OR_RETURN(Bytes role, read_range(host, in[3], in[4]));
           Governance governance(call.state);
           auto held = governance.has_role(PublicKey::from_view(account), as_text(municipality), as_text(role));
           if (!held.ok()) return held.status();
           out[0] = Value::i32(*held ? 1 : 0);
           return Status();
         });
}

// account_register(account, valid_until_ms) / account_unregister(account):
// shared contracts tell the chain which keys they vouch for (the identity
// contract: attested keys), execution/accounts.h. Other contracts trap.
void define_accounts(runtime::Linker& linker, CallState& call) {
  const auto i32 = ValueType::i32;
  const auto i64 = ValueType::i64;
  define(linker, "account_register", {i32, i64}, {}, host_gas::account_registration,
         [&call](HostContext& host, std::span<const Value> in, auto) {
           if (!call.shared) return trap("only shared (consortium) contracts may register accounts");
           GOVCHAIN_ASSIGN_OR_RETURN(Bytes account, read_range(host, in[0], Value::i32(32)));
           return register_account(call.state, PublicKey::from_view(account), call.contract, in[1].as_i64());
         });
  define(linker, "account_unregister", {i32}, {}, host_gas::account_registration,
         [&call](HostContext& host, std::span<const Value> in, auto) {
           if (!call.shared) return trap("only shared (consortium) contracts may unregister accounts");
           GOVCHAIN_ASSIGN_OR_RETURN(Bytes account, read_range(host, in[0], Value::i32(32)));
           return unregister_account(call.state, PublicKey::from_view(account), call.contract);
         });
}

// The imports a contract may use, by name, for the deploy-time check.
const std::set<std::string>& host_import_names() {
  static const std::set<std::string> names = {
      "input_size",   "input_read",     "return_data", "caller",           "self_name",
      "block_height", "block_time_ms",  "abort",       "storage_get",      "storage_get_of",
      "storage_set",  "storage_remove", "storage_has", "emit_event",       "sha256",
      "tagged_hash",  "schnorr_verify", "has_role",    "account_register", "account_unregister",
      "debug_print"};
  return names;
}

Status check_interface(const runtime::Module& module) {
  for (const auto& import : module.imports) {
    if (import.module_name != "govchain" || !host_import_names().count(import.field_name))
      return error(Code::unlinkable, "contract imports " + import.module_name + "." + import.field_name +
                                         ", which is not part of the host API (docs/contracts.md)");
  }
  bool exports_memory = false;
  for (const auto& entry : module.exports)
    if (entry.name == "memory" && entry.kind == runtime::ExternalKind::memory) exports_memory = true;
  if (!exports_memory) return error(Code::invalid, "contract must export its memory as \"memory\"");
  return Status();
}

}  // namespace

runtime::Limits WasmContractHost::contract_limits() { return runtime::contract_limits(); }

WasmContractHost::WasmContractHost(runtime::Limits limits) : limits_(limits) {}

Result<WasmContractHost::LoadedCode> WasmContractHost::module_for(const StateReader& state, const Hash& code_hash,
                                                                  runtime::Store& meter) const {
  std::optional<LoadedCode> cached;
  {
    std::lock_guard lock(cache_mutex_);
    auto found = cache_.find(code_hash);
    if (found != cache_.end()) cached = found->second;
  }
  // A cached module is charged as if it were loaded: whether it is cached
  // differs between nodes, and the gas used must not.
  if (cached) {
    GOVCHAIN_TRY(meter.charge_gas(runtime::load_gas(cached->code_size_bytes)));
    return *cached;
  }
  auto code = read_contract_code(state, code_hash);
  if (!code.ok()) return code.status();
  if (!code->has_value()) return error(Code::corruption, "contract code " + code_hash.hex() + " is missing from state");
  GOVCHAIN_TRY(meter.charge_gas(runtime::load_gas((*code)->size())));
  auto module = runtime::load_module(**code, limits_);
  if (!module.ok()) return module.status();
  LoadedCode loaded{*module, (*code)->size()};
  std::lock_guard lock(cache_mutex_);
  if (cache_.size() >= module_cache_entries_max) {
    cache_.erase(cache_order_.front());
    cache_order_.pop_front();
  }
  if (cache_.emplace(code_hash, loaded).second) cache_order_.push_back(code_hash);
  return loaded;
}

// The stateless checks of a deploy; `chain_id` decides whether a module may
// import debug_print (empty: not known, so not).
Status WasmContractHost::check_module(const chain::ContractDeploy& deploy, std::string_view chain_id) const {
  if (deploy.code.size() > contract_code_size_bytes_max)
    return error(Code::too_large, "contract '" + deploy.name + "' has " + std::to_string(deploy.code.size()) +
                                      " bytes of code, limit is " + std::to_string(contract_code_size_bytes_max));
  auto module = runtime::load_module(deploy.code, limits_);
  if (!module.ok()) return module.status().with_context("contract '" + deploy.name + "' does not load");
  GOVCHAIN_TRY(check_interface(**module).with_context("contract '" + deploy.name + "'"));
  return check_contract_deploy(**module, deploy, chain_id).with_context("contract '" + deploy.name + "'");
}

Status WasmContractHost::check_deploy(const chain::ContractDeploy& deploy) const { return check_module(deploy, ""); }

Status WasmContractHost::deploy(Overlay& state, const chain::ContractDeploy& deploy,
                                const BlockContext& context) const {
  // The limits first: they need no module, and a deploy that cannot be
  // stored should not pay for loading it.
  GOVCHAIN_TRY(
      check_contract_version(state, deploy.name, deploy.municipality, deploy.code.size(), deploy.abi_json.size()));
  GOVCHAIN_TRY(check_module(deploy, context.chain_id));
  return store_contract_version(state, deploy.name, deploy.municipality, deploy.code, deploy.abi_json, context);
}

// As above, with the load's price charged between the limits and the load.
Status WasmContractHost::deploy(Overlay& state, const chain::ContractDeploy& deploy, const BlockContext& context,
                                uint64_t gas_limit, chain::Receipt& receipt) const {
  GOVCHAIN_TRY(
      check_contract_version(state, deploy.name, deploy.municipality, deploy.code.size(), deploy.abi_json.size()));
  const uint64_t gas = runtime::load_gas(deploy.code.size());
  if (gas > gas_limit) {
    receipt.gas_used += gas_limit;
    return error(Code::out_of_gas, "exhaustion: out of gas: loading the " + std::to_string(deploy.code.size()) +
                                       " bytes of contract '" + deploy.name + "' costs " + std::to_string(gas) +
                                       " gas, and the transaction has " + std::to_string(gas_limit) + " left");
  }
  receipt.gas_used += gas;
  GOVCHAIN_TRY(check_module(deploy, context.chain_id));
  return store_contract_version(state, deploy.name, deploy.municipality, deploy.code, deploy.abi_json, context);
}

namespace {

Status invoke_method(const std::shared_ptr<const runtime::Module>& module, const chain::ContractCall& call,
                     CallState& call_state, runtime::Store& store) {
  runtime::Linker linker;
  define_call_data(linker, call_state);
  define_storage(linker, call_state);
  define_events_and_crypto(linker, call_state);
  define_accounts(linker, call_state);
  define_debug_print(linker, call.contract, call_state.context);
  auto instance = store.instantiate(module, linker);
  if (!instance.ok()) return instance.status();
  if (!(*instance)->find_export(call.method).has_value())
    return error(Code::not_found, "contract '" + call.contract + "' has no method '" + call.method + "'");
  auto result = (*instance)->invoke(call.method, {});
  return result.ok() ? Status() : result.status();
}

}  // namespace

Status WasmContractHost::run_call(Overlay& state, const chain::ContractCall& call, const PublicKey& caller,
                                  const BlockContext& context, runtime::Store& store, chain::Receipt& receipt) const {
  GOVCHAIN_ASSIGN_OR_RETURN(auto record, read_contract_record(state, call.contract));
  if (!record) return error(Code::not_found, "no contract named '" + call.contract + "' on this chain");
  GOVCHAIN_TRY(check_call_arguments(record->abi_json, call));
  CallState call_state{state, call.contract, record->shared, caller, context, call.arguments, {}, {}, {}};
  auto loaded = module_for(state, record->history.back().code_hash, store);
  Status outcome = loaded.ok() ? invoke_method(loaded->module, call, call_state, store) : loaded.status();
  receipt.gas_used += store.gas_used();
  if (!outcome.ok()) {
    if (!call_state.abort_message.empty()) return error(Code::aborted, call_state.abort_message);
    return outcome;
  }
  receipt.return_data = std::move(call_state.output);
  for (auto& event : call_state.events) receipt.events.push_back(std::move(event));
  return Status();
}

Status WasmContractHost::call(Overlay& state, const chain::ContractCall& call, const PublicKey& caller,
                              const BlockContext& context, uint64_t gas_limit, chain::Receipt& receipt) const {
  runtime::Store store(limits_);
  store.set_consensus_mode(true);
  store.set_gas_limit(gas_limit);
  return run_call(state, call, caller, context, store, receipt);
}

Status WasmContractHost::query(Overlay& state, const chain::ContractCall& call, const PublicKey& caller,
                               const BlockContext& context, uint64_t gas_limit,
                               std::chrono::steady_clock::time_point deadline, chain::Receipt& receipt) const {
  runtime::Store store(limits_);
  store.set_consensus_mode(true);
  store.set_interrupt(query_deadline_check_interval_gas,
                      [deadline] { return std::chrono::steady_clock::now() >= deadline; });
  store.set_gas_limit(gas_limit);
  return run_call(state, call, caller, context, store, receipt);
}

}  // namespace govchain::execution
