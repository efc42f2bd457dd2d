// Decode stage: turns the bytes of a WebAssembly binary into a Module, or
// fails with Code::malformed ("malformed: <cause> at byte offset <n>").
// It checks only the binary format; types are the validate stage's job.
// Every count is checked against the bytes left before anything is
// allocated, so forged counts are refused in time linear in the input.
// Pure function; thread-safe.
#pragma once

#include "core/bytes.h"
#include "core/status.h"
#include "runtime/module.h"
#include "runtime/reader.h"
#include "runtime/types.h"

namespace govchain::runtime {

Result<Module> decode_module(ByteView bytes, const Limits& limits);

// Reads a value type byte; fails (malformed) on anything else.
bool read_value_type(Reader& reader, ValueType& type);

// The type annotation of block, loop and if: empty, one result, or an index
// into the type section (multi-value).
struct BlockType {
  enum class Kind : uint8_t { empty, value, type_index };
  Kind kind = Kind::empty;
  ValueType value = ValueType::i32;
  uint32_t type_index = 0;  // checked by the validate stage
};

bool read_block_type(Reader& reader, BlockType& block_type);

// Parameter and result counts of a (validated) block type.
uint32_t block_param_count(const Module& module, const BlockType& block_type);
uint32_t block_result_count(const Module& module, const BlockType& block_type);

}  // namespace govchain::runtime
