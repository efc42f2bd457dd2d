// A cursor over the bytes of a module with the primitive decoders of the
// binary format (LEB128 integers, floats, names). Part of the decode stage;
// validate and prepare reuse it to walk function bodies. Not thread-safe;
// borrows the bytes, which must outlive it.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "core/bytes.h"
#include "core/status.h"

namespace govchain::runtime {

class Reader {
 public:
  Reader(ByteView bytes, size_t position, size_t end) : bytes_(bytes), position_(position), end_(end) {}

  size_t position() const { return position_; }
  size_t end() const { return end_; }
  size_t remaining_bytes() const { return end_ - position_; }
  bool at_end() const { return position_ >= end_; }
  void seek(size_t position) { position_ = position; }
  // The first failure; later reads fail too.
  const Status& status() const { return status_; }
  bool ok() const { return status_.ok(); }

  bool read_byte(uint8_t& value);
  bool read_u32(uint32_t& value);
  bool read_s32(int32_t& value);
  bool read_s33(int64_t& value);
  bool read_s64(int64_t& value);
  bool read_f32_bits(uint32_t& value);
  bool read_f64_bits(uint64_t& value);
  bool read_bytes(size_t count, ByteView& value);
  // A length-prefixed UTF-8 name.
  bool read_name(std::string& value);
  // Reads a vector length and fails unless `count * element_size_bytes_min`
  // bytes remain, so a forged count cannot make us allocate.
  bool read_count(uint32_t& count, size_t element_size_bytes_min, uint32_t count_max, std::string_view what);
  bool fail(std::string_view cause);
  bool fail_at(std::string_view cause, size_t offset);

 private:
  bool read_unsigned(uint64_t& value, unsigned bits);
  bool read_signed(int64_t& value, unsigned bits);

  ByteView bytes_;
  size_t position_;
  size_t end_;
  Status status_;
};

bool is_valid_utf8(ByteView bytes);

}  // namespace govchain::runtime
