#include "gas_check.h"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>

#include "crypto/schnorr.h"
#include "execution/overlay.h"
#include "execution/wasm_host.h"
#include "runtime/runtime.h"
#include "runtime/testing/wasm_writer.h"

namespace govchain::bench {
namespace {

using namespace runtime::testing;

constexpr int repetitions = 5;

double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

// One class of work: CPU time and gas, absolute or as the difference of two
// variants that differ only in that work.
struct ClassFigure {
  std::string group;  // the price the row checks (GasSchedule fields)
  std::string name;
  double seconds = 0;
  uint64_t gas = 0;
  // Only part of what the price pays for is measured (a storage write's
  // price also covers the state tree's apply of the key after the block):
  // printed, but left out of the spreads.
  bool partial = false;
  double nanoseconds_per_gas() const { return gas == 0 ? 0 : seconds * 1e9 / static_cast<double>(gas); }
};

// A run of some work: its CPU seconds (best of `repetitions`) and its gas,
// which is the same every time.
struct Sample {
  double seconds = 1e30;
  uint64_t gas = 0;
};

Result<Sample> best_of(const std::function<Result<uint64_t>()>& work) {
  Sample sample;
  for (int index = 0; index < repetitions; ++index) {
    const double started = thread_cpu_seconds();
    auto gas = work();
    const double seconds = thread_cpu_seconds() - started;
    if (!gas.ok()) return gas.status();
    sample.seconds = std::min(sample.seconds, seconds);
    sample.gas = *gas;
  }
  return sample;
}

ClassFigure difference(std::string group, std::string name, const Sample& more, const Sample& less) {
  return ClassFigure{std::move(group), std::move(name), std::max(0.0, more.seconds - less.seconds),
                     more.gas > less.gas ? more.gas - less.gas : 0};
}

const Bytes run_export = vector_of(1, function_export("run", 0));

// Runs `run(argument)` of `code` in one Store under the contract limits,
// consensus mode on, as often as `calls` says; the gas of all calls.
Result<uint64_t> run_in_one_store(const std::shared_ptr<const runtime::Module>& module, int32_t argument,
                                  int calls = 1) {
  runtime::Store store(runtime::contract_limits());
  store.set_consensus_mode(true);
  GOVCHAIN_ASSIGN_OR_RETURN(runtime::Instance * instance, store.instantiate(module, runtime::Linker()));
  uint64_t gas = 0;
  const runtime::Value value = runtime::Value::i32(argument);
  for (int index = 0; index < calls; ++index) {
    store.set_gas_limit(UINT64_MAX / 2);
    auto results = instance->invoke("run", std::span<const runtime::Value>(&value, 1));
    if (!results.ok()) return results.status();
    gas += store.gas_used();
  }
  return gas;
}

// A fresh Store, instantiation and one call of `run(argument)`, `count`
// times, as the node does for every contract call; the gas of all of them.
Result<uint64_t> fresh_stores(const std::shared_ptr<const runtime::Module>& module, int32_t argument, int count) {
  uint64_t gas = 0;
  const runtime::Value value = runtime::Value::i32(argument);
  for (int index = 0; index < count; ++index) {
    runtime::Store store(runtime::contract_limits());
    store.set_consensus_mode(true);
    store.set_gas_limit(UINT64_MAX / 2);
    GOVCHAIN_ASSIGN_OR_RETURN(runtime::Instance * instance, store.instantiate(module, runtime::Linker()));
    auto results = instance->invoke("run", std::span<const runtime::Value>(&value, 1));
    if (!results.ok()) return results.status();
    gas += store.gas_used();
  }
  return gas;
}

Result<std::shared_ptr<const runtime::Module>> load(const Bytes& code) {
  return runtime::load_module(code, runtime::contract_limits());
}

// `loop <body> n -= 1; br_if n != 0 end` over parameter 0, then `tail`.
Bytes counted_loop(const Bytes& body, uint8_t block_type = 0x40, const Bytes& tail = {}) {
  const Bytes decrement = Bytes{0x20, 0x00, 0x41, 0x01, 0x6B, 0x22, 0x00};
  return concat({Bytes{0x03, block_type}, body, decrement, Bytes{0x0D, 0x00, 0x0B}, tail});
}

// run(n): n rounds of 20 integer instructions on two locals.
Bytes arithmetic_module() {
  const Bytes round = {0x20, 0x01, 0x20, 0x02, 0x6A, 0x21, 0x01,   // a = a + b
                       0x20, 0x02, 0x20, 0x01, 0x73, 0x21, 0x02,   // b = b ^ a
                       0x20, 0x01, 0x41, 0x07, 0x6C, 0x21, 0x01,   // a = a * 7
                       0x20, 0x02, 0x20, 0x01, 0x77, 0x21, 0x02,   // b = b rotl a
                       0x20, 0x01, 0x41, 0x0D, 0x76, 0x21, 0x01};  // a = a >> 13
  return WasmWriter()
      .section(1, vector_of(1, function_type({wasm_i32}, {})))
      .section(3, vector_of(1, unsigned_bytes(0)))
      .section(7, run_export)
      .section(10, vector_of(1, function_body({{2, wasm_i32}}, counted_loop(round))))
      .build();
}

// run(n): n calls of a function with `local_count` i64 locals and no code.
Bytes calls_module(uint32_t local_count) {
  std::vector<std::pair<uint32_t, uint8_t>> locals;
  if (local_count > 0) locals.emplace_back(local_count, wasm_i64);
  return WasmWriter()
      .section(1, vector_of(2, concat({function_type({wasm_i32}, {}), function_type({}, {})})))
      .section(3, vector_of(2, Bytes{0x00, 0x01}))
      .section(7, run_export)
      .section(10, vector_of(2, concat({function_body({}, counted_loop({0x10, 0x01})), function_body(locals, {})})))
      .build();
}

// run(n): a loop that carries `arity` i64 values; each back edge moves them
// down one slot (an extra value sits below the condition), so the branch
// copies `arity` slots every round.
Bytes branch_module(uint32_t arity) {
  Bytes values;
  for (uint32_t index = 0; index < arity; ++index) values = concat({values, Bytes{0x42, 0x00}});
  const Bytes drops(arity, 0x1A);
  const Bytes body = concat({Bytes{0x03, 0x01, 0x42, 0x00},                    // loop (type 1), push extra
                             Bytes{0x20, 0x00, 0x41, 0x01, 0x6B, 0x22, 0x00},  // n -= 1
                             Bytes{0x0D, 0x00, 0x1A, 0x0B}});                  // br_if 0, drop, end
  const Bytes all_i64(arity, wasm_i64);
  return WasmWriter()
      .section(1, vector_of(2, concat({function_type({wasm_i32}, {}), function_type(all_i64, all_i64)})))
      .section(3, vector_of(1, Bytes{0x00}))
      .section(7, run_export)
      .section(10, vector_of(1, function_body({}, concat({values, body, drops}))))
      .build();
}

// A module with a memory of `memory_pages` and a table of `table_elements`
// initially, `data_bytes` of active data, and run(x): `code`.
Bytes shaped_module(uint32_t memory_pages, uint32_t table_elements, uint32_t data_bytes, const Bytes& code) {
  WasmWriter writer;
  writer.section(1, vector_of(1, function_type({wasm_i32}, {})));
  writer.section(3, vector_of(1, Bytes{0x00}));
  writer.section(4, vector_of(1, concat({Bytes{0x70, 0x00}, unsigned_bytes(table_elements)})));
  writer.section(5, vector_of(1, concat({Bytes{0x00}, unsigned_bytes(memory_pages)})));
  writer.section(7, run_export);
  writer.section(10, vector_of(1, function_body({}, code)));
  if (data_bytes > 0)
    writer.section(
        11,
        vector_of(1, concat({Bytes{0x00}, i32_const(0), Bytes{0x0B}, vector_of(data_bytes, Bytes(data_bytes, 0x5A))})));
  return writer.build();
}

const Bytes grow_memory_code = {0x20, 0x00, 0x40, 0x00, 0x1A};                   // drop(memory.grow(x))
const Bytes grow_table_code = {0xD0, 0x70, 0x20, 0x00, 0xFC, 0x0F, 0x00, 0x1A};  // drop(table.grow(null, x))

// run(n): n times memory.fill(0, 0, size) then memory.copy(size, 0, size).
Bytes bulk_code(uint32_t size_bytes) {
  const Bytes fill =
      concat({i32_const(0), i32_const(0), i32_const(static_cast<int32_t>(size_bytes)), Bytes{0xFC, 0x0B, 0x00}});
  const Bytes copy = concat({i32_const(static_cast<int32_t>(size_bytes)), i32_const(0),
                             i32_const(static_cast<int32_t>(size_bytes)), Bytes{0xFC, 0x0A, 0x00, 0x00}});
  return counted_loop(concat({fill, copy}));
}

// Two variants of a module that differ in one kind of work, run the same
// way; the class's figure is their difference.
Result<ClassFigure> marginal(
    const std::string& group, const std::string& name, const Bytes& more_code, const Bytes& less_code,
    const std::function<Result<uint64_t>(const std::shared_ptr<const runtime::Module>&)>& run) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto more_module, load(more_code));
  GOVCHAIN_ASSIGN_OR_RETURN(auto less_module, load(less_code));
  GOVCHAIN_ASSIGN_OR_RETURN(Sample more, best_of([&] { return run(more_module); }));
  GOVCHAIN_ASSIGN_OR_RETURN(Sample less, best_of([&] { return run(less_module); }));
  return difference(group, name, more, less);
}

Result<ClassFigure> absolute(const std::string& group, const std::string& name, const Bytes& code, int32_t argument) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto module, load(code));
  GOVCHAIN_ASSIGN_OR_RETURN(Sample sample, best_of([&] { return run_in_one_store(module, argument); }));
  return ClassFigure{group, name, sample.seconds, sample.gas};
}

Status add(std::vector<ClassFigure>& figures, Result<ClassFigure> figure) {
  if (!figure.ok()) return figure.status();
  figures.push_back(std::move(*figure));
  return Status();
}

// run(n): n calls of an imported host function that does nothing; the
// figure is the engine's side of a host call (the node's host functions
// charge their own work on top).
Result<ClassFigure> host_calls() {
  const Bytes code =
      WasmWriter()
          .section(1, vector_of(2, concat({function_type({wasm_i32}, {}), function_type({}, {})})))
          .section(2, vector_of(1, concat({name_bytes("env"), name_bytes("nothing"), Bytes{0x00, 0x01}})))
          .section(3, vector_of(1, Bytes{0x00}))
          .section(7, vector_of(1, function_export("run", 1)))
          .section(10, vector_of(1, function_body({}, counted_loop({0x10, 0x00}))))
          .build();
  GOVCHAIN_ASSIGN_OR_RETURN(auto module, load(code));
  runtime::Linker linker;
  linker.define_function(
      "env", "nothing", runtime::FunctionType{}, 0,
      [](runtime::HostContext&, std::span<const runtime::Value>, std::span<runtime::Value>) { return Status(); });
  runtime::Store store(runtime::contract_limits());
  store.set_consensus_mode(true);
  GOVCHAIN_ASSIGN_OR_RETURN(runtime::Instance * instance, store.instantiate(module, linker));
  const runtime::Value count = runtime::Value::i32(500'000);
  GOVCHAIN_ASSIGN_OR_RETURN(Sample sample, best_of([&]() -> Result<uint64_t> {
                              store.set_gas_limit(UINT64_MAX / 2);
                              auto results = instance->invoke("run", std::span<const runtime::Value>(&count, 1));
                              if (!results.ok()) return results.status();
                              return store.gas_used();
                            }));
  return ClassFigure{"host calls", "calls of a host function that does nothing", sample.seconds, sample.gas};
}

Status execution_classes(std::vector<ClassFigure>& figures) {
  const runtime::Limits limits = runtime::contract_limits();
  const auto rounds = [](int32_t count) {
    return [count](const std::shared_ptr<const runtime::Module>& module) { return run_in_one_store(module, count); };
  };
  GOVCHAIN_TRY(add(figures, absolute("instructions", "arithmetic on locals, loop (20 instructions a round)",
                                     arithmetic_module(), 2'000'000)));
  GOVCHAIN_TRY(add(figures, absolute("instructions", "calls of an empty function", calls_module(0), 2'000'000)));
  GOVCHAIN_TRY(add(figures, marginal("locals zeroed",
                                     "locals zeroed on entry (" + std::to_string(limits.locals_per_function_max - 8) +
                                         " more a call)",
                                     calls_module(limits.locals_per_function_max), calls_module(8), rounds(100'000))));
  GOVCHAIN_TRY(add(figures, marginal("slots copied",
                                     "values moved by a branch (" + std::to_string(limits.type_arity_max - 1) +
                                         " more slots a round)",
                                     branch_module(limits.type_arity_max), branch_module(1), rounds(5'000'000))));
  GOVCHAIN_TRY(add(figures, marginal("bytes copied", "memory.fill + memory.copy (64 KiB more each, in cache)",
                                     shaped_module(3, 0, 0, bulk_code(65536)), shaped_module(3, 0, 0, bulk_code(0)),
                                     rounds(2'000))));
  constexpr uint32_t large_bytes = 4 * 1024 * 1024;
  GOVCHAIN_TRY(add(figures, marginal("bytes copied", "memory.fill + memory.copy (4 MiB more each, beyond the caches)",
                                     shaped_module(2 * large_bytes / 65536 + 1, 0, 0, bulk_code(large_bytes)),
                                     shaped_module(2 * large_bytes / 65536 + 1, 0, 0, bulk_code(0)), rounds(20))));
  GOVCHAIN_TRY(add(figures, host_calls()));
  return Status();
}

Status allocation_classes(std::vector<ClassFigure>& figures) {
  const runtime::Limits limits = runtime::contract_limits();
  constexpr int stores = 200;
  const auto fresh = [](int32_t argument) {
    return [argument](const std::shared_ptr<const runtime::Module>& module) {
      return fresh_stores(module, argument, stores);
    };
  };
  const Bytes grow = shaped_module(1, 0, 0, grow_memory_code);
  GOVCHAIN_ASSIGN_OR_RETURN(auto grow_module, load(grow));
  const int32_t pages = 64;
  GOVCHAIN_ASSIGN_OR_RETURN(Sample grown, best_of([&] { return fresh_stores(grow_module, pages, stores); }));
  GOVCHAIN_ASSIGN_OR_RETURN(Sample not_grown, best_of([&] { return fresh_stores(grow_module, 0, stores); }));
  figures.push_back(difference("memory pages", "memory.grow (64 pages)", grown, not_grown));
  const Bytes table = shaped_module(1, 0, 0, grow_table_code);
  GOVCHAIN_ASSIGN_OR_RETURN(auto table_module, load(table));
  const auto elements = static_cast<int32_t>(limits.table_elements_max);
  GOVCHAIN_ASSIGN_OR_RETURN(Sample table_grown, best_of([&] { return fresh_stores(table_module, elements, stores); }));
  GOVCHAIN_ASSIGN_OR_RETURN(Sample table_not_grown, best_of([&] { return fresh_stores(table_module, 0, stores); }));
  figures.push_back(difference("table elements", "table.grow (" + std::to_string(elements) + " elements)", table_grown,
                               table_not_grown));
  GOVCHAIN_TRY(add(figures, marginal("memory pages", "instantiation: initial memory (64 pages more)",
                                     shaped_module(65, 0, 0, {}), shaped_module(1, 0, 0, {}), fresh(0))));
  GOVCHAIN_TRY(
      add(figures,
          marginal("table elements", "instantiation: initial table (" + std::to_string(elements) + " elements more)",
                   shaped_module(1, limits.table_elements_max, 0, {}), shaped_module(1, 0, 0, {}), fresh(0))));
  // As much data as a contract module (64 KiB in all) leaves room for.
  GOVCHAIN_TRY(add(figures, marginal("bytes copied", "instantiation: active data (60 KiB more)",
                                     shaped_module(2, 0, 60 * 1024, {}), shaped_module(2, 0, 0, {}), fresh(0))));
  return Status();
}

Result<Bytes> read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file.good()) return error(Code::not_found, "cannot read " + path + " (build with `make` first)");
  return Bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

// Loading is priced by runtime::load_gas, which the node charges before it
// loads; the figure is the load's CPU time per gas unit of that price.
Result<ClassFigure> loading(const std::string& name, const Bytes& code) {
  GOVCHAIN_ASSIGN_OR_RETURN(Sample sample, best_of([&]() -> Result<uint64_t> {
                              auto module = load(code);
                              if (!module.ok()) return module.status();
                              return runtime::load_gas(code.size());
                            }));
  return ClassFigure{"code bytes loaded", name, sample.seconds, sample.gas};
}

// A function as large as a contract module may be, of br_tables naming 64
// enclosing blocks of the maximum arity.
Bytes worst_case_branch_tables() {
  const runtime::Limits limits = runtime::contract_limits();
  const uint32_t arity = limits.type_arity_max;
  const uint32_t depth = 64;
  Bytes values;
  for (uint32_t index = 0; index < arity; ++index) values = concat({values, Bytes{0x42, 0x00}});
  Bytes table = concat({values, i32_const(0), Bytes{0x0E}, unsigned_bytes(limits.br_table_labels_max)});
  for (uint32_t index = 0; index < limits.br_table_labels_max; ++index)
    table.push_back(static_cast<uint8_t>(index % depth));
  table.push_back(0x00);
  Bytes code;
  for (uint32_t level = 0; level < depth; ++level) code = concat({code, Bytes{0x02, 0x01}});
  while (code.size() + table.size() + 1024 < limits.module_size_bytes_max)
    code.insert(code.end(), table.begin(), table.end());
  code = concat({code, Bytes(depth, 0x0B), Bytes(arity, 0x1A)});
  const Bytes all_i64(arity, wasm_i64);
  return WasmWriter()
      .section(1, vector_of(2, concat({function_type({}, {}), function_type({}, all_i64)})))
      .section(3, vector_of(1, Bytes{0x00}))
      .section(10, vector_of(1, function_body({}, code)))
      .build();
}

// A module as large as a contract may be, of calls to a function type of the
// maximum arity: each two-byte call instruction checks that many operand
// types twice.
Bytes worst_case_calls() {
  const runtime::Limits limits = runtime::contract_limits();
  const Bytes all_i64(limits.type_arity_max, wasm_i64);
  Bytes code;
  for (uint32_t index = 0; index < limits.type_arity_max; ++index) code = concat({code, Bytes{0x42, 0x00}});
  while (code.size() + 1024 < limits.module_size_bytes_max) code.insert(code.end(), {0x10, 0x00});
  return WasmWriter()
      .section(1, vector_of(1, function_type(all_i64, all_i64)))
      .section(3, vector_of(1, Bytes{0x00}))
      .section(10, vector_of(1, function_body({}, code)))
      .build();
}

// Every import answered by a host function that does nothing.
runtime::Linker no_op_linker(const runtime::Module& module) {
  runtime::Linker linker;
  for (const auto& import : module.imports)
    if (import.kind == runtime::ExternalKind::function)
      linker.define_function(
          import.module_name, import.field_name, module.types.at(import.type_index), 0,
          [](runtime::HostContext&, std::span<const runtime::Value>, std::span<runtime::Value>) { return Status(); });
  return linker;
}

// A fresh Store and an instance of a contract, as every call makes: CPU
// time per gas unit of Module::instantiation_gas.
Result<ClassFigure> contract_instantiation(const std::string& name, const Bytes& code) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto module, load(code));
  const runtime::Linker linker = no_op_linker(*module);
  constexpr int count = 1000;
  GOVCHAIN_ASSIGN_OR_RETURN(Sample sample, best_of([&]() -> Result<uint64_t> {
                              uint64_t gas = 0;
                              for (int index = 0; index < count; ++index) {
                                runtime::Store store(runtime::contract_limits());
                                store.set_gas_limit(UINT64_MAX / 2);
                                auto instance = store.instantiate(module, linker);
                                if (!instance.ok()) return instance.status();
                                gas += store.gas_used();
                              }
                              return gas;
                            }));
  return ClassFigure{"instantiation", "instantiating the " + name + " contract in a fresh Store", sample.seconds,
                     sample.gas};
}

Status loading_classes(const std::string& contracts_dir, std::vector<ClassFigure>& figures) {
  for (const char* name : {"identity", "landlord", "dogpermit", "streetmusic", "archive"}) {
    GOVCHAIN_ASSIGN_OR_RETURN(Bytes code, read_file(contracts_dir + "/" + name + ".wasm"));
    if (std::string(name) == "identity") GOVCHAIN_TRY(add(figures, contract_instantiation(name, code)));
    GOVCHAIN_TRY(add(
        figures,
        loading("loading the " + std::string(name) + " contract (" + std::to_string(code.size()) + " bytes)", code)));
  }
  const Bytes tables = worst_case_branch_tables();
  GOVCHAIN_TRY(add(
      figures, loading("loading a worst-case br_table module (" + std::to_string(tables.size()) + " bytes)", tables)));
  const Bytes calls = worst_case_calls();
  GOVCHAIN_TRY(
      add(figures, loading("loading a worst-case call module (" + std::to_string(calls.size()) + " bytes)", calls)));
  return Status();
}

// The node's host functions (execution::WasmContractHost), called by the
// host workload (bench/runtime/host.c) `count` times a run; each row is the
// difference to a run of the same loop without the call, so it holds the
// host function's own work and the gas it is charged (its base price, its
// per-byte price and the engine's price of a host call).
enum class HostKind : uint32_t {
  none = 0,
  schnorr_verify = 1,
  sha256 = 2,
  storage_set = 3,
  storage_get = 4,
  event = 5
};

struct HostRun {
  HostKind kind;
  uint32_t count;
  uint32_t size_bytes;
};

Bytes host_input(const HostRun& run, const crypto::KeyPair& signer) {
  Bytes input;
  for (uint32_t field : {static_cast<uint32_t>(run.kind), run.count, run.size_bytes})
    for (int shift = 0; shift < 32; shift += 8) input.push_back(static_cast<uint8_t>(field >> shift));
  const Bytes payload(run.size_bytes, 0x5A);
  const Signature signature = crypto::sign(signer.secret, payload);
  const auto append = [&input](ByteView bytes) { input.insert(input.end(), bytes.begin(), bytes.end()); };
  append(signer.public_key.view());
  append(signature.view());
  input.insert(input.end(), payload.begin(), payload.end());
  return input;
}

const execution::BlockContext host_bench_context{"govchain-bench", 1, 1'767'225'600'000, PublicKey()};

// Runs `run` on `state` (where the workload is deployed); its gas.
Result<uint64_t> host_call(const execution::WasmContractHost& host, execution::Overlay& state, const HostRun& run,
                           const crypto::KeyPair& signer) {
  chain::Receipt receipt;
  chain::ContractCall call{"bench_host", "run", host_input(run, signer)};
  GOVCHAIN_TRY(host.call(state, call, PublicKey(), host_bench_context, UINT64_MAX / 4, receipt));
  return receipt.gas_used;
}

Result<ClassFigure> host_function(const execution::WasmContractHost& host, const Bytes& code, std::string group,
                                  std::string name, const HostRun& run) {
  const crypto::KeyPair signer = crypto::generate_key_pair();
  execution::EmptyState empty;
  execution::Overlay state(empty);
  GOVCHAIN_TRY(host.deploy(state, {"bench_host", "bench", code, ""}, host_bench_context));
  // Reads find what a write run stored; the first call also loads the code.
  GOVCHAIN_TRY(host_call(host, state, {HostKind::storage_set, run.count, run.size_bytes}, signer).status());
  GOVCHAIN_ASSIGN_OR_RETURN(Sample with, best_of([&] { return host_call(host, state, run, signer); }));
  GOVCHAIN_ASSIGN_OR_RETURN(Sample without, best_of([&] {
                              return host_call(host, state, {HostKind::none, run.count, run.size_bytes}, signer);
                            }));
  return difference(std::move(group), std::move(name), with, without);
}

Status host_function_classes(const std::string& host_workload_path, std::vector<ClassFigure>& figures) {
  GOVCHAIN_ASSIGN_OR_RETURN(Bytes code, read_file(host_workload_path));
  execution::WasmContractHost host;
  const auto row = [&](const char* group, const char* name, HostRun run, bool partial = false) {
    GOVCHAIN_TRY(add(figures, host_function(host, code, group, name, run)));
    figures.back().partial = partial;
    return Status();
  };
  GOVCHAIN_TRY(
      row("host: signature", "schnorr_verify (BIP340, 32-byte message)", {HostKind::schnorr_verify, 2'000, 32}));
  GOVCHAIN_TRY(row("host: hash", "sha256 of 32 bytes", {HostKind::sha256, 100'000, 32}));
  GOVCHAIN_TRY(row("host: hash", "sha256 of 16 KiB", {HostKind::sha256, 2'000, 16384}));
  GOVCHAIN_TRY(
      row("host: storage write", "storage_set of 8 bytes (overlay only)*", {HostKind::storage_set, 50'000, 8}, true));
  GOVCHAIN_TRY(
      row("host: storage write", "storage_set of 16 KiB (overlay only)*", {HostKind::storage_set, 2'000, 16384}, true));
  GOVCHAIN_TRY(row("host: storage read", "storage_get of 8 bytes (overlay)", {HostKind::storage_get, 50'000, 8}));
  GOVCHAIN_TRY(row("host: event", "emit_event of 8 bytes", {HostKind::event, 50'000, 8}));
  GOVCHAIN_TRY(row("host: event", "emit_event of 16 KiB", {HostKind::event, 2'000, 16384}));
  return Status();
}

// The machine's own pace in this run: native zeroing of 64 MiB.
double native_zeroing_bytes_per_second() {
  std::vector<uint8_t> buffer(64 * 1024 * 1024, 1);
  double best = 1e30;
  for (int index = 0; index < repetitions; ++index) {
    const double started = thread_cpu_seconds();
    std::memset(buffer.data(), index, buffer.size());
    asm volatile("" : : "r"(buffer.data()) : "memory");  // the zeroing must happen
    best = std::min(best, thread_cpu_seconds() - started);
  }
  volatile uint8_t sink = buffer[buffer.size() / 2];
  (void)sink;
  return static_cast<double>(buffer.size()) / best;
}

// "<what>: X (highest ...; lowest ...)" over `figures`.
void print_spread(const char* what, const std::vector<const ClassFigure*>& figures) {
  const ClassFigure* lowest = nullptr;
  const ClassFigure* highest = nullptr;
  for (const ClassFigure* figure : figures) {
    if (figure->gas == 0 || figure->nanoseconds_per_gas() <= 0 || figure->partial) continue;
    if (lowest == nullptr || figure->nanoseconds_per_gas() < lowest->nanoseconds_per_gas()) lowest = figure;
    if (highest == nullptr || figure->nanoseconds_per_gas() > highest->nanoseconds_per_gas()) highest = figure;
  }
  if (lowest == nullptr) return;
  std::printf("%s: %.2fx (highest %.3f ns/gas: %s; lowest %.3f ns/gas: %s)\n", what,
              highest->nanoseconds_per_gas() / lowest->nanoseconds_per_gas(), highest->nanoseconds_per_gas(),
              highest->name.c_str(), lowest->nanoseconds_per_gas(), lowest->name.c_str());
}

// Every row, then two spreads: over all rows, and over each price's most
// expensive row (the case an attacker would pick, which the price must
// cover; cheaper rows of a price are work it overcharges).
void print_figures(const std::vector<ClassFigure>& figures) {
  std::printf("%-62s %-18s %9s %14s %10s\n", "work (CPU time, best of 5)", "priced by", "ns/gas", "gas", "time");
  std::vector<const ClassFigure*> all;
  std::map<std::string, const ClassFigure*> costliest;
  for (const ClassFigure& figure : figures) {
    std::printf("%-62s %-18s %9.3f %14llu %8.2f ms\n", figure.name.c_str(), figure.group.c_str(),
                figure.nanoseconds_per_gas(), static_cast<unsigned long long>(figure.gas), figure.seconds * 1e3);
    all.push_back(&figure);
    const ClassFigure*& kept = costliest[figure.group];
    if (kept == nullptr || figure.nanoseconds_per_gas() > kept->nanoseconds_per_gas()) kept = &figure;
  }
  print_spread("spread over all rows", all);
  std::vector<const ClassFigure*> maxima;
  for (const auto& [group, figure] : costliest) maxima.push_back(figure);
  print_spread("spread over each price's costliest row", maxima);
  std::printf(
      "* not in the spreads: a storage write's price also pays for the state tree's apply of the key after the\n"
      "  block (about 8-20 us a key, state_bench), which this row does not run.\n");
}

}  // namespace

Status print_gas_schedule_check(const std::string& contracts_dir, const std::string& host_workload_path,
                                const std::vector<MeasuredWorkload>& workloads) {
  std::vector<ClassFigure> figures;
  for (const MeasuredWorkload& workload : workloads)
    figures.push_back(ClassFigure{"instructions", workload.name + " (workload above)", workload.seconds, workload.gas});
  GOVCHAIN_TRY(execution_classes(figures));
  GOVCHAIN_TRY(allocation_classes(figures));
  GOVCHAIN_TRY(loading_classes(contracts_dir, figures));
  GOVCHAIN_TRY(host_function_classes(host_workload_path, figures));
  print_figures(figures);
  const double zeroing = native_zeroing_bytes_per_second();
  std::printf(
      "machine limit in this run: native memset %.1f GB/s, so 64 KiB (a page) takes %.1f us at best; the workloads'\n"
      "native times are in the table above. Marginal rows are the difference of two variants that differ only in\n"
      "the named work; the other rows are whole runs.\n",
      zeroing / 1e9, 65536.0 / zeroing * 1e6);
  return Status();
}

}  // namespace govchain::bench
