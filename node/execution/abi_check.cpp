// See abi_check.h. The ABI is parsed, read from the module and compared by
// the abi library; here are the node's rules of when each check runs, the
// node's wording of refusals (all Code::invalid_argument, as a deploy or a
// call refused for its input) and the cache of parsed ABIs.
#include "execution/abi_check.h"

#include <algorithm>
#include <cstdio>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "abi/abi.h"
#include "abi/argument_bytes.h"
#include "abi/compare.h"
#include "abi/module_abi.h"

namespace govchain::execution {

namespace {

// The ABI library says malformed or too_large; the node refuses the deploy
// or the call for its input, with the library's message.
Status refused(const Status& status) {
  if (status.ok()) return status;
  return error(Code::invalid_argument, status.message());
}

Result<abi::Abi> parse_deploy_abi(std::string_view text) {
  auto parsed = abi::parse_abi(text);
  if (!parsed.ok()) return refused(parsed.status());
  return parsed;
}

// The ABI the module carries, when it has a "govchain_abi" section.
Result<std::optional<abi::Abi>> carried_abi(ByteView module_bytes) {
  auto section = abi::read_module_section(module_bytes);
  if (!section.ok()) return refused(section.status());
  if (!*section) return std::optional<abi::Abi>();
  auto document = abi::document_of_section(**section);
  if (!document.ok()) return refused(document.status().with_context("ABI"));
  auto parsed = abi::parse_abi_document(*document);
  if (!parsed.ok()) return refused(parsed.status().with_context("ABI: the module's ABI section"));
  return std::optional<abi::Abi>(std::move(*parsed));
}

Status check_exports(const runtime::Module& module, const abi::Abi& declared) {
  for (const abi::Method& method : declared.methods) {
    auto exported = std::find_if(module.exports.begin(), module.exports.end(), [&](const runtime::Export& candidate) {
      return candidate.name == method.name && candidate.kind == runtime::ExternalKind::function;
    });
    if (exported == module.exports.end())
      return error(Code::invalid_argument, "ABI method '" + method.name + "' is not a function the module exports");
    if (!(module.function_type(exported->index) == runtime::FunctionType{}))
      return error(Code::invalid_argument, "ABI method '" + method.name +
                                               "' is exported with parameters or results; "
                                               "contract methods take and return nothing");
  }
  return Status();
}

bool imports_debug_print(const runtime::Module& module) {
  return std::any_of(module.imports.begin(), module.imports.end(), [](const runtime::Import& entry) {
    return entry.module_name == "govchain" && entry.field_name == "debug_print";
  });
}

// Parsed ABIs by their text: calls parse each stored ABI once.
Result<std::shared_ptr<const abi::Abi>> cached_abi(std::string_view abi_json) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const abi::Abi>, std::less<>> cache;
  static std::list<std::string> order;
  constexpr size_t entries_max = 64;
  {
    std::lock_guard lock(mutex);
    auto found = cache.find(abi_json);
    if (found != cache.end()) return found->second;
  }
  GOVCHAIN_ASSIGN_OR_RETURN(abi::Abi parsed, parse_deploy_abi(abi_json));
  auto shared = std::make_shared<const abi::Abi>(std::move(parsed));
  std::lock_guard lock(mutex);
  if (cache.size() >= entries_max) {
    cache.erase(order.front());
    order.pop_front();
  }
  if (cache.emplace(std::string(abi_json), shared).second) order.emplace_back(abi_json);
  return shared;
}

}  // namespace

Status check_contract_deploy(const runtime::Module& module, const chain::ContractDeploy& deploy,
                             std::string_view chain_id) {
  if (imports_debug_print(module) && chain_id != dev_chain_id)
    return error(Code::invalid_argument,
                 "the module imports debug_print, which only the dev chain offers; build it "
                 "without -DGOVCHAIN_DEBUG");
  GOVCHAIN_ASSIGN_OR_RETURN(std::optional<abi::Abi> carried, carried_abi(module.bytes));
  if (deploy.abi_json.empty()) {
    if (carried) return error(Code::invalid_argument, "the module carries its ABI; deploy it with that ABI");
    return Status();
  }
  GOVCHAIN_ASSIGN_OR_RETURN(abi::Abi declared, parse_deploy_abi(deploy.abi_json));
  GOVCHAIN_TRY(check_exports(module, declared));
  if (!carried) return Status();
  Status compared = abi::compare_with_module(declared, *carried);
  if (compared.ok()) return compared;
  return error(Code::invalid_argument, "the ABI does not describe the module: " + compared.message() +
                                           " (send the ABI the module carries: `govchain contract abi FILE.wasm`)");
}

Status check_call_arguments(std::string_view abi_json, const chain::ContractCall& call) {
  if (abi_json.empty()) return Status();
  GOVCHAIN_ASSIGN_OR_RETURN(std::shared_ptr<const abi::Abi> parsed, cached_abi(abi_json));
  // A method the ABI does not name has no argument types to check; the
  // host's lookup of the export answers for it (for a module built with the
  // SDK, the exports are the ABI's methods, checked at deploy).
  const abi::Method* method = parsed->find_method(call.method);
  if (method == nullptr) return Status();
  Status checked = abi::check_argument_bytes(*parsed, *method, call.arguments);
  if (checked.ok()) return checked;
  return error(Code::invalid_argument,
               call.contract + "." + call.method + ": " + checked.message() + "; the contract did not run");
}

void define_debug_print(runtime::Linker& linker, const std::string& contract, const BlockContext& context) {
  const bool print = context.chain_id == dev_chain_id;
  linker.define_function(
      "govchain", "debug_print", {{runtime::ValueType::i32, runtime::ValueType::i32}, {}}, 10,
      [contract, print](runtime::HostContext& host, std::span<const runtime::Value> in, std::span<runtime::Value>) {
        const int32_t length = in[1].as_i32();
        if (length < 0 || length > static_cast<int32_t>(debug_text_size_bytes_max))
          return error(Code::trap, "debug text longer than 1 KiB");
        GOVCHAIN_TRY(host.charge_gas(static_cast<uint64_t>(length)));
        GOVCHAIN_ASSIGN_OR_RETURN(
            Bytes text, host.read_memory(static_cast<uint32_t>(in[0].as_i32()), static_cast<uint32_t>(length)));
        if (!print) return Status();
        std::string line(text.begin(), text.end());
        for (char& c : line)
          if (c < 0x20 || c > 0x7e) c = '?';
        std::fprintf(stderr, "contract %s debug: %s\n", contract.c_str(), line.c_str());
        return Status();
      });
}

}  // namespace govchain::execution
