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

  bool read_byte(uint8_t& value) {
    if (position_ < end_ && status_.ok()) [[likely]] {
      value = bytes_[position_++];
      return true;
    }
    return read_byte_slow(value);
  }
  // Most integers in a module fit one byte; they take the inline path.
  bool read_u32(uint32_t& value) {
    if (position_ < end_ && bytes_[position_] < 0x80 && status_.ok()) [[likely]] {
      value = bytes_[position_++];
      return true;
    }
    return read_u32_slow(value);
  }
  bool read_s32(int32_t& value);
  bool read_s33(int64_t& value);
  bool read_s64(int64_t& value);
  bool read_f32_bits(uint32_t& value);
  bool read_f64_bits(uint64_t& value);
  bool read_bytes(size_t count, ByteView& value);
  // A length-prefixed UTF-8 name.
  bool read_name(std::string& value);
  // Reads a vector length and fails unless `count * element_size_bytes_min`
  // bytes remain, so a forged count cannot make us allocate, and unless
  // `count <= count_max`; the message names `what` and the Limits field
  // `limit_name` that bounds it.
  bool read_count(uint32_t& count, size_t element_size_bytes_min, uint32_t count_max, std::string_view what,
                  std::string_view limit_name = {});
  bool fail(std::string_view cause);
  bool fail_at(std::string_view cause, size_t offset);

 private:
  bool read_byte_slow(uint8_t& value);
  bool read_u32_slow(uint32_t& value);
  bool read_unsigned(uint64_t& value, unsigned bits);
  bool read_signed(int64_t& value, unsigned bits);

  ByteView bytes_;
  size_t position_;
  size_t end_;
  Status status_;
};

bool is_valid_utf8(ByteView bytes);

// "too many <what> (<count>; the limit is <count_max>, Limits::<limit_name>)",
// the message of every count bound.
std::string limit_text(std::string_view what, uint64_t count, uint64_t count_max, std::string_view limit_name);

}  // namespace govchain::runtime
