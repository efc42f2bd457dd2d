// Runs the WebAssembly spec suite's scripts through govchain's runtime.
//
// Each .wast script is converted with wast2json; every command is executed
// and counted the way wabt's spectest-interp counts: modules and assertions
// and actions are tallied, `register` is not. Text modules of
// assert_malformed/assert_invalid are turned into binaries with wabt's
// wat2wasm (text parsing is not the engine's job, as in spectest-interp);
// a text module wat2wasm cannot parse counts as rejected.
//
// Prints passed/total per script and in sum, lists every failing command
// with its reason, and exits non-zero if the sum of passes is below the
// number in --expected-passes-file.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/runtime.h"
#include "spectest_host.h"

namespace govchain::wasm_spec {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using runtime::Value;
using runtime::ValueType;

struct Options {
  fs::path spec_dir;
  fs::path work_dir;
  std::string wast2json = "wast2json";
  std::string wat2wasm = "wat2wasm";
  fs::path expected_passes_file;
  std::vector<std::string> only_scripts;
  bool verbose = false;
};

struct Tally {
  uint64_t passed = 0;
  uint64_t total = 0;
  std::vector<std::string> failures;
};

// An expected value: exact bits, or a NaN class, or "any non-null funcref".
struct Expected {
  ValueType type = ValueType::i32;
  enum class Kind { exact, canonical_nan, arithmetic_nan, any_reference } kind = Kind::exact;
  uint64_t bits = 0;
};

Result<ValueType> parse_type(const std::string& name) {
  if (name == "i32") return ValueType::i32;
  if (name == "i64") return ValueType::i64;
  if (name == "f32") return ValueType::f32;
  if (name == "f64") return ValueType::f64;
  if (name == "funcref") return ValueType::funcref;
  if (name == "externref") return ValueType::externref;
  return error(Code::invalid_argument, "unsupported value type " + name);
}

Result<Expected> parse_expected(const json& entry) {
  GOVCHAIN_ASSIGN_OR_RETURN(ValueType type, parse_type(entry.at("type").get<std::string>()));
  Expected expected{type};
  if (!entry.contains("value")) {
    expected.kind = Expected::Kind::any_reference;
    return expected;
  }
  const std::string text = entry.at("value").get<std::string>();
  if (text == "nan:canonical") {
    expected.kind = Expected::Kind::canonical_nan;
  } else if (text == "nan:arithmetic") {
    expected.kind = Expected::Kind::arithmetic_nan;
  } else if (text == "null") {
    expected.bits = 0;
  } else if (type == ValueType::externref) {
    expected.bits = Value::externref(std::stoull(text)).bits;
  } else {
    expected.bits = std::stoull(text);
  }
  return expected;
}

Result<Value> parse_argument(const json& entry) {
  GOVCHAIN_ASSIGN_OR_RETURN(Expected expected, parse_expected(entry));
  if (expected.kind != Expected::Kind::exact) return error(Code::invalid_argument, "argument is not a value");
  return Value{expected.type, expected.bits};
}

bool matches(const Expected& expected, const Value& actual) {
  if (expected.type != actual.type) return false;
  const bool is_f32 = actual.type == ValueType::f32;
  const uint64_t quiet_nan = is_f32 ? 0x7FC00000ull : 0x7FF8000000000000ull;
  const uint64_t magnitude = actual.bits & (is_f32 ? 0x7FFFFFFFull : 0x7FFFFFFFFFFFFFFFull);
  switch (expected.kind) {
    case Expected::Kind::exact: return expected.bits == actual.bits;
    case Expected::Kind::canonical_nan: return magnitude == quiet_nan;
    case Expected::Kind::arithmetic_nan: return (magnitude & quiet_nan) == quiet_nan;
    case Expected::Kind::any_reference: return !actual.is_null();
  }
  return false;
}

std::string describe(const Expected& expected) {
  switch (expected.kind) {
    case Expected::Kind::exact: return runtime::value_to_string(Value{expected.type, expected.bits});
    case Expected::Kind::canonical_nan: return "nan:canonical";
    case Expected::Kind::arithmetic_nan: return "nan:arithmetic";
    case Expected::Kind::any_reference: return "non-null reference";
  }
  return "?";
}

Result<Bytes> read_file(const fs::path& path) {
  std::ifstream stream(path, std::ios::binary);
  if (!stream) return error(Code::io_error, "cannot read " + path.string());
  return Bytes((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
}

class ScriptRunner {
 public:
  ScriptRunner(const Options& options, fs::path directory) : options_(options), directory_(std::move(directory)) {
    define_spectest_module(store_, linker_);
  }

  void run_command(const json& command, Tally& tally);

 private:
  void record(Tally& tally, const json& command, const Status& outcome);
  Status run_module(const json& command);
  Status run_register(const json& command);
  Result<std::vector<Value>> run_action(const json& action);
  Status check_return(const json& command);
  Status check_trap(const json& command, bool exhaustion);
  Status check_rejected(const json& command);
  Status check_not_instantiable(const json& command, bool must_trap);
  Result<std::shared_ptr<const runtime::Module>> load(const json& command);
  Result<Bytes> module_bytes(const json& command);
  runtime::Instance* find_instance(const json& action) const;

  const Options& options_;
  fs::path directory_;
  runtime::Store store_;
  runtime::Linker linker_;
  runtime::Instance* current_ = nullptr;
  std::map<std::string, runtime::Instance*> named_;
};

void ScriptRunner::record(Tally& tally, const json& command, const Status& outcome) {
  ++tally.total;
  if (outcome.ok()) {
    ++tally.passed;
    return;
  }
  tally.failures.push_back("line " + std::to_string(command.value("line", 0)) + " " +
                           command.value("type", std::string("?")) + ": " + outcome.message());
}

void ScriptRunner::run_command(const json& command, Tally& tally) {
  const std::string type = command.at("type").get<std::string>();
  if (type == "module") return record(tally, command, run_module(command));
  if (type == "register") {
    const Status status = run_register(command);
    if (!status.ok()) tally.failures.push_back("register (not counted): " + status.message());
    return;
  }
  if (type == "action") {
    auto results = run_action(command.at("action"));
    return record(tally, command, results.ok() ? Status() : results.status());
  }
  if (type == "assert_return") return record(tally, command, check_return(command));
  if (type == "assert_trap") return record(tally, command, check_trap(command, false));
  if (type == "assert_exhaustion") return record(tally, command, check_trap(command, true));
  if (type == "assert_malformed" || type == "assert_invalid") return record(tally, command, check_rejected(command));
  if (type == "assert_unlinkable") return record(tally, command, check_not_instantiable(command, false));
  if (type == "assert_uninstantiable") return record(tally, command, check_not_instantiable(command, true));
  record(tally, command, error(Code::internal, "unknown command type " + type));
}

Result<Bytes> ScriptRunner::module_bytes(const json& command) {
  const fs::path path = directory_ / command.at("filename").get<std::string>();
  if (command.value("module_type", std::string("binary")) != "text") return read_file(path);
  // A text module: wabt's parser turns it into a binary without validating
  // it, so that our validator judges it.
  const fs::path binary = path.string() + ".wasm";
  const std::string shell = options_.wat2wasm + " --no-check -o '" + binary.string() + "' '" + path.string() +
                            "' > /dev/null 2>&1";
  if (std::system(shell.c_str()) != 0) return error(Code::malformed, "malformed: wat2wasm cannot parse the text module");
  return read_file(binary);
}

Result<std::shared_ptr<const runtime::Module>> ScriptRunner::load(const json& command) {
  GOVCHAIN_ASSIGN_OR_RETURN(Bytes bytes, module_bytes(command));
  return runtime::load_module(bytes, store_.limits());
}

Status ScriptRunner::run_module(const json& command) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto module, load(command));
  GOVCHAIN_ASSIGN_OR_RETURN(runtime::Instance * instance, store_.instantiate(module, linker_));
  current_ = instance;
  if (command.contains("name")) named_[command.at("name").get<std::string>()] = instance;
  return Status();
}

Status ScriptRunner::run_register(const json& command) {
  runtime::Instance* instance = current_;
  if (command.contains("name")) {
    auto found = named_.find(command.at("name").get<std::string>());
    instance = found == named_.end() ? nullptr : found->second;
  }
  if (instance == nullptr) return error(Code::not_found, "register: no such module");
  linker_.register_instance(command.at("as").get<std::string>(), *instance);
  return Status();
}

runtime::Instance* ScriptRunner::find_instance(const json& action) const {
  if (!action.contains("module")) return current_;
  auto found = named_.find(action.at("module").get<std::string>());
  return found == named_.end() ? nullptr : found->second;
}

Result<std::vector<Value>> ScriptRunner::run_action(const json& action) {
  runtime::Instance* instance = find_instance(action);
  if (instance == nullptr) return error(Code::not_found, "action on a module that failed to load");
  const std::string field = action.at("field").get<std::string>();
  if (action.at("type").get<std::string>() == "get") {
    GOVCHAIN_ASSIGN_OR_RETURN(Value value, instance->get_global(field));
    return std::vector<Value>{value};
  }
  std::vector<Value> arguments;
  for (const json& entry : action.at("args")) {
    GOVCHAIN_ASSIGN_OR_RETURN(Value value, parse_argument(entry));
    arguments.push_back(value);
  }
  return instance->invoke(field, arguments);
}

Status ScriptRunner::check_return(const json& command) {
  GOVCHAIN_ASSIGN_OR_RETURN(std::vector<Value> results, run_action(command.at("action")));
  const json& expected_list = command.at("expected");
  if (results.size() != expected_list.size())
    return error(Code::invalid, "expected " + std::to_string(expected_list.size()) + " results, got " +
                                    std::to_string(results.size()));
  for (size_t index = 0; index < results.size(); ++index) {
    GOVCHAIN_ASSIGN_OR_RETURN(Expected expected, parse_expected(expected_list[index]));
    if (!matches(expected, results[index]))
      return error(Code::invalid, "result " + std::to_string(index) + ": expected " + describe(expected) + ", got " +
                                      runtime::value_to_string(results[index]));
  }
  return Status();
}

Status ScriptRunner::check_trap(const json& command, bool exhaustion) {
  auto results = run_action(command.at("action"));
  const std::string wanted = command.value("text", std::string());
  if (results.ok()) return error(Code::invalid, "expected " + wanted + ", but the call returned");
  const Code code = results.status().code();
  const bool accepted = exhaustion ? (code == Code::resource_exhausted || code == Code::out_of_gas)
                                   : code == Code::trap;
  if (!accepted) return error(Code::invalid, "expected " + wanted + ", got " + results.status().message());
  return Status();
}

Status ScriptRunner::check_rejected(const json& command) {
  auto module = load(command);
  if (module.ok()) return error(Code::invalid, "expected the module to be rejected: " + command.value("text", std::string()));
  return Status();
}

Status ScriptRunner::check_not_instantiable(const json& command, bool must_trap) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto module, load(command));
  auto instance = store_.instantiate(module, linker_);
  const std::string wanted = command.value("text", std::string());
  if (instance.ok()) return error(Code::invalid, "expected instantiation to fail: " + wanted);
  const Code code = instance.status().code();
  if (must_trap && code != Code::trap && code != Code::resource_exhausted)
    return error(Code::invalid, "expected a trap (" + wanted + "), got " + instance.status().message());
  if (!must_trap && code != Code::unlinkable)
    return error(Code::invalid, "expected unlinkable (" + wanted + "), got " + instance.status().message());
  return Status();
}

Result<json> convert_script(const Options& options, const fs::path& script, const fs::path& directory) {
  fs::create_directories(directory);
  const fs::path output = directory / (script.stem().string() + ".json");
  const std::string shell = options.wast2json + " '" + script.string() + "' -o '" + output.string() + "' > '" +
                            (directory / "wast2json.log").string() + "' 2>&1";
  if (std::system(shell.c_str()) != 0) return error(Code::io_error, "wast2json failed on " + script.string());
  std::ifstream stream(output);
  json document = json::parse(stream, nullptr, false);
  if (document.is_discarded()) return error(Code::malformed, "cannot parse " + output.string());
  return document;
}

Tally run_script(const Options& options, const fs::path& script) {
  Tally tally;
  const fs::path directory = options.work_dir / script.stem();
  auto document = convert_script(options, script, directory);
  if (!document.ok()) {
    tally.failures.push_back(document.status().message());
    return tally;
  }
  ScriptRunner runner(options, directory);
  for (const json& command : document->at("commands")) {
    try {
      runner.run_command(command, tally);
    } catch (const std::exception& exception) {
      ++tally.total;
      tally.failures.push_back("line " + std::to_string(command.value("line", 0)) + ": runner exception " +
                               exception.what());
    }
  }
  return tally;
}

std::optional<Options> parse_options(int argc, char** argv) {
  Options options;
  for (int index = 1; index < argc; ++index) {
    const std::string argument = argv[index];
    auto next = [&]() -> std::string { return index + 1 < argc ? argv[++index] : ""; };
    if (argument == "--spec-dir") options.spec_dir = next();
    else if (argument == "--work-dir") options.work_dir = next();
    else if (argument == "--wast2json") options.wast2json = next();
    else if (argument == "--wat2wasm") options.wat2wasm = next();
    else if (argument == "--expected-passes-file") options.expected_passes_file = next();
    else if (argument == "--verbose") options.verbose = true;
    else if (!argument.starts_with("--")) options.only_scripts.push_back(argument);
    else return std::nullopt;
  }
  if (options.spec_dir.empty() || options.work_dir.empty()) return std::nullopt;
  return options;
}

std::vector<fs::path> list_scripts(const Options& options) {
  std::vector<fs::path> scripts;
  for (const auto& entry : fs::directory_iterator(options.spec_dir)) {
    if (entry.path().extension() != ".wast") continue;
    if (!options.only_scripts.empty() &&
        std::find(options.only_scripts.begin(), options.only_scripts.end(), entry.path().stem().string()) ==
            options.only_scripts.end())
      continue;
    scripts.push_back(entry.path());
  }
  std::sort(scripts.begin(), scripts.end());
  return scripts;
}

int run(const Options& options) {
  uint64_t passed = 0, total = 0;
  for (const fs::path& script : list_scripts(options)) {
    Tally tally = run_script(options, script);
    std::printf("%-28s %llu/%llu\n", script.stem().c_str(), static_cast<unsigned long long>(tally.passed),
                static_cast<unsigned long long>(tally.total));
    for (const std::string& failure : tally.failures) std::printf("  FAIL %s: %s\n", script.stem().c_str(), failure.c_str());
    passed += tally.passed;
    total += tally.total;
  }
  std::printf("TOTAL %llu/%llu\n", static_cast<unsigned long long>(passed), static_cast<unsigned long long>(total));
  if (options.expected_passes_file.empty()) return passed == total ? 0 : 1;
  std::ifstream stream(options.expected_passes_file);
  uint64_t expected = 0;
  if (!(stream >> expected)) {
    std::printf("cannot read %s\n", options.expected_passes_file.c_str());
    return 1;
  }
  if (passed < expected) {
    std::printf("REGRESSION: %llu passes, %llu expected (%s)\n", static_cast<unsigned long long>(passed),
                static_cast<unsigned long long>(expected), options.expected_passes_file.c_str());
    return 1;
  }
  if (passed > expected) std::printf("note: %llu passes exceed the recorded %llu; raise expected_passes.txt\n",
                                     static_cast<unsigned long long>(passed), static_cast<unsigned long long>(expected));
  return 0;
}

}  // namespace
}  // namespace govchain::wasm_spec

int main(int argc, char** argv) {
  auto options = govchain::wasm_spec::parse_options(argc, argv);
  if (!options) {
    std::fprintf(stderr,
                 "usage: wasm_spec_runner --spec-dir DIR --work-dir DIR [--wast2json PATH] [--wat2wasm PATH]\n"
                 "                        [--expected-passes-file FILE] [script-name...]\n");
    return 2;
  }
  return govchain::wasm_spec::run(*options);
}
