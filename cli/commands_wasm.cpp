// govchain wasm run FILE.wasm FUNCTION [ARGS...] [--gas N]
//
// Runs one exported function of a WebAssembly module off-chain, in govchain's
// own engine (node/runtime) with the node's default limits, and prints the
// results and the gas used, or the failure with its stage (decode, validate,
// link, trap, exhaustion). No host functions are provided: a module that
// imports anything is reported as unlinkable, naming the imports. The CLI
// links the runtime; the client SDK (govchain_client) does not.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "runtime/runtime.h"

namespace govchain::cli {

namespace {

using json = nlohmann::json;

constexpr uint64_t default_wasm_gas = 10'000'000;
constexpr size_t module_size_bytes_max = 4 * 1024 * 1024;

struct RunOptions {
  std::string module_path;
  std::string function;
  std::vector<std::string> arguments;
  uint64_t gas = default_wasm_gas;
};

// The pipeline stage a runtime error comes from (runtime/errors.h).
std::string_view stage_of(Code code) {
  switch (code) {
    case Code::malformed: return "decode";
    case Code::invalid: return "validate";
    case Code::unlinkable: return "link";
    case Code::trap: return "trap";
    case Code::out_of_gas:
    case Code::resource_exhausted: return "exhaustion";
    default: return "run";
  }
}

// Unsigned magnitude of decimal or 0x-hex text, at most `maximum`.
Result<uint64_t> parse_magnitude(std::string_view text, uint64_t maximum) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  const std::string_view digits = base == 16 ? "0123456789abcdefABCDEF" : "0123456789";
  if (text.empty() || text.size() > 20 || text.find_first_not_of(digits) != std::string_view::npos)
    return error(Code::invalid_argument, "not a decimal or 0x-hex integer");
  errno = 0;
  const std::string copy(text);
  unsigned long long value = std::strtoull(copy.c_str(), nullptr, base);
  if (errno == ERANGE || value > maximum) return error(Code::invalid_argument, "out of range");
  return static_cast<uint64_t>(value);
}

// An integer of `width_bits` bits: signed decimal, or any bit pattern as
// unsigned decimal or 0x-hex.
Result<uint64_t> parse_integer(std::string_view text, int width_bits) {
  const uint64_t mask = width_bits == 64 ? UINT64_MAX : (uint64_t{1} << width_bits) - 1;
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) text.remove_prefix(1);
  GOVCHAIN_ASSIGN_OR_RETURN(uint64_t magnitude, parse_magnitude(text, negative ? (mask >> 1) + 1 : mask));
  return (negative ? 0 - magnitude : magnitude) & mask;
}

Result<double> parse_float(const std::string& text) {
  errno = 0;
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size())
    return error(Code::invalid_argument, "not a decimal number");
  return value;
}

Result<runtime::Value> parse_argument(const std::string& text, runtime::ValueType type) {
  using runtime::ValueType;
  switch (type) {
    case ValueType::i32: {
      GOVCHAIN_ASSIGN_OR_RETURN(uint64_t bits, parse_integer(text, 32));
      return runtime::Value{ValueType::i32, bits};
    }
    case ValueType::i64: {
      GOVCHAIN_ASSIGN_OR_RETURN(uint64_t bits, parse_integer(text, 64));
      return runtime::Value{ValueType::i64, bits};
    }
    case ValueType::f32: {
      GOVCHAIN_ASSIGN_OR_RETURN(double value, parse_float(text));
      return runtime::Value::f32(static_cast<float>(value));
    }
    case ValueType::f64: {
      GOVCHAIN_ASSIGN_OR_RETURN(double value, parse_float(text));
      return runtime::Value::f64(value);
    }
    default:
      return error(Code::invalid_argument, "reference parameters cannot be given on the command line");
  }
}

std::string format_value(const runtime::Value& value) {
  char text[64];
  switch (value.type) {
    case runtime::ValueType::i32: return std::to_string(value.as_i32());
    case runtime::ValueType::i64: return std::to_string(value.as_i64());
    case runtime::ValueType::f32: std::snprintf(text, sizeof(text), "%.9g", value.as_f32()); return text;
    case runtime::ValueType::f64: std::snprintf(text, sizeof(text), "%.17g", value.as_f64()); return text;
    default: return value.is_null() ? "null" : "ref";
  }
}

Result<std::vector<runtime::Value>> parse_arguments(const runtime::FunctionType& type, const RunOptions& options) {
  if (options.arguments.size() != type.params.size())
    return error(Code::invalid_argument, "function '" + options.function + "' has type " +
                                             runtime::function_type_to_string(type) + ": it takes " +
                                             std::to_string(type.params.size()) + " arguments, got " +
                                             std::to_string(options.arguments.size()));
  std::vector<runtime::Value> values;
  for (size_t index = 0; index < type.params.size(); ++index) {
    auto value = parse_argument(options.arguments[index], type.params[index]);
    if (!value.ok())
      return error(Code::invalid_argument, "argument " + std::to_string(index + 1) + " '" + options.arguments[index] +
                                               "' (" + std::string(runtime::value_type_name(type.params[index])) +
                                               "): " + value.status().message() +
                                               " (integers: decimal or 0x-hex; floats: decimal)");
    values.push_back(*value);
  }
  return values;
}

// The exported function's type, or an error listing the function exports.
Result<runtime::FunctionType> export_type(const runtime::Module& module, const std::string& name) {
  std::string exported;
  for (const auto& entry : module.exports) {
    if (entry.kind != runtime::ExternalKind::function) continue;
    if (entry.name == name) return module.function_type(entry.index);
    exported += (exported.empty() ? "" : ", ") + entry.name;
  }
  return error(Code::not_found, "the module exports no function '" + name + "'; its functions: " +
                                    (exported.empty() ? std::string("none") : exported));
}

// No host functions are offered, so any import cannot be satisfied.
Status check_no_imports(const runtime::Module& module) {
  if (module.imports.empty()) return Status();
  std::string names;
  for (const auto& import : module.imports)
    names += (names.empty() ? "" : ", ") + import.module_name + "." + import.field_name + " (" +
             std::string(runtime::external_kind_name(import.kind)) + ")";
  return error(Code::unlinkable, "unlinkable: the module imports " + names +
                                     "; `wasm run` provides no host functions (run contracts on a node with "
                                     "`contract query`)");
}

int report_failure(const Context& context, const Status& status, const RunOptions& options, uint64_t gas_used) {
  if (context.options.json)
    context.emit({{"function", options.function},
                  {"ok", false},
                  {"stage", std::string(stage_of(status.code()))},
                  {"code", std::string(code_name(status.code()))},
                  {"message", status.message()},
                  {"gas_used", gas_used},
                  {"gas_limit", options.gas}},
                 "");
  return context.fail(status, std::string(stage_of(status.code())) + " stage of " + options.module_path + " " +
                                  options.function + " (gas used " + std::to_string(gas_used) + " of " +
                                  std::to_string(options.gas) + ")");
}

int run(Context& context, const RunOptions& options) {
  auto bytes = client::read_small_file(options.module_path, module_size_bytes_max);
  if (!bytes.ok()) return context.fail(bytes.status(), "reading " + options.module_path);
  runtime::Limits limits;
  auto module = runtime::load_module(to_bytes(*bytes), limits);
  if (!module.ok()) return report_failure(context, module.status(), options, 0);
  auto type = export_type(**module, options.function);
  if (!type.ok()) return context.fail(type.status(), "finding the function");
  auto arguments = parse_arguments(*type, options);
  if (!arguments.ok()) return context.fail(arguments.status(), "reading the arguments");
  Status linkable = check_no_imports(**module);
  if (!linkable.ok()) return report_failure(context, linkable, options, 0);
  runtime::Store store(limits);
  store.set_gas_limit(options.gas);
  runtime::Linker linker;
  auto instance = store.instantiate(*module, linker);
  if (!instance.ok()) return report_failure(context, instance.status(), options, store.gas_used());
  auto results = (*instance)->invoke(options.function, *arguments);
  if (!results.ok()) return report_failure(context, results.status(), options, store.gas_used());
  json values = json::array();
  std::ostringstream human;
  for (const auto& value : *results) {
    values.push_back({{"type", std::string(runtime::value_type_name(value.type))}, {"value", format_value(value)}});
    human << runtime::value_type_name(value.type) << " " << format_value(value) << "\n";
  }
  if (results->empty()) human << "(no results)\n";
  human << "gas used: " << store.gas_used() << " of " << options.gas;
  json machine = {{"function", options.function}, {"ok", true}, {"results", values},
                  {"gas_used", store.gas_used()}, {"gas_limit", options.gas}};
  return context.emit(machine, human.str());
}

}  // namespace

void register_wasm_commands(CLI::App& app, Context& context) {
  CLI::App* wasm = app.add_subcommand("wasm", "run WebAssembly off-chain in govchain's engine");
  wasm->require_subcommand(1);
  CLI::App* run_command = wasm->add_subcommand(
      "run", "run an exported function and print its results and gas used (negative numbers after --)");
  auto options = std::make_shared<RunOptions>();
  run_command->add_option("FILE", options->module_path, "the WebAssembly module (.wasm)")->required();
  run_command->add_option("FUNCTION", options->function, "exported function name")->required();
  run_command->add_option("ARGS", options->arguments, "arguments by parameter type: i32/i64 decimal or 0x-hex, "
                                                      "f32/f64 decimal");
  run_command->add_option("--gas", options->gas, "gas limit of the run")->capture_default_str();
  run_command->callback(context.action([&context, options] { return run(context, *options); }));
}

}  // namespace govchain::cli
