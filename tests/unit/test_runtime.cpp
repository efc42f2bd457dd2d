// Unit tests of the WebAssembly runtime: one test per trap kind, gas and
// limits, the host-function interface and the embedder API. Modules are
// assembled by hand with the small builder below, so the tests need no tools.
#include <doctest/doctest.h>

#include <bit>
#include <stdexcept>
#include <cmath>
#include <string>
#include <vector>

#include "runtime/runtime.h"

using namespace govchain;
using namespace govchain::runtime;

namespace {

// Binary-format helpers.
void put_u32(Bytes& out, uint32_t value) {
  do {
    uint8_t byte = value & 0x7F;
    value >>= 7;
    if (value != 0) byte |= 0x80;
    out.push_back(byte);
  } while (value != 0);
}

void put_s64(Bytes& out, int64_t value) {
  bool more = true;
  while (more) {
    uint8_t byte = value & 0x7F;
    value >>= 7;
    more = !((value == 0 && (byte & 0x40) == 0) || (value == -1 && (byte & 0x40) != 0));
    if (more) byte |= 0x80;
    out.push_back(byte);
  }
}

void put_name(Bytes& out, const std::string& name) {
  put_u32(out, static_cast<uint32_t>(name.size()));
  out.insert(out.end(), name.begin(), name.end());
}

// Instruction bytes.
Bytes i32_const(int32_t value) {
  Bytes out{0x41};
  put_s64(out, value);
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
    put_u32(out, static_cast<uint32_t>(content.size()));
    out.insert(out.end(), content.begin(), content.end());
  }

  Bytes build() const {
    Bytes out{0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
    Bytes content;
    put_u32(content, static_cast<uint32_t>(types.size()));
    for (const auto& [params, results] : types) {
      content.push_back(0x60);
      put_u32(content, static_cast<uint32_t>(params.size()));
      content.insert(content.end(), params.begin(), params.end());
      put_u32(content, static_cast<uint32_t>(results.size()));
      content.insert(content.end(), results.begin(), results.end());
    }
    section(out, 1, content);
    if (!function_imports.empty()) {
      content.clear();
      put_u32(content, static_cast<uint32_t>(function_imports.size()));
      for (const auto& [module_name, field, type_index] : function_imports) {
        put_name(content, module_name);
        put_name(content, field);
        content.push_back(0x00);
        put_u32(content, type_index);
      }
      section(out, 2, content);
    }
    content.clear();
    put_u32(content, static_cast<uint32_t>(functions.size()));
    for (const auto& function : functions) put_u32(content, function.type_index);
    section(out, 3, content);
    if (table_size) {
      content = {0x01, 0x70, 0x00};
      put_u32(content, *table_size);
      section(out, 4, content);
    }
    if (memory) {
      content = {0x01, static_cast<uint8_t>(memory->second ? 1 : 0)};
      put_u32(content, memory->first);
      if (memory->second) put_u32(content, *memory->second);
      section(out, 5, content);
    }
    if (!globals.empty()) {
      content.clear();
      put_u32(content, static_cast<uint32_t>(globals.size()));
      for (const auto& [value, type] : globals) {
        content.push_back(type);
        content.push_back(0x01);
        content = content + i32_const(static_cast<int32_t>(value)) + Bytes{0x0B};
      }
      section(out, 6, content);
    }
    content.clear();
    put_u32(content, static_cast<uint32_t>(exports.size()));
    for (const auto& [name, kind, index] : exports) {
      put_name(content, name);
      content.push_back(kind);
      put_u32(content, index);
    }
    section(out, 7, content);
    if (!table_functions.empty()) {
      content = Bytes{0x01, 0x00} + i32_const(0) + Bytes{0x0B};
      put_u32(content, static_cast<uint32_t>(table_functions.size()));
      for (uint32_t index : table_functions) put_u32(content, index);
      section(out, 9, content);
    }
    content.clear();
    put_u32(content, static_cast<uint32_t>(functions.size()));
    for (const auto& function : functions) {
      Bytes body;
      put_u32(body, static_cast<uint32_t>(function.locals.size()));
      for (const auto& [count, type] : function.locals) {
        put_u32(body, count);
        body.push_back(type);
      }
      body = body + function.body + Bytes{0x0B};
      put_u32(content, static_cast<uint32_t>(body.size()));
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
  put_u32(body, expect_other_type ? returns_nothing : returns_i32);
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
  auto module = load_module(builder.build());
  REQUIRE(module.ok());
  Store store;
  auto instance = store.instantiate(*module, Linker());
  REQUIRE(!instance.ok());
  CHECK(instance.status().code() == Code::resource_exhausted);
}

TEST_CASE("memory bomb: memory.grow in a loop stops at the page limit") {
  // (loop (br_if 0 (i32.ne (memory.grow (i32.const 16)) (i32.const -1)))) (memory.size)
  const Bytes body = Bytes{0x03, 0x40} + i32_const(16) + Bytes{0x40, 0x00} + i32_const(-1) +
                     Bytes{0x47, 0x0D, 0x00, 0x0B, 0x3F, 0x00};
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
  const Bytes body = i32_const(8) + i32_const(0x01020304) + Bytes{0x36, 0x02, 0x00} + i32_const(8) + i32_const(4) +
                     Bytes{0x10, 0x00};
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
  linker.define_function("env", "fail", FunctionType{}, 0,
                         [](HostContext&, std::span<const Value>, std::span<Value>) {
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
