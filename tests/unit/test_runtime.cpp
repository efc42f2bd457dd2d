// Unit tests of the WebAssembly runtime: one test per trap kind, gas and
// limits, the host-function interface and the embedder API. Modules are
// assembled by hand with the small builder below, so the tests need no tools.
#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "execution/executor.h"
#include "execution/overlay.h"
#include "execution/state_keys.h"
#include "execution/wasm_host.h"
#include "runtime/operations.h"
#include "runtime/runtime.h"
#include "runtime/testing/wasm_writer.h"

using namespace govchain;
using namespace govchain::runtime;

namespace {

// Binary-format helpers (LEB128 from runtime/testing/wasm_writer.h).
using testing::put_signed;
using testing::put_unsigned;

void put_name(Bytes& out, const std::string& name) {
  put_unsigned(out, static_cast<uint32_t>(name.size()));
  out.insert(out.end(), name.begin(), name.end());
}

// Instruction bytes.
Bytes i32_const(int32_t value) {
  Bytes out{0x41};
  put_signed(out, value);
  return out;
}

Bytes operator+(Bytes left, const Bytes& right) {
  left.insert(left.end(), right.begin(), right.end());
  return left;
}

constexpr uint8_t i32 = 0x7F, i64 = 0x7E, f32 = 0x7D;

struct FunctionSpec {
  uint32_t type_index;
  std::vector<std::pair<uint32_t, uint8_t>> locals;
  Bytes body;  // without the final end
};

// Assembles a module with one of each section at most.
struct ModuleBuilder {
  std::vector<std::pair<Bytes, Bytes>> types;
  std::vector<std::tuple<std::string, std::string, uint32_t>> function_imports;
  std::vector<FunctionSpec> functions;
  std::optional<std::pair<uint32_t, std::optional<uint32_t>>> memory;
  std::optional<uint32_t> table_size;
  std::vector<uint32_t> table_functions;  // placed at offset 0
  std::vector<std::tuple<std::string, uint8_t, uint32_t>> exports;
  std::vector<std::pair<uint32_t, uint8_t>> globals;  // (initial value, type i32) mutable

  uint32_t type(Bytes params, Bytes results) {
    types.emplace_back(std::move(params), std::move(results));
    return static_cast<uint32_t>(types.size() - 1);
  }
  uint32_t function(uint32_t type_index, Bytes body, std::vector<std::pair<uint32_t, uint8_t>> locals = {}) {
    functions.push_back({type_index, std::move(locals), std::move(body)});
    return static_cast<uint32_t>(function_imports.size() + functions.size() - 1);
  }
  void export_function(const std::string& name, uint32_t index) { exports.emplace_back(name, 0, index); }

  static void section(Bytes& out, uint8_t id, const Bytes& content) {
    out.push_back(id);
    put_unsigned(out, static_cast<uint32_t>(content.size()));
    out.insert(out.end(), content.begin(), content.end());
  }

  Bytes build() const {
    Bytes out{0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
    Bytes content;
    put_unsigned(content, static_cast<uint32_t>(types.size()));
    for (const auto& [params, results] : types) {
      content.push_back(0x60);
      put_unsigned(content, static_cast<uint32_t>(params.size()));
      content.insert(content.end(), params.begin(), params.end());
      put_unsigned(content, static_cast<uint32_t>(results.size()));
      content.insert(content.end(), results.begin(), results.end());
    }
    section(out, 1, content);
    if (!function_imports.empty()) {
      content.clear();
      put_unsigned(content, static_cast<uint32_t>(function_imports.size()));
      for (const auto& [module_name, field, type_index] : function_imports) {
        put_name(content, module_name);
        put_name(content, field);
        content.push_back(0x00);
        put_unsigned(content, type_index);
      }
      section(out, 2, content);
    }
    content.clear();
    put_unsigned(content, static_cast<uint32_t>(functions.size()));
    for (const auto& function : functions) put_unsigned(content, function.type_index);
    section(out, 3, content);
    if (table_size) {
      content = {0x01, 0x70, 0x00};
      put_unsigned(content, *table_size);
      section(out, 4, content);
    }
    if (memory) {
      content = {0x01, static_cast<uint8_t>(memory->second ? 1 : 0)};
      put_unsigned(content, memory->first);
      if (memory->second) put_unsigned(content, *memory->second);
      section(out, 5, content);
    }
    if (!globals.empty()) {
      content.clear();
      put_unsigned(content, static_cast<uint32_t>(globals.size()));
      for (const auto& [value, type] : globals) {
        content.push_back(type);
        content.push_back(0x01);
        content = content + i32_const(static_cast<int32_t>(value)) + Bytes{0x0B};
      }
      section(out, 6, content);
    }
    content.clear();
    put_unsigned(content, static_cast<uint32_t>(exports.size()));
    for (const auto& [name, kind, index] : exports) {
      put_name(content, name);
      content.push_back(kind);
      put_unsigned(content, index);
    }
    section(out, 7, content);
    if (!table_functions.empty()) {
      content = Bytes{0x01, 0x00} + i32_const(0) + Bytes{0x0B};
      put_unsigned(content, static_cast<uint32_t>(table_functions.size()));
      for (uint32_t index : table_functions) put_unsigned(content, index);
      section(out, 9, content);
    }
    content.clear();
    put_unsigned(content, static_cast<uint32_t>(functions.size()));
    for (const auto& function : functions) {
      Bytes body;
      put_unsigned(body, static_cast<uint32_t>(function.locals.size()));
      for (const auto& [count, type] : function.locals) {
        put_unsigned(body, count);
        body.push_back(type);
      }
      body = body + function.body + Bytes{0x0B};
      put_unsigned(content, static_cast<uint32_t>(body.size()));
      content = content + body;
    }
    section(out, 10, content);
    return out;
  }
};

struct Loaded {
  std::unique_ptr<Store> store;
  Instance* instance = nullptr;
};

Loaded instantiate(const Bytes& bytes, const Limits& limits = {}, const Linker& linker = {}) {
  auto module = load_module(bytes, limits);
  REQUIRE_MESSAGE(module.ok(), module.status().to_string());
  Loaded loaded{std::make_unique<Store>(limits)};
  auto instance = loaded.store->instantiate(*module, linker);
  REQUIRE_MESSAGE(instance.ok(), instance.status().to_string());
  loaded.instance = *instance;
  return loaded;
}

// A module exporting `run` of type [] -> [i32] with the given body.
Bytes single_function(const Bytes& body, bool with_memory = false) {
  ModuleBuilder builder;
  const uint32_t type = builder.type({}, {i32});
  builder.export_function("run", builder.function(type, body));
  if (with_memory) builder.memory = std::make_pair(1u, std::optional<uint32_t>(4u));
  return builder.build();
}

Status run_expecting_failure(const Bytes& bytes, const Limits& limits = {}, uint64_t gas = UINT64_MAX) {
  Loaded loaded = instantiate(bytes, limits);
  loaded.store->set_gas_limit(gas);
  auto results = loaded.instance->invoke("run", {});
  REQUIRE(!results.ok());
  return results.status();
}

void check_trap(const Status& status, const std::string& cause) {
  CHECK(status.code() == Code::trap);
  CHECK_MESSAGE(status.message().find(cause) != std::string::npos, status.message());
  CHECK(status.message().starts_with("trap: "));
}

}  // namespace

TEST_CASE("runs a function and returns its result") {
  Loaded loaded = instantiate(single_function(i32_const(40) + i32_const(2) + Bytes{0x6A}));
  auto results = loaded.instance->invoke("run", {});
  REQUIRE(results.ok());
  CHECK(results->at(0) == Value::i32(42));
}

// The prepared form's constant pool (docs/runtime.md, "Prepared form"):
// a wide constant read inside a loop lives in a slot of the caller's frame
// that no callee, however many locals it zeroes, may overwrite.
TEST_CASE("prepared code: pooled constants survive calls") {
  constexpr int64_t wide = 0x123456789A;  // no 32-bit immediate holds it
  ModuleBuilder builder;
  const uint32_t run_type = builder.type({}, {i64});
  const uint32_t callee_type = builder.type({i64}, {i64});
  Bytes wide_constant{0x42};
  put_signed(wide_constant, wide);
  const Bytes loop_body = Bytes{0x20, 0x01} + wide_constant + Bytes{0x7C, 0x21, 0x01} +  // sum += wide
                          Bytes{0x20, 0x01, 0x10, 0x01, 0x21, 0x01} +                    // sum = callee(sum)
                          Bytes{0x20, 0x00} + i32_const(1) + Bytes{0x6A, 0x22, 0x00} +   // counter += 1
                          i32_const(3) + Bytes{0x49, 0x0D, 0x00};                        // br_if counter < 3
  const uint32_t run =
      builder.function(run_type, Bytes{0x03, 0x40} + loop_body + Bytes{0x0B, 0x20, 0x01}, {{1, i32}, {1, i64}});
  // The callee zeroes 40 locals: its frame reaches far above its argument.
  builder.function(callee_type, Bytes{0x20, 0x00, 0x42, 0x01, 0x7C}, {{40, i64}});
  builder.export_function("run", run);
  Loaded loaded = instantiate(builder.build());
  auto results = loaded.instance->invoke("run", {});
  REQUIRE_MESSAGE(results.ok(), results.status().to_string());
  CHECK(results->at(0) == Value::i64(3 * wide + 3));
}

// The float accumulator (docs/runtime.md, "Prepared form") holds only what
// f64 arithmetic, sqrt and loads left there: an f64 operation after
// f64.neg or f64.reinterpret_i64 must read their result, not an older one.
TEST_CASE("prepared code: f64 operations read the float accumulator only when it is current") {
  ModuleBuilder builder;
  const uint32_t type = builder.type({}, {0x7C});
  Bytes two{0x44}, one_and_half{0x44};
  for (int shift = 0; shift < 64; shift += 8) {
    two.push_back(static_cast<uint8_t>(std::bit_cast<uint64_t>(2.0) >> shift));
    one_and_half.push_back(static_cast<uint8_t>(std::bit_cast<uint64_t>(1.5) >> shift));
  }
  Bytes quarter_bits{0x42};
  put_signed(quarter_bits, static_cast<int64_t>(std::bit_cast<uint64_t>(0.25)));
  const Bytes body = two + Bytes{0x9F, 0x9A} + one_and_half + Bytes{0xA0} +  // 1.5 + -sqrt(2)
                     quarter_bits + Bytes{0xBF, 0xA2};                       // * reinterpret(0.25 bits)
  builder.export_function("run", builder.function(type, body));
  Loaded loaded = instantiate(builder.build());
  loaded.store->set_consensus_mode(true);
  auto results = loaded.instance->invoke("run", {});
  REQUIRE_MESSAGE(results.ok(), results.status().to_string());
  const double expected = (-std::sqrt(2.0) + 1.5) * 0.25;
  CHECK(results->at(0).bits == std::bit_cast<uint64_t>(expected));
}

// local.tee leaves the value it sets in the accumulator, and a local.get of
// the same local right after reads it from there (docs/runtime.md,
// "Prepared form"); a local.set of that local while the tee's operand is
// still on the stack must not change what the operand holds.
TEST_CASE("prepared code: operands of local.tee are read from the accumulator only while it holds them") {
  ModuleBuilder builder;
  const uint32_t type = builder.type({i32, 0x7C}, {i32, 0x7C});
  const Bytes i32_body = Bytes{0x20, 0x00} + i32_const(5) + Bytes{0x6A, 0x22, 0x02} +  // t = (p + 5), tee local 2
                         Bytes{0x20, 0x02, 0x6C} +                                     // t * local 2
                         Bytes{0x22, 0x02} + i32_const(100) + Bytes{0x21, 0x02} +      // tee local 2; local 2 = 100
                         Bytes{0x20, 0x02, 0x6A};                                      // + local 2
  const Bytes f64_body = Bytes{0x20, 0x01, 0x20, 0x01, 0xA0, 0x22, 0x03} +             // u = q + q, tee local 3
                         Bytes{0x20, 0x03, 0x9F} +                                     // sqrt(local 3)
                         Bytes{0x20, 0x03, 0x9A, 0x21, 0x03} +                         // local 3 = -local 3
                         Bytes{0xA0, 0x20, 0x03, 0xA2};                                // (u + sqrt) * local 3
  builder.export_function("run", builder.function(type, i32_body + f64_body, {{1, i32}, {1, 0x7C}}));
  Loaded loaded = instantiate(builder.build());
  loaded.store->set_consensus_mode(true);
  const Value arguments[] = {Value::i32(7), Value::f64(4.5)};
  auto results = loaded.instance->invoke("run", arguments);
  REQUIRE_MESSAGE(results.ok(), results.status().to_string());
  CHECK(results->at(0) == Value::i32(12 * 12 + 100));
  const double u = 4.5 + 4.5;
  CHECK(results->at(1).bits == std::bit_cast<uint64_t>((u + std::sqrt(u)) * -u));
}

// Copies in a row are joined into one copy_pair instruction (docs/runtime.md,
// "Prepared form"), which must keep their order: here the third copy reads
// the local the first one wrote, and a loop repeats the rotation.
TEST_CASE("prepared code: joined copies keep their order") {
  ModuleBuilder builder;
  const uint32_t type = builder.type({i32, i32, i32}, {i32});
  const Bytes rotate = Bytes{0x20, 0x01, 0x21, 0x00, 0x20, 0x02, 0x21, 0x01, 0x20, 0x00, 0x21, 0x02};
  const Bytes count_down = Bytes{0x20, 0x03} + i32_const(1) + Bytes{0x6B, 0x22, 0x03, 0x0D, 0x00};
  const Bytes body = i32_const(3) + Bytes{0x21, 0x03, 0x03, 0x40} + rotate + count_down + Bytes{0x0B} +
                     Bytes{0x20, 0x00} + i32_const(100) + Bytes{0x6C, 0x20, 0x01, 0x6A} + i32_const(100) +
                     Bytes{0x6C, 0x20, 0x02, 0x6A};  // result: local0 * 10000 + local1 * 100 + local2
  const Bytes bytes = [&] {
    builder.export_function("run", builder.function(type, body, {{1, i32}}));
    return builder.build();
  }();
  auto module = load_module(bytes, Limits{});
  REQUIRE_MESSAGE(module.ok(), module.status().to_string());
  bool joined = false;
  for (const Instruction& instruction : (*module)->bodies[0].prepared.instructions)
    joined |= std::string(operation_name(instruction.operation)) == "copy_pair";
  CHECK(joined);
  Loaded loaded = instantiate(bytes);
  const Value arguments[] = {Value::i32(1), Value::i32(2), Value::i32(3)};
  auto results = loaded.instance->invoke("run", arguments);
  REQUIRE_MESSAGE(results.ok(), results.status().to_string());
  // Each round (a, b, c) -> (b, c, b): (1, 2, 3) -> (2, 3, 2) -> (3, 2, 3) -> (2, 3, 2).
  CHECK(results->at(0) == Value::i32(2 * 10000 + 3 * 100 + 2));
}

// The joined forms keep a slot number in the 16-bit aux field; a slot above
// 65,535 must leave the instructions apart rather than lose its high bits.
TEST_CASE("prepared code: slots above the aux field's range are not joined") {
  Limits limits;
  limits.locals_per_function_max = 70'000;
  ModuleBuilder builder;
  const uint32_t type = builder.type({0x7C, 0x7C}, {0x7C});
  auto local = [](uint32_t index, uint8_t opcode) {
    Bytes out{opcode};
    put_unsigned(out, index);
    return out;
  };
  const uint32_t high = 69'000, higher = 69'001;  // f64 locals far above 65,535
  const Bytes body = local(0, 0x20) + local(high, 0x21) + local(1, 0x20) +
                     local(higher, 0x21) +  // high = p, higher = q
                     local(0, 0x20) + local(1, 0x20) + Bytes{0xA2} + local(high, 0x20) + Bytes{0xA0} +  // p * q + high
                     local(higher, 0x20) + local(2, 0x21) + local(high, 0x20) + local(3, 0x21) +        // two copies
                     local(2, 0x20) + Bytes{0xA0} + local(3, 0x20) + Bytes{0xA1};  // + local 2 - local 3
  builder.export_function("run", builder.function(type, body, {{69'998, 0x7C}}));
  const Bytes bytes = builder.build();
  auto module = load_module(bytes, limits);
  REQUIRE_MESSAGE(module.ok(), module.status().to_string());
  for (const Instruction& instruction : (*module)->bodies[0].prepared.instructions) {
    const std::string name = operation_name(instruction.operation);
    CHECK(name != "f64_add_ps");
    // Only the first two copies join: their sources are parameters 0 and 1
    // (a destination has 32 bits); the last two read locals above 65,535.
    if (name == "copy_pair") CHECK((instruction.x == 0 && instruction.aux == 1 && instruction.y == higher));
  }
  Loaded loaded = instantiate(bytes, limits);
  const Value arguments[] = {Value::f64(3.0), Value::f64(0.25)};
  auto results = loaded.instance->invoke("run", arguments);
  REQUIRE_MESSAGE(results.ok(), results.status().to_string());
  CHECK(results->at(0).as_f64() == 3.0 * 0.25 + 3.0 + 0.25 - 3.0);
}

// The f64 forms fused with a load or a store (docs/runtime.md, "Prepared
// form") must be invisible: each pattern below runs once as written, where
// prepare fuses it, and once with an empty block between the instructions,
// which makes a block head there and so keeps them apart. Both runs must
// return the same bits, leave the same memory and meet the same trap, in
// consensus mode; out of it, where the spec lets an operation on two NaNs
// return either one's payload (and the compiler picks the order of the
// operands), both must return a NaN. Gas: a run that completes uses the
// same gas both ways; a trapping fused run has paid for its one block,
// exactly what the same run pays when it completes.
namespace {

constexpr uint8_t f64_type = 0x7C;
const Bytes barrier{0x02, 0x40, 0x0B};  // block end: a block head, nothing run

Bytes memory_argument(uint8_t opcode, uint32_t offset) {
  Bytes out{opcode, 0x03};
  put_unsigned(out, offset);
  return out;
}

// (address a: i32, v: f64, w: f64) -> f64, with `op` the f64 arithmetic
// opcode. Pattern 0: memory[a + 8] = v op memory[a] (_sm_store); 1:
// returns v op memory[a - 8], the address an i32.add (_sm from _sd); 2:
// memory[a + 16] = v op sqrt(w) (_sa_store); 3: memory[a + 24] = sqrt(v)
// op w (_as_store), all returning what they stored; 4: returns (v * w) op
// v (_ps); 5: returns w op (v * w) (_sp).
Bytes fused_pattern(int pattern, uint8_t op, bool split) {
  const Bytes between = split ? barrier : Bytes{};
  const Bytes get_a{0x20, 0x00}, get_v{0x20, 0x01}, get_w{0x20, 0x02}, sqrt{0x9F};
  auto store_and_reload = [&](uint32_t offset) {
    return between + memory_argument(0x39, offset) + get_a + memory_argument(0x2B, offset);
  };
  switch (pattern) {
    case 0:
      return get_a + get_v + get_a + memory_argument(0x2B, 0) + between + Bytes{op} + store_and_reload(8);
    case 1:
      return get_v + get_a + i32_const(-8) + Bytes{0x6A} + memory_argument(0x2B, 0) + between + Bytes{op};
    case 2:
      return get_a + get_v + get_w + sqrt + Bytes{op} + store_and_reload(16);
    case 3:
      return get_a + get_v + sqrt + get_w + Bytes{op} + store_and_reload(24);
    case 4:
      return get_v + get_w + Bytes{0xA2} + between + get_v + Bytes{op};
    default:
      return get_w + get_v + get_w + Bytes{0xA2} + between + Bytes{op};
  }
}

struct FusedRun {
  Status status;
  uint64_t result_bits = 0;
  uint64_t gas_used = 0;
  Bytes memory;
  std::vector<std::string> operations;
};

FusedRun run_fused_pattern(int pattern, uint8_t op, bool split, bool consensus, int32_t address, uint64_t v_bits,
                           uint64_t w_bits) {
  ModuleBuilder builder;
  const uint32_t type = builder.type({i32, f64_type, f64_type}, {f64_type});
  builder.export_function("run", builder.function(type, fused_pattern(pattern, op, split)));
  builder.memory = std::make_pair(1u, std::optional<uint32_t>(1u));
  const Bytes bytes = builder.build();
  auto module = load_module(bytes, Limits{});
  REQUIRE_MESSAGE(module.ok(), module.status().to_string());
  FusedRun run;
  for (const Instruction& instruction : (*module)->bodies[0].prepared.instructions)
    run.operations.emplace_back(operation_name(instruction.operation));
  Store store(Limits{});
  store.set_consensus_mode(consensus);
  store.set_gas_limit(1'000'000);
  auto instance = store.instantiate(*module, Linker{});
  REQUIRE_MESSAGE(instance.ok(), instance.status().to_string());
  Bytes initial;
  for (int index = 0; index < 8192; ++index) initial.push_back(static_cast<uint8_t>(index * 37 + 11));
  for (uint64_t index = 0; index < 8; ++index) {  // memory[1000] = 3.25, memory[992] = a NaN with a payload
    initial[1000 + index] = static_cast<uint8_t>(std::bit_cast<uint64_t>(3.25) >> (8 * index));
    initial[992 + index] = static_cast<uint8_t>(0x7FF4000000000123ull >> (8 * index));
  }
  REQUIRE((*instance)->write_memory(0, initial).ok());
  const Value arguments[] = {Value::i32(address), Value::f64_bits(v_bits), Value::f64_bits(w_bits)};
  auto results = (*instance)->invoke("run", arguments);
  run.gas_used = store.gas_used();
  if (results.ok())
    run.result_bits = results->at(0).bits;
  else
    run.status = results.status();
  run.memory = *(*instance)->read_memory(0, 65536);
  return run;
}

bool contains(const std::vector<std::string>& operations, const std::string& name) {
  return std::find(operations.begin(), operations.end(), name) != operations.end();
}

}  // namespace

TEST_CASE("prepared code: f64 operations fused with a load or a store give the plain forms' bits, gas and traps") {
  const std::pair<uint8_t, const char*> operations[] = {{0xA0, "add"}, {0xA1, "sub"}, {0xA2, "mul"}, {0xA3, "div"}};
  const char* fused_forms[] = {"sm_store", "sm", "sa_store", "as_store", "ps", "sp"};
  const uint64_t quiet_nan_payload = 0x7FF8000000000456ull, signalling_nan = 0x7FF4000000000789ull;
  struct Case {
    int32_t address;
    uint64_t v_bits, w_bits;
  };
  const Case cases[] = {
      {1000, std::bit_cast<uint64_t>(1.5), std::bit_cast<uint64_t>(0.1)},    // plain numbers
      {1008, std::bit_cast<uint64_t>(-2.0), std::bit_cast<uint64_t>(0.0)},   // memory[1000] at a - 8; division by 0
      {992, std::bit_cast<uint64_t>(7.0), std::bit_cast<uint64_t>(2.0)},     // memory holds a NaN with a payload
      {1000, quiet_nan_payload, signalling_nan},                             // NaN operands with payloads
      {1000, std::bit_cast<uint64_t>(-1.0), std::bit_cast<uint64_t>(-4.0)},  // sqrt of a negative: a new NaN
      {65528, std::bit_cast<uint64_t>(1.0), std::bit_cast<uint64_t>(1.0)},   // the load fits, the store does not
      {65536, std::bit_cast<uint64_t>(1.0), std::bit_cast<uint64_t>(1.0)},   // the load is out of bounds
      {4, std::bit_cast<uint64_t>(1.0), std::bit_cast<uint64_t>(1.0)},       // a - 8 wraps to 2^32 - 4
      // v * w = 1 - 2^-60 rounds to 1: a fused multiply-add would not round it.
      {1000, std::bit_cast<uint64_t>(1.0 + 0x1p-30), std::bit_cast<uint64_t>(1.0 - 0x1p-30)},
  };
  for (const auto& operation : operations) {
    const uint8_t op = operation.first;
    const std::string op_name = operation.second;
    for (int pattern = 0; pattern < 6; ++pattern) {
      uint64_t completed_gas = 0;  // the first case completes
      for (const Case& input : cases) {
        for (bool consensus : {true, false}) {
          CAPTURE(op_name);
          CAPTURE(pattern);
          CAPTURE(input.address);
          CAPTURE(consensus);
          const FusedRun fused =
              run_fused_pattern(pattern, op, false, consensus, input.address, input.v_bits, input.w_bits);
          const FusedRun split =
              run_fused_pattern(pattern, op, true, consensus, input.address, input.v_bits, input.w_bits);
          const std::string fused_name = std::string("f64_") + op_name + "_" + fused_forms[pattern];
          CHECK_MESSAGE(contains(fused.operations, fused_name), "prepare no longer emits " << fused_name);
          CHECK(!contains(split.operations, fused_name));
          CHECK(fused.status.code() == split.status.code());
          CHECK(fused.status.message().substr(0, 35) == split.status.message().substr(0, 35));
          if (consensus || !std::isnan(std::bit_cast<double>(split.result_bits))) {
            CHECK(fused.result_bits == split.result_bits);
            CHECK(fused.memory == split.memory);
          } else {
            CHECK(std::isnan(std::bit_cast<double>(fused.result_bits)));
          }
          if (consensus && fused.status.ok() && std::isnan(std::bit_cast<double>(fused.result_bits)))
            CHECK(fused.result_bits == 0x7FF8000000000000ull);
          if (fused.status.ok()) {
            CHECK(fused.gas_used == split.gas_used);
            completed_gas = fused.gas_used;
          } else {
            REQUIRE(completed_gas != 0);
            CHECK(fused.gas_used == completed_gas);
            CHECK(split.gas_used <= completed_gas);
          }
        }
      }
    }
  }
}

TEST_CASE("trap: unreachable") { check_trap(run_expecting_failure(single_function({0x00})), "unreachable"); }

TEST_CASE("trap: integer divide by zero") {
  const Status status = run_expecting_failure(single_function(i32_const(1) + i32_const(0) + Bytes{0x6D}));
  check_trap(status, "integer divide by zero");
  // The message locates the trap: function index and prepared instruction.
  CHECK_MESSAGE(status.message().find(" in function 0 at instruction ") != std::string::npos, status.message());
}

TEST_CASE("trap: integer overflow") {
  check_trap(run_expecting_failure(single_function(i32_const(INT32_MIN) + i32_const(-1) + Bytes{0x6D})),
             "integer overflow");
}

TEST_CASE("trap: invalid conversion to integer") {
  // i32.trunc_f32_s of a NaN (f32.const nan = 0x7FC00000).
  check_trap(run_expecting_failure(single_function(Bytes{0x43, 0x00, 0x00, 0xC0, 0x7F, 0xA8})),
             "invalid conversion to integer");
}

TEST_CASE("host exceptions do not cross the API") {
  ModuleBuilder builder;
  const uint32_t host_type = builder.type({}, {});
  const uint32_t run_type = builder.type({}, {i32});
  builder.function_imports.emplace_back("env", "throws", host_type);
  builder.export_function("run", builder.function(run_type, Bytes{0x10, 0x00} + i32_const(1)));
  Linker linker;
  linker.define_function("env", "throws", FunctionType{}, 0,
                         [](HostContext&, std::span<const Value>, std::span<Value>) -> Status {
                           throw std::runtime_error("broken host");
                         });
  Loaded loaded = instantiate(builder.build(), {}, linker);
  auto results = loaded.instance->invoke("run", {});
  REQUIRE(!results.ok());
  CHECK(results.status().code() == Code::internal);
  CHECK(loaded.store->frame_depth == 0);
}

TEST_CASE("trap: out-of-bounds memory access") {
  check_trap(run_expecting_failure(single_function(i32_const(65535) + Bytes{0x28, 0x02, 0x00}, true)),
             "out of bounds memory access");
}

namespace {
// A table of size 2 whose slot 0 holds function `target` of type [] -> [i32];
// `run` calls slot `slot` expecting type `expected_type` ([] -> [i32] or [] -> []).
Bytes indirect_call_module(uint32_t slot, bool expect_other_type) {
  ModuleBuilder builder;
  const uint32_t returns_i32 = builder.type({}, {i32});
  const uint32_t returns_nothing = builder.type({}, {});
  const uint32_t target = builder.function(returns_i32, i32_const(7));
  Bytes body = i32_const(static_cast<int32_t>(slot)) + Bytes{0x11};
  put_unsigned(body, expect_other_type ? returns_nothing : returns_i32);
  body.push_back(0x00);
  if (expect_other_type) body = body + i32_const(0);
  builder.export_function("run", builder.function(returns_i32, body));
  builder.table_size = 2;
  builder.table_functions = {target};
  return builder.build();
}
}  // namespace

TEST_CASE("indirect call through a table") {
  Loaded loaded = instantiate(indirect_call_module(0, false));
  auto results = loaded.instance->invoke("run", {});
  REQUIRE(results.ok());
  CHECK(results->at(0) == Value::i32(7));
}

TEST_CASE("trap: undefined and uninitialized table elements") {
  check_trap(run_expecting_failure(indirect_call_module(5, false)), "undefined element");
  check_trap(run_expecting_failure(indirect_call_module(1, false)), "uninitialized element");
}

TEST_CASE("trap: indirect call type mismatch") {
  check_trap(run_expecting_failure(indirect_call_module(0, true)), "indirect call type mismatch");
}

TEST_CASE("exhaustion: unbounded recursion exhausts the call stack") {
  // run calls itself forever.
  const Status status = run_expecting_failure(single_function({0x10, 0x00}));
  CHECK(status.code() == Code::resource_exhausted);
  CHECK(status.message().find("call stack exhausted") != std::string::npos);
  Limits small;
  small.call_depth_max = 10;
  CHECK(run_expecting_failure(single_function({0x10, 0x00}), small).code() == Code::resource_exhausted);
}

TEST_CASE("exhaustion: value stack limit") {
  Limits limits;
  limits.value_stack_slots_max = 1000;
  // 200 locals per frame: the stack runs out long before the call depth does.
  ModuleBuilder builder;
  const uint32_t type = builder.type({}, {i32});
  builder.export_function("run", builder.function(type, {0x10, 0x00}, {{200, i64}}));
  const Status status = run_expecting_failure(builder.build(), limits);
  CHECK(status.code() == Code::resource_exhausted);
}

TEST_CASE("out of gas: an infinite loop") {
  // (loop (br 0)) with an i32 result that is never reached.
  const Bytes body = Bytes{0x03, 0x40, 0x0C, 0x00, 0x0B} + i32_const(0);
  const Status status = run_expecting_failure(single_function(body), {}, 100000);
  CHECK(status.code() == Code::out_of_gas);
  CHECK(status.message().starts_with("exhaustion: out of gas"));
}

TEST_CASE("gas: the same call costs the same gas, trap or not") {
  Loaded loaded = instantiate(single_function(i32_const(1) + i32_const(2) + Bytes{0x6A}));
  loaded.store->set_gas_limit(1000);
  REQUIRE(loaded.instance->invoke("run", {}).ok());
  const uint64_t first = loaded.store->gas_used();
  CHECK(first > 0);
  loaded.store->set_gas_limit(1000);
  REQUIRE(loaded.instance->invoke("run", {}).ok());
  CHECK(loaded.store->gas_used() == first);

  Loaded trapping = instantiate(single_function(i32_const(1) + i32_const(0) + Bytes{0x6D}));
  uint64_t used[2];
  for (uint64_t& gas_used : used) {
    trapping.store->set_gas_limit(1000);
    CHECK(!trapping.instance->invoke("run", {}).ok());
    gas_used = trapping.store->gas_used();
  }
  CHECK(used[0] == used[1]);
  CHECK(used[0] > 0);
}

TEST_CASE("gas: running out is exact and repeatable") {
  const Bytes body = Bytes{0x03, 0x40, 0x0C, 0x00, 0x0B} + i32_const(0);
  Loaded loaded = instantiate(single_function(body));
  for (int attempt = 0; attempt < 2; ++attempt) {
    loaded.store->set_gas_limit(12345);
    auto results = loaded.instance->invoke("run", {});
    REQUIRE(!results.ok());
    CHECK(results.status().code() == Code::out_of_gas);
    CHECK(loaded.store->gas_remaining() == 0);
  }
}

TEST_CASE("memory limit: a module asking for too many pages is refused") {
  ModuleBuilder builder;
  const uint32_t type = builder.type({}, {i32});
  builder.export_function("run", builder.function(type, i32_const(0)));
  builder.memory = std::make_pair(2000u, std::nullopt);
  // Refused when it loads, before any instance could allocate it.
  auto module = load_module(builder.build());
  REQUIRE(!module.ok());
  CHECK(module.status().code() == Code::resource_exhausted);
  CHECK_MESSAGE(module.status().message().find("Limits::memory_pages_max") != std::string::npos,
                module.status().message());
  // A Store with a lower limit than the module was loaded with refuses too.
  builder.memory = std::make_pair(100u, std::nullopt);
  auto loaded = load_module(builder.build());
  REQUIRE(loaded.ok());
  Limits small;
  small.memory_pages_max = 50;
  Store store(small);
  auto instance = store.instantiate(*loaded, Linker());
  REQUIRE(!instance.ok());
  CHECK(instance.status().code() == Code::resource_exhausted);
}

TEST_CASE("memory bomb: memory.grow in a loop stops at the page limit") {
  // (loop (br_if 0 (i32.ne (memory.grow (i32.const 16)) (i32.const -1)))) (memory.size)
  const Bytes body =
      Bytes{0x03, 0x40} + i32_const(16) + Bytes{0x40, 0x00} + i32_const(-1) + Bytes{0x47, 0x0D, 0x00, 0x0B, 0x3F, 0x00};
  ModuleBuilder builder;
  const uint32_t type = builder.type({}, {i32});
  builder.export_function("run", builder.function(type, body));
  builder.memory = std::make_pair(1u, std::nullopt);
  Limits limits;
  limits.memory_pages_max = 64;
  Loaded loaded = instantiate(builder.build(), limits);
  auto results = loaded.instance->invoke("run", {});
  REQUIRE(results.ok());
  CHECK(results->at(0).as_i32() <= 64);
  CHECK(loaded.instance->memory->bytes.size() <= 64 * page_size_bytes);
  // With a small budget the per-page price stops it first.
  Loaded poor = instantiate(builder.build(), limits);
  poor.store->set_gas_limit(5000);
  auto out_of_gas = poor.instance->invoke("run", {});
  REQUIRE(!out_of_gas.ok());
  CHECK(out_of_gas.status().code() == Code::out_of_gas);
}

TEST_CASE("host function: called with arguments, reads memory, charges gas") {
  ModuleBuilder builder;
  const uint32_t host_type = builder.type({i32, i32}, {i32});
  const uint32_t run_type = builder.type({}, {i32});
  builder.function_imports.emplace_back("env", "sum_bytes", host_type);
  // Store 0x01020304 at address 8, then sum_bytes(8, 4).
  const Bytes body =
      i32_const(8) + i32_const(0x01020304) + Bytes{0x36, 0x02, 0x00} + i32_const(8) + i32_const(4) + Bytes{0x10, 0x00};
  builder.export_function("run", builder.function(run_type, body));
  builder.memory = std::make_pair(1u, std::nullopt);
  Linker linker;
  int calls = 0;
  linker.define_function("env", "sum_bytes", FunctionType{{ValueType::i32, ValueType::i32}, {ValueType::i32}}, 7,
                         [&calls](HostContext& context, std::span<const Value> arguments, std::span<Value> results) {
                           ++calls;
                           auto bytes = context.read_memory(static_cast<uint32_t>(arguments[0].as_i32()),
                                                            static_cast<uint32_t>(arguments[1].as_i32()));
                           if (!bytes.ok()) return bytes.status();
                           GOVCHAIN_TRY(context.charge_gas(5 * bytes->size()));
                           int32_t sum = 0;
                           for (uint8_t byte : *bytes) sum += byte;
                           results[0] = Value::i32(sum);
                           return Status();
                         });
  Loaded loaded = instantiate(builder.build(), {}, linker);
  loaded.store->set_gas_limit(100000);
  auto results = loaded.instance->invoke("run", {});
  REQUIRE_MESSAGE(results.ok(), results.status().to_string());
  CHECK(results->at(0) == Value::i32(10));
  CHECK(calls == 1);
  const GasSchedule schedule;
  CHECK(loaded.store->gas_used() >= schedule.host_call + 7 + 20);

  // Too little gas for the host's own charge: the call traps with out_of_gas.
  loaded.store->set_gas_limit(schedule.host_call + 7 + 30);
  auto poor = loaded.instance->invoke("run", {});
  REQUIRE(!poor.ok());
  CHECK(poor.status().code() == Code::out_of_gas);
}

TEST_CASE("host function: an error traps with the host's message") {
  ModuleBuilder builder;
  const uint32_t host_type = builder.type({}, {});
  const uint32_t run_type = builder.type({}, {i32});
  builder.function_imports.emplace_back("env", "fail", host_type);
  builder.export_function("run", builder.function(run_type, Bytes{0x10, 0x00} + i32_const(1)));
  Linker linker;
  linker.define_function("env", "fail", FunctionType{}, 0, [](HostContext&, std::span<const Value>, std::span<Value>) {
    return error(Code::invalid_argument, "storage key too long");
  });
  Loaded loaded = instantiate(builder.build(), {}, linker);
  auto results = loaded.instance->invoke("run", {});
  REQUIRE(!results.ok());
  check_trap(results.status(), "env.fail: storage key too long");
}

TEST_CASE("unlinkable: a missing or mistyped import") {
  ModuleBuilder builder;
  const uint32_t host_type = builder.type({}, {});
  builder.function_imports.emplace_back("env", "missing", host_type);
  builder.function(host_type, {});
  auto module = load_module(builder.build());
  REQUIRE(module.ok());
  Store store;
  auto instance = store.instantiate(*module, Linker());
  REQUIRE(!instance.ok());
  CHECK(instance.status().code() == Code::unlinkable);
  CHECK(instance.status().message().find("env.missing") != std::string::npos);
  Linker linker;
  linker.define_function("env", "missing", FunctionType{{ValueType::i32}, {}}, 0,
                         [](HostContext&, std::span<const Value>, std::span<Value>) { return Status(); });
  auto mistyped = store.instantiate(*module, linker);
  REQUIRE(!mistyped.ok());
  CHECK(mistyped.status().code() == Code::unlinkable);
}

TEST_CASE("malformed and invalid modules name stage and offset") {
  auto bad_magic = load_module(Bytes{0x00, 0x61, 0x73, 0x6E, 0x01, 0x00, 0x00, 0x00});
  REQUIRE(!bad_magic.ok());
  CHECK(bad_magic.status().code() == Code::malformed);
  CHECK(bad_magic.status().message().starts_with("malformed: "));
  CHECK(bad_magic.status().message().find("byte offset") != std::string::npos);
  // i32.add on an empty stack.
  auto ill_typed = load_module(single_function(Bytes{0x6A}));
  REQUIRE(!ill_typed.ok());
  CHECK(ill_typed.status().code() == Code::invalid);
  CHECK(ill_typed.status().message().starts_with("invalid: type mismatch"));
  CHECK(ill_typed.status().message().find("function 0") != std::string::npos);
}

TEST_CASE("limits: forged counts and huge modules are refused quickly") {
  // A type section claiming four billion types in a few bytes.
  Bytes forged{0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F};
  auto result = load_module(forged);
  REQUIRE(!result.ok());
  CHECK(result.status().code() == Code::malformed);
  Limits limits;
  limits.module_size_bytes_max = 16;
  auto too_big = load_module(single_function(i32_const(0)), limits);
  REQUIRE(!too_big.ok());
  CHECK(too_big.status().code() == Code::resource_exhausted);
  // Too many locals for the limit.
  ModuleBuilder builder;
  const uint32_t type = builder.type({}, {i32});
  builder.function(type, i32_const(0), {{100000, i64}});
  auto many_locals = load_module(builder.build());
  REQUIRE(!many_locals.ok());
  // Deep nesting beyond control_nesting_max.
  Bytes deep;
  for (int level = 0; level < 2000; ++level) deep = deep + Bytes{0x02, 0x40};
  for (int level = 0; level < 2000; ++level) deep.push_back(0x0B);
  auto nested = load_module(single_function(deep + i32_const(0)));
  REQUIRE(!nested.ok());
  CHECK(nested.status().code() == Code::invalid);
}

TEST_CASE("consensus mode canonicalises NaN results") {
  // f32.div 0/0 produces a NaN whose sign and payload are up to the CPU.
  ModuleBuilder builder;
  const uint32_t type = builder.type({}, {f32});
  Bytes body{0x43, 0, 0, 0, 0, 0x43, 0, 0, 0, 0, 0x95};
  builder.export_function("run", builder.function(type, body));
  Loaded loaded = instantiate(builder.build());
  loaded.store->set_consensus_mode(true);
  auto results = loaded.instance->invoke("run", {});
  REQUIRE(results.ok());
  CHECK(results->at(0).bits == 0x7FC00000u);
}

TEST_CASE("embedder API: globals, memory, typed arguments") {
  ModuleBuilder builder;
  const uint32_t type = builder.type({i32}, {i32});
  // run(x) = x + global 0
  builder.export_function("run", builder.function(type, Bytes{0x20, 0x00, 0x23, 0x00, 0x6A}));
  builder.globals.emplace_back(5, i32);
  builder.exports.emplace_back("counter", 3, 0);
  builder.exports.emplace_back("memory", 2, 0);
  builder.memory = std::make_pair(1u, std::nullopt);
  Loaded loaded = instantiate(builder.build());
  CHECK(loaded.instance->get_global("counter")->as_i32() == 5);
  REQUIRE(loaded.instance->set_global("counter", Value::i32(10)).ok());
  const Value argument = Value::i32(32);
  auto results = loaded.instance->invoke("run", std::span<const Value>(&argument, 1));
  REQUIRE(results.ok());
  CHECK(results->at(0) == Value::i32(42));
  CHECK(!loaded.instance->invoke("run", {}).ok());  // wrong argument count
  REQUIRE(loaded.instance->write_memory(100, to_bytes("abc")).ok());
  CHECK(to_string(*loaded.instance->read_memory(100, 3)) == "abc");
  CHECK(!loaded.instance->read_memory(65535, 2).ok());
}

// ---------------------------------------------------------------------------
// The gas schedule and the load-time bounds (docs/runtime.md, "Gas schedule"
// and "Limits"). Modules are assembled section by section here, so that a
// test can put exactly one count over its bound.

namespace {

Bytes vector_of(uint32_t count, const Bytes& items) {
  Bytes out;
  put_unsigned(out, count);
  return out + items;
}

Bytes u32_bytes(uint32_t value) {
  Bytes out;
  put_unsigned(out, value);
  return out;
}

// A function type with the given parameter and result type bytes.
Bytes function_type(const Bytes& params, const Bytes& results) {
  return Bytes{0x60} + vector_of(static_cast<uint32_t>(params.size()), params) +
         vector_of(static_cast<uint32_t>(results.size()), results);
}

// A function body: local runs (count, type) and code, the final end added.
Bytes function_body(const std::vector<std::pair<uint32_t, uint8_t>>& locals, const Bytes& code) {
  Bytes runs;
  for (const auto& [count, type] : locals) runs = runs + u32_bytes(count) + Bytes{type};
  const Bytes content = vector_of(static_cast<uint32_t>(locals.size()), runs) + code + Bytes{0x0B};
  return u32_bytes(static_cast<uint32_t>(content.size())) + content;
}

// Sections in the order given (the caller keeps the binary format's order).
struct RawModule {
  std::vector<std::pair<uint8_t, Bytes>> sections;

  RawModule& add(uint8_t id, const Bytes& content) {
    sections.emplace_back(id, content);
    return *this;
  }
  Bytes build() const {
    Bytes out{0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
    for (const auto& [id, content] : sections) ModuleBuilder::section(out, id, content);
    return out;
  }
};

// One type, one function `run` of that type with `body`, exported.
RawModule one_function(const Bytes& type, const Bytes& body) {
  RawModule module;
  module.add(1, vector_of(1, type)).add(3, vector_of(1, u32_bytes(0)));
  module.add(7, vector_of(1, Bytes{0x03, 'r', 'u', 'n', 0x00, 0x00}));
  module.add(10, vector_of(1, body));
  return module;
}

uint64_t gas_of_run(const Bytes& bytes, const Limits& limits = {}) {
  Loaded loaded = instantiate(bytes, limits);
  loaded.store->set_gas_limit(1'000'000'000);
  auto results = loaded.instance->invoke("run", {});
  REQUIRE_MESSAGE(results.ok(), results.status().to_string());
  return loaded.store->gas_used();
}

Status load_failure(const Bytes& bytes, const Limits& limits) {
  auto module = load_module(bytes, limits);
  REQUIRE(!module.ok());
  return module.status();
}

// The message names the bound (the Limits field) that refused the module.
void check_refused(const Bytes& bytes, const Limits& limits, const std::string& bound) {
  const Status status = load_failure(bytes, limits);
  CHECK_MESSAGE(status.message().find("Limits::" + bound) != std::string::npos, status.message());
  CHECK(status.code() != Code::ok);
}

}  // namespace

TEST_CASE("gas: locals are charged per 8 when a function is entered, before they are zeroed") {
  const GasSchedule schedule;
  const Bytes type = function_type({}, {});
  const uint64_t with_8 = gas_of_run(one_function(type, function_body({{8, i64}}, {})).build());
  const uint64_t with_800 = gas_of_run(one_function(type, function_body({{800, i64}}, {})).build());
  CHECK(with_800 - with_8 == 99 * schedule.gas_per_8_locals_zeroed);

  // With gas for everything but the entry charge, the call stops before the
  // zeroing: out of gas, nothing left.
  Loaded loaded = instantiate(one_function(type, function_body({{1000, i64}}, {})).build());
  loaded.store->set_gas_limit((1000 / 8) * schedule.gas_per_8_locals_zeroed - 1);
  auto results = loaded.instance->invoke("run", {});
  REQUIRE(!results.ok());
  CHECK(results.status().code() == Code::out_of_gas);
  CHECK(loaded.store->gas_remaining() == 0);
}

TEST_CASE("gas: a callee's locals cost the same called directly, through a table or from another instance") {
  const GasSchedule schedule;
  // Function 1 has `local_count` locals; `direct` calls it, `indirect`
  // calls it through table slot 0.
  const auto module = [](uint32_t local_count) {
    RawModule raw;
    raw.add(1, vector_of(1, function_type({}, {})));
    raw.add(3, vector_of(3, Bytes{0x00, 0x00, 0x00}));
    raw.add(4, vector_of(1, Bytes{0x70, 0x00, 0x01}));
    raw.add(7, vector_of(3, Bytes{0x06, 'd', 'i', 'r', 'e', 'c', 't', 0x00, 0x00} +
                                Bytes{0x08, 'i', 'n', 'd', 'i', 'r', 'e', 'c', 't', 0x00, 0x02} +
                                Bytes{0x06, 'c', 'a', 'l', 'l', 'e', 'e', 0x00, 0x01}));
    raw.add(9, vector_of(1, Bytes{0x00} + i32_const(0) + Bytes{0x0B, 0x01, 0x01}));
    raw.add(10, vector_of(3, function_body({}, Bytes{0x10, 0x01}) + function_body({{local_count, i64}}, {}) +
                                 function_body({}, i32_const(0) + Bytes{0x11, 0x00, 0x00})));
    return raw.build();
  };
  const auto gas_of = [](const Bytes& bytes, const char* name) {
    Loaded loaded = instantiate(bytes);
    loaded.store->set_gas_limit(1'000'000);
    REQUIRE(loaded.instance->invoke(name, {}).ok());
    return loaded.store->gas_used();
  };
  const uint64_t extra = 99 * schedule.gas_per_8_locals_zeroed;  // 800 locals instead of 8
  CHECK(gas_of(module(800), "direct") - gas_of(module(8), "direct") == extra);
  CHECK(gas_of(module(800), "indirect") - gas_of(module(8), "indirect") == extra);

  // From another instance: `run` imports the callee and calls it directly.
  uint64_t imported_gas[2] = {};
  for (const uint32_t local_count : {8u, 800u}) {
    auto provider = load_module(module(local_count));
    REQUIRE(provider.ok());
    Store store;
    auto provider_instance = store.instantiate(*provider, Linker());
    REQUIRE(provider_instance.ok());
    Linker linker;
    linker.register_instance("provider", **provider_instance);
    RawModule raw;
    raw.add(1, vector_of(1, function_type({}, {})));
    raw.add(2, vector_of(1, Bytes{0x08, 'p', 'r', 'o', 'v', 'i', 'd', 'e', 'r', 0x06, 'c', 'a', 'l', 'l', 'e', 'e',
                                  0x00, 0x00}));
    raw.add(3, vector_of(1, Bytes{0x00}));
    raw.add(7, vector_of(1, Bytes{0x03, 'r', 'u', 'n', 0x00, 0x01}));
    raw.add(10, vector_of(1, function_body({}, Bytes{0x10, 0x00})));
    auto importer = load_module(raw.build());
    REQUIRE(importer.ok());
    auto instance = store.instantiate(*importer, linker);
    REQUIRE(instance.ok());
    store.set_gas_limit(1'000'000);
    REQUIRE((*instance)->invoke("run", {}).ok());
    imported_gas[local_count == 800 ? 1 : 0] = store.gas_used();
  }
  CHECK(imported_gas[1] - imported_gas[0] == extra);
}

TEST_CASE("gas: values moved by branches, returns and calls are charged per slot") {
  const GasSchedule schedule;
  // run: (block (type 1) <arity constants> (br 0)) then drop every result.
  // Type 1 is [] -> arity x i64.
  const auto branch_module = [](uint32_t arity) {
    Bytes code{0x02, 0x01};
    for (uint32_t index = 0; index < arity; ++index) code = code + Bytes{0x42, 0x00};
    code = code + Bytes{0x0C, 0x00, 0x0B};
    for (uint32_t index = 0; index < arity; ++index) code.push_back(0x1A);
    RawModule module;
    module.add(1, vector_of(2, function_type({}, {}) + function_type({}, Bytes(arity, i64))));
    module.add(3, vector_of(1, u32_bytes(0)));
    module.add(7, vector_of(1, Bytes{0x03, 'r', 'u', 'n', 0x00, 0x00}));
    module.add(10, vector_of(1, function_body({}, code)));
    return module.build();
  };
  const auto slots_gas = [&schedule](uint64_t slots) { return (slots + 1) / 2 * schedule.gas_per_2_slots_copied; };
  const uint64_t arity_1 = gas_of_run(branch_module(1));
  const uint64_t arity_32 = gas_of_run(branch_module(32));
  // 31 more constants and drops at one gas each, and 31 more slots moved.
  CHECK(arity_32 - arity_1 == 31 * 2 * schedule.instruction + slots_gas(32) - slots_gas(1));

  // A function returning n values, called from run: the call pays for its
  // arguments and results, the callee's fall-through return for its results.
  const auto call_module = [](uint32_t result_count) {
    Bytes callee_code;
    for (uint32_t index = 0; index < result_count; ++index) callee_code = callee_code + Bytes{0x42, 0x00};
    Bytes run_code{0x10, 0x01};
    for (uint32_t index = 0; index < result_count; ++index) run_code.push_back(0x1A);
    RawModule module;
    module.add(1, vector_of(2, function_type({}, {}) + function_type({}, Bytes(result_count, i64))));
    module.add(3, vector_of(2, u32_bytes(0) + u32_bytes(1)));
    module.add(7, vector_of(1, Bytes{0x03, 'r', 'u', 'n', 0x00, 0x00}));
    module.add(10, vector_of(2, function_body({}, run_code) + function_body({}, callee_code)));
    return module.build();
  };
  const uint64_t results_1 = gas_of_run(call_module(1));
  const uint64_t results_20 = gas_of_run(call_module(20));
  CHECK(results_20 - results_1 == 19 * 2 * schedule.instruction + 2 * (slots_gas(20) - slots_gas(1)));
}

TEST_CASE("gas: instantiation is charged before anything is allocated") {
  const GasSchedule schedule;
  // A memory of 3 pages, a table of 100 elements, 40 bytes of active data.
  RawModule raw = one_function(function_type({}, {}), function_body({}, {}));
  raw.sections.insert(raw.sections.begin() + 2, {4, vector_of(1, Bytes{0x70, 0x00, 100})});
  raw.sections.insert(raw.sections.begin() + 3, {5, vector_of(1, Bytes{0x00, 0x03})});
  raw.add(11, vector_of(1, Bytes{0x00} + i32_const(0) + Bytes{0x0B} + vector_of(40, Bytes(40, 0xAB))));
  const Bytes bytes = raw.build();
  auto module = load_module(bytes);
  REQUIRE_MESSAGE(module.ok(), module.status().to_string());
  // Types, functions, exports, data segments: four items.
  const uint64_t expected = schedule.instantiation + 4 * schedule.instantiation_per_item +
                            (100 + 7) / 8 * schedule.gas_per_8_table_elements + 3 * schedule.memory_page_allocated +
                            40 / 8 * schedule.gas_per_8_bytes_copied;
  CHECK((*module)->instantiation_gas == expected);
  CHECK(instantiation_gas(**module, schedule) == expected);

  Store store;
  store.set_gas_limit(expected);
  auto instance = store.instantiate(*module, Linker());
  REQUIRE_MESSAGE(instance.ok(), instance.status().to_string());
  CHECK(store.gas_used() == expected);

  Store poor;
  poor.set_gas_limit(expected - 1);
  auto refused = poor.instantiate(*module, Linker());
  REQUIRE(!refused.ok());
  CHECK(refused.status().code() == Code::out_of_gas);
}

TEST_CASE("gas: memory.grow, table.grow and bulk operations pay per page, element and byte") {
  const GasSchedule schedule;
  // run: memory.grow(pages) drop; table.grow(null, elements) drop;
  // memory.fill(0, 0, bytes).
  const auto module = [](uint32_t pages, uint32_t elements, uint32_t bytes) {
    const Bytes code = i32_const(static_cast<int32_t>(pages)) + Bytes{0x40, 0x00, 0x1A, 0xD0, 0x70} +
                       i32_const(static_cast<int32_t>(elements)) + Bytes{0xFC, 0x0F, 0x00, 0x1A} + i32_const(0) +
                       i32_const(0) + i32_const(static_cast<int32_t>(bytes)) + Bytes{0xFC, 0x0B, 0x00};
    RawModule raw;
    raw.add(1, vector_of(1, function_type({}, {}))).add(3, vector_of(1, u32_bytes(0)));
    raw.add(4, vector_of(1, Bytes{0x70, 0x00, 0x00})).add(5, vector_of(1, Bytes{0x00, 0x01}));
    raw.add(7, vector_of(1, Bytes{0x03, 'r', 'u', 'n', 0x00, 0x00}));
    raw.add(10, vector_of(1, function_body({}, code)));
    return raw.build();
  };
  const uint64_t small = gas_of_run(module(0, 0, 0));
  CHECK(gas_of_run(module(2, 0, 0)) - small == 2 * schedule.memory_page_allocated);
  CHECK(gas_of_run(module(0, 80, 0)) - small == 10 * schedule.gas_per_8_table_elements);
  CHECK(gas_of_run(module(0, 0, 6400)) - small == 800 * schedule.gas_per_8_bytes_copied);
}

TEST_CASE("gas: loading is priced per byte of code") {
  const GasSchedule schedule;
  CHECK(load_gas(0, schedule) == schedule.module_loaded);
  CHECK(load_gas(1000, schedule) - load_gas(0, schedule) == 1000 * schedule.gas_per_code_byte_loaded);
}

TEST_CASE("limits: every count over its bound is refused while decoding, naming the bound") {
  Limits limits = contract_limits();
  const Bytes empty_type = function_type({}, {});
  const Bytes empty_body = function_body({}, {});
  SUBCASE("types") {
    Bytes types;
    for (uint32_t index = 0; index <= limits.types_max; ++index) types = types + empty_type;
    check_refused(RawModule().add(1, vector_of(limits.types_max + 1, types)).build(), limits, "types_max");
  }
  SUBCASE("parameters and results of a type") {
    const Bytes too_many = Bytes(limits.type_arity_max + 1, i32);
    check_refused(RawModule().add(1, vector_of(1, function_type(too_many, {}))).build(), limits, "type_arity_max");
    check_refused(RawModule().add(1, vector_of(1, function_type({}, too_many))).build(), limits, "type_arity_max");
  }
  SUBCASE("imports") {
    Bytes imports;
    for (uint32_t index = 0; index <= limits.imports_max; ++index)
      imports = imports + Bytes{0x01, 'm', 0x01, 'f', 0x00, 0x00};
    check_refused(
        RawModule().add(1, vector_of(1, empty_type)).add(2, vector_of(limits.imports_max + 1, imports)).build(), limits,
        "imports_max");
  }
  SUBCASE("functions") {
    Bytes indices(limits.functions_max + 1, 0x00);
    check_refused(
        RawModule().add(1, vector_of(1, empty_type)).add(3, vector_of(limits.functions_max + 1, indices)).build(),
        limits, "functions_max");
  }
  SUBCASE("tables and their initial size") {
    Bytes tables;
    for (uint32_t index = 0; index <= limits.tables_max; ++index) tables = tables + Bytes{0x70, 0x00, 0x01};
    check_refused(RawModule().add(4, vector_of(limits.tables_max + 1, tables)).build(), limits, "tables_max");
    const Bytes big_table = Bytes{0x70, 0x00} + u32_bytes(limits.table_elements_max + 1);
    const Status status = load_failure(RawModule().add(4, vector_of(1, big_table)).build(), limits);
    CHECK(status.code() == Code::resource_exhausted);
    CHECK_MESSAGE(status.message().find("Limits::table_elements_max") != std::string::npos, status.message());
  }
  SUBCASE("initial memory") {
    const Bytes big_memory = Bytes{0x00} + u32_bytes(limits.memory_pages_max + 1);
    const Status status = load_failure(RawModule().add(5, vector_of(1, big_memory)).build(), limits);
    CHECK(status.code() == Code::resource_exhausted);
    CHECK_MESSAGE(status.message().find("Limits::memory_pages_max") != std::string::npos, status.message());
  }
  SUBCASE("globals") {
    Bytes globals;
    for (uint32_t index = 0; index <= limits.globals_max; ++index)
      globals = globals + Bytes{i32, 0x00, 0x41, 0x00, 0x0B};
    check_refused(RawModule().add(6, vector_of(limits.globals_max + 1, globals)).build(), limits, "globals_max");
  }
  SUBCASE("exports") {
    Bytes exports;
    for (uint32_t index = 0; index <= limits.exports_max; ++index)
      exports = exports +
                Bytes{0x02, static_cast<uint8_t>('a' + index % 26), static_cast<uint8_t>('a' + index / 26), 0x00, 0x00};
    check_refused(RawModule().add(7, vector_of(limits.exports_max + 1, exports)).build(), limits, "exports_max");
  }
  SUBCASE("element and data segments, and items of a segment") {
    Bytes data;
    for (uint32_t index = 0; index <= limits.segments_max; ++index) data = data + Bytes{0x01, 0x00};
    check_refused(RawModule().add(11, vector_of(limits.segments_max + 1, data)).build(), limits, "segments_max");
    Bytes elements;
    for (uint32_t index = 0; index <= limits.segments_max; ++index) elements = elements + Bytes{0x01, 0x00, 0x00};
    check_refused(RawModule().add(9, vector_of(limits.segments_max + 1, elements)).build(), limits, "segments_max");
    const Bytes items =
        Bytes{0x01, 0x00} + vector_of(limits.table_elements_max + 1, Bytes(limits.table_elements_max + 1, 0));
    check_refused(RawModule().add(9, vector_of(1, items)).build(), limits, "table_elements_max");
  }
  SUBCASE("locals of a function, parameters included, before any is recorded") {
    const Bytes body = function_body({{limits.locals_per_function_max - 1, i64}}, {});
    REQUIRE(load_module(one_function(function_type(Bytes{i32}, {}), body).build(), limits).ok());
    check_refused(one_function(function_type(Bytes{i32, i32}, {}), body).build(), limits, "locals_per_function_max");
    // Four billion locals in a few bytes are refused without allocating.
    check_refused(one_function(empty_type, function_body({{UINT32_MAX, i64}}, {})).build(), limits,
                  "locals_per_function_max");
  }
  SUBCASE("labels of a br_table") {
    const Bytes code = i32_const(0) + Bytes{0x0E} +
                       vector_of(limits.br_table_labels_max + 1, Bytes(limits.br_table_labels_max + 1, 0x00)) +
                       Bytes{0x00};
    check_refused(one_function(empty_type, function_body({}, code)).build(), limits, "br_table_labels_max");
  }
  SUBCASE("size of the module and of a function body") {
    const Bytes code = Bytes(limits.function_size_bytes_max, 0x01);  // nops
    const Bytes module = one_function(empty_type, function_body({}, code)).build();
    check_refused(module, limits, "module_size_bytes_max");
    Limits larger_modules = limits;
    larger_modules.module_size_bytes_max = 4 * limits.function_size_bytes_max;
    check_refused(module, larger_modules, "function_size_bytes_max");
  }
  SUBCASE("nesting of blocks") {
    Bytes code;
    for (uint32_t level = 0; level <= limits.control_nesting_max; ++level) code = code + Bytes{0x02, 0x40};
    for (uint32_t level = 0; level <= limits.control_nesting_max; ++level) code.push_back(0x0B);
    const Status status = load_failure(one_function(empty_type, function_body({}, code)).build(), limits);
    CHECK(status.code() == Code::invalid);
    CHECK_MESSAGE(status.message().find("nested too deeply") != std::string::npos, status.message());
  }
}

TEST_CASE("the five use-case contracts' shapes fit the contract limits") {
  // The largest figures among the built contracts (docs/runtime.md): a
  // module with that many of everything loads under contract_limits().
  const Limits limits = contract_limits();
  CHECK(limits.types_max >= 14);
  CHECK(limits.imports_max >= 18);  // every host function
  CHECK(limits.functions_max >= 48 + 18);
  CHECK(limits.tables_max >= 1);
  CHECK(limits.table_elements_max >= 2);
  CHECK(limits.memory_pages_max >= 2);
  CHECK(limits.locals_per_function_max >= 26);
  CHECK(limits.br_table_labels_max >= 18);
  CHECK(limits.control_nesting_max >= 26);
  CHECK(limits.type_arity_max >= 4);
  CHECK(limits.function_size_bytes_max >= 3876);
}

namespace {

// A module of at most `size_bytes` whose functions (each as large as a
// function may be) are a worst case for validation: `body` repeated after
// `head` and before `tail`, types as given, function 0 of type 0.
Bytes repeated_functions(const Limits& limits, size_t size_bytes, const Bytes& types, uint32_t type_count,
                         const Bytes& head, const Bytes& body, const Bytes& tail) {
  const size_t function_bytes_max = std::min<size_t>(limits.function_size_bytes_max - 16, size_bytes);
  Bytes bodies;
  uint32_t function_count = 0;
  size_t used = 64 + types.size();
  while (used + head.size() + body.size() + tail.size() + 32 < size_bytes && function_count < limits.functions_max) {
    Bytes code = head;
    while (code.size() + body.size() + tail.size() < function_bytes_max &&
           used + code.size() + body.size() + tail.size() + 32 < size_bytes)
      code.insert(code.end(), body.begin(), body.end());
    code.insert(code.end(), tail.begin(), tail.end());
    const Bytes function = function_body({}, code);
    bodies.insert(bodies.end(), function.begin(), function.end());
    used += function.size() + 1;
    ++function_count;
  }
  RawModule module;
  module.add(1, vector_of(type_count, types));
  module.add(3, vector_of(function_count, Bytes(function_count, 0x00)));
  module.add(10, vector_of(function_count, bodies));
  return module.build();
}

// br_tables of the maximum label count naming every one of 64 enclosing
// blocks of the maximum arity. Each br_table ends its block; the rest of
// the block is unreachable and is still validated, so one block holds many.
Bytes worst_case_branch_tables(const Limits& limits, size_t size_bytes) {
  const uint32_t arity = limits.type_arity_max;
  const uint32_t depth = 64;
  Bytes values;
  for (uint32_t index = 0; index < arity; ++index) values = values + Bytes{0x42, 0x00};
  const uint32_t labels = limits.br_table_labels_max;
  Bytes table = values + i32_const(0) + Bytes{0x0E} + u32_bytes(labels);
  for (uint32_t index = 0; index < labels; ++index) table.push_back(static_cast<uint8_t>(index % depth));
  table.push_back(0x00);
  Bytes head;
  for (uint32_t level = 0; level < depth; ++level) head = head + Bytes{0x02, 0x01};  // block (type 1)
  const Bytes tail = Bytes(depth, 0x0B) + Bytes(arity, 0x1A);
  const Bytes types = function_type({}, {}) + function_type({}, Bytes(arity, i64));
  return repeated_functions(limits, size_bytes, types, 2, head, table, tail);
}

// Calls of a function type of the maximum arity: each call instruction is
// two bytes and pops and pushes that many operand types. (The callee is the
// function itself: validation does not mind.)
Bytes worst_case_calls(const Limits& limits, size_t size_bytes) {
  const uint32_t arity = limits.type_arity_max;
  Bytes values;
  for (uint32_t index = 0; index < arity; ++index) values = values + Bytes{0x42, 0x00};
  // call 0 with the arity's values: function 0 is [arity x i64] -> [arity x i64].
  const Bytes types = function_type(Bytes(arity, i64), Bytes(arity, i64));
  return repeated_functions(limits, size_bytes, types, 1, values, Bytes{0x10, 0x00}, {});
}

double seconds_to_load(const Bytes& bytes, const Limits& limits, Status& status) {
  const auto started = std::chrono::steady_clock::now();
  auto module = load_module(bytes, limits);
  status = module.ok() ? Status() : module.status();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

}  // namespace

TEST_CASE("validation is linear: worst-case modules of the maximum size load in bounded time") {
  // The contract limits at their module size limit (what a deploy may
  // carry), and the general defaults, whose arity and br_table bounds are
  // larger, at 1 MiB.
  const Limits contract = contract_limits();
  const Limits general;
  const std::vector<std::pair<Limits, size_t>> cases = {{contract, contract.module_size_bytes_max},
                                                        {general, 1024 * 1024}};
  for (const auto& [limits, size_bytes] : cases) {
    for (auto* generate : {&worst_case_branch_tables, &worst_case_calls}) {
      const Bytes bytes = generate(limits, size_bytes);
      REQUIRE(bytes.size() <= limits.module_size_bytes_max);
      Status status;
      const double seconds = seconds_to_load(bytes, limits, status);
      CHECK_MESSAGE(status.ok(), status.to_string());
      MESSAGE(bytes.size() << " bytes loaded in " << seconds << " s");
      // Linear work takes well under a second here even on a loaded
      // machine; the quadratic br_table check took 9.9 s for 110 KB.
      CHECK(seconds < 5.0);
    }
  }
}

TEST_CASE("interrupt: a run stops with timeout when the embedder's check says so, and only then") {
  // (loop (br 0)): runs until gas or the interrupt ends it.
  const Bytes body = Bytes{0x03, 0x40, 0x0C, 0x00, 0x0B} + i32_const(0);
  Loaded loaded = instantiate(single_function(body));
  int checks = 0;
  loaded.store->set_interrupt(1000, [&checks] { return ++checks >= 5; });
  loaded.store->set_gas_limit(10'000'000);
  auto results = loaded.instance->invoke("run", {});
  REQUIRE(!results.ok());
  CHECK(results.status().code() == Code::timeout);
  CHECK(results.status().message().starts_with("interrupted: "));
  CHECK(checks == 5);
  CHECK(loaded.store->gas_used() >= 5 * 1000);
  CHECK(loaded.store->gas_used() < 6 * 1000 + 100);

  // A check that never fires changes nothing: the same out-of-gas run, to
  // the unit, as without one.
  Loaded plain = instantiate(single_function(body));
  plain.store->set_gas_limit(123'457);
  REQUIRE(!plain.instance->invoke("run", {}).ok());
  Loaded checked = instantiate(single_function(body));
  int calls = 0;
  checked.store->set_interrupt(1000, [&calls] {
    ++calls;
    return false;
  });
  checked.store->set_gas_limit(123'457);
  auto out_of_gas = checked.instance->invoke("run", {});
  REQUIRE(!out_of_gas.ok());
  CHECK(out_of_gas.status().code() == Code::out_of_gas);
  CHECK(checked.store->gas_used() == plain.store->gas_used());
  CHECK(calls >= 100);
}

// ---------------------------------------------------------------------------
// The node's contract host (execution::WasmContractHost): the load is
// charged before it happens, on every call, and only queries have a
// wall-clock deadline.

namespace {

// A contract that exports its memory, `spin` (an endless loop) and `nothing`.
Bytes spinning_contract() {
  RawModule module;
  module.add(1, vector_of(1, function_type({}, {})));
  module.add(3, vector_of(2, u32_bytes(0) + u32_bytes(0)));
  module.add(5, vector_of(1, Bytes{0x00, 0x01}));
  module.add(7, vector_of(3, Bytes{0x06, 'm', 'e', 'm', 'o', 'r', 'y', 0x02, 0x00} +
                                 Bytes{0x04, 's', 'p', 'i', 'n', 0x00, 0x00} +
                                 Bytes{0x07, 'n', 'o', 't', 'h', 'i', 'n', 'g', 0x00, 0x01}));
  module.add(10, vector_of(2, function_body({}, Bytes{0x03, 0x40, 0x0C, 0x00, 0x0B}) + function_body({}, {})));
  return module.build();
}

const execution::BlockContext host_context{"govchain-test", 1, 1'767'225'600'000, PublicKey()};

}  // namespace

TEST_CASE("contract host: a deploy pays for loading its code before loading it") {
  const Bytes code = spinning_contract();
  const uint64_t load = load_gas(code.size());
  execution::WasmContractHost host;
  execution::EmptyState empty;
  execution::Overlay state(empty);
  chain::Receipt poor;
  const Status refused = host.deploy(state, {"spinner", "test-city", code, ""}, host_context, load - 1, poor);
  CHECK(refused.code() == Code::out_of_gas);
  CHECK(poor.gas_used == load - 1);
  CHECK(!state.get(execution::keys::contract_meta("spinner"))->has_value());

  chain::Receipt paid;
  REQUIRE(host.deploy(state, {"spinner", "test-city", code, ""}, host_context, load, paid).ok());
  CHECK(paid.gas_used == load);
}

TEST_CASE("contract host: every call pays for the load, whether this node has the module cached or not") {
  const Bytes code = spinning_contract();
  execution::EmptyState empty;
  execution::Overlay state(empty);
  execution::WasmContractHost warm;
  REQUIRE(warm.deploy(state, {"spinner", "test-city", code, ""}, host_context).ok());
  const chain::ContractCall call{"spinner", "nothing", {}};
  uint64_t used[3];
  for (int index = 0; index < 2; ++index) {
    chain::Receipt receipt;
    REQUIRE(warm.call(state, call, PublicKey(), host_context, 10'000'000, receipt).ok());
    used[index] = receipt.gas_used;
  }
  execution::WasmContractHost cold;  // a node that just started: nothing cached
  chain::Receipt receipt;
  REQUIRE(cold.call(state, call, PublicKey(), host_context, 10'000'000, receipt).ok());
  used[2] = receipt.gas_used;
  CHECK(used[0] == used[1]);
  CHECK(used[0] == used[2]);
  CHECK(used[0] >= load_gas(code.size()));

  // Too little gas for the load: out of gas before loading, all gas used.
  chain::Receipt poor;
  const Status refused =
      execution::WasmContractHost().call(state, call, PublicKey(), host_context, load_gas(code.size()) - 1, poor);
  CHECK(refused.code() == Code::out_of_gas);
  CHECK(poor.gas_used == load_gas(code.size()) - 1);
}

TEST_CASE("contract host: a query stops at its time budget; a transaction's call never does") {
  const Bytes code = spinning_contract();
  execution::EmptyState empty;
  execution::Overlay state(empty);
  execution::WasmContractHost host;
  REQUIRE(host.deploy(state, {"spinner", "test-city", code, ""}, host_context).ok());
  chain::Parameters parameters;
  parameters.query_gas_max = 1'000'000'000'000;  // so that only the clock can end it
  execution::Executor executor(host_context.chain_id, parameters, &host);
  const chain::ContractCall call{"spinner", "spin", {}};

  const auto started = std::chrono::steady_clock::now();
  auto receipt = executor.query(state, call, PublicKey(), host_context, parameters.query_gas_max, 50);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  REQUIRE(receipt.ok());
  CHECK(receipt->status == Code::timeout);
  CHECK_MESSAGE(receipt->message.find("time budget of 50 ms") != std::string::npos, receipt->message);
  CHECK(seconds >= 0.05);
  CHECK(seconds < 5.0);  // generous: the machine may be busy

  // The default budget applies without one being named.
  auto defaulted = executor.query(state, call, PublicKey(), host_context, parameters.query_gas_max);
  REQUIRE(defaulted.ok());
  CHECK(defaulted->status == Code::timeout);
  CHECK(defaulted->message.find("time budget of " + std::to_string(execution::query_time_budget_ms_default) + " ms") !=
        std::string::npos);

  // The same endless call in a transaction ends by gas alone, at the limit.
  chain::Receipt in_block;
  const Status outcome = host.call(state, call, PublicKey(), host_context, 5'000'000, in_block);
  CHECK(outcome.code() == Code::out_of_gas);
  CHECK(in_block.gas_used == 5'000'000);
}
