// Canonical binary encoding: exactly one encoding per value.
//
// Integers are fixed-width big-endian; booleans are one byte, 0 or 1;
// variable-length byte strings and texts carry a u32 big-endian length
// prefix; lists carry a u32 count. A Reader refuses anything that is not the
// one encoding: short input, a boolean other than 0/1, lengths beyond the
// remaining input or a configured limit, and (via finish()) trailing bytes.
// Writer and Reader are single-threaded values; Reader does not own its input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/limits.h"
#include "core/status.h"

namespace govchain::codec {

// Version byte leading every top-level encoded object (tx, block, ...).
inline constexpr uint8_t format_version = 1;

class Writer {
 public:
  void u8(uint8_t value) { out_.push_back(value); }
  void u16(uint16_t value) { put_big_endian(value, 2); }
  void u32(uint32_t value) { put_big_endian(value, 4); }
  void u64(uint64_t value) { put_big_endian(value, 8); }
  void i64(int64_t value) { u64(static_cast<uint64_t>(value)); }
  void boolean(bool value) { u8(value ? 1 : 0); }
  void raw(ByteView bytes) { out_.insert(out_.end(), bytes.begin(), bytes.end()); }
  template <size_t N>
  void fixed(const FixedBytes<N>& value) { raw(value.view()); }
  void bytes(ByteView value);
  void text(std::string_view value);
  void count(size_t value) { u32(static_cast<uint32_t>(value)); }

  const Bytes& data() const { return out_; }
  Bytes take() { return std::move(out_); }

 private:
  void put_big_endian(uint64_t value, int width);
  Bytes out_;
};

class Reader {
 public:
  explicit Reader(ByteView input) : input_(input) {}

  Result<uint8_t> u8();
  Result<uint16_t> u16();
  Result<uint32_t> u32();
  Result<uint64_t> u64();
  Result<int64_t> i64();
  Result<bool> boolean();
  Result<Bytes> bytes(size_t size_bytes_max);
  Result<std::string> text(size_t size_bytes_max);
  Result<ByteView> raw(size_t size_bytes);
  // A list count, bounded by `count_max` and by what the rest could hold
  // (`element_size_bytes_min` bytes per element at least).
  Result<size_t> count(size_t count_max, size_t element_size_bytes_min = 1);
  template <size_t N>
  Result<FixedBytes<N>> fixed() {
    auto view = raw(N);
    if (!view.ok()) return view.status();
    return FixedBytes<N>::from_view(*view);
  }

  size_t remaining() const { return input_.size() - position_; }
  size_t position() const { return position_; }
  // Ok only when all input was consumed.
  Status finish() const;

 private:
  Result<uint64_t> big_endian(int width);
  ByteView input_;
  size_t position_ = 0;
};

}  // namespace govchain::codec
