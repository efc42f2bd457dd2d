// A small WebAssembly binary writer for hand-assembled modules in tests and
// in the gas schedule check (bench/runtime/gas_check.cpp): sections in
// order, LEB128 integers, function types and bodies. No validation (the
// engine validates them when they load). Plain values, no IO; never linked
// into the node.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/bytes.h"

namespace govchain::runtime::testing {

inline constexpr uint8_t wasm_i32 = 0x7F;
inline constexpr uint8_t wasm_i64 = 0x7E;

inline void put_unsigned(Bytes& out, uint64_t value) {
  do {
    uint8_t byte = value & 0x7F;
    value >>= 7;
    if (value != 0) byte |= 0x80;
    out.push_back(byte);
  } while (value != 0);
}

inline void put_signed(Bytes& out, int64_t value) {
  bool more = true;
  while (more) {
    uint8_t byte = value & 0x7F;
    value >>= 7;
    more = !((value == 0 && (byte & 0x40) == 0) || (value == -1 && (byte & 0x40) != 0));
    if (more) byte |= 0x80;
    out.push_back(byte);
  }
}

inline Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

inline Bytes unsigned_bytes(uint64_t value) {
  Bytes out;
  put_unsigned(out, value);
  return out;
}

inline Bytes i32_const(int32_t value) {
  Bytes out{0x41};
  put_signed(out, value);
  return out;
}

// A vector: its count, then the already encoded items.
inline Bytes vector_of(uint64_t count, const Bytes& items) { return concat({unsigned_bytes(count), items}); }

inline Bytes name_bytes(const std::string& name) {
  return concat({unsigned_bytes(name.size()), Bytes(name.begin(), name.end())});
}

inline Bytes function_type(const Bytes& params, const Bytes& results) {
  return concat({Bytes{0x60}, vector_of(params.size(), params), vector_of(results.size(), results)});
}

// A function body with runs of locals (count, type); the final `end` added.
inline Bytes function_body(const std::vector<std::pair<uint32_t, uint8_t>>& locals, const Bytes& code) {
  Bytes runs;
  for (const auto& [count, type] : locals) runs = concat({runs, unsigned_bytes(count), Bytes{type}});
  const Bytes content = concat({vector_of(locals.size(), runs), code, Bytes{0x0B}});
  return concat({unsigned_bytes(content.size()), content});
}

// An export of function `index` named `name`.
inline Bytes function_export(const std::string& name, uint32_t index) {
  return concat({name_bytes(name), Bytes{0x00}, unsigned_bytes(index)});
}

// Sections, added in the binary format's order by the caller.
class WasmWriter {
 public:
  WasmWriter& section(uint8_t id, const Bytes& content) {
    sections_.emplace_back(id, content);
    return *this;
  }
  Bytes build() const {
    Bytes out{0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
    for (const auto& [id, content] : sections_) out = concat({out, Bytes{id}, unsigned_bytes(content.size()), content});
    return out;
  }

 private:
  std::vector<std::pair<uint8_t, Bytes>> sections_;
};

}  // namespace govchain::runtime::testing
