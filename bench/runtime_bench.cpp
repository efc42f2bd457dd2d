// runtime_bench: govchain's WebAssembly engine against native code.
//
// The workloads in bench/runtime/ are compiled twice from the same C source:
// natively with clang -O2 (linked into this program) and to wasm32 with
// clang -O2 --target=wasm32 (built by CMake next to this program). Each
// workload runs both ways in the same process, interleaved, with gas
// metering and consensus mode on in the engine; the figure is the engine's
// CPU time divided by the native CPU time (best of several runs each), so
// that it holds on a shared, noisy machine where absolute times do not.
// Results of both builds are compared first: a mismatch exits non-zero.
//
// The storage workload runs as a deployed contract through the node's own
// host (execution::WasmContractHost over an in-memory Overlay); its native
// build calls host functions defined here over a std::map.
//
// The last line of the table is the geometric mean and the largest of the
// ratios beside the aims (at most 10x and 15x).
//
// Also printed: load (decode + validate + prepare) and instantiation time of
// the built contracts, median over many repetitions, and the full cost of a
// typical query through WasmContractHost.
//
//   runtime_bench [--wasm-dir DIR] [--contracts-dir DIR]
#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "execution/wasm_host.h"
#include "runtime/gas_check.h"
#include "runtime/runtime.h"

extern "C" {
uint32_t bench_fib(uint32_t n);
const uint8_t* bench_sha256(uint32_t size_bytes, uint32_t rounds);
uint32_t bench_sort(uint32_t count, uint32_t seed);
double bench_nbody(uint32_t steps);
uint32_t bench_radix_sort(uint32_t count, uint32_t seed);
void bench_storage_run(void);
}

using namespace govchain;

namespace {

constexpr int repetitions = 5;
constexpr int load_repetitions = 100;
constexpr int instantiation_repetitions = 300;
constexpr uint64_t gas_budget = 1'000'000'000'000;
constexpr uint32_t fib_argument = 32;
constexpr uint32_t sha256_buffer_size_bytes = 4096;
constexpr uint32_t sha256_rounds = 500;
constexpr uint32_t sort_elements = 200'000;
constexpr uint32_t sort_seed = 12345;
constexpr uint32_t nbody_steps = 200'000;
constexpr uint32_t radix_sort_keys = 1 << 20;
constexpr uint32_t radix_sort_seed = 2463534242;
constexpr uint32_t storage_accounts = 2000;
// The acceptance: the geometric mean of the ratios at most this,
// and no ratio above the next.
constexpr double ratio_geometric_mean_aim = 10;
constexpr double ratio_aim = 15;

double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

double load_average() {
  double load = 0;
  if (FILE* file = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(file, "%lf", &load) != 1) load = 0;
    std::fclose(file);
  }
  return load;
}

Result<Bytes> read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file.good()) return error(Code::not_found, "cannot read " + path + " (build with `make` first)");
  return Bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

// The CPU seconds of one call of `work`.
double time_once(const std::function<void()>& work) {
  double started = thread_cpu_seconds();
  work();
  return thread_cpu_seconds() - started;
}

double median(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

std::string format_seconds(double seconds) {
  char text[32];
  if (seconds >= 1)
    std::snprintf(text, sizeof text, "%.2f s", seconds);
  else if (seconds >= 1e-3)
    std::snprintf(text, sizeof text, "%.1f ms", seconds * 1e3);
  else
    std::snprintf(text, sizeof text, "%.1f us", seconds * 1e6);
  return text;
}

// One row of the comparison: best native and engine CPU time, gas, check.
// Its ratio is printed only once both builds' results are equal.
struct Comparison {
  std::string workload;
  double native_seconds = 1e30;
  double engine_seconds = 1e30;
  uint64_t gas_used = 0;
  std::string native_result;
  std::string engine_result;
  std::string aim;
};

// Long results (digests, return data) are shown by their first 16 digits;
// the comparison is over the whole text.
std::string shortened(const std::string& result) { return result.size() <= 16 ? result : result.substr(0, 16) + "..."; }

// The ratios printed so far, for the summary line.
std::vector<double> printed_ratios;

bool print_comparison(const Comparison& row) {
  const bool equal = row.native_result == row.engine_result && !row.engine_result.empty();
  if (!equal) {
    std::printf("%-34s MISMATCH: native result %s, engine result %s (no ratio)\n", row.workload.c_str(),
                row.native_result.c_str(), row.engine_result.c_str());
    std::fflush(stdout);
    return false;
  }
  const double ratio = row.engine_seconds / row.native_seconds;
  printed_ratios.push_back(ratio);
  std::printf("%-34s %10s %10s %7.1fx %8s %14llu   equal: %s\n", row.workload.c_str(),
              format_seconds(row.native_seconds).c_str(), format_seconds(row.engine_seconds).c_str(), ratio,
              row.aim.c_str(), static_cast<unsigned long long>(row.gas_used), shortened(row.engine_result).c_str());
  std::fflush(stdout);
  return true;
}

// The geometric mean and the largest of the ratios, beside the aims.
void print_ratio_summary() {
  if (printed_ratios.empty()) return;
  double log_sum = 0;
  for (double ratio : printed_ratios) log_sum += std::log(ratio);
  const double geometric_mean = std::exp(log_sum / static_cast<double>(printed_ratios.size()));
  const double largest = *std::max_element(printed_ratios.begin(), printed_ratios.end());
  std::printf("geometric mean of the %zu ratios %.1fx (aim: at most %.0fx), largest %.1fx (aim: at most %.0fx): %s\n",
              printed_ratios.size(), geometric_mean, ratio_geometric_mean_aim, largest, ratio_aim,
              geometric_mean <= ratio_geometric_mean_aim && largest <= ratio_aim ? "met" : "NOT met");
}

// The compute module in one Store, as a contract call would run it.
class ComputeEngine {
 public:
  static Result<ComputeEngine> open(const Bytes& code) {
    auto module = runtime::load_module(code, execution::WasmContractHost::contract_limits());
    if (!module.ok()) return module.status();
    ComputeEngine engine;
    engine.store_ = std::make_unique<runtime::Store>(execution::WasmContractHost::contract_limits());
    engine.store_->set_consensus_mode(true);
    auto instance = engine.store_->instantiate(*module, runtime::Linker());
    if (!instance.ok()) return instance.status();
    engine.instance_ = *instance;
    return engine;
  }

  // Runs `function` under a gas budget; the seconds and gas of the run.
  Result<std::vector<runtime::Value>> run(const char* function, std::vector<runtime::Value> arguments,
                                          double& seconds) {
    store_->set_gas_limit(gas_budget);
    Result<std::vector<runtime::Value>> results = error(Code::internal, "not run");
    seconds = time_once([&] { results = instance_->invoke(function, arguments); });
    gas_used_ = store_->gas_used();
    return results;
  }
  uint64_t gas_used() const { return gas_used_; }
  Result<Bytes> memory(uint32_t address, uint32_t length) const { return instance_->read_memory(address, length); }

 private:
  std::unique_ptr<runtime::Store> store_;
  runtime::Instance* instance_ = nullptr;
  uint64_t gas_used_ = 0;
};

// Runs native and engine `repetitions` times, interleaved; keeps the best.
Status compare(Comparison& row, const std::function<std::string()>& native,
               const std::function<Result<std::string>(double&)>& engine) {
  for (int i = 0; i < repetitions; ++i) {
    row.native_seconds = std::min(row.native_seconds, time_once([&] { row.native_result = native(); }));
    double seconds = 0;
    auto result = engine(seconds);
    if (!result.ok()) return result.status().with_context(row.workload);
    row.engine_result = *result;
    row.engine_seconds = std::min(row.engine_seconds, seconds);
  }
  return Status();
}

using Measured = std::vector<bench::MeasuredWorkload>;

// Keeps a compute row's engine time and gas for the gas schedule check.
void keep(const Comparison& row, Measured& measured) {
  measured.push_back({row.workload, row.engine_seconds, row.gas_used});
}

Result<bool> bench_fib_row(ComputeEngine& engine, Measured& measured) {
  Comparison row{.workload = "fib(" + std::to_string(fib_argument) + "), recursive", .aim = "<= 15x"};
  GOVCHAIN_TRY(compare(
      row, [] { return std::to_string(bench_fib(fib_argument)); },
      [&](double& seconds) -> Result<std::string> {
        GOVCHAIN_ASSIGN_OR_RETURN(auto results, engine.run("bench_fib", {runtime::Value::i32(fib_argument)}, seconds));
        return std::to_string(static_cast<uint32_t>(results.at(0).as_i32()));
      }));
  row.gas_used = engine.gas_used();
  keep(row, measured);
  return print_comparison(row);
}

// The same chain of digests computed with govchain's own SHA-256, so that a
// wrong workload cannot pass as a fast one.
std::string reference_sha256_chain() {
  Bytes buffer(sha256_buffer_size_bytes);
  for (uint32_t i = 0; i < sha256_buffer_size_bytes; ++i) buffer[i] = static_cast<uint8_t>(i * 31 + 7);
  Hash digest;
  for (uint32_t round = 0; round < sha256_rounds; ++round) {
    digest = crypto::sha256(ByteView(buffer));
    std::copy(digest.view().begin(), digest.view().end(), buffer.begin());
  }
  return digest.hex();
}

Result<bool> bench_sha256_row(ComputeEngine& engine, Measured& measured) {
  Comparison row{.workload = "SHA-256, " + std::to_string(sha256_rounds) + " x " +
                             std::to_string(sha256_buffer_size_bytes / 1024) + " KiB",
                 .aim = "<= 15x"};
  GOVCHAIN_TRY(compare(
      row,
      [] {
        const uint8_t* digest = bench_sha256(sha256_buffer_size_bytes, sha256_rounds);
        return digest == nullptr ? std::string("none") : to_hex(ByteView(digest, 32));
      },
      [&](double& seconds) -> Result<std::string> {
        std::vector<runtime::Value> arguments = {runtime::Value::i32(sha256_buffer_size_bytes),
                                                 runtime::Value::i32(sha256_rounds)};
        GOVCHAIN_ASSIGN_OR_RETURN(auto results, engine.run("bench_sha256", arguments, seconds));
        uint32_t address = static_cast<uint32_t>(results.at(0).as_i32());
        if (address == 0) return std::string("none");
        GOVCHAIN_ASSIGN_OR_RETURN(Bytes digest, engine.memory(address, 32));
        return to_hex(digest);
      }));
  row.gas_used = engine.gas_used();
  keep(row, measured);
  if (row.native_result != reference_sha256_chain()) {
    std::printf("SHA-256 workload: native digest %s is not crypto::sha256's %s\n", row.native_result.c_str(),
                reference_sha256_chain().c_str());
    return false;
  }
  return print_comparison(row);
}

// The bits of the final energy, as hex: both builds must agree exactly.
std::string double_bits(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  char text[24];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(bits));
  return text;
}

Result<bool> bench_nbody_row(ComputeEngine& engine, Measured& measured) {
  Comparison row{.workload = "n-body, 5 bodies x " + std::to_string(nbody_steps) + " steps", .aim = "<= 15x"};
  GOVCHAIN_TRY(compare(
      row, [] { return double_bits(bench_nbody(nbody_steps)); },
      [&](double& seconds) -> Result<std::string> {
        GOVCHAIN_ASSIGN_OR_RETURN(auto results, engine.run("bench_nbody", {runtime::Value::i32(nbody_steps)}, seconds));
        return double_bits(results.at(0).as_f64());
      }));
  row.gas_used = engine.gas_used();
  keep(row, measured);
  return print_comparison(row);
}

Result<bool> bench_radix_sort_row(ComputeEngine& engine, Measured& measured) {
  Comparison row{.workload = "radix sort of " + std::to_string(radix_sort_keys) + " u32", .aim = "<= 15x"};
  GOVCHAIN_TRY(compare(
      row, [] { return std::to_string(bench_radix_sort(radix_sort_keys, radix_sort_seed)); },
      [&](double& seconds) -> Result<std::string> {
        std::vector<runtime::Value> arguments = {runtime::Value::i32(static_cast<int32_t>(radix_sort_keys)),
                                                 runtime::Value::i32(static_cast<int32_t>(radix_sort_seed))};
        GOVCHAIN_ASSIGN_OR_RETURN(auto results, engine.run("bench_radix_sort", arguments, seconds));
        return std::to_string(static_cast<uint32_t>(results.at(0).as_i32()));
      }));
  row.gas_used = engine.gas_used();
  keep(row, measured);
  return print_comparison(row);
}

Result<bool> bench_sort_row(ComputeEngine& engine, Measured& measured) {
  Comparison row{.workload = "heap sort of " + std::to_string(sort_elements) + " u32", .aim = "<= 15x"};
  GOVCHAIN_TRY(compare(
      row, [] { return std::to_string(bench_sort(sort_elements, sort_seed)); },
      [&](double& seconds) -> Result<std::string> {
        std::vector<runtime::Value> arguments = {runtime::Value::i32(sort_elements), runtime::Value::i32(sort_seed)};
        GOVCHAIN_ASSIGN_OR_RETURN(auto results, engine.run("bench_sort", arguments, seconds));
        return std::to_string(static_cast<uint32_t>(results.at(0).as_i32()));
      }));
  row.gas_used = engine.gas_used();
  keep(row, measured);
  return print_comparison(row);
}

}  // namespace

// The native build's host: the storage workload's imports over a std::map,
// doing what WasmContractHost does minus gas and the state tree's overlay.
namespace native_host {
std::map<Bytes, Bytes> storage;
Bytes input;
Bytes output;
}  // namespace native_host

extern "C" {
int32_t govchain_host_input_size(void) { return static_cast<int32_t>(native_host::input.size()); }
void govchain_host_input_read(uint8_t* destination) {
  std::memcpy(destination, native_host::input.data(), native_host::input.size());
}
void govchain_host_return_data(const uint8_t* data, int32_t length) { native_host::output.assign(data, data + length); }
int32_t govchain_host_storage_get(const uint8_t* key, int32_t key_length, uint8_t* destination, int32_t capacity) {
  auto found = native_host::storage.find(Bytes(key, key + key_length));
  if (found == native_host::storage.end()) return -1;
  std::memcpy(destination, found->second.data(), std::min<size_t>(found->second.size(), capacity));
  return static_cast<int32_t>(found->second.size());
}
void govchain_host_storage_set(const uint8_t* key, int32_t key_length, const uint8_t* value, int32_t value_length) {
  native_host::storage[Bytes(key, key + key_length)] = Bytes(value, value + value_length);
}
}

namespace {

Bytes storage_input(uint32_t accounts, uint32_t round) {
  Bytes input(8);
  for (int i = 0; i < 4; ++i) {
    input[i] = static_cast<uint8_t>(accounts >> (8 * i));
    input[4 + i] = static_cast<uint8_t>(round >> (8 * i));
  }
  return input;
}

// Two calls over fresh state: the first inserts every balance, the second
// reads and overwrites them. The result is both calls' return data.
std::string native_storage_calls() {
  native_host::storage.clear();
  std::string result;
  for (uint32_t round = 1; round <= 2; ++round) {
    native_host::input = storage_input(storage_accounts, round);
    native_host::output.clear();
    bench_storage_run();
    result += to_hex(native_host::output);
  }
  return result;
}

const execution::BlockContext bench_context{"govchain-bench", 1, 1'767'225'600'000, PublicKey()};

Result<std::string> engine_storage_calls(const execution::WasmContractHost& host, const Bytes& code, double& seconds,
                                         uint64_t& gas_used) {
  execution::EmptyState empty;
  execution::Overlay state(empty);
  GOVCHAIN_TRY(host.deploy(state, {"bench_storage", "bench", code, ""}, bench_context));
  std::string result;
  chain::Receipt receipt;
  Status outcome;
  seconds = time_once([&] {
    for (uint32_t round = 1; round <= 2 && outcome.ok(); ++round) {
      receipt.return_data.clear();
      chain::ContractCall call{"bench_storage", "run", storage_input(storage_accounts, round)};
      outcome = host.call(state, call, PublicKey(), bench_context, gas_budget, receipt);
      result += to_hex(receipt.return_data);
    }
  });
  if (!outcome.ok()) return outcome;
  gas_used = receipt.gas_used;
  return result;
}

Result<bool> bench_storage_row(const Bytes& code) {
  execution::WasmContractHost host;
  Comparison row{.workload = "storage: 2 calls x " + std::to_string(storage_accounts) + " get+set", .aim = "<= 15x"};
  GOVCHAIN_TRY(compare(row, native_storage_calls,
                       [&](double& seconds) { return engine_storage_calls(host, code, seconds, row.gas_used); }));
  return print_comparison(row);
}

// Every function import of `module` answered by a host function that does
// nothing: instantiation time does not depend on what the imports do, and the
// loading bench never calls them.
runtime::Linker no_op_linker(const runtime::Module& module) {
  runtime::Linker linker;
  for (const auto& import : module.imports)
    if (import.kind == runtime::ExternalKind::function)
      linker.define_function(
          import.module_name, import.field_name, module.types.at(import.type_index), 0,
          [](runtime::HostContext&, std::span<const runtime::Value>, std::span<runtime::Value>) { return Status(); });
  return linker;
}

// Median load and instantiation time of one built contract.
Status bench_contract_loading(const std::string& path, const std::string& name) {
  GOVCHAIN_ASSIGN_OR_RETURN(Bytes code, read_file(path));
  runtime::Limits limits = execution::WasmContractHost::contract_limits();
  std::vector<double> load_samples, instantiate_samples;
  std::shared_ptr<const runtime::Module> module;
  for (int i = 0; i < load_repetitions; ++i) {
    Status loaded;
    load_samples.push_back(time_once([&] {
      auto result = runtime::load_module(code, limits);
      if (result.ok())
        module = *result;
      else
        loaded = result.status();
    }));
    GOVCHAIN_TRY(loaded.with_context(name));
  }
  runtime::Linker linker = no_op_linker(*module);
  for (int i = 0; i < instantiation_repetitions; ++i) {
    Status instantiated;
    instantiate_samples.push_back(time_once([&] {
      runtime::Store store(limits);
      auto instance = store.instantiate(module, linker);
      if (!instance.ok()) instantiated = instance.status();
    }));
    GOVCHAIN_TRY(instantiated.with_context(name));
  }
  std::printf("%-14s %8zu bytes   load %10s   instantiate %10s   (aim: instantiate < 1 ms)\n", name.c_str(),
              code.size(), format_seconds(median(load_samples)).c_str(),
              format_seconds(median(instantiate_samples)).c_str());
  return Status();
}

// A whole query through the node's host: module from its cache, Linker with
// every host function, fresh Store, instantiation, the call.
Status bench_typical_query(const std::string& contracts_dir) {
  GOVCHAIN_ASSIGN_OR_RETURN(Bytes code, read_file(contracts_dir + "/parking.wasm"));
  // The module carries its ABI, so the node deploys it only with that ABI.
  GOVCHAIN_ASSIGN_OR_RETURN(Bytes abi, read_file(contracts_dir + "/parking.abi.json"));
  execution::WasmContractHost host;
  execution::EmptyState empty;
  execution::Overlay state(empty);
  GOVCHAIN_TRY(host.deploy(state, {"parking", "bench", code, to_string(abi)}, bench_context));
  chain::ContractCall call{"parking", "verify", Bytes(72, 0)};
  std::vector<double> samples;
  Status outcome;
  chain::Receipt receipt;
  for (int i = 0; i < instantiation_repetitions && outcome.ok(); ++i) {
    receipt = chain::Receipt();
    samples.push_back(
        time_once([&] { outcome = host.call(state, call, PublicKey(), bench_context, 1'000'000, receipt); }));
  }
  GOVCHAIN_TRY(outcome.with_context("parking.verify"));
  std::printf("parking.verify through WasmContractHost (host setup, instantiation, call): %s median, %llu gas\n",
              format_seconds(median(samples)).c_str(), static_cast<unsigned long long>(receipt.gas_used));
  return Status();
}

Result<bool> run_comparisons(const std::string& wasm_dir, Measured& measured) {
  GOVCHAIN_ASSIGN_OR_RETURN(Bytes compute_code, read_file(wasm_dir + "/compute.wasm"));
  GOVCHAIN_ASSIGN_OR_RETURN(Bytes float_code, read_file(wasm_dir + "/float.wasm"));
  GOVCHAIN_ASSIGN_OR_RETURN(Bytes memory_code, read_file(wasm_dir + "/memory.wasm"));
  GOVCHAIN_ASSIGN_OR_RETURN(Bytes storage_code, read_file(wasm_dir + "/storage.wasm"));
  GOVCHAIN_ASSIGN_OR_RETURN(ComputeEngine compute_engine, ComputeEngine::open(compute_code));
  GOVCHAIN_ASSIGN_OR_RETURN(ComputeEngine float_engine, ComputeEngine::open(float_code));
  GOVCHAIN_ASSIGN_OR_RETURN(ComputeEngine memory_engine, ComputeEngine::open(memory_code));
  std::printf("%-34s %10s %10s %8s %8s %14s   %s\n", "workload (CPU time, best of 5)", "native", "engine", "ratio",
              "aim", "gas used", "results");
  bool all_equal = true;
  for (auto* row : {&bench_fib_row, &bench_sha256_row, &bench_sort_row}) {
    GOVCHAIN_ASSIGN_OR_RETURN(bool equal, row(compute_engine, measured));
    all_equal = all_equal && equal;
  }
  GOVCHAIN_ASSIGN_OR_RETURN(bool float_equal, bench_nbody_row(float_engine, measured));
  GOVCHAIN_ASSIGN_OR_RETURN(bool memory_equal, bench_radix_sort_row(memory_engine, measured));
  GOVCHAIN_ASSIGN_OR_RETURN(bool storage_equal, bench_storage_row(storage_code));
  print_ratio_summary();
  return all_equal && float_equal && memory_equal && storage_equal;
}

std::string option_value(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name) return argv[i + 1];
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  std::string wasm_dir = option_value(argc, argv, "--wasm-dir", GOVCHAIN_BENCH_WASM_DIR);
  std::string contracts_dir = option_value(argc, argv, "--contracts-dir", GOVCHAIN_CONTRACTS_DIR);
  std::printf("load average at start: %.2f (the machine may be shared; compare ratios, not times)\n", load_average());
  std::printf(
      "engine: gas metering and consensus mode on; storage through execution::WasmContractHost on an "
      "in-memory overlay, native storage through a std::map host\n\n");
  Measured measured;
  auto equal = run_comparisons(wasm_dir, measured);
  if (!equal.ok()) {
    std::fprintf(stderr, "runtime_bench: %s\n", equal.status().to_string().c_str());
    return 1;
  }
  std::printf(
      "\nContracts: load (decode + validate + prepare, once per code hash in the node; median of %d) and\n"
      "instantiation (fresh Store, as every call does; median of %d), CPU time:\n",
      load_repetitions, instantiation_repetitions);
  for (const char* name : {"identity", "landlord", "dogpermit", "streetmusic", "archive", "parking"}) {
    Status measured = bench_contract_loading(contracts_dir + "/" + name + ".wasm", name);
    if (!measured.ok()) {
      std::fprintf(stderr, "runtime_bench: %s\n", measured.to_string().c_str());
      return 1;
    }
  }
  Status query = bench_typical_query(contracts_dir);
  if (!query.ok()) {
    std::fprintf(stderr, "runtime_bench: %s\n", query.to_string().c_str());
    return 1;
  }
  std::printf("\nGas schedule check: CPU time per gas unit of each class of work, under the contract limits\n");
  Status checked = bench::print_gas_schedule_check(contracts_dir, wasm_dir + "/host.wasm", measured);
  if (!checked.ok()) {
    std::fprintf(stderr, "runtime_bench: gas schedule check: %s\n", checked.to_string().c_str());
    return 1;
  }
  std::printf("load average at end: %.2f\n", load_average());
  if (!*equal) {
    std::fprintf(stderr, "runtime_bench: native and engine results differ; the figures above are not valid\n");
    return 1;
  }
  return 0;
}
